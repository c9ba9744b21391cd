import type { V3SwapPool } from '../amm/uniswap-v3/pool.ts';
import { InputError } from '../errors.ts';
import type { HexAddress, Snapshot } from '../market/snapshot.ts';
import { chooseBaseTokens, resolveToken } from './base-tokens.ts';
import { enumerateCycles, type CycleSet } from './cycles.ts';
import { GasPricer, resolveGasToken } from './gas-pricing.ts';
import { floatProfitBound } from './bound.ts';
import { FlashSources } from './flash-source.ts';
import { CoarseLiquidity } from './coarse-liquidity.ts';
import { buildPoolTable, countDryPools, KIND_V2, KIND_V3, setReserves, type PoolTable } from './pool-table.ts';
import { pathGroupBound } from './path-bound.ts';
import { PathGroupKeys } from './path-group-keys.ts';
import { SettledGroups } from './settled-groups.ts';
import { pathGroups, type PathGroups } from './path-groups.ts';
import { Ranking } from './ranking.ts';
import { rankingGroups, type RankingGroups } from './ranking-groups.ts';
import { Route } from './route.ts';
import { composeV2, profitUpperBound, sizeV2Route, type SizingLimits } from './sizing.ts';
import { PiecewiseSizer } from './sizing-piecewise.ts';
import { RAISED_BOTH, RAISED_ONE_FOR_ZERO, RAISED_ZERO_FOR_ONE, raisedV2, raisedV3, v3Before, type V3Before } from './raised-directions.ts';
import { buildTokenTable, type TokenTable } from './tokens.ts';
import type { Opportunity, PoolProtocol, ScannerOptions } from './types.ts';
import { V3LiquidityBound } from './v3-bound.ts';
import { V3Pools, type V3State } from './v3-pools.ts';
import { V3Crossings } from './v3-crossings.ts';
import { V3LenderCapacity } from './v3-lender-capacity.ts';
import { CrossingGas } from './crossing-gas.ts';
import { LenderCaps } from './lender-caps.ts';

/** A bigint profit as a float never below it (the ranking compares bounds with exact values). */
function toUpperFloat(value: bigint): number {
  return value <= 0n ? 0 : Number(value) * (1 + 1e-12) + 1;
}

/** Per path group: 1 when some pool of it is V3. */
function withV3Pool(paths: PathGroups, stride: number, pools: PoolTable): Uint8Array {
  const flags = new Uint8Array(paths.count);
  for (let g = 0; g < paths.count; g++) {
    for (let i = paths.poolStart[g * stride]!; i < paths.poolStart[(g + 1) * stride]!; i++) if (pools.kind[paths.pools[i]!] === KIND_V3) flags[g] = 1;
  }
  return flags;
}

/** A cycle's walk bound: over coarse liquidity ranges (cheap, looser), then over the real ones. */
const WALKED_COARSE = 1;
const WALKED_FINE = 2;

/** Largest input by default: a V2 reserve is a uint112, so no pool could take more. */
const DEFAULT_MAX_IN = (1n << 112n) - 1n;

/**
 * The scanner: every cycle through the base tokens, indexed by pool; a cold pass sizes them
 * all, then each block re-evaluates only the cycles whose pools changed and keeps the ranking
 * up to date. Results per cycle are kept in flat arrays; opportunities (with per-hop amounts)
 * are built only for the cycles asked for.
 */
export class Scanner {
  readonly tokens: TokenTable;
  readonly pools: PoolTable;
  readonly cycles: CycleSet;
  readonly bases: readonly number[];
  readonly gas: GasPricer;
  /** Block the state is at (set by `refresh`); carried by every opportunity computed then. */
  block: bigint | null;

