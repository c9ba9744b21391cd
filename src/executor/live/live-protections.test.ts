import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnet, type Devnet } from '../../devnet/devnet.ts';
import { startEngine, type Engine } from '../../engine/engine.ts';
import { TokenDirectory } from '../../format/symbols.ts';
import { DEFAULT_PLAN_SETTINGS, largestGasLimit } from '../../orchestrator/plan.ts';
import { openProtections } from '../../risk-controls/protections-service.ts';
import { engineProtections, PERMISSIVE_LIMITS } from '../../risk-controls/testing/engine-protections.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { devnetEngineOptions } from './testing/devnet-engine-options.ts';

/**
 * The protections in live mode on the local chain: the hot key's gas money is read every block
 * and stops planning below the floor `gas_money.min_executions` (3 by default), and the outcomes
 * the protections count are the settled transactions, not the simulations.
 */

const PRIORITY_FEE = 2_000_000_000n;
const FEE_CAP = 100_000_000_000n;
const PLENTY = 10n ** 22n;

describe('protections in live mode on the local chain', () => {
  let devnet: Devnet;
  let store: TestStore;
  let engine: Engine | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'orion-live-protections-'));
  const protections = { open: undefined as unknown as ReturnType<typeof engineProtections> };

  const chain = () => devnet.clients.publicClient;
  const rpc = (method: string, params: unknown[]) => devnet.clients.publicClient.request({ method, params } as never);
  /** Resolves at the first new block on which `check` holds (checked once per block, up to `blocks` blocks). */
  async function untilBlockWhere(check: () => boolean | Promise<boolean>, blocks: number, what: string): Promise<bigint> {
    const start = await chain().getBlockNumber();
    let seen = start;
    while (seen < start + BigInt(blocks)) {
      if (await check()) return seen;
      const next = await new Promise<bigint>((resolve) => {
        const stop = chain().watchBlockNumber({ emitOnBegin: false, pollingInterval: 100, onBlockNumber: (n) => { stop(); resolve(n); } });
      });
      seen = next;
    }
    throw new Error(`no block within ${blocks} blocks where ${what}`);
  }

  beforeAll(async () => {
    devnet = await startDevnet({ blockTime: 1, cacheDir: join(dir, 'cache'), executor: true, executorHotKey: 5, flow: { seed: 23, swapsPerBlock: 6, maxSizeBps: 300 } });
    store = await openTestStore(testBackends().at(-1)!);
    protections.open = engineProtections(store.store, 31337, { limits: PERMISSIVE_LIMITS, dataDir: dir });
    engine = await startEngine({
      ...devnetEngineOptions(devnet, store.store, PRIORITY_FEE),
      gasBid: { priorityFee: PRIORITY_FEE, maxFeePerGas: FEE_CAP },
      protections: protections.open.open,
      mode: 'live',
      live: { account: devnet.clients.accounts[5]!, tipShareBps: 0, replaceAfterBlocks: 3, confirmations: 1 },
      spillDir: dir,
    });
  }, 240_000);
  afterAll(async () => {
    await engine?.stop();
    await store?.cleanup();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the hot key\'s gas money every block, stops planning below the floor with that reason, and plans again once funded', async () => {
    const service = () => protections.open.service();
    const hotKey = devnet.executor!.hotKey;
    await untilBlockWhere(() => service().status().gasMoney !== null, 10, 'gas money was read');
    const first = service().status().gasMoney!;
    expect(first.account.toLowerCase()).toBe(hotKey.toLowerCase());
    expect(first.enforced).toBe(true);
    expect(BigInt(first.feePerGas)).toBe(FEE_CAP);
    // The balance is the chain's at the block it names, and the count is whole executions of it.
    expect(BigInt(first.balance)).toBe(await chain().getBalance({ address: hotKey, blockNumber: BigInt(first.block) }));
    const each = BigInt(first.feePerGas) * BigInt(first.gasPerExecution);
    expect(BigInt(first.executionsLeft!)).toBe(BigInt(first.balance) / each);

    // Two executions' worth: below the default floor of 3.
    await rpc('anvil_setBalance', [hotKey, `0x${(2n * each + 1n).toString(16)}`]);
    await untilBlockWhere(() => BigInt(service().status().gasMoney!.executionsLeft ?? 99n) < 3n, 10, 'the low balance was read');
    const lowFrom = await chain().getBlockNumber();
    // Every block decided from now on is judged with the low balance: nothing planned, each refusal says why.
    await untilBlockWhere(() => (service().status().locksByRule['gas-money'] ?? 0) > 0, 30, 'an opportunity met the gas-money rule');
    await untilBlockWhere(() => true, 3, '');
    await engine!.settle();
    const { rows: refused } = await store.store.query<{ reason: string }>(
      "select reason from decisions where rule = 'gas-money' and block > $1", [lowFrom.toString()]);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.reason).toContain('gas_money.min_executions=3');
    expect(refused[0]!.reason).toContain(hotKey);
    const { rows: plannedWhileLow } = await store.store.query<{ n: string }>(
      "select count(*)::text as n from decisions where outcome = 'planned' and block > $1", [lowFrom.toString()]);
    expect(plannedWhileLow[0]!.n).toBe('0');

    await rpc('anvil_setBalance', [hotKey, `0x${PLENTY.toString(16)}`]);
    await untilBlockWhere(() => BigInt(service().status().gasMoney!.executionsLeft ?? 0n) >= 3n, 10, 'the new balance was read');
    const fundedFrom = await chain().getBlockNumber();
    await untilBlockWhere(async () => {
      await engine!.settle();
      const { rows } = await store.store.query<{ n: string }>("select count(*)::text as n from decisions where outcome = 'planned' and block > $1", [fundedFrom.toString()]);
      return rows[0]!.n !== '0';
    }, 60, 'a plan was made after funding');

    // Executions are counted at what a plan reserves: never less than the table's largest route,
    // nor than any plan of the window's blocks decided before the balance at B was read (blocks
    // B-127 .. B-1), nor more than every plan up to B allows (a V3 route's crossings included).
    const table = largestGasLimit(3, DEFAULT_PLAN_SETTINGS.gasLimitMarginBps);
    let money = service().status().gasMoney!;
    const largestPlanned = async (from: bigint, to: bigint): Promise<bigint | null> => {
      const { rows: [row] } = await store.store.query<{ most: string | null }>(
        "select max(gas_limit)::text as most from decisions where outcome = 'planned' and block >= $1 and block <= $2", [from.toString(), to.toString()]);
      return row!.most === null ? null : BigInt(row!.most);
    };
    let before: bigint | null = null;
    await untilBlockWhere(async () => {
      money = service().status().gasMoney!;
      await engine!.settle();
      before = await largestPlanned(BigInt(money.block) - 127n, BigInt(money.block) - 1n);
      return before !== null;
    }, 30, 'a plan decided before the last balance read');
    const upTo = (await largestPlanned(BigInt(money.block) - 127n, BigInt(money.block)))!;
    const counted = BigInt(money.gasPerExecution);
    expect(counted).toBeGreaterThanOrEqual(table);
    expect(counted).toBeGreaterThanOrEqual(before!);
    expect(counted).toBeLessThanOrEqual(upTo > table ? upTo : table);
    console.log(`gas money counted at ${counted} gas per execution; the table's largest route ${table}, the window's plans' largest ${upTo}`);
  }, 240_000);

  it('counts the settled transactions (not the simulations) in the day\'s P&L, as the ledger does after a restart', async () => {
    await untilBlockWhere(async () => {
      const { rows } = await store.store.query<{ n: string }>("select count(*)::text as n from intents where final_at is not null and realized_net is not null");
      return rows[0]!.n !== '0';
    }, 60, 'an execution settled');
    const session = engine!.session.id;
    await engine!.stop();
    engine = undefined;
    // Counted once mined (the account is free again then), final or not.
    const { rows } = await store.store.query<{ token: string; pnl: string }>(
      'select base_token as token, sum(realized_net)::text as pnl from intents where realized_net is not null group by base_token');
    const inMemory = service().status().dailyPnl.byToken;
    expect(Object.keys(inMemory).sort()).toEqual(rows.map((r) => r.token.toLowerCase()).sort());
    for (const row of rows) expect(inMemory[row.token.toLowerCase()]).toBe(row.pnl);
    // A restart reads the same figures back from the settled intents.
    const reopened = await openProtections({ store: store.store, chainId: 31337, session, mode: 'live', dataDir: dir, seed: PERMISSIVE_LIMITS, tokens: () => new TokenDirectory([]) });
    expect(reopened.status().dailyPnl.byToken).toEqual(inMemory);
    await reopened.settle();

    function service() {
      return protections.open.service();
    }
  }, 180_000);
});
