import { expect, it } from 'vitest';
import type { BlockHeader } from '../chain/types.ts';
import type { RankedEvent } from '../engine/events.ts';
import { sampleOpportunity } from '../ledger/testing/sample-records.ts';
import { createDecider } from './decider.ts';
import { DEFAULT_PLAN_SETTINGS } from './plan.ts';
import type { Lock } from './protection.ts';

/**
 * The decider plans an opportunity once per market state, but asks a rejection again at every
 * block the state is seen: a lock that refused it (a gas spike over max_gas_price, a stale
 * market, the kill switch, a breaker, the gas-money floor) can lift while the pools stay as they
 * are. Before, such an opportunity was never planned until one of its pools moved.
 */
const ACCOUNT = { executor: '0x00000000000000000000000000000000000000e1', from: '0x00000000000000000000000000000000000000a1' } as const;
const event = (n: bigint, opportunities = [sampleOpportunity(0)]): RankedEvent => ({
  type: 'ranked',
  header: { number: n, hash: `0x${n.toString(16).padStart(64, '0')}`, parentHash: `0x${(n - 1n).toString(16).padStart(64, '0')}`, timestamp: 0n, gasLimit: 30_000_000n, gasUsed: 0n, baseFeePerGas: 10n ** 9n } as unknown as BlockHeader,
  fee: { block: n, source: 'header', nextBaseFee: 10n ** 9n, gasPrice: 2n * 10n ** 9n, pricedOut: false } as never,
  freshness: { fresh: true, stateBlock: n, head: n, ageBlocks: 0 } as never,
  opportunities,
  clock: { timing: null, appliedAt: 0 },
});
const lockOf = (rule: string): Lock => ({ rule, reason: `${rule} for now`, scope: { kind: 'global' }, until: { kind: 'block', block: 0n } });

function deciderLockedBy(lock: () => Lock | null) {
  return createDecider({ plan: { ...DEFAULT_PLAN_SETTINGS, gasBid: { priorityFee: 10n ** 9n } }, account: ACCOUNT, guard: { onBlock: () => undefined, check: lock } });
}

it('plans an opportunity refused by a lock once the lock has lifted, its pools unchanged', () => {
  let lock: Lock | null = lockOf('max-gas-price');
  const decider = deciderLockedBy(() => lock);
  const first = decider.decide(event(100n));
  expect(first.sightings[0]!.decision).toMatchObject({ outcome: 'rejected', rule: 'max-gas-price' });
  expect(first.sightings[0]!.isNew).toBe(true);
  // Refused again for the same reason: nothing new to record.
  const again = decider.decide(event(101n));
  expect(again.sightings[0]).toMatchObject({ isNew: false, decision: null });
  // Refused by another rule now: a new decision on the same opportunity.
  lock = lockOf('stale-market');
  expect(decider.decide(event(102n)).sightings[0]).toMatchObject({ isNew: false, decision: { outcome: 'rejected', rule: 'stale-market' } });
  lock = null; // the spike is over: the same pools, the same amounts, nothing refuses
  const lifted = decider.decide(event(103n));
  expect(lifted.plans).toHaveLength(1);
  expect(lifted.sightings[0]).toMatchObject({ isNew: false, decision: { outcome: 'planned' } });
  // Planned: decided for as long as the state lasts.
  expect(decider.decide(event(104n)).sightings[0]).toMatchObject({ isNew: false, decision: null });
});

it('plans again an opportunity whose plan was never run (retry), only while its state lasts', () => {
  const decider = deciderLockedBy(() => null);
  const planned = decider.decide(event(200n));
  expect(planned.plans).toHaveLength(1);
  decider.retry(planned.plans[0]!);
  const replanned = decider.decide(event(201n));
  expect(replanned.plans).toHaveLength(1);
  expect(replanned.sightings[0]).toMatchObject({ isNew: false, decision: { outcome: 'planned' } });
  expect(replanned.plans[0]!.block.number).toBe(201n);
  expect(decider.decide(event(202n)).plans).toHaveLength(0);
  // The route moves to another state (other amounts): planned as new. A retry of the old
  // state's plan then changes nothing.
  const moved = decider.decide(event(203n, [sampleOpportunity(1)]));
  expect(moved.sightings[0]!.isNew).toBe(true);
  expect(moved.plans).toHaveLength(1);
  decider.retry(replanned.plans[0]!);
  expect(decider.decide(event(204n, [sampleOpportunity(1)])).plans).toHaveLength(0);
});
