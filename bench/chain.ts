import { createMarketPersistence } from '../src/store/market-persistence.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeFunctionData, maxUint256, type Address } from 'viem';
import { createBlockStream } from '../src/chain/block-stream.ts';
import { createRpcPool } from '../src/chain/rpc-pool.ts';
import { parseBlockHeader, parseLog, type BlockEvent } from '../src/chain/types.ts';
import { loadArtifact } from '../src/contracts/compile.ts';
import { startAnvil } from '../src/devnet/anvil.ts';
import { createDevnetClients } from '../src/devnet/clients.ts';
import { deployUniswap } from '../src/devnet/deploy-uniswap.ts';
import { seedFromSnapshot } from '../src/devnet/seed.ts';
import { mintTestTokens } from '../src/devnet/test-token.ts';
import { sendAll, type TxRequest } from '../src/devnet/transactions.ts';
import { uniswapArtifact } from '../src/devnet/uniswap-artifacts.ts';
import { discoverPools } from '../src/market/discovery.ts';
import { MarketState } from '../src/market/market-state.ts';
import { POOL_STATE_TOPICS } from '../src/market/pool-events.ts';
import { loadPoolsExcludingFailures, type PoolDescriptor } from '../src/market/pool-loader.ts';
import type { HexAddress, PoolSnapshot, Snapshot, SnapshotToken } from '../src/market/snapshot.ts';
import { checkTokenSafety } from '../src/market/token-safety.ts';
import { readTokenMetadata } from '../src/market/token-metadata.ts';
import { initialSync } from '../src/market/sync.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/open-store.ts';

