import { describe, expect, it } from 'vitest';
import type { BlockHeader } from '../chain/types.ts';
import type { Executor, SimulationResult } from '../executor/executor.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { BlockClock, DecidedEvent, SimulatedEvent } from './events.ts';
import { createExecuteStage } from './execute-stage.ts';

/**
 * The mailbox's rules, with an executor whose runs the test finishes by hand (the stage only
 * hands plans through; what it does with a busy executor is what is tested here).
 */
function scriptedExecutor() {
  const runs: { plans: readonly Plan[]; finish: () => void }[] = [];
  const executor: Executor = {
    mode: 'sim',
    run: (plans) => new Promise<SimulationResult[]>((resolve) => {
      runs.push({ plans, finish: () => resolve(plans.map((plan) => ({ plan, status: 'ok', profit: 1n } as unknown as SimulationResult))) });
    }),
  };
  return { executor, runs };
}

const header = (number: bigint, hash: string): BlockHeader => ({ number, hash, parentHash: '0x00', timestamp: 0n, baseFeePerGas: null, gasLimit: 0n, gasUsed: 0n } as unknown as BlockHeader);
const plan = (name: string): Plan => ({ name } as unknown as Plan);
const clockOf = (): BlockClock => ({ timing: null, appliedAt: 0 });
const part = (block: BlockHeader, clock: BlockClock, plans: Plan[]): DecidedEvent => ({ type: 'decided', header: block, fee: {} as DecidedEvent['fee'], sightings: [], plans, clock });
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('execute stage: a block handed over in parts', () => {
  it('joins the rest of a block to its best plan while that waits, and says which block it still holds', async () => {
    const { executor, runs } = scriptedExecutor();
    const out: SimulatedEvent[] = [];
    const stage = createExecuteStage({ executor, head: () => header(2n, '0xb2'), emit: (e) => out.push(e) });
    const [b1, b2] = [header(1n, '0xb1'), header(2n, '0xb2')];
    const [c1, c2] = [clockOf(), clockOf()];
    stage.submit(part(b1, c1, [plan('1-best')]));
    // Block 2's best waits behind block 1; its rest arrives and joins it: one run, best first.
    stage.submit(part(b2, c2, [plan('2-best')]));
    stage.submit(part(b2, c2, [plan('2-a'), plan('2-b')]));
    expect(stage.holds(c1)).toBe(true);
    expect(stage.holds(c2)).toBe(true);
    runs[0]!.finish();
    await settled();
    expect(runs.map((r) => r.plans.map((p) => (p as unknown as { name: string }).name))).toEqual([['1-best'], ['2-best', '2-a', '2-b']]);
    expect(stage.holds(c1)).toBe(false);
    runs[1]!.finish();
    await settled();
    expect(out.map((e) => e.results.length)).toEqual([1, 3]);
    expect(stage.status()).toMatchObject({ resyncs: 0, skippedPlans: 0 });
    // The clock keeps when the first part was done.
    expect(c2.simulatedAt).toBeDefined();
  });

  it('skips a waiting block for a newer one, while still holding the skipped block\'s running part', async () => {
    const { executor, runs } = scriptedExecutor();
    const out: SimulatedEvent[] = [];
    const stage = createExecuteStage({ executor, head: () => header(3n, '0xb3'), emit: (e) => out.push(e) });
    const [c1, c2] = [clockOf(), clockOf()];
    stage.submit(part(header(1n, '0xb1'), c1, [plan('1-best')]));
    stage.submit(part(header(1n, '0xb1'), c1, [plan('1-rest')]));
    stage.submit(part(header(2n, '0xb2'), c2, [plan('2-best')]));
    // Block 1's rest came out skipped, while its best plan is still running.
    expect(out).toHaveLength(1);
    expect(out[0]!.skipped.map((s) => (s.plan as unknown as { name: string }).name)).toEqual(['1-rest']);
    expect(stage.holds(c1)).toBe(true);
    runs[0]!.finish();
    await settled();
    expect(out.map((e) => e.results.length)).toEqual([0, 1]);
    runs[1]!.finish();
    await settled();
  });

  it('does not join a reorg\'s event to a waiting block of the same hash: a reorg is a newer event', async () => {
    const { executor, runs } = scriptedExecutor();
    const out: SimulatedEvent[] = [];
    const stage = createExecuteStage({ executor, head: () => header(5n, '0xb5'), emit: (e) => out.push(e) });
    stage.submit(part(header(4n, '0xb4'), clockOf(), [plan('4')]));
    stage.submit(part(header(5n, '0xb5'), clockOf(), [plan('5')]));
    // The chain reorganised back to block 5's hash: a new event (a new clock) for the same header.
    stage.submit(part(header(5n, '0xb5'), clockOf(), [plan('5-again')]));
    expect(out[0]!.skipped.map((s) => (s.plan as unknown as { name: string }).name)).toEqual(['5']);
    runs[0]!.finish();
    await settled();
    expect(runs[1]!.plans.map((p) => (p as unknown as { name: string }).name)).toEqual(['5-again']);
    runs[1]!.finish();
    await settled();
  });
});