  private readonly route: Route;
  private readonly v3: V3Pools | undefined;
  /** Bound pools of V3 hops (the ranking bound of routes with V3 hops). */
  private readonly v3Bound: V3LiquidityBound | undefined;
  /** Exact sizing of routes with V3 hops. */
  private readonly piecewise: PiecewiseSizer;
  /** The V3 pools over coarse liquidity ranges, and the walk over them (the first walk bound a cycle gets). */
  private readonly coarse: CoarseLiquidity | undefined;
  private readonly coarseWalk: PiecewiseSizer;
  /** Ranking groups: cycles of one base whose least-gas flash source uses the same gas (ranking.ts). */
  private readonly groups: RankingGroups;
  private readonly ranking: Ranking;
  /**
   * Cycles sharing a token path (parallel venues): ranked as one item (cycles.count + group) by
   * a bound over all of them, re-bounded once per block when one of their pools moves; members
   * are evaluated only when `top` walks to their group (path-groups.ts, path-bound.ts).
   */
  readonly paths: PathGroups;
  /** Per cycle: the refresh epoch it was last evaluated at (a member of a path group is stale while one of its pools changed since). */
  private readonly evaluatedAt: Int32Array;
  /** Per cycle: the refresh epoch its keys (bound, walk bound) were last computed at (≤ evaluatedAt). */
  private readonly keyedAt: Int32Array;
  /**
   * Per pool and direction (2·p, 2·p + 1: swapping token0 → token1, the other way): the refresh
   * epoch of its last change that may have raised what it pays that way (raised-directions.ts). A
   * cycle whose pools only moved the ways it swaps them keeps its keys; its exact results go.
   */
  private readonly raisedAt: Int32Array;
  /** Per V3 pool changed since the last refresh through `setV3State`: its state before (none: changed some other way, raised both ways). */
  private readonly before = new Map<number, V3Before>();
  /**
   * Per V2 pool changed since the last refresh through `setReserves` (`reservesKept`): its reserves
   * before, in flat arrays (a Map of fresh objects here cost the real pairs' median block ~6 µs).
   */
  private readonly reservesKept: Uint8Array;
  private readonly reserve0Before: bigint[];
  private readonly reserve1Before: bigint[];
  /** Per pool: the refresh epoch and block of its last change (what a lazily evaluated member is computed at). */
  private readonly changedAt: Int32Array;
  private readonly changedBlock: (bigint | null)[];
  /** Float keys of the path groups, each hop kept until one of its pools moves (path-group-keys.ts). */
  private readonly pathKeys: PathGroupKeys;
  /** The path groups' members' keys as of the walk that last reached each group (settled-groups.ts). */
  private readonly settled: SettledGroups;
  /** Per path group: the epoch it was last re-bounded at (one re-bound per block). */
  private readonly pathSeen: Int32Array;
  /**
   * Per path group: 1 when its pools moved since its key was set, only in ways that cannot raise
   * what they pay the group's way: the key still bounds every member, and `top`'s walk re-bounds
   * the group when it reaches it, before expanding it (a block used to re-bound every group
   * through a changed pool, ~120 a block on the V3-heavy universe, ~1,250 for a base–base pool
   * at 100k V2 pools, nearly all of them far below the results).
   */
  private readonly pathDeferred: Uint8Array;
  /**
   * Per path group reached by the running walk: 1 when a member's key may have moved since the
   * group was last settled (it had stale members, or the walk gave a member a walk bound), so the
   * walk's end settles it again. A group reached up to date whose members the walk only pushed
   * holds the keys, the ranking key and the per-slot maxima its last settling left (~18 such
   * groups and ~1,800 members a median V3-heavy block, settled twice over for nothing).
   */
  private readonly keysMoved: Uint8Array;
  /** Per path group: its members' cheapest flash fee in pips (-1: not yet taken). */
  private readonly pathFee: Float64Array;
  /** Per group, at the last walk: gas cost in the base token (NaN: cannot be priced) and the base's value in the gas token. */
  private readonly groupOffset: Float64Array;
  private readonly groupScale: Float64Array;
  private readonly maxIn: Map<number, bigint>;
  /** The flash sources that could serve each cycle, with their fees and gas (candidate slots). */
  readonly flash: FlashSources;
  /** Per cycle: the candidate it borrows from (index into its flash sources), cheapest in total as of the last `top`. */
  private readonly chosen: Uint8Array;
  private gasPrice: bigint;
  // Per cycle, from the last evaluation: an upper bound of the profit before gas over all its
  // flash source candidates (valid while `candidate[c]`), and the exact integer optimum of each
  // candidate once refined (valid while `exact[c]`), at the candidate's slot: each fee has its
  // own optimum.
  private readonly candidate: Uint8Array;
  /** The candidate cycles (bound > 0), so a gas re-price walks only these. */
  private readonly candidates = new Set<number>();
  private readonly bound: Float64Array;
  /**
   * Per cycle with V3 hops: its walk bound (`PiecewiseSizer.profitBound`, the real optimum's
   * profit), far tighter than `bound`, computed when `top` first reaches the cycle after its last
   * evaluation (valid while `walked[c]`). The cycle then waits in the walk (and, once the walk
   * ends, in the ranking) at that key, and is sized exactly only if the walk reaches it again.
   */
  private readonly walkBound: Float64Array;
  /** Per cycle: 0, or which walk bound it holds (WALKED_COARSE, then WALKED_FINE). */
  private readonly walked: Uint8Array;
  /**
   * The cycles the last `top` returned, flagged per cycle: when one of their pools moves they are
   * sized again without the walk bounds first (on the arbitrum snapshot nearly every sizing is of
   * such a cycle, and its walk bounds were ~20 % of a block, spent only to reach the sizing).
   */
  private lastTop: number[] = [];
  private readonly inLastTop: Uint8Array;
  private readonly exact: Uint8Array;
  private readonly amountIn: bigint[];
  private readonly profit: bigint[];
  /** Per slot: per-hop amounts at the sized input from the piecewise sizing's exact quotes (undefined: derive them). */
  private readonly sizedAmounts: (bigint[] | undefined)[];
  /** Per slot: gas of the initialized ticks its V3 hops cross at the sized amounts, on top of the gas table's figure. */
  private readonly crossingGas: CrossingGas;
  /** What a V3 lender can lend caps the sizes borrowed from it. */
  private readonly lenderCaps: LenderCaps;
  private readonly computedAt: (bigint | null)[];
  /** Route, tokens and per-hop amounts of a refined cycle, built once per exact result. */
  private readonly legs: ({ pools: HexAddress[]; protocols: PoolProtocol[]; fees: number[]; tokens: HexAddress[]; amounts: bigint[] } | undefined)[];
  private readonly dirty: Uint8Array;
  private dirtyList: number[] = [];
  private readonly seen: Int32Array;
  /** Bumped by every pool change: keys the per-base caches below. */
  private stateVersion = 0;
  private readonly conversion: Float64Array;
  private readonly conversionVersion: Int32Array;
  private readonly maxInFloat: Float64Array;
  private epoch = 0;

