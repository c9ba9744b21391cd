/**
 * Cycles ranked by score, best first (then by cycle number, so the order is total and a rescan
 * gives the same list), without ever touching the cycles a block did not change.
 *
 * Each cycle belongs for life to one **group** (in the scanner: its base token and the gas of its
 * least-gas flash source) and is stored by its **key** (its profit bound), in an indexed binary
 * max-heap per group. Its score is `(key − offset[g]) × scale[g]`, with the group's offset (the
 * gas cost in the base token) and scale (the base token's value in the gas token) given at walk
 * time. A gas price or a pricing pool moving changes every score of a group at once but not their
 * order within it (the map is monotone in the key), so nothing is re-ranked: the walk merges the
 * groups' heaps by the current scores. A block moves a few hundred keys at most, each in
 * O(log n) swaps; the best-first walk (`visit`) reads the heaps in order without changing them,
 * in O(k log k) for k cycles visited.
 */
export class Ranking {
  /** All groups' heaps, each in its own segment [start[g], start[g] + count[g]). */
  private readonly heap: Int32Array;
  /** Position of a ranked cycle in its group's segment, or -1. */
  private readonly pos: Int32Array;
  private readonly key: Float64Array;
  private readonly start: Int32Array;
  private readonly count: Int32Array;
  private ranked = 0;
  /**
   * The walk's frontier of (group, slot) entries, a binary max-heap on score in parallel typed
   * arrays kept between walks: a walk on the V3-heavy universe pushes thousands of entries, and
   * fresh arrays (with tuple swaps) each `top` were ~20 % of what a block allocated.
   */
  private frontierGroup = new Int32Array(64);
  private frontierSlot = new Int32Array(64);
  private frontierScore = new Float64Array(64);
  private frontierSize = 0;

  /** `groupOf[c]`: the group of cycle c, fixed for the ranking's life (0 .. groupCount − 1). */
  constructor(private readonly groupOf: Int32Array, groupCount: number) {
    const n = groupOf.length;
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
    this.key = new Float64Array(n);
    this.start = new Int32Array(groupCount + 1);
    this.count = new Int32Array(groupCount);
    for (let c = 0; c < n; c++) this.start[groupOf[c]! + 1]!++;
    for (let g = 0; g < groupCount; g++) this.start[g + 1]! += this.start[g]!;
  }

  /** Number of groups. */
  get groups(): number {
    return this.count.length;
  }

  /** Number of ranked cycles (keys stored, whatever their score). */
  get size(): number {
    return this.ranked;
  }

  /** Whether cycle `c` is ranked. */
  has(c: number): boolean {
    return this.pos[c]! >= 0;
  }

  /** Key of a ranked cycle. */
  keyOf(c: number): number {
    return this.key[c]!;
  }

  /** Inserts cycle `c` with `key`, or moves it if already ranked. */
  set(c: number, key: number): void {
    const g = this.groupOf[c]!;
    const at = this.pos[c]!;
    if (at < 0) {
      this.key[c] = key;
      const slot = this.count[g]!++;
      this.heap[this.start[g]! + slot] = c;
      this.pos[c] = slot;
      this.ranked++;
      this.up(g, slot);
      return;
    }
    const old = this.key[c]!;
    if (old === key) return;
    this.key[c] = key;
    if (key > old) this.up(g, at);
    else this.down(g, at);
  }

  /** Removes cycle `c` if ranked. */
  delete(c: number): void {
    const at = this.pos[c]!;
    if (at < 0) return;
    const g = this.groupOf[c]!;
    this.pos[c] = -1;
    this.ranked--;
    const lastSlot = --this.count[g]!;
    if (at === lastSlot) return;
    const last = this.heap[this.start[g]! + lastSlot]!;
    this.heap[this.start[g]! + at] = last;
    this.pos[last] = at;
    this.up(g, at);
    this.down(g, this.pos[last]!);
  }

  /** Ranked cycles of group `g` whose key exceeds `above` (a full pass over the group: for status, not per block). */
  countAbove(g: number, above: number): number {
    let n = 0;
    for (let i = 0; i < this.count[g]!; i++) if (this.key[this.heap[this.start[g]! + i]!]! > above) n++;
    return n;
  }

