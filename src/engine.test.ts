import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClients, type ChainClients } from './chain/clients.ts';
import { parseBlockHeader, toQuantity, type BlockHeader } from './chain/types.ts';
import { startDevnet, type Devnet } from './devnet/devnet.ts';
import { startEngine, type Engine, type EngineOptions } from './engine.ts';
import { snapshotFromChain } from './market/chain-snapshot.ts';
import { Scanner } from './scanner/scanner.ts';
import type { Opportunity } from './scanner/types.ts';
import { uniswapArtifact } from './devnet/uniswap-artifacts.ts';
import { openStore, migrate, type Store } from './store/index.ts';

const BASES = ['WETH', 'USDC', 'USDT'];
/** Not anvil's suggested 1 gwei, so a price taken from eth_gasPrice would show. */
const PRIORITY_FEE = 1_500_000_000n;
/** The embedded local chain deploys no Balancer Vault and no Aave Pool. */
const NO_LENDERS = { balancerFeePips: null, aaveFeePips: null };

/** Block `number` once it is mined (the chain mines an empty block every second). */
async function waitForBlock(clients: ChainClients, number: bigint): Promise<BlockHeader> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const raw = await clients.pool.request('eth_getBlockByNumber', [toQuantity(number), false]);
    if (raw !== null && raw !== undefined) return parseBlockHeader(raw);
    if (Date.now() > deadline) throw new Error(`block ${number} was not mined within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('engine (sim): the market follower feeds the scanner', () => {
  let devnet: Devnet;
  let store: Store;
  let engine: Engine;
  const dir = mkdtempSync(join(tmpdir(), 'orion-engine-'));
  const options = (): EngineOptions => ({
    store,
    rpcUrls: [devnet.anvil.rpcUrl, devnet.anvil.wsUrl],
    expectedChainId: 31337,
    pools: devnet.seeded.localSnapshot.pools,
    baseTokens: BASES,
    maxHops: 3,
    maxStaleBlocks: 5,
    gasBid: { priorityFee: PRIORITY_FEE },
  });

  beforeAll(async () => {
    // Big noise swaps so real gaps open within a few blocks.
    devnet = await startDevnet({ blockTime: 1, flow: { seed: 7, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openStore({ dataDir: dir });
    await migrate(store);
    engine = await startEngine(options());
  });
  afterAll(async () => {
    await engine?.stop();
    await store?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after blocks of noise trades, ranks exactly what a fresh scan of the chain ranks', async () => {
    const clients = createChainClients([devnet.anvil.rpcUrl]);
    const blockNumber = async () => BigInt((await clients.pool.request('eth_blockNumber', [])) as string);
    const start = await blockNumber();
    while ((await blockNumber()) < start + 8n) await new Promise((r) => setTimeout(r, 250));
    await devnet.flow!.stop();
    expect(devnet.flow!.stats.swaps).toBeGreaterThan(20);

    // Once the flow is quiet, let the engine reach the head; the state no longer changes.
    const head = await blockNumber();
    const deadline = Date.now() + 30_000;
    while (engine.status().market.monitor.tip.number < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(engine.status().market.monitor.tip.number).toBeGreaterThanOrEqual(head);

    const { snapshot } = await snapshotFromChain(clients.pool, { kind: 'addresses', addresses: devnet.seeded.localSnapshot.pools.map((p) => p.address), v2Fee: 3000 });
    // Status and top are read in one synchronous stretch, so they belong to the same block.
    const status = engine.status();
    const top = engine.top();
    const fresh = new Scanner(snapshot, { bases: BASES, maxHops: 3, gasPrice: BigInt(status.gasPrice), flash: NO_LENDERS });
    fresh.scanAll();
    const key = (o: Opportunity) => `${o.pools.join('>')} in ${o.amountIn} out ${o.amountOut} ${o.flashSource.kind} fee ${o.flashFee} net ${o.netProfit}`;
    const expected = fresh.top(10).map(key);
    expect(expected.length).toBeGreaterThan(0);
    expect(top.map(key)).toEqual(expected);
    expect(status.scanner.ranked).toBe(fresh.stats().ranked);

    // The gas price was the next block's base fee + the priority fee, known before that block was mined.
    expect(status.gas).toMatchObject({ source: 'base-fee', priorityFee: PRIORITY_FEE.toString(), maxFeePerGas: null, pricedOut: false });
    const next = await waitForBlock(clients, BigInt(status.gas.block) + 1n);
    expect(next.baseFeePerGas).not.toBeNull();
    expect(status.gas.nextBaseFee).toBe(next.baseFeePerGas!.toString());
    expect(BigInt(status.gasPrice)).toBe(next.baseFeePerGas! + PRIORITY_FEE);

    // No lender that is not on this chain: V3-first cycles borrow from an off-route V3 pool's
    // flash or use own capital; every lender named is a pool of the chain, never on the route
    // (except a V2 first hop lending its own input as a flash swap).
    const kinds = new Set<string>();
    for (let c = 0; c < fresh.stats().cycles; c++) kinds.add(fresh.flash.of(c).kind);
    expect(kinds.has('balancer') || kinds.has('aave')).toBe(false);
    expect(kinds.has('v3-flash')).toBe(true);
    const poolAddresses = new Set<string>(devnet.seeded.localSnapshot.pools.map((p) => p.address));
    for (const { flashSource, flashLender, pools } of top) {
      expect(['v2-flash-swap', 'v3-flash', 'none']).toContain(flashSource.kind);
      if (flashSource.kind === 'none') expect(flashLender).toBeNull();
      if (flashSource.kind === 'v2-flash-swap') expect(flashLender).toBe(pools[0]);
      if (flashSource.kind === 'v3-flash') {
        expect(poolAddresses.has(flashLender!), `lender ${flashLender}`).toBe(true);
        expect(pools).not.toContain(flashLender);
      }
    }
    // /health shows each one's flash source: kind, lender address, fee.
    expect(status.top.map((json) => json['flashSource'])).toEqual(top.map((o) => ({ kind: o.flashSource.kind, lender: o.flashLender, feePips: o.flashSource.feePips })));

    // And each hop of the best opportunities is what the real contracts quote for it now:
    // Router02.getAmountsOut for a V2 pair, QuoterV2 for a V3 pool.
    const { publicClient } = devnet.clients;
    const byAddress = new Map(devnet.seeded.localSnapshot.pools.map((pool) => [pool.address, pool]));
    for (const opportunity of top.slice(0, 3)) {
      for (let hop = 0; hop < opportunity.pools.length; hop++) {
        const pool = byAddress.get(opportunity.pools[hop]!)!;
        const tokenIn = opportunity.tokens[hop]! as `0x${string}`;
        const tokenOut = opportunity.tokens[hop + 1]! as `0x${string}`;
        const amountIn = opportunity.amounts[hop]!;
        const quoted = pool.protocol === 'uniswap-v2'
          ? ((await publicClient.readContract({
              address: devnet.deployment.v2Router, abi: uniswapArtifact('UniswapV2Router02').abi, functionName: 'getAmountsOut', args: [amountIn, [tokenIn, tokenOut]],
            })) as readonly bigint[])[1]
          : ((await publicClient.readContract({
              address: devnet.deployment.quoterV2, abi: uniswapArtifact('QuoterV2').abi, functionName: 'quoteExactInputSingle',
              args: [{ tokenIn, tokenOut, fee: pool.fee, amountIn, sqrtPriceLimitX96: 0n }],
            })) as readonly bigint[])[0];
        expect(quoted, `hop ${hop} of ${opportunity.pools.join('>')}`).toBe(opportunity.amounts[hop + 1]);
      }
    }
  });

  it('refuses a configured lender that has no contract on the chain', async () => {
    const nowhere = `0x${'ba'.repeat(20)}` as const;
    await expect(startEngine({ ...options(), flashLenders: { balancerVault: nowhere } })).rejects.toThrow(`the Balancer Vault (ORION_BALANCER_VAULT) ${nowhere} has no contract code on chain 31337`);
  });
});