  constructor(snapshot: Snapshot, options: ScannerOptions = {}) {
    this.tokens = buildTokenTable(snapshot.pools);
    this.pools = buildPoolTable(snapshot.pools, this.tokens);
    this.block = snapshot.block;
    this.gasPrice = options.gasPrice ?? 0n;
    if (this.gasPrice < 0n) throw new InputError(`gas price must not be negative, got ${this.gasPrice}`);
    const gasToken = resolveGasToken(this.tokens, snapshot.chainId, options.gasToken);
    // The one rule (base-tokens.ts): live mode's pre-flight check asks it which tokens need a loss limit.
    this.bases = chooseBaseTokens(this.tokens, this.pools, gasToken, options.bases, this.gasPrice > 0n);
    this.cycles = enumerateCycles(this.pools, this.tokens.tokens.length, this.bases, options.maxHops ?? 3);
    this.gas = new GasPricer(this.pools, this.tokens.tokens.length, gasToken, this.bases);
    if (this.gasPrice > 0n) {
      for (const base of this.bases) {
        if (!this.gas.canPrice(base)) {
          throw new InputError(`cannot price gas in base ${this.tokens.tokens[base]!.address} (${this.tokens.tokens[base]!.symbol}): no pool joins it to the gas token; pass the gas token or drop the base`);
        }
      }
    }
    this.maxIn = new Map();
    for (const [spec, limit] of options.maxIn ?? []) {
      const i = resolveToken(this.tokens, spec, 'max-size token');
      // A cap bounds the borrowed input, which is always in the cycle's start token.
      if (!this.bases.includes(i)) throw new InputError(`max size given for ${spec}, which is not a base token (bases: ${this.bases.map((b) => this.tokens.tokens[b]!.symbol).join(', ')})`);
      if (limit < 1n) throw new InputError(`max size for ${spec} must be at least 1 wei, got ${limit}`);
      this.maxIn.set(i, limit);
    }
    this.v3 = snapshot.pools.some((p) => p.protocol === 'uniswap-v3') ? new V3Pools(this.pools, snapshot.pools) : undefined;
    this.v3Bound = this.v3 === undefined ? undefined : new V3LiquidityBound(this.v3);
    this.piecewise = new PiecewiseSizer(this.v3);
    this.coarse = this.v3 === undefined ? undefined : new CoarseLiquidity(this.v3);
    this.coarseWalk = new PiecewiseSizer(this.coarse);
    this.flash = new FlashSources(this.pools, this.cycles, options.flash);
    this.route = new Route(this.pools, this.cycles, this.v3);
    this.groups = rankingGroups(this.cycles, this.flash);
    this.paths = pathGroups(this.pools, this.cycles, this.groups.of, options.pathGroupMin);
    const itemGroup = new Int32Array(this.cycles.count + this.paths.count);
    itemGroup.set(this.groups.of);
    itemGroup.set(this.paths.rankingGroup, this.cycles.count);
    this.ranking = new Ranking(itemGroup, this.groups.base.length);
    this.evaluatedAt = new Int32Array(this.cycles.count).fill(-1);
    this.keyedAt = new Int32Array(this.cycles.count).fill(-1);
    this.raisedAt = new Int32Array(2 * this.pools.size);
    this.changedAt = new Int32Array(this.pools.size);
    this.reservesKept = new Uint8Array(this.pools.size);
    this.reserve0Before = new Array<bigint>(this.pools.size).fill(0n);
    this.reserve1Before = new Array<bigint>(this.pools.size).fill(0n);
    this.changedBlock = new Array<bigint | null>(this.pools.size).fill(null);
    this.pathKeys = new PathGroupKeys(this.paths, this.cycles.stride, this.pools, this.v3Bound, this.changedAt);
    this.settled = new SettledGroups(this.paths, this.cycles.stride, this.cycles.pools, this.changedAt, this.raisedAt, withV3Pool(this.paths, this.cycles.stride, this.pools));
    this.pathSeen = new Int32Array(this.paths.count).fill(-1);
    this.pathDeferred = new Uint8Array(this.paths.count);
    this.pathFee = new Float64Array(this.paths.count).fill(-1);
    this.keysMoved = new Uint8Array(this.paths.count);
    this.groupOffset = new Float64Array(this.groups.base.length);
    this.groupScale = new Float64Array(this.groups.base.length);
    const n = this.cycles.count;
    this.chosen = new Uint8Array(n);
    this.candidate = new Uint8Array(n);
    this.bound = new Float64Array(n);
    this.walkBound = new Float64Array(n);
    this.walked = new Uint8Array(n);
    this.inLastTop = new Uint8Array(n);
    this.exact = new Uint8Array(n);
    this.amountIn = new Array<bigint>(this.flash.slots).fill(0n);
    this.profit = new Array<bigint>(this.flash.slots).fill(0n);
    this.sizedAmounts = new Array<undefined>(this.flash.slots).fill(undefined);
    this.crossingGas = new CrossingGas(this.flash.slots, this.v3 === undefined ? undefined : new V3Crossings(this.v3), this.pools, this.cycles);
    this.lenderCaps = new LenderCaps(this.v3 === undefined ? undefined : new V3LenderCapacity(this.v3), this.flash, this.pools, this.cycles);
    this.computedAt = new Array<bigint | null>(n).fill(null);
    this.legs = new Array<undefined>(n).fill(undefined);
    this.dirty = new Uint8Array(this.pools.size);
    this.seen = new Int32Array(n);
    const tokenCount = this.tokens.tokens.length;
    this.conversion = new Float64Array(tokenCount);
    this.conversionVersion = new Int32Array(tokenCount).fill(-1);
    this.maxInFloat = new Float64Array(tokenCount).fill(Number(DEFAULT_MAX_IN));
    for (const [token, limit] of this.maxIn) this.maxInFloat[token] = Number(limit);
  }

  /** Pools indexed, cycles found, pools with a zero reserve, cycles ranked (whose bound beats gas). */
  stats(): { pools: number; dryPools: number; cycles: number; ranked: number } {
    this.priceGroups();
    this.evaluateStale();
    let ranked = 0;
    for (const c of this.candidates) if (this.bound[c]! > this.groupOffset[this.groups.of[c]!]!) ranked++;
    return { pools: this.pools.size, dryPools: countDryPools(this.pools), cycles: this.cycles.count, ranked };
  }

  /** Evaluates every cycle (the cold pass); `refine` also sizes each ranked one to the wei. */
  scanAll(refine = true): void {
    for (let c = 0; c < this.cycles.count; c++) this.evaluate(c);
    for (let g = 0; g < this.paths.count; g++) this.boundPath(g);
    if (refine) this.refineAll();
  }

  /**
   * Evaluates every cycle whose pools changed since it was last evaluated (before a pass over all
   * candidates): path-group members, and loose all-V2 cycles whose evaluation a block deferred.
   */
  private evaluateStale(): void {
    for (let c = 0; c < this.cycles.count; c++) {
      // A loose cycle never evaluated (before the cold pass) is not ranked yet: left to scanAll.
      if ((this.paths.of[c]! >= 0 || this.evaluatedAt[c]! >= 0) && this.stale(c)) this.evaluate(c, true);
    }
  }

  /** Whether a pool of cycle `c` changed since it was last evaluated. */
  private stale(c: number): boolean {
    const { cycles } = this;
    const at = this.evaluatedAt[c]!;
    for (let h = 0; h < cycles.length[c]!; h++) if (this.changedAt[cycles.pools[c * cycles.stride + h]!]! > at) return true;
    return false;
  }

  /** Re-bounds path group g and ranks it by that bound. */
  private boundPath(g: number): void {
    const item = this.cycles.count + g;
    const key = this.pathKey(g);
    if (key > 0) this.ranking.set(item, key);
    else this.ranking.delete(item);
  }

