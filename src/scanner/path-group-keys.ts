import { DominatingPools } from './float-bound.ts';
import { bestLogRate, boundReserves, dominatingHop, foldPool, type DominatingHop } from './path-bound.ts';
import type { PathGroups } from './path-groups.ts';
import type { PoolTable } from './pool-table.ts';
import { tickWindow, type V3LiquidityBound } from './v3-bound.ts';

/**
 * `pathGroupKey` kept per hop between blocks: the same key, bit for bit, but a hop's pools are
 * read again only when one of them moved or the group's tick window left the span over which its
 * V3 bound pools keep their liquidity. A block re-keys every group through a changed pool, and
 * each changed pool sits on one hop of it (two for a two-hop group); re-reading every pool of
 * every hop (each V3 one through its reach) was ~30 % of a block on the V3-heavy universe.
 *
 * Why it is the same key. A hop's best log rate and dominating pool are functions of its pools'
 * states (reserves, V3 price, liquidity, tick map) and, for V3 pools, of the tick window; a pool's
 * state changes only through the scanner's refresh, which stamps the pool with its epoch
 * (`changedAt`), so a hop computed at epoch e is current while no pool of it has a stamp above e.
 * The window enters only through the number of initialized ticks within it (`crossings`), which
 * is constant on [lo, hi) (`V3LiquidityBound.floatReserves`). The hops are then composed in the
 * same order with the same float operations as `pathGroupKey`.
 *
 * A hop read again reads again only its pools that moved or whose own span the window left: each
 * pool of each group's hop (a slot of `PathGroups.pools`) keeps its bound reserves and span, by
 * the same argument per pool, and the hop is `dominatingHop`'s pass over those values in the same
 * order (a hop is read again because one of its 3–7 pools moved; reading the others' reaches again
 * was most of a median V3-heavy block's `refresh`).
 */
export class PathGroupKeys {
  /** Per group and hop (g * stride + h): the epoch its best log rate was read at (-1: never, or unusable). */
  private readonly rateAt: Int32Array;
  private readonly logRate: Float64Array;
  /** Per group and hop: the epoch its dominating pool was read at (-1 as above) and that pool with its window span. */
  private readonly hopAt: Int32Array;
  private readonly most: Float64Array;
  private readonly rate: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  /** Per slot (a group's hop's pool): the epoch its bound reserves were read at (-1: never), them (input, output) and their window span. */
  private readonly slotAt: Int32Array;
  private readonly slotIn: Float64Array;
  private readonly slotOut: Float64Array;
  private readonly slotLo: Float64Array;
  private readonly slotHi: Float64Array;
  private readonly reserves = new Float64Array(4);
  private readonly composition = new DominatingPools();
  private readonly hop: DominatingHop = { most: 0, rate: 0, lo: 0, hi: 0 };

  constructor(
    private readonly groups: PathGroups,
    private readonly stride: number,
    private readonly pools: PoolTable,
    private readonly v3Bound: V3LiquidityBound | undefined,
    /** Per pool: the refresh epoch of its last change (the scanner's). */
    private readonly changedAt: Int32Array,
  ) {
    const n = groups.count * stride;
    this.rateAt = new Int32Array(n).fill(-1);
    this.logRate = new Float64Array(n);
    this.hopAt = new Int32Array(n).fill(-1);
    this.most = new Float64Array(n);
    this.rate = new Float64Array(n);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    const slots = groups.pools.length;
    this.slotAt = new Int32Array(slots).fill(-1);
    this.slotIn = new Float64Array(slots);
    this.slotOut = new Float64Array(slots);
    this.slotLo = new Float64Array(slots);
    this.slotHi = new Float64Array(slots);
  }

