import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT } from '../cli.ts';
import { DEFAULT_LIMITS } from '../orchestrator/limits.ts';
import { seedLimitsOnce } from '../risk-controls/limits-repository.ts';
import { migrate } from '../store/migrate.ts';
import { openStore } from '../store/index.ts';
import { freshPgliteDataDir } from '../store/test-store.ts';
import { runCli as run } from './testing/run-cli.ts';

/**
 * `orion limits`, `orion kill-switch`, `orion breaker` against a stopped PGlite database, as an
 * operator uses them; what they wrote is read back from the tables directly.
 */

const WETH = `0x${'42'.repeat(20)}`;
const USDC = `0x${'a0'.repeat(20)}`;

describe('orion limits / kill-switch / breaker (PGlite under ORION_DATA_DIR, server stopped)', async () => {
  const dataDir = await freshPgliteDataDir();
  const saved = process.env['ORION_DATA_DIR'];
  process.env['ORION_DATA_DIR'] = dataDir;
  delete process.env['DATABASE_URL'];

  beforeAll(async () => {
    // What a first boot leaves: the market's tokens and limits version 1.
    const store = await openStore({ dataDir });
    try {
      await migrate(store);
      await store.query(`insert into market_token (chain_id, address, symbol, decimals, decimals_known) values (8453, $1, 'WETH', 18, true), (8453, $2, 'USDC', 6, true)`, [WETH, USDC]);
      await seedLimitsOnce(store, 8453, DEFAULT_LIMITS);
    } finally {
      await store.close();
    }
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['ORION_DATA_DIR'];
    else process.env['ORION_DATA_DIR'] = saved;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const readTable = async (sql: string) => {
    const store = await openStore({ dataDir });
    try {
      return (await store.query(sql)).rows;
    } finally {
      await store.close();
    }
  };

  it('sets limits by symbol in token units, shows them, keeps the history and rolls back exactly', async () => {
    const set = await run(['limits', 'set', 'max_input.WETH=12.5', 'min_net_profit.USDC=3', 'max_gas_price=40gwei', '--comment', 'desk limits']);
    expect(set.code).toBe(0);
    expect(set.out).toContain('version 2');
    expect(set.out).toMatch(/max_input\.WETH +\(none\) → 12\.5 WETH/);
    expect(set.out).toMatch(/max_gas_price +none → 40 gwei/);
    const rows = await readTable('select version, limits from limits order by version');
    expect(rows.map((r) => r['version'])).toEqual([1, 2]);
    expect(rows[1]!['limits']).toMatchObject({ maxInput: { [WETH]: '12500000000000000000' }, minNetProfit: { [USDC]: '3000000' }, maxGasPrice: '40000000000' });

    const shown = JSON.parse((await run(['limits', 'show', '--json'])).out) as { version: number; limits: { maxInput: Record<string, string> } };
    expect(shown.version).toBe(2);
    expect(shown.limits.maxInput).toEqual({ [WETH]: '12500000000000000000' });

    expect((await run(['limits', 'set', 'max_input.WETH=1'])).code).toBe(0);
    const rolled = await run(['limits', 'rollback', '--to', '2']);
    expect(rolled.out).toContain('version 4');
    const after = await readTable('select version, limits, comment from limits order by version');
    expect(after[3]!['limits']).toEqual(after[1]!['limits']);
    expect(after[3]!['comment']).toBe('rollback to version 2');
    const history = JSON.parse((await run(['limits', 'history', '--json'])).out) as { versions: { version: number }[] };
    expect(history.versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
  });

  it('refuses a bad value with exit 2, naming it, and writes nothing', async () => {
    const before = await readTable('select count(*)::int as n from limits');
    const bad = await run(['limits', 'set', 'max_input.WETH=-3']);
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.err).toBe('orion: limit max_input.WETH must not be negative, got "-3"\n');
    expect((await run(['limits', 'set', 'max_input.SHIB=1'])).err).toContain('SHIB');
    expect((await run(['limits', 'rollback', '--to', 'x'])).code).toBe(EXIT_BAD_INPUT);
    expect(await readTable('select count(*)::int as n from limits')).toEqual(before);
  });

  it('engages and releases the kill switch with a reason; release removes the file KILL', async () => {
    expect((await run(['kill-switch', 'engage'])).code).not.toBe(0);
    const engaged = await run(['kill-switch', 'engage', '--reason', 'exchange hack']);
    expect(engaged.out).toMatch(/^kill switch ENGAGED by cli:\S+ at \S+: exchange hack\n$/);
    expect(JSON.parse((await run(['kill-switch', 'status', '--json'])).out)).toMatchObject({ engaged: true, reason: 'exchange hack', via: 'cli', killFile: false });
    writeFileSync(join(dataDir, 'KILL'), 'also by file');
    expect((await run(['kill-switch', 'status'])).out).toContain('the engine engages the switch at its next block');
    expect((await run(['kill-switch', 'release', '--reason', 'patched'])).out).toContain('released');
    expect(existsSync(join(dataDir, 'KILL'))).toBe(false);
    const events = await readTable('select engaged, reason, via from kill_switch_events order by id');
    expect(events).toEqual([{ engaged: true, reason: 'exchange hack', via: 'cli' }, { engaged: false, reason: 'patched', via: 'cli' }]);
    const audit = await readTable(`select type from audit_log where type like 'kill-switch.%' order by seq`);
    expect(audit.map((r) => r['type'])).toEqual(['kill-switch.engage', 'kill-switch.release']);
  });

  it('re-arms a tripped breaker once; an untripped or unknown breaker is refused', async () => {
    const store = await openStore({ dataDir });
    try {
      await store.query(`insert into breaker_trips (breaker, reason, tripped_block, until_block) values ('daily-loss', 'lost 2 WETH', 100, null)`);
    } finally {
      await store.close();
    }
    expect((await run(['breaker', 'status'])).out).toMatch(/daily-loss: tripped at block 100 .*until re-armed: lost 2 WETH/);
    expect((await run(['breaker', 'rearm', 'daily-loss', '--reason', 'reviewed'])).code).toBe(0);
    expect((await run(['breaker', 'status'])).out).toBe('no breaker is tripped\n');
    const again = await run(['breaker', 'rearm', 'daily-loss', '--reason', 'again']);
    expect(again.code).toBe(EXIT_BAD_INPUT);
    expect(again.err).toContain('not tripped');
    expect((await run(['breaker', 'rearm', 'gas', '--reason', 'x'])).err).toContain('breaker "gas" is not one of');
  });
});
