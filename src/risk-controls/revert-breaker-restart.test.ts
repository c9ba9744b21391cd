import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { TokenDirectory } from '../format/symbols.ts';
import { createLedgerWriter } from '../ledger/ledger-writer.ts';
import { enterModeSession } from '../ledger/mode-session.ts';
import { routeKey } from '../ledger/records.ts';
import { recordSample, sampleOpportunity, samplePlan } from '../ledger/testing/sample-records.ts';
import { DEFAULT_LIMITS } from '../orchestrator/limits.ts';
import type { MarketFacts } from '../orchestrator/protection.ts';
import { forEachBackend } from '../store/test-store.ts';
import { openProtections } from './protections-service.ts';

/**
 * The revert breaker's counts are read back from the ledger at start (the last `window`
 * outcomes) and start afresh at its trip, as they do in the running process. Before, a restart
 * replayed the reverts of a trip whose cooldown was over and tripped it again: another cooldown of
 * planning lost for outcomes already paid for.
 */
const market = (block: bigint): MarketFacts => ({ block, freshness: { fresh: true, stateBlock: block, head: block, ageBlocks: 0 }, gasPrice: 2n * 10n ** 9n, nextBaseFee: 10n ** 9n, pricedOut: false });

forEachBackend('revert breaker after a restart', (db) => {
  it('does not trip again on the reverts of a trip whose cooldown is over', async () => {
    const session = await enterModeSession(db.store, 'sim', 31337);
    const writer = createLedgerWriter({ store: db.store, session });
    for (let n = 0; n < 5; n++) recordSample(writer, n, false, new Date());
    await writer.flush();
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-breaker-restart-'));
    const open = () => openProtections({ store: db.store, chainId: 31337, session: session.id, mode: 'sim', dataDir, seed: DEFAULT_LIMITS, tokens: () => new TokenDirectory([]) });
    const opportunity = sampleOpportunity(9);
    const plan = samplePlan(opportunity, 700n);
    const route = routeKey(opportunity);
    const first = await open();
    expect(first.check('plan', market(700n), opportunity, route, plan, null)?.rule).toBe('revert-breaker');
    first.onBlock(700n + 26n); // cooldown (25 blocks) over: re-armed by the engine
    await first.settle();
    expect(first.check('plan', market(727n), opportunity, route, plan, null)?.rule).not.toBe('revert-breaker');
    const restarted = await open();
    restarted.onBlock(728n);
    expect(restarted.check('plan', market(728n), opportunity, route, plan, null)?.rule).not.toBe('revert-breaker');
    // Still counted from the trip on: five new reverts (blocks 750–754) trip it again after a restart.
    for (let n = 650; n < 655; n++) recordSample(writer, n, false, new Date());
    await writer.flush();
    const again = await open();
    again.onBlock(760n);
    expect(again.check('plan', market(760n), opportunity, route, plan, null)?.rule).toBe('revert-breaker');
    await again.settle();
    await writer.close();
  });
});
