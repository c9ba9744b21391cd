import { createHash } from 'node:crypto';
import { InputError } from '../errors.ts';
import type { HexAddress, PoolSnapshot, Snapshot, SnapshotToken } from '../market/snapshot.ts';
import { defaultBaseTokens } from '../scanner/base-tokens.ts';
import { buildTokenTable } from '../scanner/tokens.ts';
import { createRng } from '../util/seeded-random.ts';
import { copyV2, copyV3, renamePool } from './move-pool.ts';

/** Which shape of universe: V2 pairs (parallel venues for the top pairs) or V3-heavy (every pool copied). */
export type SynthKind = 'v2' | 'v3';

/** Parameters of a synthetic universe. */
export interface SynthOptions {
  kind: SynthKind;
  /** Pools wanted in total (fewer than the source: a seeded sample of its pools). */
  pools: number;
  /** Seed of every random choice: the same seed and source give the same bytes. */
  seed: number;
}

/** What a synthetic universe is made of. */
export interface SynthStats {
  pools: number;
  tokens: number;
  v2: number;
  v3: number;
  /** Pools taken from the source as they are. */
  real: number;
  /** Copies of source pools on other venues (same tokens, price moved). */
  venues: number;
  /** Token families started (the last may be partial) and the pools they hold. */
  families: number;
  familyPools: number;
}

/** Pairs of the V2 kind listed on other venues (by base-token depth). */
const V2_VENUE_PAIRS = 500;
/** Fees of the other V2 venues (mainnet forks: 0.30 %, 0.25 %, 0.20 %). */
const V2_VENUE_FEES = [3000, 3000, 2500, 2000];
/** Largest price move of a V2 venue copy (±1 %) and of a V3 venue copy (±0.5 %). */
const V2_PRICE_BAND = 0.01;
const V3_PRICE_BAND = 0.005;

/** A deterministic 20-byte hex string from the seed and a label. */
function hashHex(seed: number, label: string, chars = 40): string {
  return createHash('sha256').update(`${seed}:${label}`).digest('hex').slice(0, chars);
}

/** Value per base unit of each base token in the first base's units (float, ranking only). */
function baseValues(pools: readonly PoolSnapshot[], bases: readonly string[]): Map<string, number> {
  const values = new Map<string, number>([[bases[0]!, 1]]);
  const depth = new Map<string, number>();
  for (const pool of pools) {
    const [a, b] = [pool.token0.address, pool.token1.address];
    const other = a === bases[0] ? b : b === bases[0] ? a : undefined;
    if (other === undefined || !bases.includes(other)) continue;
    const [r0, r1] = floatReserves(pool);
    const [rBase, rOther] = a === bases[0] ? [r0, r1] : [r1, r0];
    if (!(rBase > 0 && rOther > 0) || rBase <= (depth.get(other) ?? 0)) continue;
    depth.set(other, rBase);
    values.set(other, rBase / rOther);
  }
  return values;
}

/** Reserves as floats in base units: a V3 pool's are the current range's virtual ones. */
function floatReserves(pool: PoolSnapshot): [number, number] {
  if (pool.protocol === 'uniswap-v2') return [Number(pool.reserve0), Number(pool.reserve1)];
  const sqrtPrice = Number(pool.sqrtPriceX96) / 2 ** 96;
  const liquidity = Number(pool.liquidity);
  return [liquidity / sqrtPrice, liquidity * sqrtPrice];
}

/** Depth of a pool in the first base's units: its deepest base-token reserve, valued. */
function baseDepth(pool: PoolSnapshot, values: ReadonlyMap<string, number>): number {
  const [r0, r1] = floatReserves(pool);
  return Math.max((values.get(pool.token0.address) ?? 0) * r0, (values.get(pool.token1.address) ?? 0) * r1);
}

/**
 * A synthetic universe in the shape of a real chain (docs: src/synth/README.md), from a real
 * snapshot: its pools, parallel venues for its most liquid pairs, then token families (copies
 * of its non-base tokens under new addresses, with the real pools among them and with the real
 * base tokens) until `pools` is reached. Deterministic from `seed`; every pool it writes is
 * valid `orion.pools/v1`.
 */
