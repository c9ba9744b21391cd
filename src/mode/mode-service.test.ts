import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUnits, toHex, type Address } from 'viem';
import { loadConfig, type Config } from '../config.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { anvilAccounts, createDevnetClients, type DevnetClients } from '../devnet/clients.ts';
import { deployFlashArbExecutor } from '../devnet/deploy-executor.ts';
import { ConfigError } from '../errors.ts';
import { largestGasLimit } from '../orchestrator/plan.ts';
import { currentLimits } from '../risk-controls/limits-repository.ts';
import { forEachBackend, openTestStore, type TestStore } from '../store/test-store.ts';
import { enterLiveAtBoot, refuseLiveWithoutAllow, storedLiveNote } from './boot-mode.ts';
import { validateLive, type ValidationTarget } from './checks.ts';
import { createModeService, ModeSwitchRefused, VALIDATION_FRESH_MS } from './mode-service.ts';
import { readStoredMode } from './mode-store.ts';
import { limitsTarget, setTestDailyLoss, TEST_BASES, writeTestLimits } from './testing/live-limits.ts';

// One anvil with the executor as the devnet deploys it: owner = account 1, cold wallet = 2, hot key = 3 (allowed).
let anvil: Anvil;
let clients: DevnetClients;
let executor: Address;
let db: TestStore;
const accounts = anvilAccounts();
const keyOf = (i: number) => toHex(accounts[i]!.getHdKey().privateKey!);
const [owner, cold, hot, stranger] = [1, 2, 3, 4].map((i) => accounts[i]!.address.toLowerCase() as Address) as [Address, Address, Address, Address];

beforeAll(async () => {
  [anvil, db] = await Promise.all([startAnvil(), openTestStore('pglite')]);
  clients = createDevnetClients(anvil.rpcUrl);
  executor = await deployFlashArbExecutor(clients, { owner, coldWallet: cold, executors: [hot] });
  await db.store.query('insert into mode_sessions (mode, chain_id) values ($1, $2)', ['sim', 31337]);
  // Live needs a max_daily_loss per base token in force (the `limits` check): these tests are of the other checks.
  await setTestDailyLoss(db.store, 31337);
}, 120_000);
afterAll(async () => {
  await Promise.all([anvil?.stop(), db?.cleanup()]);
});

const settings = (env: Record<string, string>): Config =>
  loadConfig({ ORION_PRIVATE_KEY: keyOf(3), ORION_COLD_WALLET: cold, ORION_MAX_FEE_PER_GAS: '100000000000', ORION_ALLOW_LIVE: 'on', ...env }, { cwd: '/' });
const target = (config: Config, extra: Partial<ValidationTarget> = {}): ValidationTarget => ({ config, rpcUrl: anvil.rpcUrl, expectedChainId: 31337, executor, ...limitsTarget(), ...extra });
const failedNames = async (t: ValidationTarget) => (await validateLive(t, db.store)).checks.filter((c) => !c.ok).map((c) => c.name);

