import fc from 'fast-check';
import { bytesToHex, type AbiFunction, type AbiParameter, type Address } from 'viem';

/**
 * Test-only: fast-check arbitraries of well-formed arguments for any ABI function, so a fuzz test
 * can call every function of a contract with values of the right types (addresses drawn from the
 * interesting ones of the test and from random ones, integers across their whole range).
 */

function arbitraryFor(param: AbiParameter, addresses: readonly Address[]): fc.Arbitrary<unknown> {
  const array = /^(.*)\[(\d*)\]$/.exec(param.type);
  if (array) {
    const inner = arbitraryFor({ ...param, type: array[1]! } as AbiParameter, addresses);
    const fixed = array[2] === '' ? undefined : Number(array[2]);
    return fc.array(inner, fixed === undefined ? { maxLength: 4 } : { minLength: fixed, maxLength: fixed });
  }
  if (param.type === 'tuple') {
    const components = (param as { components: readonly AbiParameter[] }).components;
    return fc.record(Object.fromEntries(components.map((c, i) => [c.name ?? String(i), arbitraryFor(c, addresses)])));
  }
  if (param.type === 'address') {
    return fc.oneof(fc.constantFrom(...addresses), fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b) as Address));
  }
  if (param.type === 'bool') return fc.boolean();
  if (param.type === 'string') return fc.string();
  if (param.type === 'bytes') return fc.uint8Array({ maxLength: 300 }).map((b) => bytesToHex(b));
  const fixedBytes = /^bytes(\d+)$/.exec(param.type);
  if (fixedBytes) return fc.uint8Array({ minLength: Number(fixedBytes[1]), maxLength: Number(fixedBytes[1]) }).map((b) => bytesToHex(b));
  const integer = /^(u?)int(\d*)$/.exec(param.type);
  if (integer) {
    const bits = BigInt(integer[2] === '' ? 256 : Number(integer[2]));
    const [min, max] = integer[1] === 'u' ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
    // Small values hit the interesting paths (amounts, kinds), large ones the overflow edges.
    const small = fc.bigInt({ min: min < -1000n ? -1000n : min, max: max > 10n ** 21n ? 10n ** 21n : max });
    const value = fc.oneof(small, fc.bigInt({ min, max }), fc.constantFrom(min, max));
    return bits <= 48n ? value.map((v) => Number(v)) : value;
  }
  throw new Error(`abi-arbitrary: unsupported ABI type ${param.type}`);
}

/** An arbitrary of argument lists for `fn`. */
export function arbitraryArgs(fn: AbiFunction, addresses: readonly Address[]): fc.Arbitrary<unknown[]> {
  return fc.tuple(...fn.inputs.map((input) => arbitraryFor(input, addresses)));
}
