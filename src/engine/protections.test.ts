import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFunctionData, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { anvilRequest, sendAll } from '../devnet/transactions.ts';
import { TokenDirectory } from '../format/symbols.ts';
import { snapshotTokens } from '../market/snapshot.ts';
import { DEFAULT_PLAN_SETTINGS } from '../orchestrator/plan.ts';
import type { Protections } from '../risk-controls/protections-service.ts';
import { engineProtections } from '../risk-controls/testing/engine-protections.ts';
import { openTestStore, testBackends, type TestStore } from '../store/test-store.ts';
import { startEngine, type Engine, type EngineOptions } from './engine.ts';

/**
 * The protections in the running engine, on the local chain with the real contract and a noise
 * flow (one devnet for the file; the phases run in order on one engine): a revoked hot key makes
 * every simulation revert, losing its gas: the daily-loss breaker trips and stays tripped until
 * re-armed; routes are suppressed and the revert breaker trips, re-armed after its cooldown; a
 * base-fee spike makes the gas rule refuse; the kill switch (by the file KILL) stops
 * planning within one block and is still engaged after a restart. What the engine decided is
 * read back from the ledger, and judged against figures the ledger holds (the gas price each
 * opportunity was ranked at, the blocks of each decision).
 */

const ALICE = { name: 'alice', via: 'api' } as const;
const MAX_BLOCKS = 40;
const BASES = ['WETH', 'USDC', 'USDT'];