describe('validate: every check with its result', () => {
  it('passes for the allowed hot key on the right chain, with the contract as compiled', async () => {
    const report = await validateLive(target(settings({})), db.store);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['key', true], ['chain-id', true], ['rpc-fresh', true], ['contract-code', true], ['signer-allowed', true], ['owner-and-cold-wallet', true], ['limits', true], ['gas-balance', true],
    ]);
    expect(report.hotKey).toBe(hot);
    expect(report.passed).toBe(true);
  });

  it('a key the contract does not allow fails signer-allowed, naming the command that fixes it, and sends nothing', async () => {
    const report = await validateLive(target(settings({ ORION_PRIVATE_KEY: keyOf(4) })), db.store);
    expect(report.checks.find((c) => c.name === 'signer-allowed')).toEqual({ name: 'signer-allowed', ok: false, detail: `${stranger} is not allowed by the contract: orion contract allow-executor ${stranger}` });
    expect(await clients.publicClient.getTransactionCount({ address: stranger })).toBe(0);
  });

  it('the owner as hot key, a wrong chain, another cold wallet, no fee cap, too little gas: each its own failure', async () => {
    expect(await failedNames(target(settings({ ORION_PRIVATE_KEY: keyOf(1) })))).toEqual(['signer-allowed']);
    expect(await failedNames(target(settings({}), { expectedChainId: 1 }))).toEqual(['chain-id']);
    expect(await failedNames(target(settings({ ORION_COLD_WALLET: stranger })))).toEqual(['owner-and-cold-wallet']);
    expect(await failedNames(target(settings({ ORION_MAX_FEE_PER_GAS: '' })))).toEqual(['limits', 'gas-balance']);
    // anvil's 10,000 ETH pays ~7,000 executions at 1,000 gwei: ask for a million.
    expect(await failedNames(target(settings({ ORION_GAS_RESERVE_TXS: '1000000', ORION_MAX_FEE_PER_GAS: '1000000000000' })))).toEqual(['gas-balance']);
  });

  it('counts gas at what the engine\'s recent plans reserve when that is more than the largest route\'s', async () => {
    const cap = 1_000_000_000_000n;
    const balance = await clients.publicClient.getBalance({ address: hot });
    const table = largestGasLimit(settings({}).maxHops, settings({}).gasLimitMarginBps);
    // A reserve the table's figure pays for and six times that figure does not (plans crossing many V3 ticks).
    const config = settings({ ORION_MAX_FEE_PER_GAS: cap.toString(), ORION_GAS_RESERVE_TXS: (balance / (table * cap * 3n)).toString() });
    const gasBalance = async (extra: Partial<ValidationTarget>) => (await validateLive(target(config, extra), db.store)).checks.find((c) => c.name === 'gas-balance')!;
    const byTable = await gasBalance({});
    expect(byTable.ok).toBe(true);
    expect(byTable.detail).toContain(`${balance / (table * cap)} executions at the cap (${table} gas each, the largest route's)`);
    const byPlans = await gasBalance({ gasPerExecution: table * 6n });
    expect(byPlans.ok).toBe(false);
    expect(byPlans.detail).toContain(`${balance / (table * 6n * cap)} executions at the cap (${table * 6n} gas each, as the engine's recent plans reserve)`);
    // A figure below the table's never lowers it.
    expect((await gasBalance({ gasPerExecution: table / 2n })).detail).toContain(`(${table} gas each, the largest route's)`);
  });

  it('no key, and code that is not the executor: both listed in one report', async () => {
    const report = await validateLive(target(loadConfig({ ORION_COLD_WALLET: cold, ORION_MAX_FEE_PER_GAS: '1000000000' }, { cwd: '/' }), { executor: cold }), db.store);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['key', 'contract-code', 'signer-allowed', 'owner-and-cold-wallet', 'gas-balance']);
    expect(report.checks[0]?.detail).toMatch(/no hot key: set ORION_KEYSTORE/);
    expect(report.checks.find((c) => c.name === 'contract-code')?.detail).toBe(`no code at ${cold}`);
  });

  it('a relay URL that is not http(s) fails the relays check without a request', async () => {
    const report = await validateLive(target(settings({}), { relayUrls: ['ws://127.0.0.1:1/relay'] }), db.store);
    expect(report.checks.at(-1)).toEqual({ name: 'relays', ok: false, detail: 'ws://127.0.0.1:1/relay: scheme ws is not http(s)' });
  });
});

