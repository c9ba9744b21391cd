import type { DecisionRef, LedgerWriter, OpportunityRef } from '../ledger/ledger-writer.ts';
import { routeKey, stateKey } from '../ledger/records.ts';
import type { Plan } from '../orchestrator/plan.ts';
import type { DecidedEvent, SimulatedEvent } from './events.ts';

/**
 * Stage ⑥: hands what each block produced to the ledger writer — opportunities (a new row per
 * new state, the last block moved on for a state seen again), decisions, simulations — in
 * microseconds; the writer writes in the background. Links each simulation to its decision's
 * row through the plan object the event carries.
 */

/** The record stage. */
export interface RecordStage {
  decided(event: DecidedEvent): void;
  simulated(event: SimulatedEvent): void;
}

/** Creates the record stage over `writer`. */
export function createRecordStage(writer: LedgerWriter): RecordStage {
  /** Per route, the state last recorded and its row. */
  const rows = new Map<string, { state: string; ref: OpportunityRef }>();
  const decisionOf = new WeakMap<Plan, DecisionRef>();
  return {
    decided(event) {
      const block = event.header.number;
      const at = new Date();
      for (const sighting of event.sightings) {
        const route = routeKey(sighting.opportunity);
        const state = stateKey(sighting.opportunity);
        const known = rows.get(route);
        let ref: OpportunityRef;
        if (known !== undefined && known.state === state) {
          ref = known.ref;
          writer.seenAgain(ref, block, at);
        } else {
          ref = writer.sighted({ opportunity: sighting.opportunity, block, gasPrice: event.fee.gasPrice, at });
          rows.set(route, { state, ref });
        }
        if (sighting.decision === null) continue;
        const decision = writer.decided(ref, { decision: sighting.decision, block, at });
        if (sighting.decision.outcome === 'planned') decisionOf.set(sighting.decision.plan, decision);
      }
      // A block with plans is flushed with its simulations, once the executor is done with it:
      // on PGlite (one connection) a flush of the sightings started now would hold the database
      // while the live executor commits the block's intent, which then waits behind it.
      if (event.plans.length === 0) writer.flushSoon();
      event.clock.recordedAt = performance.now();
    },
    simulated(event) {
      const at = new Date();
      for (const result of event.results) writer.simulated(decisionOf.get(result.plan)!, { kind: 'result', result, at });
      for (const { plan, reason } of event.skipped) writer.simulated(decisionOf.get(plan)!, { kind: 'skipped', plan, reason, at });
      writer.flushSoon();
      event.clock.recordedAt = performance.now();
    },
  };
}
