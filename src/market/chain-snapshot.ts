import type { Address, Hex } from 'viem';
import { callAtBlock } from '../chain/pinned-calls.ts';
import type { RpcPool } from '../chain/rpc-pool.ts';
import { parseBlockHeader, type BlockRef } from '../chain/types.ts';
import { InputError } from '../errors.ts';
import { encodeCall, signedWordAt, wordAt } from './abi-words.ts';
import { discoverPools } from './discovery.ts';
import { loadPoolsExcludingFailures, type PoolDescriptor } from './pool-loader.ts';
import type { HexAddress, PoolSnapshot, Snapshot, SnapshotToken } from './snapshot.ts';
import { checkTokenSafety } from './token-safety.ts';
import { readTokenMetadata, type TokenMetadata } from './token-metadata.ts';

/**
 * An `orion.pools/v1` snapshot read from a chain at one block: pools from a list (addresses, or
 * a snapshot whose pools are re-read) or discovered from a factory; tokens described and checked
 * by a simulated transfer; pools with an unsafe token, or that cannot be read, left out with the
 * reason. Every read is pinned to the same block hash.
 */

/** A pool known by identity only. */
export interface PoolIdentity {
  protocol: 'uniswap-v2' | 'uniswap-v3';
  address: HexAddress;
  token0: HexAddress;
  token1: HexAddress;
  fee: number;
  tickSpacing?: number;
}

/** Where the pools come from. */
export type ChainSnapshotSource =
  | { kind: 'addresses'; addresses: readonly string[]; v2Fee: number }
  | { kind: 'identities'; pools: readonly PoolIdentity[] }
  | { kind: 'factory'; factory: string; fromBlock: bigint; v2Fee: number };

/** The snapshot and what was left out. */
export interface ChainSnapshotResult {
  snapshot: Snapshot;
  excluded: { address: string; reason: string }[];
  tokens: TokenMetadata[];
}

const SEL = { token0: '0x0dfe1681', token1: '0xd21220a7', fee: '0xddca3f43', tickSpacing: '0xd0c93a7c', getReserves: '0x0902f1ac' } as const satisfies Record<string, Hex>;
const addr = (word: bigint): HexAddress => `0x${word.toString(16).padStart(40, '0')}` as HexAddress;

/** Tells V3 pools (tickSpacing answers) from V2 pairs (getReserves answers) and reads their tokens. */
export async function identifyPools(rpc: RpcPool, at: BlockRef, addresses: readonly string[], v2Fee: number): Promise<{ pools: PoolIdentity[]; excluded: { address: string; reason: string }[] }> {
  const calls = addresses.flatMap((a) => (['token0', 'token1', 'fee', 'tickSpacing', 'getReserves'] as const).map((k) => ({ to: a as Address, data: encodeCall(SEL[k]) })));
  const results = await callAtBlock(rpc, at.hash, calls);
  const pools: PoolIdentity[] = [];
  const excluded: { address: string; reason: string }[] = [];
  addresses.forEach((raw, i) => {
    const address = raw.toLowerCase() as HexAddress;
    const [t0, t1, fee, spacing, reserves] = results.slice(i * 5, i * 5 + 5);
    const ok = (r: typeof t0): r is { ok: true; data: Hex } => r !== undefined && r.ok && r.data.length >= 66;
    if (!ok(t0) || !ok(t1)) {
      excluded.push({ address, reason: 'not a pool: token0()/token1() do not answer' });
    } else if (ok(fee) && ok(spacing)) {
      pools.push({ protocol: 'uniswap-v3', address, token0: addr(wordAt(t0.data, 0)), token1: addr(wordAt(t1.data, 0)), fee: Number(wordAt(fee.data, 0)), tickSpacing: Number(signedWordAt(spacing.data, 0, 24)) });
    } else if (ok(reserves)) {
      pools.push({ protocol: 'uniswap-v2', address, token0: addr(wordAt(t0.data, 0)), token1: addr(wordAt(t1.data, 0)), fee: v2Fee });
    } else {
      excluded.push({ address, reason: 'neither a Uniswap V2 pair (getReserves) nor a V3 pool (tickSpacing)' });
    }
  });
  return { pools, excluded };
}

/** Reads the snapshot at the current head. */
export async function snapshotFromChain(rpc: RpcPool, source: ChainSnapshotSource): Promise<ChainSnapshotResult> {
  const at = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
  const chainId = Number(BigInt((await rpc.request('eth_chainId', [])) as string));
  const excluded: { address: string; reason: string }[] = [];
  let identities: PoolIdentity[];
  if (source.kind === 'identities') identities = [...source.pools];
  else if (source.kind === 'addresses') {
    const found = await identifyPools(rpc, at, source.addresses, source.v2Fee);
    identities = found.pools;
    excluded.push(...found.excluded);
  } else {
    if (source.fromBlock > at.number) throw new InputError(`--from-block ${source.fromBlock} is above the chain head ${at.number}`);
    const found = await discoverPools({ rpc, factories: [source.factory as Address], fromBlock: source.fromBlock, toBlock: at.number });
    identities = found.pools.map((p) => ({ protocol: p.protocol, address: p.address as HexAddress, token0: p.token0 as HexAddress, token1: p.token1 as HexAddress, fee: p.fee ?? source.v2Fee, ...(p.tickSpacing === undefined ? {} : { tickSpacing: p.tickSpacing }) }));
  }

  const holder = new Map<string, HexAddress>();
  for (const p of identities) for (const t of [p.token0, p.token1]) if (!holder.has(t)) holder.set(t, p.address);
  const tokenList = [...holder.keys()] as Address[];
  const [tokens, safety] = await Promise.all([
    readTokenMetadata(rpc, at, tokenList),
    checkTokenSafety(rpc, at, tokenList.map((token) => ({ token, holder: holder.get(token) as Address }))),
  ]);
  const meta = new Map<string, SnapshotToken>(tokens.map((t) => [t.address, { address: t.address as HexAddress, symbol: t.symbol, decimals: t.decimals }]));
  const unsafe = new Map(safety.flatMap((s) => (s.safe ? [] : [[s.token, s.reason] as const])));
  const descriptors: PoolDescriptor[] = [];
  for (const p of identities) {
    const bad = [p.token0, p.token1].find((t) => unsafe.has(t));
    if (bad !== undefined) {
      excluded.push({ address: p.address, reason: `token ${bad}: ${unsafe.get(bad)}` });
      continue;
    }
    descriptors.push({ ...p, token0: meta.get(p.token0) as SnapshotToken, token1: meta.get(p.token1) as SnapshotToken });
  }
  const pools: PoolSnapshot[] = [];
  for (const outcome of await loadPoolsExcludingFailures(rpc, at, descriptors)) {
    if ('pool' in outcome) pools.push(outcome.pool.snapshot);
    else excluded.push({ address: outcome.address, reason: outcome.reason });
  }
  return { snapshot: { format: 'orion.pools/v1', chainId, block: at.number, source: `chain read at block ${at.number} (${at.hash})`, pools }, excluded, tokens };
}