  /**
   * Visits the cycles whose key exceeds their group's offset, by score `(key − offset[g]) × scale[g]`, best first
   * (equal scores in any order), until `visit` returns false or all are seen. A group whose
   * offset is NaN (its gas cannot be priced now) is left out. `visit` may `push` further items
   * with their keys (the members of a path group it reached, each keyed at most the group's):
   * they are visited in the same order, so the walk stays best first.
   */
  visit(offset: Float64Array, scale: Float64Array, visit: (c: number, score: number, push: (c: number, key: number) => void) => boolean): void {
    this.frontierSize = 0;
    // An item outside the heaps joins the walk (a path group's member): group −1 − g, its cycle in the slot.
    const pushLoose = (c: number, key: number): void => {
      const g = this.groupOf[c]!;
      const net = key - offset[g]!;
      if (net > 0) this.pushFrontier(-1 - g, c, net * scale[g]!);
    };
    for (let g = 0; g < this.count.length; g++) if (this.count[g]! > 0 && !Number.isNaN(offset[g])) this.pushSlot(g, 0, offset, scale);
    while (this.frontierSize > 0) {
      const g = this.frontierGroup[0]!;
      const slot = this.frontierSlot[0]!;
      const score = this.frontierScore[0]!;
      this.popFrontier();
      if (g < 0) {
        if (!visit(slot, score, pushLoose)) return;
        continue;
      }
      if (!visit(this.heap[this.start[g]! + slot]!, score, pushLoose)) return;
      const child = 2 * slot + 1;
      if (child < this.count[g]!) this.pushSlot(g, child, offset, scale);
      if (child + 1 < this.count[g]!) this.pushSlot(g, child + 1, offset, scale);
    }
  }

  /** Puts the cycle at `slot` of group g's heap on the walk's frontier, if its key beats the group's offset. */
  private pushSlot(g: number, slot: number, offset: Float64Array, scale: Float64Array): void {
    const net = this.key[this.heap[this.start[g]! + slot]!]! - offset[g]!;
    if (net > 0) this.pushFrontier(g, slot, net * scale[g]!);
  }

  private pushFrontier(g: number, slot: number, score: number): void {
    if (this.frontierSize === this.frontierScore.length) this.growFrontier();
    let i = this.frontierSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!(score > this.frontierScore[parent]!)) break;
      this.moveEntry(parent, i);
      i = parent;
    }
    this.putEntry(i, g, slot, score);
  }

  /** Removes the frontier's best entry. */
  private popFrontier(): void {
    const { frontierScore } = this;
    const n = --this.frontierSize;
    if (n === 0) return;
    const g = this.frontierGroup[n]!;
    const slot = this.frontierSlot[n]!;
    const score = frontierScore[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const best = l + 1 < n && frontierScore[l + 1]! > frontierScore[l]! ? l + 1 : l;
      if (!(frontierScore[best]! > score)) break;
      this.moveEntry(best, i);
      i = best;
    }
    this.putEntry(i, g, slot, score);
  }

  private moveEntry(from: number, to: number): void {
    this.frontierGroup[to] = this.frontierGroup[from]!;
    this.frontierSlot[to] = this.frontierSlot[from]!;
    this.frontierScore[to] = this.frontierScore[from]!;
  }

  private putEntry(i: number, g: number, slot: number, score: number): void {
    this.frontierGroup[i] = g;
    this.frontierSlot[i] = slot;
    this.frontierScore[i] = score;
  }

  private growFrontier(): void {
    const size = 2 * this.frontierScore.length;
    const group = new Int32Array(size);
    const slot = new Int32Array(size);
    const score = new Float64Array(size);
    group.set(this.frontierGroup);
    slot.set(this.frontierSlot);
    score.set(this.frontierScore);
    this.frontierGroup = group;
    this.frontierSlot = slot;
    this.frontierScore = score;
  }

  private above(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka > kb || (ka === kb && a < b);
  }

  private up(g: number, i: number): void {
    const { heap, pos } = this;
    const base = this.start[g]!;
    const c = heap[base + i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[base + parent]!;
      if (!this.above(c, p)) break;
      heap[base + i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[base + i] = c;
    pos[c] = i;
  }

  private down(g: number, i: number): void {
    const { heap, pos } = this;
    const base = this.start[g]!;
    const n = this.count[g]!;
    const c = heap[base + i]!;
    for (;;) {
      let best = i;
      let bestCycle = c;
      const l = 2 * i + 1;
      if (l < n && this.above(heap[base + l]!, bestCycle)) {
        best = l;
        bestCycle = heap[base + l]!;
      }
      if (l + 1 < n && this.above(heap[base + l + 1]!, bestCycle)) {
        best = l + 1;
        bestCycle = heap[base + l + 1]!;
      }
      if (best === i) break;
      heap[base + i] = bestCycle;
      pos[bestCycle] = i;
      i = best;
    }
    heap[base + i] = c;
    pos[c] = i;
  }
}
