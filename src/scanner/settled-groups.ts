import type { PathGroups } from './path-groups.ts';

/**
 * What a path group's members were worth when `top`'s walk last reached the group (then every
 * member was evaluated at the current state): per group, hop and pool (a slot of
 * `PathGroups.pools`), the largest key of a member served by that pool at that hop. When pools
 * of the group then move, at one hop or more, its members split:
 *
 * - those served at a hop h by a pool that moved: bounded by the group key over hop h's moved
 *   pools alone (`pathGroupKey` with `through`: the same dominating-pool argument over fewer
 *   pools at one hop, every pool of the other hops as it stands); a member through moved pools
 *   at two hops is in both such smaller groups, either bounds it;
 * - the others, none of whose pools moved: their keys still bound their profits, and each such
 *   member passes an unmoved slot at every hop, so at every hop the largest kept for its unmoved
 *   slots bounds them: the least of those over the hops.
 *
 * The largest of these bounds the group, and is far tighter than the group key when the moved
 * pools are not the group's best venues (before, a moved pool under many groups near the top sent
 * each of them back into `top`'s walk, with every stale member re-evaluated: the V3-heavy
 * universe's worst blocks). Until the ninth session moves at two hops or more fell back to the
 * group key; with all moves at one hop the bound is what it was (the other hops' slots are all
 * unmoved, and their largest is the group's best kept key).
 */
export class SettledGroups {
  /** Per group: the refresh epoch its members were last all evaluated at (-1: never). */
  private readonly settledAt: Int32Array;
  /** Per slot: the largest key of a candidate member through it at that epoch (0: none). */
  private readonly most: Float64Array;
  /** Scratch: the slots whose pool moved since the group was settled. */
  private readonly moved: Uint8Array;
  /**
   * Per member position m (of `PathGroups.members`) and hop h: the slot serving it there, so a
   * settling reads each member's slots directly (searching each hop's pools for them was ~1/7 of the
   * V3-heavy universe's heaviest blocks, which settle ~40 reached groups).
   */
  private readonly slotOf: Int32Array;

  constructor(
    private readonly groups: PathGroups,
    private readonly stride: number,
    private readonly cyclePools: Int32Array,
    /** Per pool: the refresh epoch of its last change (the scanner's). */
    private readonly changedAt: Int32Array,
    /**
     * Per pool and direction (2·p swapping token0 → token1, 2·p + 1 the other way): the refresh
     * epoch of its last change that may have raised what it pays that way (the scanner's,
     * raised-directions.ts). A pool that moved only the way the group swaps it pays at most what
     * it did, so its members' kept keys still bound them: it may count as unmoved. That is used
     * in groups with a V3 pool (`byDirection`); an all-V2 group's members are re-evaluated whenever
     * a pool of theirs changes (their bound is cheap and tight), so there every change counts, as
     * the fresher keys are the tighter ones. Either way the key bounds every member.
     */
    private readonly raisedAt: Int32Array,
    /** Per group: 1 when some pool of it is V3 (moves are then read per direction). */
    private readonly byDirection: Uint8Array,
  ) {
    this.settledAt = new Int32Array(groups.count).fill(-1);
    this.most = new Float64Array(groups.pools.length);
    this.moved = new Uint8Array(groups.pools.length);
    this.slotOf = new Int32Array(groups.members.length * stride);
    for (let g = 0; g < groups.count; g++) {
      for (let h = 0; h < groups.hops[g]!; h++) {
        for (let m = groups.start[g]!; m < groups.start[g + 1]!; m++) {
          const pool = cyclePools[groups.members[m]! * stride + h]!;
          let i = groups.poolStart[g * stride + h]!;
          while (groups.pools[i] !== pool) i++;
          this.slotOf[m * stride + h] = i;
        }
      }
    }
  }

  /**
   * Records group g's members' keys (`keyOf`: 0 for a member that cannot profit) at refresh epoch
   * `epoch`; returns the largest of them (0: no member can profit).
   */
  settle(g: number, epoch: number, keyOf: (c: number) => number): number {
    const { groups, stride, most } = this;
    const hops = groups.hops[g]!;
    most.fill(0, groups.poolStart[g * stride]!, groups.poolStart[g * stride + hops]!);
    let best = 0;
    for (let m = groups.start[g]!; m < groups.start[g + 1]!; m++) {
      const c = groups.members[m]!;
      const key = keyOf(c);
      if (!(key > 0)) continue;
      if (key > best) best = key;
      for (let h = 0; h < hops; h++) {
        const i = this.slotOf[m * stride + h]!;
        if (key > most[i]!) most[i] = key;
      }
    }
    this.settledAt[g] = epoch;
    return best;
  }

  /**
   * Whether every member of group g is still as its last settling left it: evaluated at the
   * current state (none of the group's pools changed since). `top` then skips the per-member
   * staleness test (a loop over each member's pools, ~7,000 a block on the V3-heavy universe's
   * worst blocks, most of them in groups reached again with nothing changed).
   */
  upToDate(g: number): boolean {
    const at = this.settledAt[g]!;
    if (at < 0) return false;
    const { groups, stride, changedAt } = this;
    for (let i = groups.poolStart[g * stride]!; i < groups.poolStart[g * stride + groups.hops[g]!]!; i++) if (changedAt[groups.pools[i]!]! > at) return false;
    return true;
  }

  /**
   * Group g's key from its settled members (above): `throughMoved(hop, only)` gives the group key
   * over the hop's moved slots (`only` flags them). When nothing moved (in a group with a V3 pool:
   * every move since was one the group's way cannot be raised by), every member's kept key still
   * bounds it: the largest of them, as the walk left it. Undefined when the group was never
   * settled or `throughMoved` gives no key.
   */
  settled(g: number, throughMoved: (hop: number, only: Uint8Array) => number | undefined): number | undefined {
    const at = this.settledAt[g]!;
    if (at < 0) return undefined;
    const { groups, stride, moved, changedAt, raisedAt } = this;
    const byDirection = this.byDirection[g] === 1;
    const hops = groups.hops[g]!;
    let movedHops = 0;
    for (let h = 0; h < hops; h++) {
      for (let i = groups.poolStart[g * stride + h]!; i < groups.poolStart[g * stride + h + 1]!; i++) {
        const pool = groups.pools[i]!;
        moved[i] = (byDirection ? raisedAt[2 * pool + (groups.zeroForOne[i] === 1 ? 0 : 1)]! : changedAt[pool]!) > at ? 1 : 0;
        if (moved[i] === 1) movedHops |= 1 << h;
      }
    }
    let fresh = Infinity;
    for (let h = 0; h < hops; h++) {
      let most = 0;
      for (let i = groups.poolStart[g * stride + h]!; i < groups.poolStart[g * stride + h + 1]!; i++) if (moved[i] === 0 && this.most[i]! > most) most = this.most[i]!;
      if (most < fresh) fresh = most;
    }
    let key = fresh;
    for (let h = 0; h < hops; h++) {
      if ((movedHops & (1 << h)) === 0) continue;
      const stale = throughMoved(h, moved);
      if (stale === undefined) return undefined;
      if (stale > key) key = stale;
    }
    return key;
  }
}
