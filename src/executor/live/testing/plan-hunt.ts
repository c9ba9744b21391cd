import type { Hex } from 'viem';
import type { BlockHeader } from '../../../chain/types.ts';
import type { Engine } from '../../../engine/engine.ts';
import type { SimulatedEvent } from '../../../engine/events.ts';
import type { Plan } from '../../../orchestrator/plan.ts';
import type { LiveExecutor } from '../live-executor.ts';
import { opportunityKeyOf } from '../opportunity-key.ts';

/**
 * TEST CODE. The live tests on a hand-mined devnet: a sim engine follows the chain and finds the
 * plans, the live executor under test is driven block by block as the engine would drive it.
 * `mine` makes one block (the test's own way: `evm_mine`, or the relay double building it) and
 * lets the live executor track it; `nextPlan` mines until the sim engine has an unused plan whose
 * simulation met its minimum profit at the head.
 */
export interface PlanHunt {
  mine(): Promise<BlockHeader>;
  nextPlan(): Promise<{ plan: Plan; head: BlockHeader }>;
}

export interface PlanHuntOptions {
  request: (method: string, params?: unknown[]) => Promise<unknown>;
  /** Makes the next block. */
  buildBlock: () => Promise<unknown>;
  head: () => Promise<BlockHeader>;
  /** Getters: the tests create these in beforeAll. */
  live: () => LiveExecutor;
  engine: () => Engine;
  /** Every simulated event of the sim engine, as it pushes them. */
  simulated: readonly SimulatedEvent[];
  /** The last block the sim engine ranked. */
  scanned: () => bigint;
}

/** What the hunt gives up after: blocks are slow on a loaded machine. */
const MAX_BLOCKS = 60;

export function planHunt(options: PlanHuntOptions): PlanHunt {
  const used = new Set<string>();
  async function mine(): Promise<BlockHeader> {
    await options.buildBlock();
    const header = await options.head();
    options.live().onHead(header);
    await options.live().idle();
    return header;
  }
  async function nextPlan(): Promise<{ plan: Plan; head: BlockHeader }> {
    const startFee = (await options.head()).baseFeePerGas;
    for (let i = 0; i < MAX_BLOCKS; i++) {
      // Blocks with the noise flow's swaps in them: those open gaps.
      const waitUntil = Date.now() + 3_000;
      while (Date.now() < waitUntil && BigInt(((await options.request('txpool_status')) as { pending: Hex }).pending) < 3n) await new Promise((r) => setTimeout(r, 50));
      const header = await mine();
      const deadline = Date.now() + 30_000;
      while (options.scanned() < header.number && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await options.engine().settle();
      // Every simulated part of the block (the engine hands its best plan over alone, then the rest).
      const results = options.simulated.filter((e) => e.header.number === header.number).flatMap((e) => e.results);
      const ok = results.find((r) => r.status === 'ok' && r.profit !== null && r.profit >= r.plan.minProfit && !used.has(opportunityKeyOf(r.plan)));
      if (ok !== undefined) {
        // How close a hunt came to giving up shows in the test's output (a slow hunt is a flake ahead).
        console.log(`plan hunt: a profitable plan at block ${header.number} (base fee ${header.baseFeePerGas} wei), after ${i + 1} of at most ${MAX_BLOCKS} blocks; the hunt started at base fee ${startFee} wei`);
        used.add(opportunityKeyOf(ok.plan));
        return { plan: ok.plan, head: header };
      }
    }
    // Why none: what the last blocks' simulations came to, and what the decider refused.
    const recent = options.simulated.slice(-MAX_BLOCKS).flatMap((e) => e.results.map((r) => `${r.status}${r.status === 'ok' ? (r.profit! >= r.plan.minProfit ? (used.has(opportunityKeyOf(r.plan)) ? ':used' : ':enough') : ':below-min') : `:${r.revert?.name ?? r.error ?? ''}`}`));
    const counts = Object.entries(recent.reduce<Record<string, number>>((c, k) => ({ ...c, [k]: (c[k] ?? 0) + 1 }), {}));
    throw new Error(`no profitable plan within ${MAX_BLOCKS} blocks; simulations of the last ${MAX_BLOCKS} blocks: ${JSON.stringify(counts)}; funnel ${JSON.stringify(options.engine().funnel().rejectedByRule)}`);
  }
  return { mine, nextPlan };
}
