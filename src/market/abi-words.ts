import type { Hex } from 'viem';

/**
 * Hand-rolled ABI encoding for the handful of fixed-shape calls the loader makes thousands of
 * times (selectors and 32-byte words); decoding of static return words. Anything dynamic goes
 * through viem.
 */

/** Function selectors used by the loaders. */
export const SELECTORS = {
  getReserves: '0x0902f1ac',
  slot0: '0x3850c7bd',
  liquidity: '0x1a686502',
  tickBitmap: '0x5339c296',
  ticks: '0xf30dba93',
  symbol: '0x95d89b41',
  name: '0x06fdde03',
  decimals: '0x313ce567',
  balanceOf: '0x70a08231',
  transfer: '0xa9059cbb',
} as const satisfies Record<string, Hex>;

const TWO_256 = 1n << 256n;

/** A 32-byte word of a (possibly negative) integer, two's complement. */
export function encodeWord(value: bigint | number): string {
  const v = BigInt(value);
  return (v < 0n ? v + TWO_256 : v).toString(16).padStart(64, '0');
}

/** selector + words. */
export function encodeCall(selector: Hex, ...args: (bigint | number | string)[]): Hex {
  return `${selector}${args.map((a) => (typeof a === 'string' ? a.toLowerCase().replace(/^0x/, '').padStart(64, '0') : encodeWord(a))).join('')}` as Hex;
}

/** Word `index` of return data as unsigned. */
export function wordAt(data: Hex, index: number): bigint {
  const hex = data.slice(2 + index * 64, 2 + (index + 1) * 64);
  if (hex.length !== 64) throw new RangeError(`return data has no word ${index} (${(data.length - 2) / 2} bytes)`);
  return BigInt(`0x${hex}`);
}

/** Word `index` as a signed integer of `bits` bits (int24, int128...). */
export function signedWordAt(data: Hex, index: number, bits = 256): bigint {
  const raw = wordAt(data, index);
  const value = raw >= 1n << 255n ? raw - TWO_256 : raw;
  const limit = 1n << BigInt(bits - 1);
  if (value < -limit || value >= limit) throw new RangeError(`word ${index} = ${value} does not fit int${bits}`);
  return value;
}
