import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createRpcPool, type EndpointProbe } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { mineTransfer, startAnvilSharingHistory } from '../chain/testing/forked-anvils.ts';
import { parseBlockHeader, toQuantity } from '../chain/types.ts';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { assessFreshness, forkQuarantines, StalenessGuard } from './staleness.ts';

const H100 = `0x${'aa'.repeat(32)}` as Hex;
const OTHER = `0x${'bb'.repeat(32)}` as Hex;
const at100 = { number: 100n, hash: H100 };

/** Probes with heads only (no block asked). */
const heads = (...entries: [string, bigint | null][]): Map<string, EndpointProbe> => new Map(entries.map(([url, head]) => [url, { head, block: null }]));

describe('staleness guard', () => {
  it('allows decisions on a state within N blocks of the head', () => {
    expect(assessFreshness(at100, heads(['a', 102n], ['b', 101n]), { maxStaleBlocks: 2 })).toEqual({ fresh: true, stateBlock: 100n, head: 102n, ageBlocks: 2 });
  });

  it('refuses with a reason when the state is too old, endpoints disagree, none answers, or nothing is loaded', () => {
    const behind = assessFreshness(at100, heads(['a', 103n]), { maxStaleBlocks: 2 });
    expect(behind).toMatchObject({ fresh: false, reason: 'behind', ageBlocks: 3 });
    expect(behind.fresh ? '' : behind.message).toBe('market state at block 100 is 3 blocks behind head 103 (max 2)');
    const split = assessFreshness(at100, heads(['a', 100n], ['b', 110n]), { maxStaleBlocks: 20, maxEndpointSpread: 3 });
    expect(split).toMatchObject({ fresh: false, reason: 'endpoints-disagree' });
    expect(split.fresh ? '' : split.message).toContain('a at 100, b at 110');
    expect(assessFreshness(at100, heads(['a', null]), { maxStaleBlocks: 2 })).toMatchObject({ fresh: false, reason: 'no-head' });
    expect(assessFreshness(null, heads(['a', 1n]), { maxStaleBlocks: 2 })).toMatchObject({ fresh: false, reason: 'not-synced' });
  });

  it('refuses on a fork at our block even when every head is level, and ignores endpoints that have not reached it', () => {
    const probes = new Map<string, EndpointProbe>([
      ['a', { head: 101n, block: { number: 100n, hash: H100 } }],
      ['b', { head: 101n, block: { number: 100n, hash: OTHER } }],
      ['c', { head: 99n, block: null }],
    ]);
    const verdict = assessFreshness(at100, probes, { maxStaleBlocks: 2 });
    expect(verdict).toMatchObject({ fresh: false, reason: 'fork', fork: { block: 100n, ours: H100, disagreeing: [{ url: 'b', hash: OTHER }], agreeing: ['a'] } });
    expect(verdict.fresh ? '' : verdict.message).toBe(`RPC endpoints are on another fork at block 100: our state has ${H100}, b has ${OTHER} (a agrees with us)`);
    // Without b: a agrees, c is one block behind our state (not reached, no hash to compare).
    probes.delete('b');
    expect(assessFreshness(at100, probes, { maxStaleBlocks: 2 })).toMatchObject({ fresh: true, head: 101n });
    // A block at another height (asked for an older state) is not compared.
    expect(assessFreshness({ number: 101n, hash: OTHER }, probes, { maxStaleBlocks: 2 })).toMatchObject({ fresh: true });
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
      const at10 = parseBlockHeader(await pool.request('eth_getBlockByNumber', [toQuantity(10), false]));
      proxy.setLag(5);
      expect(guard.observe(at10, await pool.probe(10n))).toMatchObject({ fresh: false, reason: 'endpoints-disagree' });
      expect(guard.allowsDecisions()).toBe(false);
      proxy.setLag(0);
      expect(guard.observe(at10, await pool.probe(10n))).toMatchObject({ fresh: true, ageBlocks: 0 });
      await pool.request('anvil_mine', [toQuantity(3)]);
      expect(guard.observe(at10, await pool.probe(10n))).toMatchObject({ fresh: false, reason: 'behind', ageBlocks: 3 });
    });
  });

  describe('on two real anvils that share history, then fork', () => {
    let a: Anvil;
    let b: Anvil;
    let resynced: Anvil | undefined;
    let proxy: FaultInjectingProxy;

    beforeAll(async () => {
      a = await startAnvil();
      await mineTransfer(a.rpcUrl, 1n);
      await mineTransfer(a.rpcUrl, 2n);
      b = await startAnvilSharingHistory(a.rpcUrl);
      proxy = await startFaultInjectingProxy(b.rpcUrl); // so the endpoint can later move to a resynced node
    });
    afterAll(async () => {
      await proxy?.close();
      await resynced?.stop();
      await b?.stop();
      await a?.stop();
    });

    it('flags the fork at our block naming the endpoints and hashes, and clears when they agree again', async () => {
      const pool = createRpcPool([a.rpcUrl, proxy.url]);
      const guard = new StalenessGuard({ maxStaleBlocks: 2 });
      const shared = parseBlockHeader(await pool.request('eth_getBlockByNumber', ['latest', false]));
      expect(guard.observe(shared, await pool.probe(shared.number))).toMatchObject({ fresh: true, stateBlock: shared.number, ageBlocks: 0 });

      // Different transactions at the same height: two blocks that cannot share a hash.
      const ours = await mineTransfer(a.rpcUrl, 3n);
      const theirs = await mineTransfer(b.rpcUrl, 4n);
      expect(theirs.number).toBe(ours.number);
      expect(theirs.parentHash).toBe(shared.hash);
      expect(theirs.hash).not.toBe(ours.hash);
      const probes = await pool.probe(ours.number);
      // Heads level: the height rule alone would call this fresh.
      expect([...probes.values()].map((p) => p.head)).toEqual([ours.number, ours.number]);
      const verdict = guard.observe(ours, probes);
      expect(verdict).toMatchObject({
        fresh: false,
        reason: 'fork',
        fork: { block: ours.number, ours: ours.hash, disagreeing: [{ url: proxy.url, hash: theirs.hash }], agreeing: [a.rpcUrl] },
      });
      expect(verdict.fresh ? '' : verdict.message).toContain(`our state has ${ours.hash}, ${proxy.url} has ${theirs.hash}`);
      expect(guard.allowsDecisions()).toBe(false);
      // A state that followed the other branch is refused just the same, naming the other endpoint.
      expect(guard.observe(theirs, await pool.probe(theirs.number))).toMatchObject({ reason: 'fork', fork: { disagreeing: [{ url: a.rpcUrl, hash: ours.hash }], agreeing: [proxy.url] } });

      // The endpoint's node resyncs onto our chain: the same block at our height again.
      resynced = await startAnvilSharingHistory(a.rpcUrl);
      proxy.setUpstream(resynced.rpcUrl);
      expect(guard.observe(ours, await pool.probe(ours.number))).toEqual({ fresh: true, stateBlock: ours.number, head: ours.number, ageBlocks: 0 });
      expect(guard.allowsDecisions()).toBe(true);
    });

    it('quarantines in the pool the endpoint found on another fork: reads go only to ours, and to it again once it agrees', async () => {
      // A fork of its own from `a`'s head now; each endpoint behind a proxy that counts what it
      // forwards, the forked one first so the pool would prefer it.
      const forked = await startAnvilSharingHistory(a.rpcUrl);
      const extra: Anvil[] = [forked];
      const theirEndpoint = await startFaultInjectingProxy(forked.rpcUrl);
      const ourEndpoint = await startFaultInjectingProxy(a.rpcUrl);
      onTestFinished(async () => {
        await theirEndpoint.close();
        await ourEndpoint.close();
        for (const node of extra) await node.stop();
      });
      const pool = createRpcPool([theirEndpoint.url, ourEndpoint.url]);
      const guard = new StalenessGuard({ maxStaleBlocks: 2 });
      const ours = await mineTransfer(a.rpcUrl, 5n);
      const theirs = await mineTransfer(forked.rpcUrl, 6n);
      expect(theirs.hash).not.toBe(ours.hash);
      const judge = async (): Promise<void> => {
        const probes = await pool.probe(ours.number);
        guard.observe(ours, probes);
        for (const [url, reason] of forkQuarantines(ours, probes)) pool.setQuarantined(url, reason);
      };
      /** Reads our block's height `count` times: the hashes answered, and how many requests each endpoint forwarded. */
      const read = async (count: number): Promise<{ hashes: Set<string>; forwarded: [number, number] }> => {
        const before = [theirEndpoint.stats.forwarded, ourEndpoint.stats.forwarded] as const;
        const hashes = new Set<string>();
        for (let i = 0; i < count; i += 1) hashes.add(parseBlockHeader(await pool.request('eth_getBlockByNumber', [toQuantity(ours.number), false])).hash);
        return { hashes, forwarded: [theirEndpoint.stats.forwarded - before[0], ourEndpoint.stats.forwarded - before[1]] };
      };
      expect(await read(2)).toEqual({ hashes: new Set([theirs.hash]), forwarded: [2, 0] }); // not judged yet: the primary

      await judge();
      expect(guard.verdict()).toMatchObject({ reason: 'fork', fork: { disagreeing: [{ url: theirEndpoint.url, hash: theirs.hash }], agreeing: [ourEndpoint.url] } });
      expect(pool.health().map((e) => e.quarantined)).toEqual([`on another fork at block ${ours.number}: it has ${theirs.hash}, our state ${ours.hash}`, null]);
      expect(await read(5)).toEqual({ hashes: new Set([ours.hash]), forwarded: [0, 5] });

      // Still on its fork at the next probe: still quarantined.
      await judge();
      expect(await read(2)).toEqual({ hashes: new Set([ours.hash]), forwarded: [0, 2] });

      // Its node resyncs onto our chain: the next probe finds it agreeing, and reads use it again.
      const resyncedNode = await startAnvilSharingHistory(a.rpcUrl);
      extra.push(resyncedNode);
      theirEndpoint.setUpstream(resyncedNode.rpcUrl);
      await judge();
      expect(guard.allowsDecisions()).toBe(true);
      expect(pool.health().map((e) => e.quarantined)).toEqual([null, null]);
      expect(await read(2)).toEqual({ hashes: new Set([ours.hash]), forwarded: [2, 0] });
    });
  });
});

describe('fork quarantines', () => {
  it('quarantines endpoints holding another block at our height, releases those holding ours, leaves the rest alone', () => {
    const probes = new Map<string, EndpointProbe>([
      ['a', { head: 101n, block: { number: 100n, hash: H100 } }],
      ['b', { head: 101n, block: { number: 100n, hash: OTHER } }],
      ['c', { head: 99n, block: null }],
      ['d', { head: null, block: null }],
    ]);
    expect(forkQuarantines(at100, probes)).toEqual(new Map([['a', null], ['b', `on another fork at block 100: it has ${OTHER}, our state ${H100}`]]));
    expect(forkQuarantines(null, probes)).toEqual(new Map());
  });
});
