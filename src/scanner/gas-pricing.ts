import { InputError } from '../errors.ts';
import type { HexAddress } from '../market/snapshot.ts';
import { ceilDiv } from './bigint-math.ts';
import { KIND_V2, KIND_V3, type PoolTable } from './pool-table.ts';
import type { TokenTable } from './tokens.ts';

/** The wrapped native token gas is paid in, by chain id (WETH on Ethereum and its rollups). */
export const WRAPPED_NATIVE: Readonly<Record<number, HexAddress>> = {
  1: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2',
  10: '0x4200000000000000000000000000000000000006',
  8453: '0x4200000000000000000000000000000000000006',
  42161: '0x82af49447d8a07e3bd95bd0d56f35241523fbab1',
};

const Q192 = 1n << 192n;
const Q192F = 2 ** 192;

/**
 * Prices gas (paid in the wrapped native token) in each base token at the spot price of the
 * deepest pool joining them, V2 or V3 (deepest = most of the gas token: a V2 pool's reserve, a
 * V3 pool's in-range virtual reserve L·√P or L/√P; judged on the current state, so an
 * incremental refresh and a full rescan always agree on the price source). A V3 pool is priced
 * from its exact sqrt price, a V2 pool from its reserves; either way the bigint conversion is
 * rounded up, so gas is never underestimated against that spot price. A change to any
 * candidate pool re-prices every opportunity of that base.
 */
export class GasPricer {
  /** Candidate pricing pools by token index (empty: none, or the gas token itself). */
  private readonly candidates: number[][];
  /** Base token priced by each pool, by pool index (-1 when the pool prices nothing). */
  readonly pricesBase: Int32Array;

  constructor(private readonly pools: PoolTable, tokenCount: number, readonly gasToken: number, bases: readonly number[]) {
    this.candidates = Array.from({ length: tokenCount }, () => []);
    this.pricesBase = new Int32Array(pools.size).fill(-1);
    if (gasToken < 0) return;
    const isBase = new Set(bases);
    for (let p = 0; p < pools.size; p++) {
      if (pools.kind[p] !== KIND_V2 && pools.kind[p] !== KIND_V3) continue;
      const t0 = pools.token0[p]!;
      const t1 = pools.token1[p]!;
      const other = t0 === gasToken ? t1 : t1 === gasToken ? t0 : -1;
      if (other < 0 || !isBase.has(other)) continue;
      this.candidates[other]!.push(p);
      this.pricesBase[p] = other;
    }
  }

  /** Whether gas can ever be priced in `base` (it is the gas token or some pool joins them). */
  canPrice(base: number): boolean {
    return base === this.gasToken || this.candidates[base]!.length > 0;
  }

  /**
   * `gasWei` of the gas token in `base` units at the pricing pool's spot price, rounded up (we
   * pay it); undefined when no pool can price it right now (every candidate is dry).
   */
  inBase(base: number, gasWei: bigint): bigint | undefined {
    if (gasWei === 0n || base === this.gasToken) return gasWei;
    const p = this.deepest(base);
    if (p < 0) return undefined;
    if (this.pools.kind[p] === KIND_V3) {
      // P = √P² / 2^192 is token1 per token0; exact rational, one rounding (up).
      const sq = this.pools.sqrtPriceX96[p]! * this.pools.sqrtPriceX96[p]!;
      return this.pools.token0[p] === base ? ceilDiv(gasWei * Q192, sq) : ceilDiv(gasWei * sq, Q192);
    }
    const [baseReserve, gasReserve] = this.reserves(p, base);
    return ceilDiv(gasWei * baseReserve, gasReserve);
  }

  /** Value of one `base` unit in gas-token units (a float: used to rank across bases, never to size). */
  toGasToken(base: number): number {
    const p = base === this.gasToken ? -1 : this.deepest(base);
    if (p < 0) return 1;
    if (this.pools.kind[p] === KIND_V3) {
      const price = Number(this.pools.sqrtPriceX96[p]!) ** 2 / Q192F;
      return this.pools.token0[p] === base ? price : 1 / price;
    }
    const [baseReserve, gasReserve] = this.reserves(p, base);
    return Number(gasReserve) / Number(baseReserve);
  }

  /**
   * The candidate pool with the most gas token and both reserves positive (for V3: liquidity in
   * range and a price), or -1. Ties go to the lower pool number, so the choice is deterministic.
   */
  private deepest(base: number): number {
    let best = -1;
    let bestDepth = 0n;
    for (const p of this.candidates[base]!) {
      const [baseReserve, gasReserve] = this.reserves(p, base);
      if (this.pools.kind[p] === KIND_V3 && this.pools.sqrtPriceX96[p]! <= 0n) continue;
      if (baseReserve > 0n && gasReserve > bestDepth) {
        best = p;
        bestDepth = gasReserve;
      }
    }
    return best;
  }

  private reserves(p: number, base: number): [bigint, bigint] {
    const r0 = this.pools.reserve0[p]!;
    const r1 = this.pools.reserve1[p]!;
    return this.pools.token0[p] === base ? [r0, r1] : [r1, r0];
  }
}

/** Tokens gas can be priced in: the gas token and every token sharing a V2 or V3 pool with it. */
export function tokensJoinedToGas(pools: PoolTable, gasToken: number): Set<number> {
  const joined = new Set<number>();
  if (gasToken < 0) return joined;
  joined.add(gasToken);
  for (let p = 0; p < pools.size; p++) {
    if (pools.token0[p] === gasToken) joined.add(pools.token1[p]!);
    else if (pools.token1[p] === gasToken) joined.add(pools.token0[p]!);
  }
  return joined;
}

/** Resolves the gas token: the given address, else the chain's wrapped native token, else the one token called WETH, else none (-1). */
export function resolveGasToken(tokens: TokenTable, chainId: number, address: string | undefined): number {
  if (address !== undefined) {
    const i = tokens.index.get(address.toLowerCase());
    if (i === undefined) throw new InputError(`gas token ${address} is not a token of any pool in the market`, { details: { gasToken: address } });
    return i;
  }
  const known = WRAPPED_NATIVE[chainId];
  const byAddress = known === undefined ? -1 : (tokens.index.get(known) ?? -1);
  if (byAddress !== -1) return byAddress;
  // A chain we have no address for (the local devnet seeds its own copy of a real market's
  // WETH at a new address): the one token called WETH, when exactly one is.
  const named: number[] = [];
  tokens.tokens.forEach((token, i) => {
    if (token.symbol.toUpperCase() === 'WETH') named.push(i);
  });
  return named.length === 1 ? named[0]! : -1;
}
