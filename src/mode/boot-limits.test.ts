import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { DEFAULT_SNAPSHOT_PATH, loadDefaultSnapshot } from '../devnet/devnet.ts';
import { ConfigError } from '../errors.ts';
import { startPlatform, type Platform } from '../platform.ts';
import { limitsHistory } from '../risk-controls/limits-repository.ts';

/**
 * The platform booted with ORION_MODE=live on a followed chain (ORION_RPC_URLS, here an anvil
 * standing for one) and no loss limit: it refuses to start, the `limits` failure among the
 * listed checks, and the demo limits of the embedded chain are not written there.
 */
describe('ORION_MODE=live on a followed chain without a max_daily_loss', () => {
  let anvil: Anvil;
  let platform: Platform | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'orion-boot-limits-'));

  beforeAll(async () => {
    anvil = await startAnvil();
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    await anvil?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to start listing the limits failure, naming each base token and the command; only version 1 (the configuration) is stored', async () => {
    const config = loadConfig({
      PORT: '0', HOST: '127.0.0.1', ORION_DATA_DIR: dataDir, ORION_MODE: 'live', ORION_ALLOW_LIVE: 'on',
      ORION_RPC_URLS: anvil.rpcUrl, ORION_SNAPSHOT: DEFAULT_SNAPSHOT_PATH, ORION_MAX_FEE_PER_GAS: '100000000000',
      ORION_BACKUP_INTERVAL: '0', ORION_MAINTENANCE_INTERVAL: '0',
    }, { cwd: '/' });
    platform = await startPlatform(config);
    const error = await platform.ready.then(() => undefined, (e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    const limitsLine = error!.message.split('; ').find((line) => line.includes('limits: '));
    expect(limitsLine, error!.message).toBeDefined();
    const history = await limitsHistory(platform.store);
    expect(history.map((v) => [v.version, v.actor, Object.keys(v.limits.maxDailyLoss).length])).toEqual([[1, 'config', 0]]);
    // ORION_BASE_TOKENS' default, each present once in the snapshot.
    const symbols = new Set((await loadDefaultSnapshot()).pools.flatMap((pool) => [pool.token0.symbol, pool.token1.symbol]));
    for (const symbol of ['WETH', 'USDC', 'USDT']) {
      expect(symbols.has(symbol)).toBe(true);
      expect(error!.message).toContain(`max_daily_loss.${symbol}=AMOUNT`);
    }
  }, 120_000);
});