// `npm run bench -- chain [--v2 5000] [--v3 500] [--logs 200] [--repeat 200]`: issue 5's figures.
// A local chain with real Uniswap contracts holding N V2 pairs and M V3 pools (a synthetic
// market seeded afresh, so the factories' creation events exist), then, as the monitor does it:
// discovery from factory events, token metadata + simulated-transfer safety, and loading every
// pool at one block (V3 tick maps included); then a block of ~200 state logs (V2 Sync, V3 Swap)
// applied to the market state, timed over --repeat apply/rollback rounds. One JSON line each.
const { values } = parseArgs({
  options: { v2: { type: 'string', default: '5000' }, v3: { type: 'string', default: '500' }, logs: { type: 'string', default: '200' }, repeat: { type: 'string', default: '200' } },
});
const V2 = Number(values.v2);
const V3 = Number(values.v3);
const LOGS = Number(values.logs);
const REPEAT = Number(values.repeat);
const ms = (start: number): number => Math.round(performance.now() - start);
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const emit = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...line, load1: Number(loadavg()[0]?.toFixed(1)) })}\n`);
};

/** A synthetic market: enough tokens for V2 distinct pairs; V3 pools at tick 0 with a few positions. */
function syntheticSnapshot(): Snapshot {
  let n = 2;
  while ((n * (n - 1)) / 2 < Math.max(V2, V3)) n += 1;
  const tokens: SnapshotToken[] = Array.from({ length: n }, (_, i) => ({
    address: `0x${(0x1000 + i).toString(16).padStart(40, '0')}` as HexAddress, symbol: `T${i}`, decimals: 18,
  }));
  const pairs: [SnapshotToken, SnapshotToken][] = [];
  for (let i = 0; i < n && pairs.length < Math.max(V2, V3); i += 1) for (let j = i + 1; j < n && pairs.length < Math.max(V2, V3); j += 1) pairs.push([tokens[i] as SnapshotToken, tokens[j] as SnapshotToken]);
  const pools: PoolSnapshot[] = [];
  pairs.slice(0, V2).forEach(([a, b], k) => {
    pools.push({ protocol: 'uniswap-v2', address: `0x${(0x100000 + k).toString(16).padStart(40, '0')}` as HexAddress, fee: 3000, token0: a, token1: b, reserve0: 10n ** 24n + BigInt(k) * 10n ** 20n, reserve1: 10n ** 24n });
  });
  pairs.slice(0, V3).forEach(([a, b], k) => {
    const L = 10n ** 22n;
    pools.push({
      protocol: 'uniswap-v3', address: `0x${(0x200000 + k).toString(16).padStart(40, '0')}` as HexAddress, fee: 3000, tickSpacing: 60, token0: a, token1: b,
      sqrtPriceX96: 1n << 96n, tick: 0, liquidity: 3n * L,
      ticks: [{ tick: -6000, liquidityNet: L }, { tick: -600, liquidityNet: 2n * L }, { tick: 600, liquidityNet: -2n * L }, { tick: 6000, liquidityNet: -L }],
    });
  });
  return { format: 'orion.pools/v1', chainId: 31337, block: null, pools };
}

const anvil = await startAnvil();
try {
  const clients = createDevnetClients(anvil.rpcUrl);
  let t = performance.now();
  const deployment = await deployUniswap(clients);
  const seeded = await seedFromSnapshot(clients, deployment, syntheticSnapshot());
  emit({ bench: 'chain.seed', v2: V2, v3: V3, seedMs: ms(t) });

  const rpc = createRpcPool([anvil.rpcUrl], { timeoutMs: 60_000 });
  const at = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  const anvilCpu0 = cpuMs(anvil.pid);
  const nodeCpu0 = process.cpuUsage();
  const t0 = performance.now();
  t = t0;
  const found = await discoverPools({ rpc, factories: [deployment.v2Factory, deployment.v3Factory], fromBlock: 0n, toBlock: at.number });
  const discoveryMs = ms(t);
  t = performance.now();
  const holder = new Map<string, Address>();
  for (const p of found.pools) for (const tok of [p.token0, p.token1]) if (!holder.has(tok)) holder.set(tok, p.address);
  const tokenList = [...holder.keys()] as Address[];
  const [meta, safety] = await Promise.all([
    readTokenMetadata(rpc, at, tokenList),
    checkTokenSafety(rpc, at, tokenList.map((token) => ({ token, holder: holder.get(token) as Address }))),
  ]);
  const tokensMs = ms(t);
  t = performance.now();
  const byToken = new Map(meta.map((m) => [m.address, { address: m.address as HexAddress, symbol: m.symbol, decimals: m.decimals }]));
  const descriptors: PoolDescriptor[] = found.pools.map((p) => ({
    protocol: p.protocol, address: p.address as HexAddress, fee: p.fee ?? 3000, ...(p.tickSpacing === undefined ? {} : { tickSpacing: p.tickSpacing }),
    token0: byToken.get(p.token0) as SnapshotToken, token1: byToken.get(p.token1) as SnapshotToken,
  }));
  const outcomes = await loadPoolsExcludingFailures(rpc, at, descriptors);
  const loadMs = ms(t);
  const loaded = outcomes.flatMap((o) => ('pool' in o ? [o.pool] : []));
  const state = new MarketState(31337, at, loaded);
  const totalMs = ms(t0);
  const nodeCpu = process.cpuUsage(nodeCpu0);
  emit({
    bench: 'chain.discover-and-load',
    discovered: { v2: found.pools.filter((p) => p.protocol === 'uniswap-v2').length, v3: found.pools.filter((p) => p.protocol === 'uniswap-v3').length },
    loaded: state.poolCount, ticks: loaded.reduce((s, p) => s + (p.snapshot.protocol === 'uniswap-v3' ? p.snapshot.ticks.length : 0), 0),
    tokens: tokenList.length, unsafeTokens: safety.filter((s) => !s.safe).length,
    getLogsRequests: found.requests, discoveryMs, tokensMs, loadMs, totalMs, poolsPerSecond: Math.round((state.poolCount / totalMs) * 1000),
    cpuMs: { anvil: cpuMs(anvil.pid) - anvilCpu0, node: Math.round((nodeCpu.user + nodeCpu.system) / 1000) },
  });

  // The same through initialSync: discovery, tokens and load checkpointed into a fresh PGlite.
  {
    const dataDir = mkdtempSync(join(tmpdir(), 'orion-bench-chain-'));
    const store = await openStore({ dataDir });
    await migrate(store);
    try {
      const s0 = performance.now();
      const result = await initialSync({ rpc, persistence: createMarketPersistence(store), chainId: 31337, source: { kind: 'factories', factories: [deployment.v2Factory, deployment.v3Factory], fromBlock: 0n } });
      const syncMs = ms(s0);
      const r0 = performance.now();
      const restored = await initialSync({ rpc, persistence: createMarketPersistence(store), chainId: 31337, source: { kind: 'factories', factories: [deployment.v2Factory, deployment.v3Factory], fromBlock: 0n } });
      emit({ bench: 'chain.initial-sync-pglite', pools: result.state.poolCount, mode: result.mode, syncMs, poolsPerSecond: Math.round((result.state.poolCount / syncMs) * 1000), restartMs: ms(r0), restartMode: restored.mode });
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  // A block of LOGS state logs: 3/4 V2 swaps (one Sync each), 1/4 V3 swaps (one Swap each), mined together.
  const trader = clients.accounts[5] as (typeof clients.accounts)[number];
  const tokens = [...seeded.tokenAddress.values()] as Address[];
  const { abi: erc20 } = await loadArtifact('TestERC20');
  await mintTestTokens(clients, tokens, trader.address, 1n << 200n);
  await sendAll(clients, tokens.flatMap((token) => [deployment.v2Router, deployment.swapRouter].map((spender) => ({
    label: `approve ${spender}`, to: token, gas: 100_000n, data: encodeFunctionData({ abi: erc20, functionName: 'approve', args: [spender, maxUint256] }),
  }))), { from: trader, fewBlocks: true });
  const local = seeded.localSnapshot.pools;
  const v2Local = local.filter((p) => p.protocol === 'uniswap-v2');
  const v3Local = local.filter((p) => p.protocol === 'uniswap-v3');
  const swaps: TxRequest[] = Array.from({ length: LOGS }, (_, k) => {
    const v3 = k % 4 === 3 && v3Local.length > 0;
    const pool = (v3 ? v3Local[k % v3Local.length] : v2Local[k % v2Local.length]) as PoolSnapshot;
    const args = { tokenIn: pool.token0.address, tokenOut: pool.token1.address };
    return v3
      ? { label: `v3 swap ${k}`, to: deployment.swapRouter, gas: 1_000_000n, data: encodeFunctionData({ abi: uniswapArtifact('SwapRouter').abi, functionName: 'exactInputSingle', args: [{ ...args, fee: pool.fee, recipient: trader.address, deadline: 1n << 40n, amountIn: 10n ** 18n, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }] }) }
      : { label: `v2 swap ${k}`, to: deployment.v2Router, gas: 1_000_000n, data: encodeFunctionData({ abi: uniswapArtifact('UniswapV2Router02').abi, functionName: 'swapExactTokensForTokens', args: [10n ** 18n, 0n, [args.tokenIn, args.tokenOut], trader.address, 1n << 40n] }) };
  });
  const before = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  await sendAll(clients, swaps, { from: trader, fewBlocks: true });
  // Bring the state to the block before the swaps (the approvals' blocks carry no pool logs).
  let event: BlockEvent | undefined;
  const stream = createBlockStream({
    pool: rpc, from: at, finalityDepth: 1_000, topics: POOL_STATE_TOPICS, isTracked: (a) => state.isTracked(a),
    onEvent: (e) => {
      if (e.type !== 'block') return;
      if (e.block.number > before.number && event === undefined && e.logs.length > 0) event = e;
      else state.handle(e);
    },
  });
  t = performance.now();
  await stream.sync();
  const streamMs = ms(t);
  if (event === undefined) throw new Error('no block with pool logs after the swaps');
  // The stream skipped applying `event`; apply it (and roll it back) REPEAT times.
  const parent = { number: event.block.number - 1n, hash: event.block.parentHash, parentHash: '0x' as const };
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i += 1) {
    const s = performance.now();
    state.applyBlock(event);
    samples.push(performance.now() - s);
    state.rollBack({ type: 'reorg', commonAncestor: parent, dropped: [event.block] });
  }
  samples.sort((a, b) => a - b);
  const q = (p: number): number => Number((samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] as number).toFixed(3));
  const raw = (await rpc.request('eth_getLogs', [{ blockHash: event.block.hash }])) as unknown[];
  emit({
    bench: 'chain.apply-block', stateLogs: event.logs.length, allLogsInBlock: raw.map(parseLog).length, repeat: REPEAT,
    applyMs: { p50: q(0.5), p99: q(0.99), max: q(1) }, streamCatchUpMs: streamMs,
  });
} finally {
  await anvil.stop();
}