  /**
   * Path group g's ranking key at the current state (0: no member can profit): the group bound,
   * or tighter from its settled members (settled-groups.ts). Clears its deferral.
   */
  private pathKey(g: number): number {
    this.pathDeferred[g] = 0;
    const members = this.paths.members;
    const first = members[this.paths.start[g]!]!;
    let fee = this.pathFee[g]!;
    if (fee < 0) {
      // The members' flash candidates are fixed for the scanner's life: their cheapest fee once.
      fee = Infinity;
      for (let m = this.paths.start[g]!; m < this.paths.start[g + 1]!; m++) fee = Math.min(fee, this.flash.feePips[this.flash.slot(members[m]!, 0)]!);
      this.pathFee[g] = fee;
    }
    const base = this.cycles.base[first]!;
    let key = this.pathKeys.key(g, fee, this.maxInFloat[base]!, this.epoch);
    if (key !== undefined && key > 0) {
      // Pools moved since the walk last reached the group: its members' kept keys and the keys
      // over each hop's moved pools alone may bound it tighter (settled-groups.ts).
      const settled = this.settled.settled(g, (hop, only) => this.pathKeys.keyThrough(g, hop, only, fee, this.maxInFloat[base]!));
      if (settled !== undefined && settled < key) key = settled;
    }
    if (key !== undefined) return key > 0 ? key : 0;
    const bound = pathGroupBound(this.paths, g, this.cycles.stride, this.pools, this.v3, this.v3Bound, BigInt(fee), this.maxIn.get(base) ?? DEFAULT_MAX_IN);
    return bound === undefined ? Infinity : toUpperFloat(bound);
  }

  /**
   * Whether a pool of path group g changed in this refresh (epoch `epoch`) in a way that may have
   * raised what it pays the way the group swaps it (raised-directions.ts). If none did, every
   * member pays at most what it did, so the group's ranking key still bounds it.
   */
  private raisedForPath(g: number, epoch: number): boolean {
    const { paths, raisedAt } = this;
    const stride = this.cycles.stride;
    for (let i = paths.poolStart[g * stride]!; i < paths.poolStart[g * stride + paths.hops[g]!]!; i++) {
      if (raisedAt[2 * paths.pools[i]! + (paths.zeroForOne[i] === 1 ? 0 : 1)] === epoch) return true;
    }
    return false;
  }

  /**
   * Sizes every candidate to the wei now. Never needed for results: `top` sizes exactly every
   * cycle it walks to; this only moves that work to start-up (at 100k pools ~200k candidates).
   */
  refineAll(): void {
    this.evaluateStale();
    for (const c of this.candidates) this.refine(c);
  }

  /** Pool number of an address (any case); InputError when unknown. */
  poolIndex(address: string): number {
    const i = this.pools.byAddress.get(address.toLowerCase());
    if (i === undefined) throw new InputError(`pool ${address} is not indexed by the scanner`);
    return i;
  }

  /** New reserves for a V2 pool (a Sync log); takes effect at the next `refresh`. */
  setReserves(pool: number, reserve0: bigint, reserve1: bigint): void {
    if (this.pools.kind[pool] !== KIND_V2) throw new InputError(`pool ${this.pools.address[pool]} is not a V2 pool`);
    // The state before, so refresh can tell which ways the move may have raised what the pool pays (catchUp).
    if (this.dirty[pool] === 0) {
      this.reservesKept[pool] = 1;
      this.reserve0Before[pool] = this.pools.reserve0[pool]!;
      this.reserve1Before[pool] = this.pools.reserve1[pool]!;
    }
    setReserves(this.pools, pool, reserve0, reserve1);
    this.markChanged(pool);
  }

  /** New state of a V3 pool (a Swap, Mint or Burn log); takes effect at the next `refresh`. */
  setV3State(pool: number, state: V3State): void {
    if (this.v3 === undefined || this.pools.kind[pool] !== KIND_V3) throw new InputError(`pool ${this.pools.address[pool]} is not a V3 pool`);
    if (this.dirty[pool] === 0) this.before.set(pool, v3Before(this.v3.get(pool)));
    this.v3.set(pool, state);
    this.v3Bound!.refresh(pool);
    this.markChanged(pool);
  }

  /** Current state of a V3 pool (read-only). */
  v3State(pool: number): Readonly<V3SwapPool> {
    if (this.v3 === undefined || this.pools.kind[pool] !== KIND_V3) throw new InputError(`pool ${this.pools.address[pool]} is not a V3 pool`);
    return this.v3.get(pool);
  }

  /** Marks a pool whose state changed outside `setReserves` / `setV3State` (then it counts as raised both ways). */
  markChanged(pool: number): void {
    this.stateVersion++;
    if (this.dirty[pool] === 1) return;
    this.dirty[pool] = 1;
    this.dirtyList.push(pool);
  }

  /** Changes the gas price: sizes do not depend on gas, and the ranking applies gas per group at each walk. */
  setGasPrice(gasPrice: bigint): void {
    this.gasPrice = gasPrice;
  }

  /**
   * Re-evaluates the cycles through the pools changed since the last call, at `block`.
   * Returns how many cycles were re-evaluated.
   */
  refresh(block: bigint | null = this.block): number {
    this.block = block;
    const epoch = ++this.epoch;
    let evaluated = 0;
    const changed = this.dirtyList;
    this.dirtyList = [];
    for (const p of changed) {
      this.dirty[p] = 0;
      this.changedAt[p] = epoch;
      this.changedBlock[p] = block;
      const raised = this.raisedBy(p);
      if ((raised & RAISED_ZERO_FOR_ONE) !== 0) this.raisedAt[2 * p] = epoch;
      if ((raised & RAISED_ONE_FOR_ZERO) !== 0) this.raisedAt[2 * p + 1] = epoch;
    }
    this.before.clear();
    const paths = this.paths;
    for (const p of changed) {
      // A member of a path group waits for the walk to reach its group (stale until then): only the loose cycles now.
      for (let k = paths.looseStart[p]!; k < paths.looseStart[p + 1]!; k++) {
        const c = paths.loose[k]!;
        if (this.seen[c] === epoch) continue;
        this.seen[c] = epoch;
        if (this.catchUp(c, false)) evaluated++;
      }
      for (let k = paths.byPoolStart[p]!; k < paths.byPoolStart[p + 1]!; k++) {
        const g = paths.byPool[k]!;
        if (this.pathSeen[g] === epoch) continue;
        this.pathSeen[g] = epoch;
        // Moved only the ways it cannot be raised: its key still bounds it, re-bounded when `top`'s walk reaches it.
        if (!this.raisedForPath(g, epoch)) {
          this.pathDeferred[g] = 1;
          continue;
        }
        this.boundPath(g);
        evaluated++;
      }
    }
    // A pricing pool that moved changes gas in its base for every cycle of the base: the
    // ranking applies it per group at the next walk (ranking.ts), so nothing else is touched.
    return evaluated;
  }

