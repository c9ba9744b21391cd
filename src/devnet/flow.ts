import { encodeFunctionData, maxUint256, type Address } from 'viem';
import { loadArtifact } from '../contracts/compile.ts';
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO, type PoolSnapshot } from '../market/snapshot.ts';
import type { DevnetClients } from './clients.ts';
import type { UniswapDeployment } from './deploy-uniswap.ts';
import type { SeededMarket } from './seed.ts';
import { mintTestTokens } from './test-token.ts';
import { v2ExactInputCalldata, v3ExactInputCalldata } from './router-calls.ts';
import { anvilRequest, ReceiptWaitCalledOff, sendAll, shortMessage, type TxRequest } from './transactions.ts';
import { uniswapArtifact } from './uniswap-artifacts.ts';
import { createRng } from '../util/seeded-random.ts';

export { createRng };

/**
 * Noise flow: random swaps through the real Uniswap routers every block, drawn from a seeded
 * RNG, so prices drift and arbitrage gaps open as on a live chain. The same seed on the same
 * seeded chain gives the same trades. Floats only pick pools and sizes; amounts are bigint.
 */

/** Options of the noise flow. */
export interface FlowOptions {
  /** RNG seed (default 1): the same seed replays the same trades. */
  seed?: number;
  /** Swaps per block (default 2). */
  swapsPerBlock?: number;
  /** Largest swap as basis points of the pool's (virtual, for V3) reserve of the input token (default 50 = 0.5 %). */
  maxSizeBps?: number;
  /** Under automine (no blocks of their own), a round of swaps every this many ms (default 1000). */
  intervalMs?: number;
  /** Index of the anvil account that trades (default 9, away from the deployer and test signers). */
  traderIndex?: number;
}

/** One swap of the flow. */
export interface FlowSwap {
  pool: Address;
  zeroForOne: boolean;
  amountIn: bigint;
}

/** A running noise flow. */
export interface NoiseFlow {
  /** Sends one round of swaps now and returns them (failed rounds are counted, not thrown). */
  step(): Promise<FlowSwap[]>;
  /** Runs a round every new block (interval mining) or every `intervalMs` (automine). */
  start(): void;
  /** Stops the rounds: waits for the round in flight to finish sending, and calls off its wait for receipts. */
  stop(): Promise<void>;
  readonly stats: { rounds: number; swaps: number; failedRounds: number; lastError?: string };
}

const Q96 = 1n << 96n;
const maxBigint = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minBigint = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const TRADER_FUNDING = 1n << 200n;
// Dense V3 tick maps (spacing 1) cost tens of thousands of gas per crossed tick.
const SWAP_GAS = 30_000_000n;

