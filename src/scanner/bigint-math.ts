/**
 * Integer helpers for sizing: the square root is the only non-trivial operation the closed
 * form needs, and it sits on the hot path of every profitable cycle, so it starts from a float
 * estimate (53 correct bits) and needs one or two Newton steps instead of ~log2(n) of them.
 */

/** floor(sqrt(n)) for n >= 0, exact. Throws RangeError for a negative input. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`isqrt of a negative number: ${n}`);
  if (n < 2n) return n;
  let x: bigint;
  const approx = Number(n);
  if (approx < 1e300) {
    x = BigInt(Math.floor(Math.sqrt(approx))) + 1n;
  } else {
    // Beyond float range: shift by an even number of bits, take the float root, shift back.
    const bits = n.toString(16).length * 4;
    const shift = BigInt((bits - 200) & ~1);
    x = (BigInt(Math.floor(Math.sqrt(Number(n >> shift)))) + 1n) << (shift / 2n);
  }
  // One Newton step from any positive x lands at or above floor(sqrt(n)) (AM-GM with floors),
  // after which the iteration decreases strictly to the answer: the first x with x² <= n is it.
  // (Squaring to stop, rather than one more step to see it no longer decreases, saves a division
  // of ~4 per root on the ~600-bit discriminants of 3-hop sizing windows.)
  x = (x + n / x) >> 1n;
  while (x * x > n) x = (x + n / x) >> 1n;
  return x;
}

/** ceil(a / b) for a >= 0, b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