  /** Which ways pool p's change since the last refresh may have raised what it pays (RAISED_* bits). */
  private raisedBy(p: number): number {
    if (this.reservesKept[p] === 1) {
      this.reservesKept[p] = 0;
      return raisedV2(this.reserve0Before[p]!, this.reserve1Before[p]!, this.pools.reserve0[p]!, this.pools.reserve1[p]!);
    }
    const before = this.before.get(p);
    return before === undefined ? RAISED_BOTH : raisedV3(before, this.v3!.get(p));
  }

  /**
   * Brings cycle c up to the current state after one of its pools changed; returns whether it
   * was re-evaluated. Re-evaluated when a pool may now pay more the way c swaps it; otherwise its
   * keys still bound its profit (raised-directions.ts) and only its exact results, computed at
   * the old state, are dropped. An all-V2 cycle is re-evaluated all the same, but a loose one
   * (ranked alone) only when `top`'s walk reaches it (`deferred`): its bound is a closed form,
   * cheap and nearly exact, and sizing from the old, looser one sent `top` to size more (on the
   * real pairs the median block took 2.4× as long), while re-evaluating it at once made a move of
   * a pool between two base tokens re-bound thousands of cycles (100k V2 pools), nearly all below
   * the results.
   */
  private catchUp(c: number, late: boolean): boolean {
    const allV2 = this.cycles.allV2[c] === 1;
    const raised = this.keysStale(c);
    if (raised || (allV2 && late)) {
      this.evaluate(c, late);
      return true;
    }
    this.exact[c] = 0;
    // The deferred all-V2 cycle stays stale (evaluatedAt behind its pools): `top` evaluates it when reached.
    if (allV2) return false;
    this.evaluatedAt[c] = this.epoch;
    this.computedAt[c] = late ? this.lastChange(c) : this.block;
    return false;
  }

  /** Whether a pool of cycle c may pay more the way c swaps it than when c's keys were computed. */
  private keysStale(c: number): boolean {
    const { cycles } = this;
    const at = this.keyedAt[c]!;
    for (let h = 0; h < cycles.length[c]!; h++) {
      const slot = c * cycles.stride + h;
      if (this.raisedAt[2 * cycles.pools[slot]! + (cycles.zeroForOne[slot] === 1 ? 0 : 1)]! > at) return true;
    }
    return false;
  }

