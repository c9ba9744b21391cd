import { parseTokenAmount } from '../format/token-amount.ts';
import type { HexAddress, PoolSnapshot, SnapshotToken } from '../market/snapshot.ts';
import { WRAPPED_NATIVE } from './gas-pricing.ts';

/**
 * The liquidity floor: a pre-filter that keeps the scanner and the engine off pools nobody could
 * trade against. A snapshot of real reserves still holds junk: pairs of worthless tokens with
 * huge token counts, where a cycle "earns" 40 WETH on 0.7 WETH in. Each pool's depth is measured
 * in one reference token (the chain's wrapped native token when the market has it), and pools
 * below a floor are excluded before the scanner sees them. Pure functions, bigint throughout.
 *
 * A token is valued along its widest path from the reference: the path of pools whose thinnest
 * pool is deepest (its `reach`, in base units of the reference), at those pools' spot prices.
 * Depth of a pool = the least of: the value of either side (a V2 pool's reserve, a V3 pool's
 * virtual reserve of its active range, L/√P of token0 and L·√P of token1) and the reach of
 * either token. The reach caps it because a token priced through a thin pool (1 wei of X against
 * 1 WETH) would otherwise make every pool of X look deep: what a pool holds is worth no more
 * than what can be turned back into the reference. A pool with a token that no path reaches has
 * no depth (null) and is excluded by any floor above zero.
 */

/** The value of one base unit of a token, in base units of the reference token (num / den), and its reach. */
interface Value {
  num: bigint;
  den: bigint;
  /** The depth of the thinnest pool on the path that priced it, in base units of the reference. */
  reach: bigint;
}

/** The reach of the reference itself: more than any amount a pool can hold. */
const UNBOUNDED = 1n << 256n;

/**
 * Depth below which a pool is excluded by default, in reference tokens: 1 WETH on the lesser
 * side. It keeps every pool of the default Base snapshot but three (APED, DINO/WETH 1 %, and a
 * VIRTUAL/USDC range holding half a WETH), 31 of 34 on Arbitrum, all 12 on Optimism, and 2,221
 * of the 10,773 Ethereum pairs of 2020, whose rest is dust and junk (docs/BENCHMARKS.md).
 */
export const DEFAULT_MIN_POOL_LIQUIDITY = '1';

/** `--min-liquidity` and ORION_MIN_POOL_LIQUIDITY, as help and docs say them. */
export const MIN_LIQUIDITY_HELP = `least depth of a pool, in reference tokens (the chain's wrapped native token, e.g. WETH) on its lesser side; 0 keeps every pool (default: ORION_MIN_POOL_LIQUIDITY or ${DEFAULT_MIN_POOL_LIQUIDITY})`;

/** Share of a pool's depth above which an opportunity's profit is flagged as suspicious. */
export const THIN_POOL_SHARE_PERCENT = 10n;

/** The depths of a market's pools in one reference token, and the token values they came from. */
export interface PoolDepths {
  readonly reference: SnapshotToken;
  /** Depth per pool address, in base units of the reference token; null when no path prices one of its tokens. */
  readonly depth: ReadonlyMap<string, bigint | null>;
  /** The value of one base unit of each priced token, in base units of the reference. */
  readonly values: ReadonlyMap<string, Readonly<Value>>;
}

/** The reference token: the chain's wrapped native token when the pools hold it, otherwise the token in most pools. */
export function referenceToken(pools: readonly PoolSnapshot[], chainId: number): SnapshotToken {
  const count = new Map<string, { token: SnapshotToken; n: number }>();
  for (const pool of pools) {
    for (const token of [pool.token0, pool.token1]) {
      const entry = count.get(token.address) ?? { token, n: 0 };
      entry.n++;
      count.set(token.address, entry);
    }
  }
  const wrapped = WRAPPED_NATIVE[chainId];
  const native = wrapped === undefined ? undefined : count.get(wrapped);
  if (native !== undefined) return native.token;
  const ranked = [...count.values()].sort((a, b) => b.n - a.n || (a.token.address < b.token.address ? -1 : 1));
  if (ranked[0] === undefined) throw new RangeError('a market without pools has no reference token');
  return ranked[0].token;
}

/** A pool's amounts of token0 and token1 for measuring depth: V2 reserves, V3 virtual reserves of the active range. */
export function poolSides(pool: PoolSnapshot): [bigint, bigint] {
  if (pool.protocol === 'uniswap-v2') return [pool.reserve0, pool.reserve1];
  if (pool.sqrtPriceX96 === 0n) return [0n, 0n];
  return [(pool.liquidity << 96n) / pool.sqrtPriceX96, (pool.liquidity * pool.sqrtPriceX96) >> 96n];
}