export function synthesize(source: Snapshot, options: SynthOptions): { snapshot: Snapshot; stats: SynthStats } {
  const { kind, pools: wanted, seed } = options;
  if (!Number.isInteger(wanted) || wanted < 1) throw new InputError(`pools must be a positive integer, got ${wanted}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InputError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  if (source.pools.length === 0) throw new InputError('the source snapshot has no pools');
  const random = createRng(seed);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * random();
  const stats: SynthStats = { pools: 0, tokens: 0, v2: 0, v3: 0, real: 0, venues: 0, families: 0, familyPools: 0 };
  const out: PoolSnapshot[] = [];
  const addresses = new Set<string>();
  const add = (pool: PoolSnapshot): void => {
    if (addresses.has(pool.address)) throw new Error(`synthetic address ${pool.address} drawn twice`);
    addresses.add(pool.address);
    out.push(pool);
  };

  if (wanted <= source.pools.length) {
    // Fewer pools than the source: a seeded sample, in the source's order.
    const order = source.pools.map((_, i) => i);
    for (let i = 0; i < wanted; i++) {
      const j = i + Math.floor(random() * (order.length - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order.slice(0, wanted).sort((a, b) => a - b)) add(source.pools[i]!);
    stats.real = wanted;
    return finish(source, out, stats, options);
  }
  for (const pool of source.pools) add(pool);
  stats.real = source.pools.length;

  const table = buildTokenTable(source.pools);
  const bases = defaultBaseTokens(table).map((t) => table.tokens[t]!.address);
  const values = baseValues(source.pools, bases);

  // Parallel venues: the most liquid pairs (every pool of a V3 source) listed 2–6 more times.
  const ranked = source.pools.map((pool, i) => ({ i, depth: baseDepth(pool, values) })).filter((r) => r.depth > 0);
  ranked.sort((a, b) => b.depth - a.depth || a.i - b.i);
  const listed = kind === 'v2' ? ranked.slice(0, V2_VENUE_PAIRS) : ranked;
  for (const { i } of listed) {
    const pool = source.pools[i]!;
    const copies = 2 + Math.floor(random() * 5);
    for (let v = 1; v <= copies && out.length < wanted; v++) {
      const address = `0x${hashHex(seed, `venue ${v} ${pool.address}`)}` as HexAddress;
      add(
        pool.protocol === 'uniswap-v2'
          ? copyV2(pool, address, V2_VENUE_FEES[Math.floor(random() * V2_VENUE_FEES.length)]!, uniform(0.05, 1), 1 + uniform(-V2_PRICE_BAND, V2_PRICE_BAND))
          : copyV3(pool, address, 1 + uniform(-V3_PRICE_BAND, V3_PRICE_BAND), random()),
      );
      stats.venues++;
    }
  }

  // Token families: every pool with a non-base token, copied with each non-base token renamed.
  const baseSet = new Set<string>(bases);
  const layer = out.filter((p) => !baseSet.has(p.token0.address) || !baseSet.has(p.token1.address));
  if (layer.length === 0 && out.length < wanted) throw new InputError('the source has no pool with a non-base token: token families cannot grow it');
  const order = layer.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const tokenAddresses = new Set<string>(table.tokens.map((t) => t.address));
  for (let family = 1; out.length < wanted; family++) {
    stats.families = family;
    const renamed = new Map<string, SnapshotToken>();
    const rename = (token: SnapshotToken): SnapshotToken => {
      if (baseSet.has(token.address)) return token;
      let copy = renamed.get(token.address);
      if (copy === undefined) {
        // Keep the first 16 bytes: the copy sorts against every other token as the original
        // does, so pools keep token0/token1 (and a V3 pool its tick map) unchanged.
        const address = `${token.address.slice(0, 34)}${hashHex(seed, `family ${family} ${token.address}`, 8)}` as HexAddress;
        if (tokenAddresses.has(address)) throw new Error(`synthetic token address ${address} drawn twice`);
        tokenAddresses.add(address);
        copy = { address, symbol: `${token.symbol}.f${family}`, decimals: token.decimals };
        renamed.set(token.address, copy);
      }
      return copy;
    };
    for (const i of order) {
      if (out.length >= wanted) break;
      const pool = layer[i]!;
      const address = `0x${hashHex(seed, `family ${family} ${pool.address}`)}` as HexAddress;
      add(renamePool(pool, address, rename(pool.token0), rename(pool.token1), uniform(0.5, 2)));
      stats.familyPools++;
    }
  }
  return finish(source, out, stats, options);
}

function finish(source: Snapshot, pools: PoolSnapshot[], stats: SynthStats, options: SynthOptions): { snapshot: Snapshot; stats: SynthStats } {
  const tokens = new Set<string>();
  for (const pool of pools) {
    tokens.add(pool.token0.address);
    tokens.add(pool.token1.address);
    if (pool.protocol === 'uniswap-v2') stats.v2++;
    else stats.v3++;
  }
  stats.pools = pools.length;
  stats.tokens = tokens.size;
  const snapshot: Snapshot = {
    format: source.format,
    chainId: source.chainId,
    block: source.block,
    note:
      `SYNTHETIC, not chain data: orion snapshot synth --kind ${options.kind} --pools ${options.pools} --seed ${options.seed}; ` +
      `${stats.real} real pools, ${stats.venues} venue copies (price moved), ${stats.familyPools} pools in ${stats.families} token families. ` +
      `Source: ${source.note ?? 'unnamed snapshot'}`,
    pools,
  };
  if (source.source !== undefined) snapshot.source = source.source;
  return { snapshot, stats };
}
