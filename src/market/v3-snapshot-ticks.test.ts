import { describe, expect, it } from 'vitest';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import type { ChainLog } from '../chain/types.ts';
import { MarketState } from './market-state.ts';
import { TOPICS } from './pool-events.ts';
import { parseSnapshot, snapshotToJson, type V3PoolSnapshot } from './snapshot.ts';

// An initialized tick whose liquidityNet is 0 (one position ends where another of the same
// liquidity starts) is a real on-chain state. The market state keeps it (as it must: the pool's
// swap loop stops there), and the snapshot format keeps it too: before, the reader refused it, so
// a state written out (`orion snapshot`) could not be read back, and dropping it changes quotes.

const POOL = '0x00000000000000000000000000000000000000aa';
const word = (v: bigint): string => (v < 0n ? (1n << 256n) + v : v).toString(16).padStart(64, '0');
const topic = (v: bigint): `0x${string}` => `0x${word(v)}`;

function mintLog(tickLower: number, tickUpper: number, amount: bigint, logIndex: number): ChainLog {
  return {
    address: POOL, topics: [TOPICS.v3Mint, topic(1n), topic(BigInt(tickLower)), topic(BigInt(tickUpper))],
    data: `0x${word(1n)}${word(amount)}${word(0n)}${word(0n)}`,
    blockNumber: 11n, blockHash: `0x${'b'.repeat(64)}`, transactionHash: `0x${'c'.repeat(64)}`, transactionIndex: 0, logIndex, removed: false,
  };
}

const base: V3PoolSnapshot = {
  protocol: 'uniswap-v3', address: POOL, fee: 3000, tickSpacing: 60,
  token0: { address: '0x0000000000000000000000000000000000000001', symbol: 'A', decimals: 18 },
  token1: { address: '0x0000000000000000000000000000000000000002', symbol: 'B', decimals: 18 },
  sqrtPriceX96: getSqrtRatioAtTick(0), tick: 0, liquidity: 0n, ticks: [],
};

describe('net-zero initialized ticks', () => {
  it('a state the market state reaches from real Mint logs is written as a snapshot its reader reads back, the tick kept', () => {
    const state = new MarketState(1, { number: 10n, hash: `0x${'a'.repeat(64)}`, parentHash: `0x${'9'.repeat(64)}` }, [{ snapshot: base }]);
    state.applyBlock({
      type: 'block',
      block: { number: 11n, hash: `0x${'b'.repeat(64)}`, parentHash: `0x${'a'.repeat(64)}`, timestamp: 1n, baseFeePerGas: null, gasLimit: 1n, gasUsed: 0n },
      // [-600, 600) and [600, 1200) with the same liquidity: tick 600 is initialized, net 0, gross 2e18.
      logs: [mintLog(-600, 600, 10n ** 18n, 0), mintLog(600, 1200, 10n ** 18n, 1)],
    });
    const snapshot = state.toSnapshot();
    const pool = snapshot.pools[0] as V3PoolSnapshot;
    expect(pool.ticks.map((t) => [t.tick, t.liquidityNet])).toEqual([[-600, 10n ** 18n], [600, 0n], [1200, -(10n ** 18n)]]);
    expect(state.liquidityGross(POOL)?.get(600)).toBe(2n * 10n ** 18n);
    const back = parseSnapshot(snapshotToJson(snapshot)).snapshot.pools[0] as V3PoolSnapshot;
    expect(back.ticks.map((t) => [t.tick, t.liquidityNet])).toEqual([[-600, 10n ** 18n], [600, 0n], [1200, -(10n ** 18n)]]);
  });

  it('the net-zero tick changes the exact quote, so a snapshot without it is not the chain', () => {
    const L = 10n ** 18n;
    const ticks = (withZero: boolean): { ticks: Int32Array; liquidityNet: bigint[] } => withZero
      ? { ticks: Int32Array.from([-600, 600, 1200]), liquidityNet: [L, 0n, -L] }
      : { ticks: Int32Array.from([-600, 1200]), liquidityNet: [L, -L] };
    const pool = (withZero: boolean) => ({ fee: 3000, tickSpacing: 60, sqrtPriceX96: getSqrtRatioAtTick(0), tick: 0, liquidity: L, ...ticks(withZero) });
    let differs = 0;
    for (let i = 1n; i <= 200n; i++) {
      const amount = 40_000_000_000_000_000n + i * 1_234_567_891_237n; // crosses tick 600 (sqrt price +3 %)
      const a = swap(pool(true), false, amount);
      const b = swap(pool(false), false, amount);
      expect(a.tick).toBeGreaterThan(600);
      if (a.amount0 !== b.amount0) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  // The reader also holds a pool's tick to its price (as the market's V3Pool does): before, a pool
  // priced above its whole tick map whose tick said 0 was read with 1e18 of active liquidity.
  it('refuses a V3 pool whose tick does not match its sqrtPriceX96, naming the field', () => {
    const tok = (n: number) => ({ address: `0x${n.toString(16).padStart(40, '0')}`, symbol: `T${n}`, decimals: 18 });
    const pool = (tick: number) => ({
      format: 'orion.pools/v1', chainId: 1, block: 1,
      pools: [{
        protocol: 'uniswap-v3', address: `0x${'a1'.padStart(40, '0')}`, fee: 3000, tickSpacing: 60, token0: tok(1), token1: tok(2),
        sqrtPriceX96: getSqrtRatioAtTick(6000).toString(), liquidity: tick >= 600 ? '0' : '1000000000000000000', tick,
        ticks: [[-6000, '1000000000000000000'], [600, '-1000000000000000000']],
      }],
    });
    expect(() => parseSnapshot(pool(0))).toThrow(/tick.*0 does not match sqrtPriceX96/);
    // At the price's own tick, or one below it right on the boundary (a swap that crossed down onto it).
    expect((parseSnapshot(pool(6000)).snapshot.pools[0] as V3PoolSnapshot).tick).toBe(6000);
    expect((parseSnapshot(pool(5999)).snapshot.pools[0] as V3PoolSnapshot).tick).toBe(5999);
  });
});
