import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, type Address } from 'viem';
import { loadConfig, type Config } from '../config.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { anvilAccounts, createDevnetClients, type DevnetClients } from '../devnet/clients.ts';
import { deployFlashArbExecutor } from '../devnet/deploy-executor.ts';
import { ConfigError } from '../errors.ts';
import { largestGasLimit } from '../orchestrator/plan.ts';
import { openTestStore, type TestStore } from '../store/test-store.ts';
import { enterLiveAtBoot, refuseLiveWithoutAllow, storedLiveNote } from './boot-mode.ts';
import { validateLive, type ValidationTarget } from './checks.ts';
import { createModeService, ModeSwitchRefused, VALIDATION_FRESH_MS } from './mode-service.ts';
import { readStoredMode } from './mode-store.ts';

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
}, 120_000);
afterAll(async () => {
  await Promise.all([anvil?.stop(), db?.cleanup()]);
});

const settings = (env: Record<string, string>): Config =>
  loadConfig({ ORION_PRIVATE_KEY: keyOf(3), ORION_COLD_WALLET: cold, ORION_MAX_FEE_PER_GAS: '100000000000', ORION_ALLOW_LIVE: 'on', ...env }, { cwd: '/' });
const target = (config: Config, extra: Partial<ValidationTarget> = {}): ValidationTarget => ({ config, rpcUrl: anvil.rpcUrl, expectedChainId: 31337, executor, ...extra });
const failedNames = async (t: ValidationTarget) => (await validateLive(t)).checks.filter((c) => !c.ok).map((c) => c.name);

describe('validate: every check with its result', () => {
  it('passes for the allowed hot key on the right chain, with the contract as compiled', async () => {
    const report = await validateLive(target(settings({})));
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['key', true], ['chain-id', true], ['rpc-fresh', true], ['contract-code', true], ['signer-allowed', true], ['owner-and-cold-wallet', true], ['limits', true], ['gas-balance', true],
    ]);
    expect(report.hotKey).toBe(hot);
    expect(report.passed).toBe(true);
  });

  it('a key the contract does not allow fails signer-allowed, naming the command that fixes it, and sends nothing', async () => {
    const report = await validateLive(target(settings({ ORION_PRIVATE_KEY: keyOf(4) })));
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
    const gasBalance = async (extra: Partial<ValidationTarget>) => (await validateLive(target(config, extra))).checks.find((c) => c.name === 'gas-balance')!;
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
    const report = await validateLive(target(loadConfig({ ORION_COLD_WALLET: cold, ORION_MAX_FEE_PER_GAS: '1000000000' }, { cwd: '/' }), { executor: cold }));
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['key', 'contract-code', 'signer-allowed', 'owner-and-cold-wallet', 'gas-balance']);
    expect(report.checks[0]?.detail).toMatch(/no hot key: set ORION_KEYSTORE/);
    expect(report.checks.find((c) => c.name === 'contract-code')?.detail).toBe(`no code at ${cold}`);
  });

  it('a relay URL that is not http(s) fails the relays check without a request', async () => {
    const report = await validateLive(target(settings({}), { relayUrls: ['ws://127.0.0.1:1/relay'] }));
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

  it('refuses live after a failed validation and after a stale passing one; switches after a fresh one, with a new session at zero', async () => {
    let clock = Date.now();
    const bad = createModeService({ store: db.store, allowLive: true, target: () => target(settings({ ORION_PRIVATE_KEY: keyOf(4) })), now: () => new Date(clock) });
    await bad.validate({ label: 'test' });
    await expect(bad.switch('live', { label: 'test' })).rejects.toThrow(/the last validation failed \(signer-allowed\)/);

    const good = createModeService({ store: db.store, allowLive: true, target: () => target(settings({})), now: () => new Date(clock) });
    const before = await good.status();
    await good.validate({ label: 'test' });
    clock += VALIDATION_FRESH_MS + 1000;
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
