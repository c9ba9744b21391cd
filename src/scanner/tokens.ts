import type { HexAddress, PoolSnapshot, SnapshotToken } from '../market/snapshot.ts';

/**
 * Dense token numbering for the scanner: every token of the market gets an index so the
 * graph and the cycle arrays hold small integers instead of address strings.
 */
export interface TokenTable {
  /** Token metadata by index. */
  readonly tokens: readonly SnapshotToken[];
  /** Index by lower-case address. */
  readonly index: ReadonlyMap<string, number>;
  /** Number of pools touching each token (the graph degree). */
  readonly degree: Int32Array;
}

/** Numbers the tokens of `pools` in order of first appearance. */
export function buildTokenTable(pools: readonly PoolSnapshot[]): TokenTable {
  const tokens: SnapshotToken[] = [];
  const index = new Map<string, number>();
  const counts: number[] = [];
  for (const pool of pools) {
    for (const token of [pool.token0, pool.token1]) {
      let i = index.get(token.address);
      if (i === undefined) {
        i = tokens.length;
        index.set(token.address, i);
        tokens.push(token);
        counts.push(0);
      }
      counts[i] = (counts[i] ?? 0) + 1;
    }
  }
  return { tokens, index, degree: Int32Array.from(counts) };
}

/** Address of token `i` (throws on an index outside the table: a programming error). */
export function tokenAddress(table: TokenTable, i: number): HexAddress {
  const token = table.tokens[i];
  if (token === undefined) throw new RangeError(`token index ${i} outside the table of ${table.tokens.length}`);
  return token.address;
}