/** Values every token reachable from `reference`, deepest pricing pool first, then each pool's depth. */
export function measurePoolDepths(pools: readonly PoolSnapshot[], reference: SnapshotToken): PoolDepths {
  const byToken = new Map<string, PoolSnapshot[]>();
  for (const pool of pools) {
    for (const token of [pool.token0.address, pool.token1.address]) byToken.set(token, [...(byToken.get(token) ?? []), pool]);
  }
  const values = new Map<string, Value>();
  // Candidates by reach, widest first (a bottleneck Dijkstra): the first to pop prices the token.
  const heap = new MaxHeap<{ token: string; value: Value }>();
  heap.push(UNBOUNDED, { token: reference.address, value: { num: 1n, den: 1n, reach: UNBOUNDED } });
  for (let next = heap.pop(); next !== undefined; next = heap.pop()) {
    const { token, value } = next;
    if (values.has(token)) continue;
    values.set(token, value);
    for (const pool of byToken.get(token) ?? []) {
      const [r0, r1] = poolSides(pool);
      const [own, other, otherToken] = pool.token0.address === token ? [r0, r1, pool.token1.address] : [r1, r0, pool.token0.address];
      if (values.has(otherToken) || own === 0n || other === 0n) continue;
      const sideDepth = (own * value.num) / value.den;
      const reach = sideDepth < value.reach ? sideDepth : value.reach;
      heap.push(reach, { token: otherToken, value: { num: own * value.num, den: other * value.den, reach } });
    }
  }
  const depth = new Map<string, bigint | null>();
  for (const pool of pools) {
    const v0 = values.get(pool.token0.address);
    const v1 = values.get(pool.token1.address);
    if (v0 === undefined || v1 === undefined) {
      depth.set(pool.address, null);
      continue;
    }
    const [r0, r1] = poolSides(pool);
    depth.set(pool.address, minOf((r0 * v0.num) / v0.den, (r1 * v1.num) / v1.den, v0.reach, v1.reach));
  }
  return { reference, depth, values };
}

/** What the floor kept and what it excluded, with every pool's depth. */
export interface LiquidityFloorResult extends PoolDepths {
  /** Pools at or above the floor, in the order given. */
  readonly kept: PoolSnapshot[];
  /** Pools below it (or without a depth), in the order given. */
  readonly excluded: PoolSnapshot[];
  /** The floor applied, in base units of the reference token. */
  readonly minDepth: bigint;
}

/**
 * Keeps the pools whose depth is at least `minDepth` base units of the reference token
 * (default: the chain's wrapped native token, see `referenceToken`). A floor of 0 keeps every pool.
 */
export function applyLiquidityFloor(
  pools: readonly PoolSnapshot[],
  options: { chainId: number; minDepth: bigint; reference?: SnapshotToken },
): LiquidityFloorResult {
  if (pools.length === 0) throw new RangeError('the liquidity floor needs at least one pool');
  const measured = measurePoolDepths(pools, options.reference ?? referenceToken(pools, options.chainId));
  const kept: PoolSnapshot[] = [];
  const excluded: PoolSnapshot[] = [];
  for (const pool of pools) {
    const depth = measured.depth.get(pool.address) ?? null;
    (options.minDepth === 0n || (depth !== null && depth >= options.minDepth) ? kept : excluded).push(pool);
  }
  return { ...measured, kept, excluded, minDepth: options.minDepth };
}

/**
 * The floor given as text in reference tokens (`--min-liquidity 2.5`, ORION_MIN_POOL_LIQUIDITY;
 * undefined = the default), applied to `pools`; InputError naming `what` for a bad amount.
 */
export function liquidityFloorFromText(pools: readonly PoolSnapshot[], chainId: number, text: string | undefined, what: string): LiquidityFloorResult {
  const reference = referenceToken(pools, chainId);
  const minDepth = parseTokenAmount(what, text ?? DEFAULT_MIN_POOL_LIQUIDITY, reference.decimals);
  return applyLiquidityFloor(pools, { chainId, reference, minDepth });
}

/**
 * The pool of a route whose depth the profit is the largest share of, when that share is at
 * least THIN_POOL_SHARE_PERCENT: a profit that large on one pool's depth means the price gap is
 * more likely a stale or manipulated pool than a trade anyone will get. Null otherwise.
 */
export function thinPoolOf(
  opportunity: { tokens: readonly HexAddress[]; pools: readonly HexAddress[]; profit: bigint },
  depths: PoolDepths,
): { pool: HexAddress; sharePercent: bigint } | null {
  const start = depths.values.get(opportunity.tokens[0]!);
  if (start === undefined || opportunity.profit <= 0n) return null;
  const profit = (opportunity.profit * start.num) / start.den;
  let worst: { pool: HexAddress; sharePercent: bigint } | null = null;
  for (const pool of opportunity.pools) {
    const depth = depths.depth.get(pool);
    if (depth === undefined || depth === null) continue;
    const sharePercent = depth === 0n ? 100n * profit + 1n : (100n * profit) / depth;
    if (sharePercent >= THIN_POOL_SHARE_PERCENT && (worst === null || sharePercent > worst.sharePercent)) worst = { pool, sharePercent };
  }
  return worst;
}

function minOf(...amounts: bigint[]): bigint {
  return amounts.reduce((least, amount) => (amount < least ? amount : least));
}

/** A max-heap keyed by bigint: the liquidity walk takes the deepest candidate next. */
class MaxHeap<T> {
  private readonly keys: bigint[] = [];
  private readonly items: T[] = [];

  push(key: bigint, item: T): void {
    this.keys.push(key);
    this.items.push(item);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! >= this.keys[i]!) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    const lastKey = this.keys.pop()!;
    const lastItem = this.items.pop()!;
    if (this.items.length > 0) {
      this.keys[0] = lastKey;
      this.items[0] = lastItem;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let largest = i;
        if (left < this.keys.length && this.keys[left]! > this.keys[largest]!) largest = left;
        if (right < this.keys.length && this.keys[right]! > this.keys[largest]!) largest = right;
        if (largest === i) break;
        this.swap(i, largest);
        i = largest;
      }
    }
    return top;
  }

  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }
}