describe('switch', () => {
  it('refuses live without ORION_ALLOW_LIVE, and changes nothing', async () => {
    const service = createModeService({ store: db.store, allowLive: false, target: () => target(settings({})) });
    await service.validate({ label: 'test' });
    await expect(service.switch('live', { label: 'test' })).rejects.toThrow(new ModeSwitchRefused('live mode is not allowed on this installation: ORION_ALLOW_LIVE is off; allowed: set ORION_ALLOW_LIVE=on, then validate and switch'));
    expect(await readStoredMode(db.store)).toBeUndefined();
  });

  it('a validation from an instance whose clock runs ahead neither outranks a later failed one nor stays fresh longer', async () => {
    // Its checks pass (the chain's head is judged fresh whatever the skew): a passing validation.
    const ahead = createModeService({ store: db.store, allowLive: true, target: () => target(settings({}), { maxHeadAgeSeconds: 86_400 }), now: () => new Date(Date.now() + 10 * 60_000) });
    expect((await ahead.validate({ label: 'workstation ten minutes ahead' })).passed).toBe(true);
    const bad = createModeService({ store: db.store, allowLive: true, target: () => target(settings({ ORION_PRIVATE_KEY: keyOf(4) })) });
    await bad.validate({ label: 'server' });
    // Before: ordered by each process's own time, the passing one from "the future" was the latest.
    await expect(bad.switch('live', { label: 'test' })).rejects.toThrow(/the last validation failed \(signer-allowed\)/);
    expect(await readStoredMode(db.store)).toBeUndefined();
  });

  it('refuses live after a failed validation and after a stale passing one; switches after a fresh one, with a new session at zero', async () => {
    const clock = Date.now();
    const bad = createModeService({ store: db.store, allowLive: true, target: () => target(settings({ ORION_PRIVATE_KEY: keyOf(4) })), now: () => new Date(clock) });
    await bad.validate({ label: 'test' });
    await expect(bad.switch('live', { label: 'test' })).rejects.toThrow(/the last validation failed \(signer-allowed\)/);

    const good = createModeService({ store: db.store, allowLive: true, target: () => target(settings({})), now: () => new Date(clock) });
    const before = await good.status();
    await good.validate({ label: 'test' });
    // Its age is the database's: a minute passes there (the app clock plays no part).
    await db.store.query(`update mode_validations set at = at - make_interval(secs => $1) where id = (select max(id) from mode_validations)`, [(VALIDATION_FRESH_MS + 1000) / 1000]);
    await expect(good.switch('live', { label: 'test' })).rejects.toThrow(/is 61 s old; allowed: one of the last 60 s/);
    expect((await readStoredMode(db.store))).toBeUndefined();

    await good.validate({ label: 'test' });
    const after = await good.switch('live', { label: 'alice' });
    expect(after).toMatchObject({ mode: 'live', switchedBy: 'alice', session: { mode: 'live', chainId: 31337, counters: { detected: 0, planned: 0, submitted: 0, included: 0 } } });
    expect(after.session?.id).not.toBe(before.session?.id);
    expect((await good.switch('sim', { label: 'alice' })).mode).toBe('sim');
  });
});

describe('boot', () => {
  it('ORION_MODE=live without ORION_ALLOW_LIVE refuses at once', () => {
    expect(() => refuseLiveWithoutAllow({ mode: 'live', allowLive: false })).toThrow(ConfigError);
    expect(() => refuseLiveWithoutAllow({ mode: 'sim', allowLive: false })).not.toThrow();
  });

  it('ORION_MODE=live with a failing validation refuses, listing every failed check', async () => {
    const service = createModeService({ store: db.store, allowLive: true, target: () => target(settings({ ORION_PRIVATE_KEY: keyOf(4), ORION_MAX_FEE_PER_GAS: '' })) });
    const error = await enterLiveAtBoot(service).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^ORION_MODE=live: refusing to start, 3 pre-flight check\(s\) failed: signer-allowed: .*; limits: .*; gas-balance: /);
  });

  it('a stored live mode does not bring a sim start back into live: it says why', async () => {
    const service = createModeService({ store: db.store, allowLive: true, target: () => target(settings({})) });
    await enterLiveAtBoot(service);
    expect((await readStoredMode(db.store))?.mode).toBe('live');
    expect(await storedLiveNote({ mode: 'sim' }, db.store)).toMatch(/^the stored mode is live .* a restart never re-enters live by itself: starting in sim/);
    expect(await storedLiveNote({ mode: 'live' }, db.store)).toBeUndefined();
  });
});

