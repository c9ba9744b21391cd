import { afterAll, beforeAll, expect, it } from 'vitest';
import { keccak256, toHex } from 'viem';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import { createRpcPool, type RpcCall } from './rpc-pool.ts';
import { startFaultInjectingProxy, type BatchRefusalStyle, type FaultInjectingProxy } from './testing/fault-injecting-proxy.ts';

/**
 * A provider that caps its batches (at 100, 50 calls…) refused every 500-call batch forever:
 * sent whole and failed over, the batch failed on every endpoint. The pool halves a batch
 * refused for its size, learns the largest size that went through, and sends at most that
 * from then on. Real anvil behind the fault-injecting proxy; every answer is checked against
 * keccak256 computed here (`web3_sha3` of distinct data per call), so order and completeness
 * are checked by something other than the code under test.
 */

let anvil: Anvil;
const proxies: FaultInjectingProxy[] = [];
beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await anvil?.stop();
});

async function proxy(): Promise<FaultInjectingProxy> {
  const started = await startFaultInjectingProxy(anvil.rpcUrl);
  proxies.push(started);
  return started;
}

/** `count` calls whose answers differ and are known without the node: keccak256 of `tag`-`i`. */
function hashCalls(count: number, tag: string): { calls: RpcCall[]; expected: string[] } {
  const data = Array.from({ length: count }, (_, i) => toHex(`${tag}-${i}`));
  return { calls: data.map((d) => ({ method: 'web3_sha3', params: [d] })), expected: data.map((d) => keccak256(d)) };
}

const sizes = (batches: string[][]): number[] => batches.map((b) => b.length);

it.each<BatchRefusalStyle>(['geth', 'no-id', '413'])('learns a 50-call cap refused %s-style: a 500-call batch answers whole, and later ones go straight to the learned size', async (style) => {
  const capped = await proxy();
  capped.setMaxBatchSize(50, style);
  const pool = createRpcPool([capped.url]);

  const first = hashCalls(500, `first-${style}`);
  const answers = await pool.batch(first.calls);
  expect(answers).toEqual(first.expected.map((result) => ({ ok: true, result })));
  // Halved while refused: 500, 250, 125, 63 refused; 32 went through and is the limit.
  expect(capped.refusedBatchSizes).toEqual([500, 250, 125, 63]);
  expect(sizes(capped.forwardedCalls).reduce((a, b) => a + b, 0)).toBe(500);
  expect(Math.max(...sizes(capped.forwardedCalls))).toBe(32);
  expect(pool.health()[0]?.failures).toBe(0); // a size refusal answered by halving is not a failure

  capped.forwardedCalls.length = 0;
  const later = hashCalls(500, `later-${style}`);
  expect(await pool.batch(later.calls)).toEqual(later.expected.map((result) => ({ ok: true, result })));
  expect(capped.refusedBatchSizes).toHaveLength(4); // none refused
  expect(sizes(capped.forwardedCalls).sort((a, b) => b - a)).toEqual([...Array<number>(15).fill(32), 20]);
});

it('learns again, lower, when the provider lowers its cap', async () => {
  const capped = await proxy();
  capped.setMaxBatchSize(50);
  const pool = createRpcPool([capped.url]);
  await pool.batch(hashCalls(100, 'a').calls);
  expect(capped.refusedBatchSizes).toEqual([100]); // 50 went through: the limit
  capped.setMaxBatchSize(20);
  capped.refusedBatchSizes.length = 0;
  const lowered = hashCalls(100, 'b');
  expect(await pool.batch(lowered.calls)).toEqual(lowered.expected.map((result) => ({ ok: true, result })));
  // Both 50-call chunks refused (in flight together), then 25; 13 went through.
  expect(capped.refusedBatchSizes.filter((n) => n === 50)).toHaveLength(2);
  expect(new Set(capped.refusedBatchSizes)).toEqual(new Set([50, 25]));
  capped.refusedBatchSizes.length = 0;
  capped.forwardedCalls.length = 0;
  await pool.batch(hashCalls(100, 'c').calls);
  expect(capped.refusedBatchSizes).toEqual([]);
  expect(Math.max(...sizes(capped.forwardedCalls))).toBe(13);
});

it('fails a one-call batch refused over like any fault, and forgets what the refusals taught (they were not about size)', async () => {
  const refusing = await proxy();
  const pool = createRpcPool([refusing.url], { backoff: { baseMs: 1, maxMs: 1 } });
  // 10, 5, 3, 2 and 1 call refused: not a size the endpoint takes, so the attempt fails;
  // the retry finds the endpoint answering again and sends the 10 calls whole.
  refusing.refuseBatches(5);
  const calls = hashCalls(10, 'refused');
  expect(await pool.batch(calls.calls)).toEqual(calls.expected.map((result) => ({ ok: true, result })));
  expect(refusing.stats.faulted).toBe(5);
  expect(pool.health()[0]?.failures).toBe(1);
  expect(sizes(refusing.forwardedCalls)).toEqual([10]);
});

it('fails over to another endpoint when one refuses even a single call', async () => {
  const refusing = await proxy();
  const honest = await proxy();
  const pool = createRpcPool([refusing.url, honest.url], { backoff: { baseMs: 60_000, maxMs: 60_000 } });
  refusing.refuseBatches(1_000);
  const calls = hashCalls(8, 'failover');
  expect(await pool.batch(calls.calls)).toEqual(calls.expected.map((result) => ({ ok: true, result })));
  expect(sizes(honest.forwardedCalls)).toEqual([8]);
  expect(refusing.stats.faulted).toBe(4); // 8, 4, 2, 1
});
