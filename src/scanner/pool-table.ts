import type { HexAddress, PoolSnapshot } from '../market/snapshot.ts';
import type { TokenTable } from './tokens.ts';

/** Pool kinds the scanner sizes: constant product (closed form) and concentrated liquidity. */
export const KIND_V2 = 0;
export const KIND_V3 = 1;

/**
 * The scanner's view of the market: flat arrays indexed by pool number, so the hot loops read
 * numbers from typed arrays instead of chasing objects. V2 reserves live here (updated from
 * Sync logs); the float log-rates are cached per direction and refreshed with the reserves.
 */
export interface PoolTable {
  readonly size: number;
  readonly address: readonly HexAddress[];
  readonly byAddress: ReadonlyMap<string, number>;
  readonly token0: Int32Array;
  readonly token1: Int32Array;
  /** Swap fee in pips. */
  readonly fee: Int32Array;
  readonly kind: Uint8Array;
  readonly reserve0: bigint[];
  readonly reserve1: bigint[];
  /** ln(marginal rate net of fee): [2i] token0 -> token1, [2i+1] token1 -> token0; -Infinity when dry. */
  readonly logRate: Float64Array;
  /** Reserves as floats, [2i] reserve0 and [2i+1] reserve1: inputs of the ranking bound only. */
  readonly reserveF: Float64Array;
  /** A V3 pool's current sqrt price (Q64.96), kept by the V3 adapter; 0n for V2 pools. */
  readonly sqrtPriceX96: bigint[];
}

/** Builds the table from snapshot pools (V2 only here; V3 pools are added by the V3 adapter). */
export function buildPoolTable(pools: readonly PoolSnapshot[], tokens: TokenTable): PoolTable {
  const n = pools.length;
  const table: PoolTable = {
    size: n,
    address: pools.map((p) => p.address),
    byAddress: new Map(pools.map((p, i) => [p.address, i])),
    token0: new Int32Array(n),
    token1: new Int32Array(n),
    fee: new Int32Array(n),
    kind: new Uint8Array(n),
    reserve0: new Array<bigint>(n).fill(0n),
    reserve1: new Array<bigint>(n).fill(0n),
    logRate: new Float64Array(2 * n),
    reserveF: new Float64Array(2 * n),
    sqrtPriceX96: new Array<bigint>(n).fill(0n),
  };
  pools.forEach((pool, i) => {
    table.token0[i] = tokens.index.get(pool.token0.address)!;
    table.token1[i] = tokens.index.get(pool.token1.address)!;
    table.fee[i] = pool.fee;
    if (pool.protocol === 'uniswap-v2') {
      table.kind[i] = KIND_V2;
      setReserves(table, i, pool.reserve0, pool.reserve1);
    } else {
      table.kind[i] = KIND_V3;
      table.logRate[2 * i] = -Infinity;
      table.logRate[2 * i + 1] = -Infinity;
    }
  });
  return table;
}

/**
 * Sets a V2 pool's reserves and refreshes its log-rates. A pool with a zero reserve gets
 * -Infinity both ways, so every cycle through it fails the screen without special cases.
 */
export function setReserves(table: PoolTable, i: number, reserve0: bigint, reserve1: bigint): void {
  table.reserve0[i] = reserve0;
  table.reserve1[i] = reserve1;
  table.reserveF[2 * i] = Number(reserve0);
  table.reserveF[2 * i + 1] = Number(reserve1);
  if (reserve0 <= 0n || reserve1 <= 0n) {
    table.logRate[2 * i] = -Infinity;
    table.logRate[2 * i + 1] = -Infinity;
    return;
  }
  const lnFee = Math.log1p(-table.fee[i]! / 1e6);
  const ln0 = Math.log(table.reserveF[2 * i]!);
  const ln1 = Math.log(table.reserveF[2 * i + 1]!);
  table.logRate[2 * i] = ln1 - ln0 + lnFee;
  table.logRate[2 * i + 1] = ln0 - ln1 + lnFee;
}

/** Number of V2 pools with a zero reserve (dead pairs: indexed, never sized). */
export function countDryPools(table: PoolTable): number {
  let dry = 0;
  for (let i = 0; i < table.size; i++) {
    if (table.kind[i] === KIND_V2 && (table.reserve0[i]! <= 0n || table.reserve1[i]! <= 0n)) dry++;
  }
  return dry;
}
