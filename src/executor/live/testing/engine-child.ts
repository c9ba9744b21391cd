import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineProtections, PERMISSIVE_LIMITS } from '../../../risk-controls/testing/engine-protections.ts';
import { anvilAccounts } from '../../../devnet/clients.ts';
import { startEngine } from '../../../engine/engine.ts';
import { readSnapshotFile } from '../../../market/snapshot.ts';
import { DEFAULT_PLAN_SETTINGS } from '../../../orchestrator/plan.ts';
import { migrate } from '../../../store/migrate.ts';
import { openStore, type OpenStoreOptions } from '../../../store/open-store.ts';
import { privateKeyToAccount } from 'viem/accounts';
import { createRelayClient } from '../relay-client.ts';
import { killAt, type KillPoint } from './fault-points.ts';

/**
 * TEST CODE — the engine as a child process of the exactly-once tests: the live engine on a
 * devnet the test runs, with the fault hook armed at the kill point the test chose. Its only
 * input is the JSON file named by argv[2] (no ORION_* variable, see fault-points.ts). It prints
 * one line per step reached (`step <name> <count>`), `simulated <block>` per part of a block done,
 * and `reconciled <json>` once started, so the test can follow it; it stops on SIGTERM. With
 * `bundle` it submits to the relays named there (ORION_SUBMIT=bundle).
 */

interface ChildSettings {
  rpcUrl: string;
  snapshotFile: string;
  executor: `0x${string}`;
  /** Index of anvil's account that is the hot key. */
  hotKeyIndex: number;
  store: OpenStoreOptions;
  kill: KillPoint | null;
  confirmations: number;
  replaceAfterBlocks: number;
  /**
   * Drain: the kill switch engaged (a KILL file), so nothing new is planned, while the open
   * intents are tracked to the end (mined, or cancelled past their deadline); prints `drained`
   * once none is open.
   */
  drain?: boolean;
  /** Bundle submission (ORION_SUBMIT=bundle) to these relays, signed by the relay key, for this many blocks; absent = public. */
  bundle?: { relayUrls: string[]; relayAuthKey: `0x${string}`; blocks: number };
}

const settings = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as ChildSettings;
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const account = anvilAccounts()[settings.hotKeyIndex]!;
const store = await openStore(settings.store);
await migrate(store);
const { snapshot } = await readSnapshotFile(settings.snapshotFile);
const dataDir = mkdtempSync(join(tmpdir(), 'orion-exactly-once-child-'));
if (settings.drain === true) writeFileSync(join(dataDir, 'KILL'), 'drain: settle what is open, plan nothing new');
const engine = await startEngine({
  store,
  mode: 'live',
  protections: engineProtections(store, snapshot.chainId, { limits: PERMISSIVE_LIMITS, dataDir }).open,
  live: {
    account, tipShareBps: 0, replaceAfterBlocks: settings.replaceAfterBlocks, confirmations: settings.confirmations,
    onStep: killAt(settings.kill, (step, count) => say(`step ${step} ${count}`)),
    ...(settings.bundle === undefined ? {} : {
      bundle: { relays: settings.bundle.relayUrls.map((url) => createRelayClient(url, privateKeyToAccount(settings.bundle!.relayAuthKey))), blocks: settings.bundle.blocks },
    }),
  },
  rpcUrls: [settings.rpcUrl],
  expectedChainId: snapshot.chainId,
  pools: snapshot.pools,
  baseTokens: ['WETH', 'USDC', 'USDT'],
  maxHops: 3,
  maxStaleBlocks: 5,
  gasBid: { priorityFee: 2_000_000_000n },
  execution: { executor: settings.executor, hotKey: account.address },
  plan: DEFAULT_PLAN_SETTINGS,
  blockTimeSeconds: 1,
  pollIntervalMs: 100,
  // A part of a block done (its plans simulated, and the send, if any, made): a test that builds
  // the blocks itself holds the next one back while a signed plan's send is under way.
  onSimulated: (event) => say(`simulated ${event.header.number}`),
});
say(`reconciled ${JSON.stringify(engine.status().executor.live!.reconciled)}`);
if (settings.drain === true) {
  const watch = setInterval(() => {
    if (engine.status().executor.live!.openIntents > 0) return;
    clearInterval(watch);
    say('drained');
  }, 100);
}
process.once('SIGTERM', () => {
  void engine.stop().then(() => store.close()).then(() => process.exit(0));
});