describe('protections in the engine on the local chain', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine;
  let protections: ReturnType<typeof engineProtections>;
  const dir = mkdtempSync(join(tmpdir(), 'orion-protections-engine-'));
  /** Resolvers waiting for the engine's next block. */
  let waiting: (() => void)[] = [];
  let lastBlock = 0n;

  const options = (): EngineOptions => ({
    store: store.store, mode: 'sim', rpcUrls: [devnet.anvil.rpcUrl], expectedChainId: 31337, pools: devnet.seeded.localSnapshot.pools,
    baseTokens: BASES, maxHops: 3, maxStaleBlocks: 5, gasBid: { priorityFee: 1_000_000_000n },
    execution: { executor: devnet.executor!.address, hotKey: devnet.executor!.hotKey }, plan: DEFAULT_PLAN_SETTINGS, blockTimeSeconds: 1,
    spillDir: dir, protections: protections.open, pollIntervalMs: 100,
    onOpportunities: (block) => {
      lastBlock = block;
      const resolve = waiting;
      waiting = [];
      for (const r of resolve) r();
    },
  });
  const service = (): Protections => protections.service();
  const nextBlock = (): Promise<void> => new Promise((resolve) => waiting.push(resolve));
  /** Waits block by block (the engine's own) until `done` holds; fails after MAX_BLOCKS. */
  const until = async (what: string, done: () => Promise<boolean> | boolean): Promise<void> => {
    for (let i = 0; i < MAX_BLOCKS; i++) {
      await engine.settle();
      if (await done()) return;
      await nextBlock();
    }
    throw new Error(`gave up after ${MAX_BLOCKS} blocks waiting for ${what}; protections: ${JSON.stringify(service().status())}; funnel: ${JSON.stringify(engine.funnel(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
  };
  const rows = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> => (await store.store.query<R>(sql, params as never)).rows;
  const setHotKeyAllowed = async (allowed: boolean): Promise<void> => {
    const owner = devnet.clients.accounts[1]!;
    await sendAll(devnet.clients, [{
      label: `setExecutor(${allowed})`, to: devnet.executor!.address, gas: 100_000n,
      data: encodeFunctionData({ abi: flashArbExecutorAbi, functionName: 'setExecutor', args: [devnet.executor!.hotKey as Address, allowed] }),
    }], { from: owner });
  };

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, flow: { seed: 11, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openTestStore(testBackends().at(-1)!);
    protections = engineProtections(store.store, 31337, { dataDir: dir, tokens: new TokenDirectory(snapshotTokens(devnet.seeded.localSnapshot)) });
    // The hot key is revoked before the engine starts: every simulation reverts from the first.
    await setHotKeyAllowed(false);
    engine = await startEngine(options());
    // Routes fail twice before they are suppressed; six reverts in a row trip the breaker for 3
    // blocks; no loss at all is allowed.
    await service().setLimits([
      'route_suppression.failures=2', 'route_suppression.retry_blocks=5', 'revert_breaker.consecutive=6', 'revert_breaker.window=1000', 'revert_breaker.cooldown_blocks=3',
      ...BASES.map((token) => `max_daily_loss.${token}=0`),
    ], ALICE, 'test');
  }, 300_000);
  afterAll(async () => {
    await engine?.stop();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the daily-loss breaker trips on the day\'s losses (gas of the reverts) and stays tripped until re-armed', async () => {
    // No loss allowed, and the hot key revoked (beforeAll): the first reverted simulation's gas is a loss.
    await until('the daily-loss breaker to trip', () => service().status().breakers.some((b) => b.breaker === 'daily-loss'));
    const trip = service().status().breakers.find((b) => b.breaker === 'daily-loss')!;
    expect(trip.until).toBe('re-armed by hand');
    expect(trip.reason).toMatch(/gas included: above max_daily_loss 0$/);
    const losing = Object.entries(service().status().dailyPnl.byToken).filter(([, pnl]) => BigInt(pnl) < 0n).map(([token]) => token);
    expect(losing.length).toBeGreaterThan(0);
    // Raising the limit does not re-arm it: a person must.
    await service().setLimits(BASES.map((token) => `max_daily_loss.${token}=none`), ALICE, null);
    const held = lastBlock;
    const refusedSince = async (block: bigint) => (await rows<{ n: number }>(`select count(*)::int as n from decisions where rule = 'daily-loss' and block > $1::numeric`, [block]))[0]!.n;
    await until('a refusal by the tripped breaker after the limit was raised', async () => (await refusedSince(held)) > 0);
    expect(service().status().breakers.map((b) => b.breaker)).toContain('daily-loss');
    const planned = await rows<{ n: number }>(`select count(*)::int as n from decisions where outcome = 'planned' and block > $1::numeric`, [held]);
    expect(planned[0]!.n).toBe(0);
    await service().rearm('daily-loss', 'losses reviewed', ALICE);
    const rearmedAt = lastBlock;
    await until('a plan after the re-arm', async () => (await rows<{ n: number }>(`select count(*)::int as n from decisions where outcome = 'planned' and block > $1::numeric`, [rearmedAt]))[0]!.n > 0);
  });

  it('reverting simulations suppress their routes, then trip the revert breaker, which re-arms after its cooldown', async () => {
    await until('the revert breaker to trip', async () => (await rows('select 1 from breaker_trips where breaker = $1', ['revert-breaker'])).length > 0);
    const [trip] = await rows<{ tripped_block: string; until_block: string; reason: string }>('select tripped_block::text, until_block::text, reason from breaker_trips where breaker = $1 order by id limit 1', ['revert-breaker']);
    expect(BigInt(trip!.until_block) - BigInt(trip!.tripped_block)).toBe(3n);
    expect(trip!.reason).toMatch(/^\d+ reverts in a row/);
    // The simulations that tripped it reverted on the contract's own check of the hot key.
    const reverts = await rows<{ revert_name: string }>(`select revert_name from simulations where status = 'reverted' and revert_name = 'NotExecutor'`);
    expect(reverts.length).toBeGreaterThanOrEqual(6);
    await until('the breaker to re-arm after its cooldown', async () => (await rows('select 1 from breaker_trips where breaker = $1 and rearmed_by = $2', ['revert-breaker', 'engine'])).length > 0);
    const [rearm] = await rows<{ rearm_reason: string }>('select rearm_reason from breaker_trips where breaker = $1 and rearmed_by = $2 order by id limit 1', ['revert-breaker', 'engine']);
    expect(BigInt(/block (\d+)/.exec(rearm!.rearm_reason)![1]!)).toBeGreaterThan(BigInt(trip!.until_block));
    // While it held, decisions were refused by it; routes that failed twice were suppressed.
    const during = await rows<{ rule: string | null; outcome: string }>('select rule, outcome from decisions where block > $1::numeric and block <= $2::numeric', [trip!.tripped_block, trip!.until_block]);
    expect(during.filter((d) => d.outcome === 'planned')).toEqual([]);
    await until('a route suppressed after two failures', () => (engine.funnel().rejectedByRule['route-suppression'] ?? 0) > 0);
    await setHotKeyAllowed(true);
  });

  it('a base-fee spike above max_gas_price makes the gas rule refuse every opportunity ranked at that price', async () => {
    await until('a plan that simulates ok', () => engine.funnel().simulated.ok > 0);
    const price = BigInt(engine.status().gasPrice);
    const limit = price * 2n;
    await service().setLimits([`max_gas_price=${limit}wei`], ALICE, null);
    // Blocks mined by hand around the spike: block N at five times the limit (the flow's cheaper
    // swaps cannot enter it), then one round of swaps priced at that fee in block N+1, whose new
    // opportunities are ranked at a gas price still above the limit.
    const before = await devnet.clients.publicClient.getBlock({ blockTag: 'latest' });
    await devnet.flow!.stop();
    await anvilRequest(devnet.clients, 'evm_setIntervalMining', [0]);
    await anvilRequest(devnet.clients, 'anvil_setNextBlockBaseFeePerGas', [`0x${(limit * 5n).toString(16)}`]);
    await anvilRequest(devnet.clients, 'evm_mine');
    const round = devnet.flow!.step();
    // The round's swaps reach the mempool before the next block is mined (its nonce moves on).
    const trader = await devnet.clients.publicClient.getBlock({ blockTag: 'latest' });
    // No block arrives while mining is paused: poll the mempool (bounded) instead of waiting for one.
    for (let i = 0; i < 600 && ((await anvilRequest(devnet.clients, 'txpool_status')) as { pending: string }).pending === '0x0'; i++) await new Promise((r) => setTimeout(r, 50));
    await anvilRequest(devnet.clients, 'evm_mine');
    // Mining again before the round is awaited: its later swaps may have missed the block just mined.
    await anvilRequest(devnet.clients, 'evm_setIntervalMining', [1]);
    const spiked = trader.number + 1n;
    await until('a max-gas-price refusal after the spike', () => engine.status().market.monitor.tip.number >= spiked && (engine.funnel().rejectedByRule['max-gas-price'] ?? 0) > 0);
    expect((await round).length).toBeGreaterThan(0);
    await service().setLimits(['max_gas_price=none'], ALICE, null);
    await anvilRequest(devnet.clients, 'anvil_setNextBlockBaseFeePerGas', [`0x${(before.baseFeePerGas ?? 0n).toString(16)}`]);
    devnet.flow!.start();
    // Judged on the ledger: every new opportunity ranked above the limit was refused by the gas rule
    // (or a rule asked before it), none planned; and some were.
    const above = await rows<{ outcome: string; rule: string | null }>(
      `select d.outcome, d.rule from decisions d join opportunities o on o.id = d.opportunity_id where o.gas_price > $1::numeric and d.block = o.first_block`, [limit]);
    expect(above.length).toBeGreaterThan(0);
    expect(above.filter((d) => d.outcome === 'planned')).toEqual([]);
    expect(above.some((d) => d.rule === 'max-gas-price')).toBe(true);
  });

  it('the kill switch by file stops planning within one block and is still engaged after a restart', async () => {
    const at = lastBlock;
    writeFileSync(join(dir, 'KILL'), 'drill: stop everything');
    await until('the kill switch to engage', () => service().status().killSwitch?.engaged === true);
    await until('two more blocks', () => lastBlock >= at + 3n);
    // From the block after the file appeared, nothing is planned; the refusals name the switch.
    const planned = await rows<{ block: string }>(`select block::text from decisions where outcome = 'planned' and block > $1::numeric`, [at + 1n]);
    expect(planned).toEqual([]);

    rmSync(join(dir, 'KILL'));
    await engine.stop();
    engine = await startEngine(options());
    expect(service().status().killSwitch).toMatchObject({ engaged: true, reason: 'drill: stop everything', via: 'file' });
    // The restarted engine decides every ranked opportunity anew at its first block: each refused by the switch.
    await engine.settle();
    expect(engine.funnel().rejectedByRule['kill-switch'] ?? 0).toBeGreaterThan(0);
    const restarted = lastBlock;
    await until('two blocks after the restart', () => lastBlock >= restarted + 2n);
    expect(await rows(`select 1 from decisions where outcome = 'planned' and block > $1::numeric`, [restarted])).toEqual([]);
    await service().releaseKillSwitch('drill over', ALICE);
    expect(existsSync(join(dir, 'KILL'))).toBe(false);
    const released = lastBlock;
    await until('a plan after the release', async () => (await rows(`select 1 from decisions where outcome = 'planned' and block > $1::numeric`, [released])).length > 0);
  });
});
