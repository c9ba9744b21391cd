import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { toHex, type Hex } from 'viem';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { EXIT_FAILURE } from '../cli.ts';
import { runCli } from '../cli/testing/run-cli.ts';
import { loadConfig } from '../config.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { ownerController, type OwnerController } from '../controls/owner-controller.ts';
import { generateTotpSecret } from '../auth/totp.ts';
import { revertTo, snapshot, startExecutorFixture, type ExecutorFixture } from '../executor/testing/executor-fixture.ts';
import { openStore } from '../store/open-store.ts';
import { forEachBackend, freshPgliteDataDir } from '../store/test-store.ts';
import { codeAt, createTestApp, enrolledAdmin, type TestApp } from './test-app.ts';

/**
 * POST /api/v1/controls/contract/* and `orion contract … --server` against a devnet running the
 * real FlashArbExecutor (owner = anvil account 1), the instance's owner controller opening the
 * key from ORION_OWNER_KEY. Mining is stopped (anvil's automine off) to make a control's receipt
 * late: the API answers 202 with the hash, a second control is refused while it is pending, and
 * once mined the next control records its outcome.
 */

let f: ExecutorFixture;
const folder = mkdtempSync(join(tmpdir(), 'orion-contract-routes-'));
beforeAll(async () => {
  f = await startExecutorFixture();
}, 300_000);
afterAll(async () => {
  await f?.stop();
  rmSync(folder, { recursive: true, force: true });
});

const automine = (on: boolean) => f.clients.publicClient.request({ method: 'evm_setAutomine' as never, params: [on] as never });
const mine = () => f.clients.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
const paused = () => f.clients.publicClient.readContract({ address: f.executor, abi: flashArbExecutorAbi, functionName: 'paused' }) as Promise<boolean>;
const pendingNonce = () => f.clients.publicClient.getTransactionCount({ address: f.clients.accounts[1]!.address, blockTag: 'pending' });