forEachBackend('the limits check: a max_daily_loss for every base token, in the deployment\'s database', (ctx) => {
  const limitsCheck = async () => (await validateLive(target(settings({})), ctx.store)).checks.find((c) => c.name === 'limits')!;
  const [weth, usdc] = TEST_BASES as [(typeof TEST_BASES)[number], (typeof TEST_BASES)[number]];
  /** How the stored amount reads in token units (viem's formatting, not the check's). */
  const stored = async (token: (typeof TEST_BASES)[number]) => formatUnits((await currentLimits(ctx.store))!.limits.maxDailyLoss[token.address]!, token.decimals);

  it('limits never seeded: fails saying so, naming every base token and the command', async () => {
    expect(await currentLimits(ctx.store)).toBeUndefined();
    const check = await limitsCheck();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('never seeded');
    expect(check.detail).toContain(`orion limits set max_daily_loss.${weth.symbol}=AMOUNT max_daily_loss.${usdc.symbol}=AMOUNT`);
  });

  it('a max_daily_loss only for a token that is not a base does not count: fails naming each base token and the command', async () => {
    const stray = `0x${'da'.repeat(20)}`;
    const version = await writeTestLimits(ctx.store, 31337, (limits) => ({ ...limits, maxDailyLoss: { [stray]: 10n ** 18n } }));
    expect(Object.keys(version.limits.maxDailyLoss)).toEqual([stray]);
    const check = await limitsCheck();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`no max_daily_loss for ${weth.symbol}, ${usdc.symbol}`);
    expect(check.detail).toContain(`orion limits set max_daily_loss.${weth.symbol}=AMOUNT max_daily_loss.${usdc.symbol}=AMOUNT`);
  });

  it('boot with ORION_MODE=live refuses to start, listing the limits failure; the stored mode stays as it was', async () => {
    const service = createModeService({ store: ctx.store, allowLive: true, target: () => target(settings({})) });
    const error = await enterLiveAtBoot(service).then(() => undefined, (e: unknown) => e as ConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/^ORION_MODE=live: refusing to start, 1 pre-flight check\(s\) failed: limits: /);
    expect(error?.message).toContain(`max_daily_loss.${usdc.symbol}=AMOUNT`);
    expect(await readStoredMode(ctx.store)).toBeUndefined();
  });

  it('one base token with a limit: fails naming only the other', async () => {
    await writeTestLimits(ctx.store, 31337, (limits) => ({ ...limits, maxDailyLoss: { ...limits.maxDailyLoss, [weth.address]: 5n * 10n ** 17n } }));
    const check = await limitsCheck();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`no max_daily_loss for ${usdc.symbol} `);
    expect(check.detail).toContain(`orion limits set max_daily_loss.${usdc.symbol}=AMOUNT`);
    expect(check.detail).not.toContain(`max_daily_loss.${weth.symbol}=`);
  });

  it('passes once every base token has one, listing them in token units as stored; a switch to live then succeeds', async () => {
    await writeTestLimits(ctx.store, 31337, (limits) => ({ ...limits, maxDailyLoss: { ...limits.maxDailyLoss, [usdc.address]: 1000n * 10n ** 6n } }));
    const check = await limitsCheck();
    expect(check.ok, check.detail).toBe(true);
    expect(check.detail).toContain(`max_daily_loss ${weth.symbol} ${await stored(weth)}, ${usdc.symbol} ${await stored(usdc)}`);
    await ctx.store.query('insert into mode_sessions (mode, chain_id) values ($1, $2)', ['sim', 31337]);
    const service = createModeService({ store: ctx.store, allowLive: true, target: () => target(settings({})) });
    await enterLiveAtBoot(service);
    expect((await readStoredMode(ctx.store))?.mode).toBe('live');
  });
});
