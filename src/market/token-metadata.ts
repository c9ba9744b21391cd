import { hexToString, type Address, type Hex } from 'viem';
import { callAtBlock, type PinnedResult } from '../chain/pinned-calls.ts';
import type { RpcPool } from '../chain/rpc-pool.ts';
import type { BlockRef } from '../chain/types.ts';
import { encodeCall, SELECTORS } from './abi-words.ts';

/**
 * ERC-20 metadata that survives real tokens: `symbol`/`name` as an ABI string or as bytes32
 * (MKR, SAI), a `decimals` that is missing, reverts or is absurd, and calls that revert or
 * return nothing. Metadata is for display only — amounts stay in base units — so a token with
 * unknown decimals is still tracked, with `decimalsKnown: false` (decimals 0: base units shown as they are).
 */

/** Metadata of one token. */
export interface TokenMetadata {
  address: Address;
  symbol: string;
  name: string | null;
  decimals: number;
  decimalsKnown: boolean;
  /** What was odd about it, for logs ("symbol is bytes32", "decimals() reverted"). */
  notes: string[];
}

const MAX_TEXT = 64;

/** Decodes a string return value: ABI `string`, or `bytes32` padded with zeros; undefined when neither. */
export function decodeStringOrBytes32(data: Hex): { value: string; bytes32: boolean } | undefined {
  const bytes = (data.length - 2) / 2;
  if (bytes === 32) {
    const text = hexToString(data).replace(/\0+$/, '');
    return { value: clean(text), bytes32: true };
  }
  if (bytes >= 64) {
    const offset = Number(BigInt(`0x${data.slice(2, 66)}`));
    if (offset + 32 > bytes) return undefined;
    const length = Number(BigInt(`0x${data.slice(2 + offset * 2, 2 + offset * 2 + 64)}`));
    if (offset + 32 + length > bytes) return undefined;
    const start = 2 + (offset + 32) * 2;
    return { value: clean(hexToString(`0x${data.slice(start, start + length * 2)}` as Hex)), bytes32: false };
  }
  return undefined;
}

// Control characters and invalid UTF-8 replacement marks would break tables and logs.
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\ufffd]/g, '').trim().slice(0, MAX_TEXT);
}

function textOf(result: PinnedResult, what: string, notes: string[]): string | null {
  if (!result.ok) {
    notes.push(`${what}() reverted`);
    return null;
  }
  const decoded = decodeStringOrBytes32(result.data);
  if (decoded === undefined || decoded.value === '') {
    notes.push(`${what}() returned ${result.data === '0x' ? 'nothing' : 'undecodable data'}`);
    return null;
  }
  if (decoded.bytes32) notes.push(`${what} is bytes32`);
  return decoded.value;
}

/** Reads metadata of `tokens` at block `at` (3 calls per token, batched). */
export async function readTokenMetadata(rpc: RpcPool, at: BlockRef, tokens: readonly Address[]): Promise<TokenMetadata[]> {
  const calls = tokens.flatMap((to) => [
    { to, data: encodeCall(SELECTORS.symbol) },
    { to, data: encodeCall(SELECTORS.name) },
    { to, data: encodeCall(SELECTORS.decimals) },
  ]);
  const results = await callAtBlock(rpc, at.hash, calls);
  return tokens.map((address, i) => {
    const notes: string[] = [];
    const symbolResult = results[i * 3] as PinnedResult;
    const nameResult = results[i * 3 + 1] as PinnedResult;
    const decimalsResult = results[i * 3 + 2] as PinnedResult;
    const symbol = textOf(symbolResult, 'symbol', notes);
    const name = textOf(nameResult, 'name', notes);
    let decimals = 0;
    let decimalsKnown = false;
    if (!decimalsResult.ok) notes.push('decimals() reverted');
    else if (decimalsResult.data.length < 66) notes.push('decimals() returned nothing');
    else {
      const value = BigInt(decimalsResult.data.slice(0, 66));
      // uint8 by the standard; anything above 77 cannot describe a uint256 amount.
      if (value > 77n) notes.push(`decimals() returned ${value}`);
      else {
        decimals = Number(value);
        decimalsKnown = true;
      }
    }
    const lower = address.toLowerCase() as Address;
    return { address: lower, symbol: symbol ?? name ?? `${lower.slice(0, 8)}…`, name, decimals, decimalsKnown, notes };
  });
}
