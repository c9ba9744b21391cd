import { keccak256, type Hex } from 'viem';

/**
 * The block header's `logsBloom` (2048 bits): every log sets 3 bits for its emitter's address and
 * 3 for each topic, taken from keccak256 of the address's 20 bytes or the topic's 32 (the first
 * three byte pairs, 11 bits each). A bit clear means the item is surely absent; all three set
 * means it may be present. Used to refuse an empty `eth_getLogs` answer for a block whose bloom
 * says a watched pool's event may be there (block-fetch.ts), not to find logs.
 */

const BLOOM_HEX_LENGTH = 2 + 512;
const bitsCache = new Map<string, readonly number[]>();

/** The 3 bit positions (0 = lowest bit of the last byte) an address or topic sets. */
function bloomBits(item: Hex): readonly number[] {
  const key = item.toLowerCase();
  let bits = bitsCache.get(key);
  if (bits === undefined) {
    const hash = keccak256(key as Hex);
    bits = [0, 1, 2].map((i) => parseInt(hash.slice(2 + 4 * i, 6 + 4 * i), 16) & 0x7ff);
    // Addresses and topics of the tracked pools: bounded by what is tracked, asked again every empty block.
    if (bitsCache.size < 1_000_000) bitsCache.set(key, bits);
  }
  return bits;
}

/** Whether `bloom` (0x + 512 hex digits) may hold `item` (an address or a topic). */
export function bloomMayContain(bloom: Hex, item: Hex): boolean {
  if (bloom.length !== BLOOM_HEX_LENGTH) throw new Error(`logsBloom must be 256 bytes (0x + 512 hex digits), got ${bloom.length - 2} digits`);
  return bloomBits(item).every((bit) => {
    // Big-endian: bit b lives in byte 255 - floor(b / 8), as 1 << (b % 8).
    const byteIndex = 255 - (bit >> 3);
    const byte = parseInt(bloom.slice(2 + 2 * byteIndex, 4 + 2 * byteIndex), 16);
    return (byte & (1 << (bit & 7))) !== 0;
  });
}

/**
 * A watched emitter and topic that `bloom` says may both be in the block (the bloom cannot tell
 * whether from one log), or undefined when for every pair at least one is surely absent.
 */
export function watchedLogMayBeIn(bloom: Hex, addresses: Iterable<string>, topics: readonly Hex[]): { address: string; topic: Hex } | undefined {
  const topic = topics.find((t) => bloomMayContain(bloom, t));
  if (topic === undefined) return undefined;
  for (const address of addresses) if (bloomMayContain(bloom, address as Hex)) return { address, topic };
  return undefined;
}