forEachBackend('contract controls through the API, on a devnet', (ctx) => {
  let t: TestApp;
  let url: string;
  let snap: Hex;
  const saved = { ...process.env };

  beforeAll(async () => {
    for (const name of ['ORION_API_URL', 'ORION_API_KEY', 'ORION_USERNAME', 'ORION_PASSWORD']) delete process.env[name];
    const ownerKey = toHex(f.clients.accounts[1]!.getHdKey().privateKey!);
    const config = loadConfig({ ORION_OWNER_KEY: ownerKey }, { cwd: '/' });
    // Over the app's audit log, so it exists once the app does (as in the platform: 503 until then).
    const instance: { controller?: OwnerController } = {};
    t = await createTestApp(ctx.store, { app: { live: { mode: () => undefined, contract: () => instance.controller } } });
    instance.controller = ownerController(config, f.anvil.rpcUrl, f.executor, t.audit, { receiptTimeoutMs: 3_000 });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    await t?.app.close();
  });
  beforeEach(async () => {
    snap = await snapshot(f.clients);
  });
  afterEach(async () => {
    await automine(true);
    await revertTo(f.clients, snap);
  });

  const outcomeOf = async (type: string, transaction: string) => (await t.audit.list({ type, limit: 100 })).rows.find((row) => row.details['transaction'] === transaction)?.details;
  const post = async (kind: 'pause' | 'unpause') => {
    const admin = await enrolledAdmin(t);
    return t.app.inject({ method: 'POST', url: `/api/v1/controls/contract/${kind}`, headers: { ...admin.bearer, 'x-totp-code': admin.code }, payload: {} });
  };

  it('no receipt in time: 202 with the hash (sent, recorded, not mined); a second control is 409 and sends nothing; once mined, the next control records the outcome', async () => {
    await automine(false);
    const sent = await post('pause');
    expect(sent.statusCode).toBe(202);
    const body = sent.json() as { status: string; control: string; transaction: Hex; message: string };
    expect(body).toMatchObject({ status: 'sent, not yet mined', control: 'pause', executor: f.executor });
    expect(body.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(body.message).toContain(body.transaction);
    // On the chain: known and waiting; in the audit log: signed with that hash, no outcome yet.
    expect((await f.clients.publicClient.getTransaction({ hash: body.transaction })).blockNumber).toBeNull();
    expect((await t.audit.list({ type: 'contract.signed', limit: 1 })).rows[0]?.details).toMatchObject({ control: 'pause', transaction: body.transaction });
    expect(await outcomeOf('contract.pause', body.transaction)).toBeUndefined();

    const nonce = await pendingNonce();
    const refused = await post('pause');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ message: expect.stringContaining(`earlier pause (transaction ${body.transaction}`) });
    expect(await pendingNonce()).toBe(nonce);

    await mine();
    await automine(true);
    expect(await paused()).toBe(true);
    const unpaused = await post('unpause');
    expect(unpaused.statusCode).toBe(200);
    expect(await paused()).toBe(false);
    const receipt = await f.clients.publicClient.getTransactionReceipt({ hash: body.transaction });
    expect(await outcomeOf('contract.pause', body.transaction)).toMatchObject({ status: 'success', block: receipt.blockNumber.toString() });
    expect(await outcomeOf('contract.unpause', (unpaused.json() as { transaction: string }).transaction)).toMatchObject({ status: 'success' });
  });

  it('a control the node refuses at the send (an owner without ETH for gas): 409 naming the transaction and that nothing is pending, recorded not-sent', async () => {
    const owner = f.clients.accounts[1]!.address;
    await f.clients.publicClient.request({ method: 'anvil_setBalance' as never, params: [owner, '0x0'] as never });
    const refused = await post('pause');
    // Before: a bare 500 "internal error", the hash only in the audit log.
    expect(refused.statusCode, refused.body).toBe(409);
    const message = (refused.json() as { message: string }).message;
    const hash = /pause: transaction (0x[0-9a-f]{64}) was not sent \(.+\); nothing is pending/.exec(message)?.[1];
    expect(hash, message).toBeDefined();
    expect(await outcomeOf('contract.pause', hash!)).toMatchObject({ status: 'not-sent' });
    expect(await paused()).toBe(false);

    // Funded and asked again, nothing else sent meanwhile: the identical transaction (same nonce,
    // a deterministic signature), now pending. Its old 'not-sent' outcome does not settle the new
    // send: a second control is refused while it waits (before, it was signed and sent beside it).
    await f.clients.publicClient.request({ method: 'anvil_setBalance' as never, params: [owner, toHex(10n ** 20n)] as never });
    await automine(false);
    const sent = await post('pause');
    expect(sent.statusCode, sent.body).toBe(202);
    expect((sent.json() as { transaction: string }).transaction).toBe(hash);
    const nonce = await pendingNonce();
    const again = await post('pause');
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ message: expect.stringContaining(`earlier pause (transaction ${hash}`) });
    expect(await pendingNonce()).toBe(nonce);
  });

  /** An admin enrolled with no step spent yet, for the CLI: this step's code signs in, the next one is the action's. */
  let cliAdmins = 0;
  const cliAdmin = async (): Promise<string[]> => {
    const username = `cli-admin-${++cliAdmins}`;
    const user = await t.auth.users.add({ username, role: 'admin', password: 'cli admin password', mustChangePassword: false });
    const secret = generateTotpSecret();
    await ctx.store.query('update auth_user set mfa_secret = $2 where id = $1', [user.id, secret]);
    const passwordFile = join(folder, `${ctx.backend}-${username}.password`);
    writeFileSync(passwordFile, 'cli admin password\n', { mode: 0o600 });
    return ['--server', url, '--login', username, '--password-file', passwordFile, '--login-totp', codeAt(secret, 0), '--totp', codeAt(secret, 1)];
  };

  it('orion contract pause --server: sent and not mined is one line with the hash (exit 1); a second is refused while it is pending; once mined, unpause prints its transaction and block', async () => {
    await automine(false);
    const sent = await runCli(['contract', 'pause', ...(await cliAdmin())]);
    expect(sent.code).toBe(EXIT_FAILURE);
    expect(sent.out).toBe('');
    const hash = /pause sent as transaction (0x[0-9a-f]{64}), not yet mined/.exec(sent.err)?.[1] as Hex | undefined;
    expect(sent.err, sent.err).toMatch(/^orion: pause sent as transaction 0x[0-9a-f]{64}, not yet mined \(.*\); it is recorded in the audit log\./);
    expect((await f.clients.publicClient.getTransaction({ hash: hash! })).blockNumber).toBeNull();

    const nonce = await pendingNonce();
    const refused = await runCli(['contract', 'pause', ...(await cliAdmin())]);
    expect(refused.code).toBe(EXIT_FAILURE);
    expect(refused.err).toContain(`orion: refused by the server (409): an earlier pause (transaction ${hash}`);
    expect(refused.err).toContain('nothing sent');
    expect(await pendingNonce()).toBe(nonce);

    await mine();
    await automine(true);
    const unpaused = await runCli(['contract', 'unpause', ...(await cliAdmin())]);
    expect(unpaused.err).toBe('');
    expect(unpaused.code).toBe(0);
    const transaction = /^unpause: transaction (0x[0-9a-f]{64}) in block (\d+)\n$/.exec(unpaused.out);
    expect(transaction, unpaused.out).not.toBeNull();
    const receipt = await f.clients.publicClient.getTransactionReceipt({ hash: transaction![1] as Hex });
    expect(receipt.blockNumber.toString()).toBe(transaction![2]);
    expect(await paused()).toBe(false);
    expect(await outcomeOf('contract.pause', hash!)).toMatchObject({ status: 'success' });
  });
});

