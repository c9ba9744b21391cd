import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getAmountOut } from '../src/amm/uniswap-v2.ts';
import { getSqrtRatioAtTick } from '../src/amm/uniswap-v3/tick-math.ts';
import { swap } from '../src/amm/uniswap-v3/pool.ts';
import { readSnapshotFile, type V3PoolSnapshot } from '../src/market/snapshot.ts';
import { V2Pool } from '../src/market/v2-pool.ts';
import { V3Pool } from '../src/market/v3-pool.ts';

// `npm run bench -- amm [--snapshot FILE] [--pool ADDRESS]`: issue 3's figures, one JSON line
// each: ns per V2 quote (the bare math and the pool model), and µs per V3 quote crossing 0, 1
// and 10 initialized ticks on a real pool (the arbitrum snapshot's pool with the most ticks).
const { values } = parseArgs({
  options: {
    snapshot: { type: 'string', default: new URL('../../shared/data/snapshots/arbitrum-uniswap-2024-11-01.json', import.meta.url).pathname },
    pool: { type: 'string' },
    json: { type: 'boolean', default: true },
  },
});

/** Runs `op` for about `ms` milliseconds after a warm-up; nanoseconds per call. */
function measure(op: (i: number) => unknown, ms = 1500): number {
  // Results are kept (not just counted) so the compiler cannot drop the work.
  const keep = new Array<unknown>(1024);
  for (let i = 0; i < 2000; i++) keep[i & 1023] = op(i);
  let n = 0;
  let batch = 1000;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch; i++) keep[(n + i) & 1023] = op(n + i);
    n += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed < budget / 10n) batch *= 2;
  }
  if (keep.length !== 1024) throw new Error('unreachable');
  return Number(elapsed) / n;
}

const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ bench: 'amm', ...line })}\n`);

// V2: a realistic USDC/WETH pair, 1,024 different input sizes so nothing is constant-folded.
const amounts = Array.from({ length: 1024 }, (_, i) => 10n ** 15n + BigInt(i) * 7_919_000_000_000n);
const r0 = 52_034_452_364_125n;
const r1 = 22_864_731_471_058_335_602_880n;
print({ case: 'v2-getAmountOut', nsPerQuote: Math.round(measure((i) => getAmountOut(amounts[i & 1023]!, r1, r0, 3000))) });
const v2 = new V2Pool({
  protocol: 'uniswap-v2', address: '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc', fee: 3000,
  token0: { address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6 },
  token1: { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18 },
  reserve0: r0, reserve1: r1,
});
print({ case: 'v2-pool.quoteExactIn', nsPerQuote: Math.round(measure((i) => v2.quoteExactIn('0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', amounts[i & 1023]!))) });

// V3: a real pool, or a synthetic one (ticks every spacing around the price) without the shared data.
async function loadV3(): Promise<{ pool: V3Pool; source: string }> {
  if (existsSync(values.snapshot)) {
    const { snapshot } = await readSnapshotFile(values.snapshot);
    const v3 = snapshot.pools.filter((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3');
    const chosen = values.pool === undefined
      ? v3.reduce((a, b) => (b.ticks.length > a.ticks.length ? b : a))
      : v3.find((p) => p.address === values.pool!.toLowerCase());
    if (chosen === undefined) throw new Error(`pool ${values.pool} is not a V3 pool of ${values.snapshot}`);
    return { pool: new V3Pool(chosen), source: `${values.snapshot} ${chosen.address} (${chosen.ticks.length} ticks, spacing ${chosen.tickSpacing})` };
  }
  const ticks = Array.from({ length: 200 }, (_, i) => ({ tick: (i - 100) * 10, liquidityNet: i < 100 ? 10n ** 18n : -(10n ** 18n) }));
  return {
    pool: new V3Pool({
      protocol: 'uniswap-v3', address: '0x0000000000000000000000000000000000000003', fee: 500, tickSpacing: 10,
      token0: { address: '0x0000000000000000000000000000000000000001', symbol: 'A', decimals: 18 },
      token1: { address: '0x0000000000000000000000000000000000000002', symbol: 'B', decimals: 18 },
      sqrtPriceX96: getSqrtRatioAtTick(5), tick: 5, liquidity: 100n * 10n ** 18n, ticks,
    }),
    source: 'synthetic: 200 ticks, spacing 10',
  };
}

const { pool, source } = await loadV3();
// Exact input of token0 (price down). To cross exactly k initialized ticks, buy up to just past
// the k-th tick below the price: the input that reaches that price, from the loop itself.
const below = Array.from(pool.ticks).filter((t) => t <= pool.tick).reverse();
for (const k of [0, 1, 10]) {
  let amountIn: bigint;
  if (k === 0) {
    amountIn = 10n ** BigInt(Math.max(0, pool.token0.decimals - 4));
  } else {
    const target = below[k - 1];
    if (target === undefined) { print({ case: 'v3-quoteExactIn', crossed: k, skipped: `only ${below.length} ticks below the price` }); continue; }
    amountIn = swap(pool, true, (1n << 255n) - 1n, getSqrtRatioAtTick(target) - 1n).amount0;
  }
  const r = swap(pool, true, amountIn);
  const ns = measure(() => swap(pool, true, amountIn));
  print({ case: 'v3-quoteExactIn', crossed: r.initializedTicksCrossed, steps: r.steps, usPerQuote: Number((ns / 1000).toFixed(2)), pool: source });
}
