import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatUnits } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startPlatform, type Platform } from '../platform.ts';
import { currentLimits } from '../risk-controls/limits-repository.ts';

/**
 * The whole platform in this process (embedded chain, PGlite, the engine), booted live on the
 * local chain with nothing but ORION_MODE=live ORION_ALLOW_LIVE=on (its own hot key and cold
 * wallet): a switch of the stored mode is followed while it runs. Live → sim stops the live
 * executor before the switch answers (nothing is signed afterwards), and sim → live after a
 * passing validation runs the live executor again in a new session.
 */
describe('every instance follows a mode switch while it runs', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'orion-mode-follow-'));

  const intentsAfter = async (block: bigint): Promise<number> => {
    const { rows } = await platform.store.query<{ n: string }>('select count(*)::text as n from intents where plan_block > $1', [block.toString()]);
    return Number(rows[0]!.n);
  };
  const head = async (): Promise<bigint> => BigInt((await platform.devnet()!.clients.publicClient.getBlockNumber()));
  /** Waits until the chain is `blocks` blocks past `from` (the engine decides each of them). */
  const blocksPast = async (from: bigint, blocks: bigint): Promise<void> => {
    const client = platform.devnet()!.clients.publicClient;
    await new Promise<void>((resolve) => {
      const stop = client.watchBlockNumber({ emitOnBegin: true, pollingInterval: 100, onBlockNumber: (n) => { if (n >= from + blocks) { stop(); resolve(); } } });
    });
  };

  beforeAll(async () => {
    const config = loadConfig({
      // No ORION_MAX_FEE_PER_GAS: on the embedded chain live boots with its default cap (100 gwei).
      PORT: '0', HOST: '127.0.0.1', ORION_DATA_DIR: dataDir, ORION_MODE: 'live', ORION_ALLOW_LIVE: 'on',
      ORION_BACKUP_INTERVAL: '0', ORION_MAINTENANCE_INTERVAL: '0',
    });
    platform = await startPlatform(config);
    await platform.ready;
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('live → sim: the engine restarts in sim before the switch answers, and nothing is signed after', async () => {
    const liveSession = platform.engine()!.session;
    expect(liveSession.mode).toBe('live');
    expect(platform.engine()!.status().executor.live).not.toBeNull();

    const status = await platform.mode()!.switch('sim', { label: 'test' });
    expect(status.mode).toBe('sim');
    const engine = platform.engine()!;
    expect(engine.status().mode).toBe('sim');
    expect(engine.status().executor.live).toBeNull();
    expect(engine.session.id).not.toBe(liveSession.id);
    expect(engine.session.id.toString()).toBe(status.session!.id);
    const switchedAt = await head();

    // Blocks go by with the noise flow: the sim engine decides them, and no intent is made.
    await blocksPast(switchedAt, 5n);
    await platform.engine()!.settle();
    expect(await intentsAfter(switchedAt)).toBe(0);
    const { rows } = await platform.store.query<{ n: string }>('select count(*)::text as n from decisions where mode_session = $1', [engine.session.id.toString()]);
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
    expect((await platform.mode()!.status()).session?.id).toBe(engine.session.id.toString());
  }, 180_000);

  it('a second check with nothing switched leaves the running engine as it is', async () => {
    const before = platform.engine()!;
    await platform.mode()!.status();
    // The follower reads the open session: it is the engine's own, so nothing restarts.
    await platform.mode()!.validate({ label: 'test' });
    expect(platform.engine()).toBe(before);
  }, 120_000);

  it('sim → live after a passing validation: a new live session, and the engine runs the live executor again', async () => {
    const report = await platform.mode()!.validate({ label: 'test' });
    expect(report.passed, JSON.stringify(report.checks.filter((c) => !c.ok))).toBe(true);
    // The embedded chain's start-up wrote the demo's max_daily_loss for each base token (ORION_BASE_TOKENS' default WETH, USDC, USDT), by `devnet`.
    const inForce = (await currentLimits(platform.store))!;
    expect(inForce.actor).toBe('devnet');
    const market = platform.devnet()!.seeded.localSnapshot.pools.flatMap((pool) => [pool.token0, pool.token1]);
    const asStored = ['WETH', 'USDC', 'USDT'].map((symbol) => {
      const token = market.find((t) => t.symbol === symbol)!;
      return `${symbol} ${formatUnits(inForce.limits.maxDailyLoss[token.address.toLowerCase()]!, token.decimals)}`;
    });
    expect(report.checks.find((c) => c.name === 'limits')?.detail).toContain(`fee cap 100000000000 wei per gas; max_daily_loss ${asStored.join(', ')};`);
    const status = await platform.mode()!.switch('live', { label: 'test' });
    const engine = platform.engine()!;
    expect(engine.status().mode).toBe('live');
    expect(engine.session.mode).toBe('live');
    expect(engine.session.id.toString()).toBe(status.session!.id);
    expect(engine.status().executor.live).not.toBeNull();
  }, 180_000);
});