it('orion contract allow-executor / revoke-executor run here with the owner key even when the shell holds the CLI\'s server credentials (the server has no route for them), recording who at this machine ran them', async () => {
  const dataDir = await freshPgliteDataDir();
  const saved = { ...process.env };
  writeFileSync(join(dataDir, 'pools.json'), JSON.stringify({ format: 'orion.pools/v1', chainId: 31337, block: null, pools: [] }));
  try {
    delete process.env['DATABASE_URL'];
    Object.assign(process.env, {
      ORION_DATA_DIR: dataDir,
      ORION_RPC_URLS: f.anvil.rpcUrl,
      ORION_EXECUTOR_ADDRESS: f.executor,
      ORION_SNAPSHOT: join(dataDir, 'pools.json'), // required beside ORION_RPC_URLS; a control never reads it
      ORION_OWNER_KEY: toHex(f.clients.accounts[1]!.getHdKey().privateKey!),
      // Set for the other commands: before, these took the server path, which has no such route.
      ORION_API_URL: 'http://127.0.0.1:9',
      ORION_USERNAME: 'ops',
    });
    const account = f.clients.accounts[4]!.address;
    const isExecutor = () => f.clients.publicClient.readContract({ address: f.executor, abi: flashArbExecutorAbi, functionName: 'isExecutor', args: [account] }) as Promise<boolean>;
    const allowed = await runCli(['contract', 'allow-executor', account]);
    expect(allowed.err, allowed.err).toBe('');
    expect(allowed.out).toMatch(/^allow-executor: transaction 0x[0-9a-f]{64} in block \d+/);
    expect(await isExecutor()).toBe(true);
    const revoked = await runCli(['contract', 'revoke-executor', account]);
    expect(revoked.err).toBe('');
    expect(await isExecutor()).toBe(false);
    const store = await openStore({ dataDir });
    try {
      const { rows } = await store.query<{ actor: string | null; os_user: string | null }>(
        `select l.actor, p.data ->> 'osUser' as os_user from audit_log l left join audit_personal p on p.seq = l.seq where l.type = 'contract.signed' order by l.seq`, []);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row.actor).toMatch(/^cli:[0-9a-f]{16}$/);
        expect(row.os_user).toBe(userInfo().username);
      }
    } finally {
      await store.close();
    }
  } finally {
    process.env = saved;
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
