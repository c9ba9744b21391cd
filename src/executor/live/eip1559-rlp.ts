import { assertTransactionEIP1559, type TransactionSerializable, type TransactionSerializableEIP1559 } from 'viem';

/**
 * EIP-1559 transactions as bytes, written straight into Buffers: `0x02 ‖ rlp([chainId, nonce,
 * maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, accessList, yParity, r, s])`, the
 * bytes viem's `serializeTransaction` writes for the same fields. viem builds the same list as
 * hex strings, converts each to bytes and back, and joins them as hex: that was ~60 % of a
 * native signature once a block in the engine (native-signing.ts), where only these bytes are
 * needed, once for the hash that is signed and once for the raw transaction and its hash.
 *
 * It covers the transactions the live executor signs: a call with `to`, no access list, no
 * signature fields on the input. `leanEip1559` says which transactions it takes; any other goes
 * to viem, whose checks this path runs first too (`assertTransactionEIP1559`), so a bad field is
 * refused with viem's error either way. native-signing.test.ts holds the bytes equal to viem's.
 */

/** A transaction the lean path serializes (`leanEip1559` said yes). */
export type LeanEip1559 = TransactionSerializableEIP1559 & { to: `0x${string}`; data?: `0x${string}` };

const EVEN_HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

/** Whether `tx` is one this path writes exactly as viem would (otherwise viem serializes it). */
export function leanEip1559(tx: TransactionSerializable): tx is LeanEip1559 {
  if (tx.type !== 'eip1559' || typeof tx.to !== 'string') return false;
  const fields = tx as Record<string, unknown>;
  if (fields['r'] !== undefined || fields['s'] !== undefined || fields['v'] !== undefined || fields['yParity'] !== undefined) return false;
  if (tx.accessList !== undefined && tx.accessList.length > 0) return false;
  if (tx.data !== undefined && !EVEN_HEX.test(tx.data)) return false;
  // viem refuses a negative or unsafe number with its own errors: left to it.
  if (!Number.isSafeInteger(tx.chainId) || (tx.nonce !== undefined && !(Number.isSafeInteger(tx.nonce) && tx.nonce >= 0))) return false;
  // viem refuses a number where a bigint belongs (a fraction, say) with its own error: left to it too.
  for (const n of [tx.gas, tx.value, tx.maxFeePerGas, tx.maxPriorityFeePerGas]) if (n !== undefined && (typeof n !== 'bigint' || n < 0n)) return false;
  assertTransactionEIP1559(tx);
  return true;
}

/** An unsigned integer's minimal big-endian bytes (0: none), as RLP takes it. */
function integerBytes(value: bigint | number | undefined): Buffer {
  if (value === undefined || value === 0 || value === 0n) return Buffer.alloc(0);
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
}

/** RLP of one byte string. */
function rlpString(bytes: Buffer): Buffer {
  if (bytes.length === 1 && bytes[0]! < 0x80) return bytes;
  return Buffer.concat([lengthPrefix(0x80, bytes.length), bytes]);
}

/** RLP's length prefix of a string (offset 0x80) or a list (0xc0) of `length` bytes. */
function lengthPrefix(offset: number, length: number): Buffer {
  if (length < 56) return Buffer.from([offset + length]);
  const size = integerBytes(length);
  return Buffer.concat([Buffer.from([offset + 55 + size.length]), size]);
}

/** The RLP items of `tx` before the signature, each already encoded. */
function unsignedItems(tx: LeanEip1559): Buffer[] {
  return [
    rlpString(integerBytes(tx.chainId)),
    rlpString(integerBytes(tx.nonce)),
    rlpString(integerBytes(tx.maxPriorityFeePerGas)),
    rlpString(integerBytes(tx.maxFeePerGas)),
    rlpString(integerBytes(tx.gas)),
    rlpString(Buffer.from(tx.to.slice(2), 'hex')),
    rlpString(integerBytes(tx.value)),
    rlpString(Buffer.from((tx.data ?? '0x').slice(2), 'hex')),
    Buffer.from([0xc0]), // the empty access list
  ];
}

/** `0x02 ‖ rlp(items)`. */
function typed(items: Buffer[]): Buffer {
  const payload = Buffer.concat(items);
  return Buffer.concat([Buffer.from([0x02]), lengthPrefix(0xc0, payload.length), payload]);
}

/** A signature as RLP takes it: r and s without leading zero bytes, yParity 0 as the empty string. */
export interface RawSignature {
  /** r ‖ s, 64 bytes. */
  rs: Uint8Array;
  yParity: number;
}

/** The bytes whose Keccak is signed (the transaction without its signature). */
export function unsignedEip1559(tx: LeanEip1559): Buffer {
  return typed(unsignedItems(tx));
}

/** The raw signed transaction. */
export function signedEip1559(tx: LeanEip1559, signature: RawSignature): Buffer {
  const trimmed = (bytes: Uint8Array): Buffer => {
    let start = 0;
    while (start < bytes.length && bytes[start] === 0) start += 1;
    return Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start);
  };
  return typed([
    ...unsignedItems(tx),
    rlpString(integerBytes(signature.yParity)),
    rlpString(trimmed(signature.rs.subarray(0, 32))),
    rlpString(trimmed(signature.rs.subarray(32, 64))),
  ]);
}