  /**
   * The best `limit` opportunities by exact net profit (valued in the gas token across bases),
   * best first. Cycles are ranked by an upper bound of their profit; walking that ranking and
   * refining to the exact integer optimum until the next bound cannot beat the `limit`-th exact
   * result gives exactly the top `limit`, while a block only pays for the closed forms.
   */
  top(limit: number): Opportunity[] {
    if (this.dirtyList.length > 0) throw new Error('pools changed since the last refresh: call refresh(block) before top()');
    const chosen: number[] = [];
    const value = new Map<number, number>();
    const better = (a: number, b: number): boolean => value.get(a)! > value.get(b)! || (value.get(a) === value.get(b) && a < b);
    this.priceGroups();
    const { paths } = this;
    const n = this.cycles.count;
    // Ranked cycles given a walk bound during this walk: re-keyed in the ranking once it ends (the walk reads the heaps).
    const rekey: number[] = [];
    // Path groups whose members this walk evaluated: kept at their best member's key once it ends (settlePathGroup).
    const reached: number[] = [];
    // Loose all-V2 cycles evaluated during this walk (deferred by refresh): re-ranked once it ends.
    const deferred: number[] = [];
    // Path groups re-bounded during this walk (deferred by refresh) and their keys: re-ranked once it ends.
    const rekeyedPaths: number[] = [];
    const rekeyedPathKeys: number[] = [];
    this.ranking.visit(this.groupOffset, this.groupScale, (c, score, push) => {
      const last = chosen[limit - 1];
      if (last !== undefined && score < value.get(last)!) return false;
      if (c >= n) {
        const g = c - n;
        if (this.pathDeferred[g] === 1) {
          // Deferred by refresh: re-bounded now (its kept key bounds it too, so the smaller of the
          // two), it re-joins the walk by that key, and the ranking takes it once the walk ends.
          const key = Math.min(this.pathKey(g), this.ranking.keyOf(c));
          rekeyedPaths.push(g);
          rekeyedPathKeys.push(key);
          if (key > 0) push(c, key);
          return true;
        }
        // A path group: its members join the walk by their own bounds (each at most the group's).
        const check = !this.settled.upToDate(g);
        // Settled again once the walk ends only if a member's key may have moved (settlePathGroup).
        if (check) this.keysMoved[g] = 1;
        // A member scoring below the k-th result so far is never visited (the walk stops at the
        // first item below it, and the k-th value only rises): not pushed. The score as `push`
        // takes it; ~2,000–3,000 pushes in the heaviest V3-heavy blocks, most never popped.
        const rankingGroup = paths.rankingGroup[g]!;
        const offset = this.groupOffset[rankingGroup]!;
        const scale = this.groupScale[rankingGroup]!;
        const floor = last === undefined ? -Infinity : value.get(last)!;
        for (let m = paths.start[g]!; m < paths.start[g + 1]!; m++) {
          const member = paths.members[m]!;
          if (check && this.stale(member)) this.catchUp(member, true);
          if (this.candidate[member] === 0) continue;
          const key = this.heldKey(member);
          if (!((key - offset) * scale < floor)) push(member, key);
        }
        reached.push(g);
        return true;
      }
      if (paths.of[c]! < 0 && this.cycles.allV2[c] === 1 && this.stale(c)) {
        // A loose all-V2 cycle whose evaluation a block deferred (catchUp): its key still bounds it;
        // evaluated now, it re-joins the walk by its fresh bound, re-keyed in the ranking once the walk ends.
        this.evaluate(c, true, false);
        deferred.push(c);
        if (this.candidate[c] === 1) push(c, this.bound[c]!);
        return true;
      }
      // A cycle among the last results is sized at once: the walk bounds would only delay its sizing.
      while (this.exact[c] === 0 && this.walked[c]! < WALKED_FINE && this.cycles.allV2[c] === 0 && this.inLastTop[c] === 0) {
        // Reached since its last evaluation: bound it by the walk before any exact quote, first
        // over coarse liquidity ranges (coarse-liquidity.ts), then over the real ones, and come
        // back to it only if the walk still reaches it by that key (the walk stays best first).
        const before = this.heldKey(c);
        if (paths.of[c]! >= 0) this.keysMoved[paths.of[c]!] = 1;
        this.walked[c]!++;
        const key = this.walkKey(c, this.walked[c] === WALKED_COARSE, before);
        this.walkBound[c] = key;
        if (key < before) {
          if (paths.of[c]! < 0) rekey.push(c);
          push(c, key);
          return true;
        }
      }
      if (this.exact[c] === 1 && this.lenderCaps.moved(c, this.amountIn)) this.exact[c] = 0;
      this.refine(c);
      if (this.flash.count[c]! > 1) this.choose(c);
      const net = this.netOf(c);
      if (net === undefined || net <= 0n) return true;
      value.set(c, Number(net) * this.toGasToken(this.cycles.base[c]!));
      let at = chosen.length;
      while (at > 0 && better(c, chosen[at - 1]!)) at--;
      chosen.splice(at, 0, c);
      if (chosen.length > limit) chosen.pop();
      return true;
    });
    for (const c of rekey) if (this.walked[c]! > 0 && this.ranking.has(c)) this.ranking.set(c, this.walkBound[c]!);
    for (const c of deferred) this.rank(c);
    for (let i = 0; i < rekeyedPaths.length; i++) {
      const item = n + rekeyedPaths[i]!;
      if (rekeyedPathKeys[i]! > 0) this.ranking.set(item, rekeyedPathKeys[i]!);
      else this.ranking.delete(item);
    }
    for (const g of reached) {
      if (this.keysMoved[g] === 0) continue;
      this.keysMoved[g] = 0;
      this.settlePathGroup(g);
    }
    for (const c of this.lastTop) this.inLastTop[c] = 0;
    for (const c of chosen) this.inLastTop[c] = 1;
    this.lastTop = chosen;
    return chosen.map((c) => this.opportunity(c));
  }

  /**
   * Keeps a path group the walk reached at its best member's key (bound or walk bound) when that
   * is below the group's own. Every member was evaluated at the current state when the walk
   * reached the group, and each member's key bounds its profit until one of its pools changes,
   * which re-bounds the group (`refresh` → `boundPath`); so the best member's key bounds the whole
   * group until then. Without this, the same groups (a loose group bound above the k-th result)
   * were reached and their members pushed again every block: on the V3-heavy universe ~180 groups
   * and ~12,000 members a block, whatever the block changed.
   */
  private settlePathGroup(g: number): void {
    const item = this.cycles.count + g;
    if (!this.ranking.has(item)) return;
    const best = this.settled.settle(g, this.epoch, (c) => (this.candidate[c] === 0 ? 0 : this.heldKey(c)));
    if (best <= 0) this.ranking.delete(item);
    else if (best < this.ranking.keyOf(item)) this.ranking.set(item, best);
  }

  /** The tightest key cycle c holds at its last evaluation: its walk bound once walked, else its bound. */
  private heldKey(c: number): number {
    return this.walked[c]! > 0 ? this.walkBound[c]! : this.bound[c]!;
  }

  /** Sizings of routes with V3 hops handed to the golden-section fallback (see sizing-piecewise.ts). */
  get sizingFallbacks(): number {
    return this.piecewise.fallbacks;
  }

  /**
   * Screen, bound and rank cycle `c` against the current state (`late`: evaluated after the block
   * that changed it, as a path-group member or a deferred all-V2 cycle; `rank`: false during
   * `top`'s walk, which reads the ranking's heaps, so the caller re-ranks it afterwards).
   */
  private evaluate(c: number, late = false, rank = true): void {
    const { pools, cycles } = this;
    this.evaluatedAt[c] = this.epoch;
    this.keyedAt[c] = this.epoch;
    this.walked[c] = 0;
    const hops = cycles.length[c]!;
    let sum = 0;
    for (let h = 0; h < hops; h++) {
      const slot = c * cycles.stride + h;
      sum += pools.logRate[2 * cycles.pools[slot]! + (cycles.zeroForOne[slot] === 1 ? 0 : 1)]!;
    }
    // The screen: the product of marginal rates net of fees must exceed 1, else no size profits.
    if (!(sum > 0)) return this.clear(c, rank);
    let bound: number;
    if (cycles.allV2[c] === 1) {
      this.exact[c] = 0;
      // An all-V2 cycle opens with a V2 hop: its one candidate is the flash swap (flash-source.ts).
      bound = floatProfitBound(pools, cycles, c, sum, this.flash.feePips[this.flash.slot(c, 0)]!, this.maxInFloat[cycles.base[c]!]!);
      if (bound < 0) {
        const limits = this.boundLimits(c);
        this.route.load(c);
        bound = toUpperFloat(profitUpperBound(composeV2(this.route), limits.flashFeePips, limits.maxIn));
      }
    } else {
      // Each V3 hop replaced by a constant-product pool paying at least as much (v3-bound.ts),
      // at the cheapest fee: no dearer one profits more, so it bounds every candidate.
      this.exact[c] = 0;
      const key = this.v3Bound!.profitKey(pools, cycles, c, sum, this.flash.feePips[this.flash.slot(c, 0)]!, this.maxInFloat[cycles.base[c]!]!);
      if (key !== undefined) bound = key;
      else {
        const limits = this.boundLimits(c);
        this.route.load(c);
        bound = toUpperFloat(this.v3Bound!.profitBound(this.route, sum, limits.flashFeePips, limits.maxIn));
      }
    }
    if (bound <= 0) return this.clear(c, rank);
    // The set follows the flag (`clear` takes both out): a Set insertion per re-evaluation
    // showed in the V3-heavy universe's heaviest blocks (~1,500 member re-evaluations).
    if (this.candidate[c] === 0) {
      this.candidate[c] = 1;
      this.candidates.add(c);
    }
    this.bound[c] = bound;
    this.computedAt[c] = late ? this.lastChange(c) : this.block;
    if (rank) this.rank(c);
  }

