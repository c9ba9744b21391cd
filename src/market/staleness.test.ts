import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { toQuantity } from '../chain/types.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { assessFreshness, StalenessGuard } from './staleness.ts';

const heads = (...entries: [string, bigint | null][]): Map<string, bigint | null> => new Map(entries);

describe('staleness guard', () => {
  it('allows decisions on a state within N blocks of the head', () => {
    expect(assessFreshness(100n, heads(['a', 102n], ['b', 101n]), { maxStaleBlocks: 2 })).toEqual({ fresh: true, stateBlock: 100n, head: 102n, ageBlocks: 2 });
  });

  it('refuses with a reason when the state is too old, endpoints disagree, none answers, or nothing is loaded', () => {
    const behind = assessFreshness(100n, heads(['a', 103n]), { maxStaleBlocks: 2 });
    expect(behind).toMatchObject({ fresh: false, reason: 'behind', ageBlocks: 3 });
    expect(behind.fresh ? '' : behind.message).toBe('market state at block 100 is 3 blocks behind head 103 (max 2)');
    const split = assessFreshness(100n, heads(['a', 100n], ['b', 110n]), { maxStaleBlocks: 20, maxEndpointSpread: 3 });
    expect(split).toMatchObject({ fresh: false, reason: 'endpoints-disagree' });
    expect(split.fresh ? '' : split.message).toContain('a at 100, b at 110');
    expect(assessFreshness(100n, heads(['a', null]), { maxStaleBlocks: 2 })).toMatchObject({ fresh: false, reason: 'no-head' });
    expect(assessFreshness(null, heads(['a', 1n]), { maxStaleBlocks: 2 })).toMatchObject({ fresh: false, reason: 'not-synced' });
  });

  describe('on real endpoints', () => {
    let anvil: Anvil;
    let proxy: FaultInjectingProxy;
    beforeAll(async () => {
      anvil = await startAnvil();
      proxy = await startFaultInjectingProxy(anvil.rpcUrl);
    });
    afterAll(async () => {
      await proxy?.close();
      await anvil?.stop();
    });

    it('refuses while one endpoint lags, and allows again once it catches up', async () => {
      const pool = createRpcPool([anvil.rpcUrl, proxy.url]);
      await pool.request('anvil_mine', [toQuantity(10)]);
      const guard = new StalenessGuard({ maxStaleBlocks: 2 });
      proxy.setLag(5);
      expect(guard.observe(10n, await pool.probeHeads())).toMatchObject({ fresh: false, reason: 'endpoints-disagree' });
      expect(guard.allowsDecisions()).toBe(false);
      proxy.setLag(0);
      expect(guard.observe(10n, await pool.probeHeads())).toMatchObject({ fresh: true, ageBlocks: 0 });
      await pool.request('anvil_mine', [toQuantity(3)]);
      expect(guard.observe(10n, await pool.probeHeads())).toMatchObject({ fresh: false, reason: 'behind', ageBlocks: 3 });
    });
  });
});