  /** `pathGroupKey(groups, g, …, flashFeePips, maxIn)` at refresh epoch `epoch` (every pool change stamped at or before it). */
  key(g: number, flashFeePips: number, maxIn: number, epoch: number): number | undefined {
    const { groups, stride } = this;
    const hops = groups.hops[g]!;
    let logSum = 0;
    for (let h = 0; h < hops; h++) {
      const gh = g * stride + h;
      if (this.moved(gh, this.rateAt[gh]!)) {
        this.logRate[gh] = bestLogRate(groups, g, stride, h, this.pools);
        this.rateAt[gh] = epoch;
      }
      logSum += this.logRate[gh]!;
    }
    if (!(logSum > 0)) return 0;
    const window = tickWindow(logSum);
    const route = this.composition.reset();
    for (let h = 0; h < hops; h++) {
      const gh = g * stride + h;
      if (this.moved(gh, this.hopAt[gh]!) || !(window >= this.lo[gh]! && window < this.hi[gh]!)) {
        const { hop } = this;
        if (!this.dominatingHop(gh, window, epoch, hop)) {
          this.hopAt[gh] = -1;
          return undefined;
        }
        this.hopAt[gh] = epoch;
        this.most[gh] = hop.most;
        this.rate[gh] = hop.rate;
        this.lo[gh] = hop.lo;
        this.hi[gh] = hop.hi;
      }
      if (this.most[gh] === 0) return 0;
      route.add(this.most[gh]!, this.rate[gh]!);
    }
    return route.key(flashFeePips, maxIn);
  }

  /**
   * Right after `key(g, …)` gave a positive key: the key of the members whose hop `hop` is served
   * by one of its slots flagged in `only` (settled-groups.ts): the same composition with that
   * hop's dominating pool taken over those pools alone, at the group's tick window (at least each
   * of those members' own, so their bound pools are still at least theirs).
   */
  keyThrough(g: number, hop: number, only: Uint8Array, flashFeePips: number, maxIn: number): number | undefined {
    const { groups, stride } = this;
    const hops = groups.hops[g]!;
    let logSum = 0;
    for (let h = 0; h < hops; h++) logSum += this.logRate[g * stride + h]!;
    const window = tickWindow(logSum);
    const route = this.composition.reset();
    for (let h = 0; h < hops; h++) {
      const gh = g * stride + h;
      let most = this.most[gh]!;
      let rate = this.rate[gh]!;
      if (h === hop) {
        if (!dominatingHop(groups, g, stride, h, this.pools, this.v3Bound, window, this.hop, only)) return undefined;
        most = this.hop.most;
        rate = this.hop.rate;
      }
      if (most === 0) return 0;
      route.add(most, rate);
    }
    return route.key(flashFeePips, maxIn);
  }

  /**
   * `dominatingHop` of hop `gh` at `window`, each pool's bound reserves read again only when it
   * moved or the window left its span (at refresh epoch `epoch`): the same values, so the same
   * passes and comparisons in the same order give the same hop.
   */
  private dominatingHop(gh: number, window: number, epoch: number, out: DominatingHop): boolean {
    const { groups, pools, changedAt, reserves, slotAt, slotIn, slotOut, slotLo, slotHi } = this;
    out.most = 0;
    out.rate = 0;
    out.lo = -Infinity;
    out.hi = Infinity;
    for (let i = groups.poolStart[gh]!; i < groups.poolStart[gh + 1]!; i++) {
      const p = groups.pools[i]!;
      if (slotAt[i]! < 0 || changedAt[p]! > slotAt[i]! || !(window >= slotLo[i]! && window < slotHi[i]!)) {
        // A V2 pool's span is every window: read again only when it moved.
        boundReserves(pools, this.v3Bound, p, groups.zeroForOne[i] === 1, window, reserves);
        slotAt[i] = epoch;
        slotIn[i] = reserves[0]!;
        slotOut[i] = reserves[1]!;
        slotLo[i] = reserves[2]!;
        slotHi[i] = reserves[3]!;
      }
      if (slotLo[i]! > out.lo) out.lo = slotLo[i]!;
      if (slotHi[i]! < out.hi) out.hi = slotHi[i]!;
      if (!foldPool(out, slotIn[i]!, slotOut[i]!, pools.fee[p]!)) return false;
    }
    return true;
  }

  /** Whether hop `gh` must be read again: never read (at < 0), or one of its pools changed after epoch `at`. */
  private moved(gh: number, at: number): boolean {
    if (at < 0) return true;
    const { groups, changedAt } = this;
    for (let i = groups.poolStart[gh]!; i < groups.poolStart[gh + 1]!; i++) if (changedAt[groups.pools[i]!]! > at) return true;
    return false;
  }
}