  /** Puts a loose cycle in the ranking at its bound, or out of it when it is no candidate (a path-group member is ranked through its group). */
  private rank(c: number): void {
    if (this.paths.of[c]! >= 0) return;
    if (this.candidate[c] === 1) this.ranking.set(c, this.bound[c]!);
    else this.ranking.delete(c);
  }

  /**
   * Ranking key of a cycle with V3 hops from the walk (`PiecewiseSizer.profitBound` at its
   * cheapest flash fee, which bounds every candidate), over coarse liquidity ranges or the real
   * ones, as a float never below it and at most its key `before`; that key when the walk gives up.
   */
  private walkKey(c: number, coarse: boolean, before: number): number {
    this.route.load(c);
    // The cheapest fee and the cap as the walk takes them (`boundLimits` as floats, without its allocation).
    const flashFeePips = this.flash.feePips[this.flash.slot(c, 0)]!;
    const maxIn = this.maxInFloat[this.cycles.base[c]!]!;
    let bound: number | undefined;
    if (coarse) {
      this.coarse!.load(this.route);
      bound = this.coarseWalk.profitBoundAt(this.route, flashFeePips, maxIn);
    } else bound = this.piecewise.profitBoundAt(this.route, flashFeePips, maxIn);
    return bound === undefined ? before : Math.min(before, bound * (1 + 1e-12) + 1);
  }

  /** Block of the latest change among cycle c's pools (a member evaluated late is computed at the state of that block). */
  private lastChange(c: number): bigint | null {
    const { cycles } = this;
    let at = -1;
    let block: bigint | null = this.block;
    for (let h = 0; h < cycles.length[c]!; h++) {
      const p = cycles.pools[c * cycles.stride + h]!;
      if (this.changedAt[p]! > at) [at, block] = [this.changedAt[p]!, this.changedBlock[p]!];
    }
    return at > 0 ? block : this.block;
  }

  /**
   * Sizes a ranked cycle to its exact integer optimum for every flash source candidate (cached
   * until one of its pools changes), only for the cycles `top` walks to. An all-V2 cycle has one
   * candidate, the flash swap, sized by the closed form. A cycle with V3 hops is sized piecewise
   * across tick ranges at each candidate's fee, cheapest first: once one cannot profit, no
   * dearer one can.
   */
  private refine(c: number): void {
    if (this.exact[c] === 1) return;
    this.exact[c] = 1;
    this.legs[c] = undefined;
    this.route.load(c);
    if (this.cycles.allV2[c] === 1) {
      const result = sizeV2Route(this.route, this.limits(c, 0));
      this.store(this.flash.slot(c, 0), result?.amountIn ?? 0n, result?.profit ?? 0n);
      return;
    }
    for (let i = 0; i < this.flash.count[c]!; i++) {
      const profitable = i === 0 || this.profit[this.flash.slot(c, i - 1)]! > 0n;
      const result = profitable ? this.piecewise.size(this.route, this.limits(c, i)) : undefined;
      this.store(this.flash.slot(c, i), result?.amountIn ?? 0n, result?.profit ?? 0n, result?.amounts);
    }
  }

  private store(slot: number, amountIn: bigint, profit: bigint, amounts?: bigint[]): void {
    this.amountIn[slot] = amountIn;
    this.profit[slot] = profit;
    this.sizedAmounts[slot] = amounts;
    this.crossingGas.forget(slot);
  }

  /** The gas pricer's conversion to gas-token value, cached until a pool changes. */
  private toGasToken(base: number): number {
    if (this.conversionVersion[base] !== this.stateVersion) {
      this.conversion[base] = this.gas.toGasToken(base);
      this.conversionVersion[base] = this.stateVersion;
    }
    return this.conversion[base]!;
  }

  /** Sizing limits of cycle `c` borrowing from its flash source candidate `i`, capped at a V3 lender's capacity (lender-caps.ts). */
  private limits(c: number, i: number): SizingLimits {
    return this.lenderCaps.cap(c, this.flash.slot(c, i), this.boundLimits(c, i));
  }

  /** Sizing limits of candidate `i` without its lender's capacity: what the bounds take (a bound at candidate 0's fee bounds every candidate only uncapped). */
  private boundLimits(c: number, i = 0): SizingLimits {
    return { flashFeePips: BigInt(this.flash.feePips[this.flash.slot(c, i)]!), maxIn: this.maxIn.get(this.cycles.base[c]!) ?? DEFAULT_MAX_IN };
  }

  /** Gas units of cycle `c` through the source at `slot`: the table's figure plus the ticks its V3 hops cross at the sized amounts. */
  private gasUnitsOf(c: number, slot: number): bigint {
    return this.flash.gasUnits[slot]! + this.tickCrossingGas(c, slot);
  }

  /** TICK_CROSS_GAS per initialized tick the V3 hops cross at the amounts sized for `slot`, once per sizing (crossing-gas.ts). */
  private tickCrossingGas(c: number, slot: number): bigint {
    return this.crossingGas.of(c, slot, this.amountsSized);
  }

  /** The per-hop amounts sized for `slot` of cycle `c`: the piecewise sizing's own, or derived from its input. */
  private readonly amountsSized = (c: number, slot: number): readonly bigint[] => {
    const amounts = this.sizedAmounts[slot];
    if (amounts !== undefined) return amounts;
    this.route.load(c);
    return this.route.amounts(this.amountIn[slot]!);
  };

