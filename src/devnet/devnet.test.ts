import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { readSnapshotFile, type PoolSnapshot, type Snapshot } from '../market/snapshot.ts';
import { startAnvil } from './anvil.ts';
import { startDevnet, loadDefaultSnapshot, type Devnet } from './devnet.ts';
import { exportSnapshot, writeSnapshotFile } from './export.ts';
import { CACHED_HISTORY_BLOCKS } from './state-cache.ts';
import { anvilRequest } from './transactions.ts';

/** Anvil processes that are children of this process (none may outlive a failed start). */
function childAnvils(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const match = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (match?.[1] === 'anvil' && match[2] !== 'Z' && Number(match[3]) === process.pid) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Pool state without addresses, to compare a pool across chains. */
const stateOf = (pools: readonly PoolSnapshot[]) => pools.map(({ address: _a, token0: _t0, token1: _t1, ...state }) => state);

describe('startDevnet', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'orion-devnet-cache-'));
  const running: Devnet[] = [];
  afterAll(async () => {
    await Promise.all(running.map((d) => d.stop()));
    rmSync(cacheDir, { recursive: true, force: true });
  });
  let seededPools: readonly PoolSnapshot[] = [];

  it('seeds the default snapshot cold, caches it, and a warm start loads the same state', async () => {
    const cold = await startDevnet({ cacheDir });
    running.push(cold);
    expect(cold.fromCache).toBe(false);
    const defaultSnapshot = await loadDefaultSnapshot();
    expect(cold.seeded.localSnapshot.pools).toHaveLength(defaultSnapshot.pools.length);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.state.json'))).toHaveLength(1);
    seededPools = cold.seeded.localSnapshot.pools;
    const coldExport = await exportSnapshot(cold.clients, cold.seeded);
    const deployerNonce = await cold.clients.publicClient.getTransactionCount({ address: cold.clients.accounts[0]!.address });
    await cold.stop();

    const warm = await startDevnet({ cacheDir });
    running.push(warm);
    expect(warm.fromCache).toBe(true);
    expect(warm.deployment).toEqual(cold.deployment);
    const warmExport = await exportSnapshot(warm.clients, warm.seeded);
    expect(warmExport.pools).toEqual(coldExport.pools);
    expect(warmExport.block).toBe(coldExport.block);
    expect(await warm.clients.publicClient.getTransactionCount({ address: warm.clients.accounts[0]!.address })).toBe(deployerNonce);
    // The compacted cache keeps recent history: the head's ancestors (with their bodies) are there.
    const head = await warm.clients.publicClient.getBlock({ blockTag: 'latest' });
    const parent = await warm.clients.publicClient.getBlock({ blockNumber: head.number - 1n, includeTransactions: true });
    expect(parent.hash).toBe(head.parentHash);
    await expect(warm.clients.publicClient.getBlock({ blockNumber: head.number - BigInt(CACHED_HISTORY_BLOCKS) + 1n })).resolves.toBeDefined();
    await warm.stop();
  });

  it('a damaged or stale cache entry is discarded and the chain seeded afresh', async () => {
    const [statePath] = readdirSync(cacheDir).filter((f) => f.endsWith('.state.json')).map((f) => join(cacheDir, f));
    // A loadable state that lacks the market: what a stale entry would look like.
    const empty = await startAnvil({ dumpStatePath: join(cacheDir, 'empty-state.json') });
    await empty.stop();
    copyFileSync(join(cacheDir, 'empty-state.json'), statePath!);
    const reseeded = await startDevnet({ cacheDir });
    running.push(reseeded);
    expect(reseeded.fromCache).toBe(false);
    expect(stateOf((await exportSnapshot(reseeded.clients, reseeded.seeded)).pools)).toEqual(stateOf(seededPools));
    await reseeded.stop();
    // An unreadable file: same outcome. The entry rewritten each time makes the next start warm.
    writeFileSync(statePath!, '{ not json');
    const again = await startDevnet({ cacheDir });
    running.push(again);
    expect(again.fromCache).toBe(false);
    await again.stop();
    const warm = await startDevnet({ cacheDir });
    running.push(warm);
    expect(warm.fromCache).toBe(true);
    await warm.stop();
  });

  it('export round-trips: the written file reads back equal, and seeding it reproduces it', async () => {
    const devnet = await startDevnet({ cacheDir });
    running.push(devnet);
    const exported = await exportSnapshot(devnet.clients, devnet.seeded);
    expect(exported.chainId).toBe(31337);
    expect(exported.pools).toEqual(devnet.seeded.localSnapshot.pools);
    const file = join(cacheDir, 'export.json');
    await writeSnapshotFile(file, exported);
    const reread = (await readSnapshotFile(file)).snapshot;
    expect(reread).toEqual(exported);
    await devnet.stop();

    const again = await startDevnet({ snapshot: reread, cacheDir: false });
    running.push(again);
    const second = await exportSnapshot(again.clients, again.seeded);
    expect(stateOf(second.pools)).toEqual(stateOf(reread.pools));
    expect(second.pools.map((p) => p.token0.symbol)).toEqual(reread.pools.map((p) => p.token0.symbol));
    await again.stop();
  });

  it('the noise flow moves prices, and the same seed gives the same market', async () => {
    const runFlow = async (seed: number): Promise<Snapshot> => {
      const devnet = await startDevnet({ cacheDir, flow: { seed, swapsPerBlock: 4, intervalMs: 60_000 } });
      running.push(devnet);
      await devnet.flow!.stop(); // drive rounds by hand for a deterministic count
      for (let i = 0; i < 5; i++) await devnet.flow!.step();
      expect(devnet.flow!.stats).toMatchObject({ rounds: 5, failedRounds: 0 });
      expect(devnet.flow!.stats.swaps).toBeGreaterThan(10);
      const after = await exportSnapshot(devnet.clients, devnet.seeded);
      await devnet.stop();
      return after;
    };
    const first = await runFlow(7);
    const price = (pool: PoolSnapshot): bigint => (pool.protocol === 'uniswap-v2' ? (pool.reserve1 << 96n) / pool.reserve0 : pool.sqrtPriceX96);
    const changed = first.pools.filter((pool, i) => price(pool) !== price(seededPools[i]!));
    expect(changed.length).toBeGreaterThanOrEqual(3);
    const replay = await runFlow(7);
    expect(stateOf(replay.pools)).toEqual(stateOf(first.pools));
    const other = await runFlow(8);
    expect(stateOf(other.pools)).not.toEqual(stateOf(first.pools));
  }, 600_000); // three chain starts: a hang guard for a busy 2-core machine, not a benchmark

  it('bounds each V3 noise swap: a round moves no V3 sqrt price by more than maxSizeBps per swap on it', async () => {
    // Huge swaps (up to 50 % of the in-range reserve): without the price limit, thin ranges
    // would let one swap fling a pool to an absurd price.
    const maxSizeBps = 5_000;
    const devnet = await startDevnet({ cacheDir, flow: { seed: 11, swapsPerBlock: 8, maxSizeBps, intervalMs: 60_000 } });
    running.push(devnet);
    await devnet.flow!.stop();
    let v3Swaps = 0;
    for (let round = 0; round < 3; round++) {
      const before = await exportSnapshot(devnet.clients, devnet.seeded);
      const swaps = await devnet.flow!.step();
      const after = await exportSnapshot(devnet.clients, devnet.seeded);
      after.pools.forEach((pool, i) => {
        const prior = before.pools[i]!;
        if (pool.protocol !== 'uniswap-v3' || prior.protocol !== 'uniswap-v3') return;
        const count = swaps.filter((swap) => swap.pool === pool.address).length;
        v3Swaps += count;
        // Each swap may scale the sqrt price by at most (1 ± maxSizeBps/10^4).
        let low = prior.sqrtPriceX96;
        let high = prior.sqrtPriceX96;
        for (let k = 0; k < count; k++) {
          low = (low * BigInt(10_000 - maxSizeBps)) / 10_000n;
          high = (high * BigInt(10_000 + maxSizeBps)) / 10_000n + 1n;
        }
        expect(pool.sqrtPriceX96 >= low && pool.sqrtPriceX96 <= high, `${pool.address} after ${count} swaps`).toBe(true);
      });
    }
    expect(devnet.flow!.stats.failedRounds, devnet.flow!.stats.lastError).toBe(0);
    expect(v3Swaps).toBeGreaterThan(3);
    await devnet.stop();
  });

  it('gives up, at the next block, a round whose swaps were removed before they were mined, trades on, and stops without waiting for a round', async () => {
    const devnet = await startDevnet({ cacheDir, flow: { seed: 5, swapsPerBlock: 2, intervalMs: 60_000 } });
    running.push(devnet);
    const flow = devnet.flow!;
    await flow.stop(); // rounds by hand
    await anvilRequest(devnet.clients, 'evm_setAutomine', [false]);
    const pending = async (): Promise<bigint> => BigInt(((await anvilRequest(devnet.clients, 'txpool_status')) as { pending: string }).pending);
    const untilPending = async (count: bigint): Promise<void> => {
      for (let i = 0; i < 500 && (await pending()) < count; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await pending()).toBe(count);
    };
    // A round's swaps leave the pool unmined (as a reorg or a reverted snapshot takes them).
    const lost = flow.step();
    await untilPending(2n);
    await anvilRequest(devnet.clients, 'anvil_dropAllTransactions');
    await anvilRequest(devnet.clients, 'evm_mine');
    // The round ends with that block (it would otherwise wait out the 120 s receipt limit).
    await lost;
    expect(flow.stats).toMatchObject({ rounds: 1, swaps: 0, failedRounds: 1 });
    expect(flow.stats.lastError).toMatch(/gone: neither mined nor pending/);
    // The next round trades, on the nonces the lost swaps never used.
    const next = flow.step();
    await untilPending(2n);
    await anvilRequest(devnet.clients, 'evm_mine');
    expect((await next).length).toBe(2);
    expect(flow.stats).toMatchObject({ rounds: 2, swaps: 2, failedRounds: 1 });
    // A round waiting for blocks that will not come does not hold up stop(), and is not a failure.
    flow.start();
    await untilPending(2n);
    await flow.stop();
    expect(flow.stats).toMatchObject({ rounds: 3, swaps: 2, failedRounds: 1 });
    await devnet.stop();
  });

  it('runs its own blocks with a block time, and the flow trades every block', async () => {
    const devnet = await startDevnet({ cacheDir, blockTime: 1, flow: { seed: 3, swapsPerBlock: 1 } });
    running.push(devnet);
    const start = await devnet.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    // Blocks come on their own (nothing is sent but the flow's swaps, one round per block).
    const deadline = Date.now() + 60_000;
    while (devnet.flow!.stats.swaps < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const end = await devnet.clients.publicClient.getBlockNumber({ cacheTime: 0 });
    expect(await anvilRequest(devnet.clients, 'anvil_getAutomine')).toBe(false);
    expect(end - start).toBeGreaterThanOrEqual(2n);
    expect(devnet.flow!.stats).toMatchObject({ failedRounds: 0 });
    expect(devnet.flow!.stats.swaps).toBeGreaterThanOrEqual(2);
    // Each round's swaps land in a block of their own making, never several rounds per block.
    expect(BigInt(devnet.flow!.stats.rounds)).toBeLessThanOrEqual(end - start + 1n);
    await devnet.stop();
  });

  it('a snapshot the contracts cannot reproduce stops the chain: no anvil left behind', async () => {
    const before = childAnvils();
    const token = (n: number) => ({ address: `0x${String(n).repeat(40)}` as `0x${string}`, symbol: `T${n}`, decimals: 18 });
    const bad: Snapshot = {
      format: 'orion.pools/v1', chainId: 1, block: null,
      pools: [{ protocol: 'uniswap-v2', address: '0x00000000000000000000000000000000000000aa', fee: 2500, token0: token(1), token1: token(2), reserve0: 5n, reserve1: 6n }],
    };
    await expect(startDevnet({ snapshot: bad, cacheDir: false })).rejects.toThrow(InputError);
    expect(childAnvils()).toEqual(before);
    expect(existsSync(join(cacheDir, 'export.json'))).toBe(true);
  });
});