/** Funds and approves the trader, and returns the flow (not yet started). */
export async function startNoiseFlow(
  clients: DevnetClients,
  deployment: UniswapDeployment,
  market: SeededMarket,
  options: FlowOptions = {},
): Promise<NoiseFlow> {
  const swapsPerBlock = options.swapsPerBlock ?? 2;
  const maxSizeBps = options.maxSizeBps ?? 50;
  const intervalMs = options.intervalMs ?? 1_000;
  const trader = clients.accounts[options.traderIndex ?? 9]!;
  const pools = market.localSnapshot.pools;
  const rng = createRng(options.seed ?? 1);
  const tokens = [...market.tokenAddress.values()];
  const { abi: erc20 } = await loadArtifact('TestERC20');

  await mintTestTokens(clients, tokens, trader.address, TRADER_FUNDING);
  await sendAll(
    clients,
    tokens.flatMap((token) => [deployment.v2Router, deployment.swapRouter].map((spender) => ({
      label: `approve ${spender} for ${token}`, to: token, gas: 100_000n,
      data: encodeFunctionData({ abi: erc20, functionName: 'approve', args: [spender, maxUint256] }),
    }))),
    { from: trader },
  );

  const stats: NoiseFlow['stats'] = { rounds: 0, swaps: 0, failedRounds: 0 };
  /** Reserve of the input token: real for V2, virtual (active liquidity) for V3. */
  /** The input-side reserve (virtual, in range, for V3) and, for V3, the current sqrt price. */
  async function reserveIn(pool: PoolSnapshot, zeroForOne: boolean): Promise<{ reserve: bigint; sqrtPriceX96?: bigint }> {
    if (pool.protocol === 'uniswap-v2') {
      const [r0, r1] = (await clients.publicClient.readContract({
        address: pool.address, abi: uniswapArtifact('UniswapV2Pair').abi, functionName: 'getReserves',
      })) as readonly [bigint, bigint, number];
      return { reserve: zeroForOne ? r0 : r1 };
    }
    const abi = uniswapArtifact('UniswapV3Pool').abi;
    const [slot0, liquidity] = await Promise.all([
      clients.publicClient.readContract({ address: pool.address, abi, functionName: 'slot0' }) as Promise<readonly [bigint, ...unknown[]]>,
      clients.publicClient.readContract({ address: pool.address, abi, functionName: 'liquidity' }) as Promise<bigint>,
    ]);
    const sqrtPriceX96 = slot0[0];
    return { reserve: zeroForOne ? (liquidity * Q96) / sqrtPriceX96 : (liquidity * sqrtPriceX96) / Q96, sqrtPriceX96 };
  }

  /**
   * A V3 swap's price limit: the sqrt price may move by at most maxSizeBps (the price by about
   * twice that). Without it a swap sized on the current range runs on through thin ranges and
   * leaves the pool at an absurd price, which is an arbitrage no real market would show.
   */
  function priceLimit(sqrtPriceX96: bigint, zeroForOne: boolean): bigint {
    const bps = BigInt(maxSizeBps);
    return zeroForOne
      ? maxBigint((sqrtPriceX96 * (10_000n - bps)) / 10_000n, MIN_SQRT_RATIO + 1n)
      : minBigint((sqrtPriceX96 * (10_000n + bps)) / 10_000n, MAX_SQRT_RATIO - 1n);
  }

  function swapRequest(pool: PoolSnapshot, swap: FlowSwap, sqrtPriceLimitX96: bigint): TxRequest {
    const [tokenIn, tokenOut] = swap.zeroForOne ? [pool.token0.address, pool.token1.address] : [pool.token1.address, pool.token0.address];
    const label = `flow swap ${swap.amountIn} ${swap.zeroForOne ? 'token0->token1' : 'token1->token0'} in ${pool.address}`;
    if (pool.protocol === 'uniswap-v2') {
      return { label, to: deployment.v2Router, gas: SWAP_GAS, data: v2ExactInputCalldata(swap.amountIn, [tokenIn, tokenOut], trader.address) };
    }
    return {
      label, to: deployment.swapRouter, gas: SWAP_GAS,
      data: v3ExactInputCalldata({ tokenIn, tokenOut, fee: pool.fee, recipient: trader.address, amountIn: swap.amountIn, sqrtPriceLimitX96 }),
    };
  }

  async function step(): Promise<FlowSwap[]> {
    // Draw every choice before any await, so the sequence depends on the seed alone.
    const picks = Array.from({ length: swapsPerBlock }, () => ({
      pool: pools[Math.floor(rng() * pools.length)]!,
      zeroForOne: rng() < 0.5,
      bps: BigInt(1 + Math.floor(rng() * maxSizeBps)),
    }));
    const reserves = await Promise.all(picks.map((p) => reserveIn(p.pool, p.zeroForOne)));
    const swaps: FlowSwap[] = [];
    const requests: TxRequest[] = [];
    // A V3 swap's price limit is taken from the price before the round, so a second swap on the
    // same pool in one round could find the price already past its limit and revert: one per pool.
    const v3Picked = new Set<string>();
    picks.forEach((p, i) => {
      if (p.pool.protocol === 'uniswap-v3') {
        if (v3Picked.has(p.pool.address)) return;
        v3Picked.add(p.pool.address);
      }
      const { reserve, sqrtPriceX96 } = reserves[i]!;
      const amountIn = (reserve * p.bps) / 10_000n;
      if (amountIn === 0n) return; // an empty pool or range: nothing to trade this time
      const swap = { pool: p.pool.address, zeroForOne: p.zeroForOne, amountIn };
      swaps.push(swap);
      requests.push(swapRequest(p.pool, swap, sqrtPriceX96 === undefined ? 0n : priceLimit(sqrtPriceX96, p.zeroForOne)));
    });
    stats.rounds++;
    try {
      // A swap a reorg, a reverted snapshot (a bundle relay's block building) or a drop removed is
      // given up at the next block: waiting out the 120 s receipt limit stopped the flow (no
      // swaps, no gaps) for ~40 hand-mined blocks of the live tests. A stop ends the wait at once.
      if (requests.length > 0) await sendAll(clients, requests, { from: trader, wait: { untilGone: true, wanted: () => !stopping } });
      stats.swaps += requests.length;
    } catch (error) {
      // A round called off by stop() did not fail: its swaps may still land.
      if (!(stopping && error instanceof ReceiptWaitCalledOff)) {
        stats.failedRounds++;
        stats.lastError = shortMessage(error);
      }
    }
    return swaps;
  }

  let running = false;
  /** stop() is waiting for the round in flight (which then stops waiting for its receipts). */
  let stopping = false;
  let busy = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();
  const round = (shouldRun: () => Promise<boolean>): void => {
    // One round at a time: a slow round makes the next tick skip, never pile up.
    if (!running || busy) return;
    busy = true;
    inFlight = shouldRun()
      .then((go) => (go && running ? step() : undefined))
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
  return {
    stats,
    step,
    start() {
      if (running) return;
      running = true;
      void anvilRequest(clients, 'anvil_getAutomine').then((automine) => {
        if (!running) return;
        if (automine === true) {
          timer = setInterval(() => round(async () => true), intervalMs);
          return;
        }
        // Interval mining: a round whenever a new block appears.
        let lastBlock = -1n;
        timer = setInterval(() => round(async () => {
          const block = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
          if (block === lastBlock) return false;
          lastBlock = block;
          return true;
        }), 100);
      });
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearInterval(timer);
      stopping = true;
      try {
        await inFlight;
      } finally {
        stopping = false;
      }
    },
  };
}