  /** Slot of the flash source cycle `c` borrows from (its sizing, fee and gas). */
  private chosenSlot(c: number): number {
    return this.flash.slot(c, this.chosen[c]!);
  }

  /** Gas cost in the base token now of cycle `c` through the source at `slot`; undefined when no pool can price it. */
  private gasCost(c: number, slot = this.chosenSlot(c)): bigint | undefined {
    // At no gas price the crossings cost nothing: not counted (the walk calls this per cycle sized).
    return this.gas.inBase(this.cycles.base[c]!, this.gasPrice === 0n ? 0n : this.gasUnitsOf(c, slot) * this.gasPrice);
  }

  /** Exact net profit of a refined cycle; undefined when gas cannot be priced. */
  private netOf(c: number): bigint | undefined {
    const slot = this.chosenSlot(c);
    if (this.profit[slot]! <= 0n) return undefined;
    if (this.gasPrice > 0n) {
      // Short of the gas table's figure already: its crossings, which only cost more, need no count.
      const table = this.gas.inBase(this.cycles.base[c]!, this.flash.gasUnits[slot]! * this.gasPrice);
      if (table === undefined) return undefined;
      if (this.profit[slot]! <= table) return this.profit[slot]! - table;
    }
    const gas = this.gasCost(c, slot);
    return gas === undefined ? undefined : this.profit[slot]! - gas;
  }

  /**
   * Picks the flash source of a refined cycle with several candidates: the most profit net of
   * its fee (exact, at the amount sized for that fee) and of its gas at the current gas price
   * in the base token; on equal totals, the one using less gas. Run by `top` on every walk, so
   * the choice always matches the state and gas price the net profit is quoted at.
   */
  private choose(c: number): void {
    const { flash } = this;
    let best = -1;
    let bestNet = 0n;
    for (let i = 0; i < flash.count[c]!; i++) {
      const slot = flash.slot(c, i);
      if (this.profit[slot]! <= 0n) break;
      // Gas that cannot be priced right now leaves the fee alone to decide (the cycle is not ranked).
      const net = this.profit[slot]! - (this.gasPrice === 0n ? 0n : (this.gasCost(c, slot) ?? 0n));
      // Later candidates charge more fee for less gas: on equal totals, the later one wins.
      if (best < 0 || net >= bestNet) [best, bestNet] = [i, net];
    }
    const pick = best < 0 ? 0 : best;
    if (pick !== this.chosen[c]) {
      this.chosen[c] = pick;
      this.legs[c] = undefined;
    }
  }

  /**
   * Each ranking group's gas cost in its base (that of the least-gas candidate: no candidate
   * nets more, whichever is chosen) and its base's value in the gas token, now: a cycle's score
   * is (bound − gas) × value, positive only when the bound beats gas. Gas that cannot be priced
   * right now (every pricing pool dry) leaves the group out (NaN).
   */
  private priceGroups(): void {
    const { groups } = this;
    for (let g = 0; g < groups.base.length; g++) {
      const base = groups.base[g]!;
      const gas = this.gasPrice === 0n ? 0n : this.gas.inBase(base, groups.gasUnits[g]! * this.gasPrice);
      this.groupOffset[g] = gas === undefined ? Number.NaN : Number(gas);
      this.groupScale[g] = this.toGasToken(base);
    }
  }

  private clear(c: number, rank = true): void {
    this.exact[c] = 0;
    this.walked[c] = 0;
    if (this.candidate[c] === 0) return;
    this.candidate[c] = 0;
    this.candidates.delete(c);
    if (rank) this.rank(c);
  }

  /**
   * Builds the full opportunity of a sized cycle. The per-hop amounts are recomputed exactly
   * once per sizing and kept until a pool of the cycle changes (a block re-ranks the same
   * leaders again and again); gas and net profit are taken fresh, as gas prices move apart.
   */
  private opportunity(c: number): Opportunity {
    const legs = this.legs[c] ?? (this.legs[c] = this.buildLegs(c));
    const { amounts } = legs;
    const amountIn = amounts[0]!;
    const amountOut = amounts[amounts.length - 1]!;
    const profit = amountOut - amountIn;
    const slot = this.chosenSlot(c);
    return {
      cycle: c,
      block: this.computedAt[c] ?? null,
      pools: [...legs.pools],
      protocols: [...legs.protocols],
      fees: [...legs.fees],
      tokens: [...legs.tokens],
      amounts: [...amounts],
      amountIn,
      amountOut,
      profit,
      flashSource: this.flash.of(c, this.chosen[c]!),
      flashFee: profit - this.profit[slot]!,
      gasUnits: this.gasUnitsOf(c, slot),
      gasCost: this.gasCost(c, slot)!,
      netProfit: this.netOf(c)!,
    };
  }

  private buildLegs(c: number): { pools: HexAddress[]; protocols: PoolProtocol[]; fees: number[]; tokens: HexAddress[]; amounts: bigint[] } {
    const { cycles, pools, tokens } = this;
    const sized = this.chosenSlot(c);
    let amounts = this.sizedAmounts[sized];
    if (amounts === undefined) {
      this.route.load(c);
      amounts = this.route.amounts(this.amountIn[sized]!);
    }
    const poolList: HexAddress[] = [];
    const protocols: PoolProtocol[] = [];
    const fees: number[] = [];
    const tokenList: HexAddress[] = [tokens.tokens[cycles.base[c]!]!.address];
    for (let h = 0; h < cycles.length[c]!; h++) {
      const slot = c * cycles.stride + h;
      const p = cycles.pools[slot]!;
      poolList.push(pools.address[p]!);
      protocols.push(pools.kind[p] === KIND_V3 ? 'uniswap-v3' : 'uniswap-v2');
      fees.push(pools.fee[p]!);
      tokenList.push(tokens.tokens[cycles.zeroForOne[slot] === 1 ? pools.token1[p]! : pools.token0[p]!]!.address);
    }
    return { pools: poolList, protocols, fees, tokens: tokenList, amounts };
  }
}
