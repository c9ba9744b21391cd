import { getAmountOut } from '../amm/uniswap-v2.ts';
import { AmmError } from '../amm/errors.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { KIND_V3 } from './pool-table.ts';
import type { Scanner } from './scanner.ts';
import type { V3State } from './v3-pools.ts';

/** One pool's new state in a simulated block: V2 reserves or a V3 state. */
export type PoolMove = { pool: number; reserve0: bigint; reserve1: bigint; v3?: undefined } | { pool: number; v3: V3State };

/**
 * Simulated blocks for benchmarks and equivalence tests: each block, `changed` random live
 * pools take one swap, log-uniform between 1e-6 and 1 % of the input reserve (a V3 pool: a
 * thousandth by default of that of its in-range virtual reserve, as a V3 pool's table reserves are far
 * deeper than what its range holds), with exact amounts through the AMM math. Deterministic
 * from `random`, so two scanners fed the same stream see the same chain.
 */
export class RandomBlocks {
  private readonly live: number[] = [];

  /** `v3Divisor`: a V3 swap is the V2 draw divided by it (default 1,000). */
  constructor(private readonly scanner: Scanner, private readonly random: () => number, private readonly v3Divisor = 1000n) {
    const { pools } = scanner;
    for (let p = 0; p < pools.size; p++) if (pools.reserve0[p]! > 0n && pools.reserve1[p]! > 0n) this.live.push(p);
  }

  /**
   * The moves of the next block (not applied; a pool may appear twice, the later move wins):
   * `changed` random live pools, then each of `also` (e.g. the gas pricing pools).
   */
  next(changed: number, also: readonly number[] = []): PoolMove[] {
    const { pools } = this.scanner;
    const moves: PoolMove[] = [];
    for (let k = 0; k < changed + also.length; k++) {
      const p = k < changed ? this.live[Math.floor(this.random() * this.live.length)]! : also[k - changed]!;
      const zeroForOne = this.random() < 0.5;
      const r0 = pools.reserve0[p]!;
      const r1 = pools.reserve1[p]!;
      const reserveIn = zeroForOne ? r0 : r1;
      const fraction = 10 ** (-6 + 4 * this.random());
      const amountIn = BigInt(Math.floor(Number(reserveIn) * fraction)) + 1n;
      if (pools.kind[p] === KIND_V3) {
        const v3 = this.v3Swap(p, zeroForOne, amountIn / this.v3Divisor + 1n);
        if (v3 !== undefined) moves.push({ pool: p, v3 });
        continue;
      }
      const out = getAmountOut(amountIn, reserveIn, zeroForOne ? r1 : r0, pools.fee[p]!);
      moves.push({ pool: p, reserve0: zeroForOne ? r0 + amountIn : r0 - out, reserve1: zeroForOne ? r1 - out : r1 + amountIn });
    }
    return moves;
  }

  /** State of V3 pool `p` after a swap, or undefined when the pool refuses it (price at its limit). */
  private v3Swap(p: number, zeroForOne: boolean, amountIn: bigint): V3State | undefined {
    try {
      const moved = swap(this.scanner.v3State(p), zeroForOne, amountIn);
      return { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
    } catch (error) {
      if (error instanceof AmmError) return undefined;
      throw error;
    }
  }
}

/** Hands a block's moves to a scanner (they take effect at its next `refresh`). */
export function applyMoves(scanner: Scanner, moves: readonly PoolMove[]): void {
  for (const move of moves) {
    if (move.v3 === undefined) scanner.setReserves(move.pool, move.reserve0, move.reserve1);
    else scanner.setV3State(move.pool, move.v3);
  }
}
