/**
 * Cycles ranked by score (highest first, then by cycle number so the order is total and a
 * rescan gives the same list): an indexed binary max-heap. A block moves a few hundred scores
 * at most; each move is O(log n) swaps, where a sorted array would shift half of itself. The
 * best-first walk (`visit`) reads the heap in order without changing it, in O(k log k) for k
 * cycles visited.
 */
export class Ranking {
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;
  private readonly score: Float64Array;
  private count = 0;

  constructor(cycleCount: number) {
    this.heap = new Int32Array(cycleCount);
    this.pos = new Int32Array(cycleCount).fill(-1);
    this.score = new Float64Array(cycleCount);
  }

  /** Number of ranked cycles. */
  get size(): number {
    return this.count;
  }

  /** Whether cycle `c` is ranked. */
  has(c: number): boolean {
    return this.pos[c]! >= 0;
  }

  /** Score of a ranked cycle. */
  scoreOf(c: number): number {
    return this.score[c]!;
  }

  /** Inserts cycle `c` with `score`, or moves it if already ranked. */
  set(c: number, score: number): void {
    const at = this.pos[c]!;
    if (at < 0) {
      this.score[c] = score;
      this.heap[this.count] = c;
      this.pos[c] = this.count;
      this.up(this.count++);
      return;
    }
    const old = this.score[c]!;
    if (old === score) return;
    this.score[c] = score;
    if (score > old) this.up(at);
    else this.down(at);
  }

  /** Removes cycle `c` if ranked. */
  delete(c: number): void {
    const at = this.pos[c]!;
    if (at < 0) return;
    this.pos[c] = -1;
    const last = this.heap[--this.count]!;
    if (at === this.count) return;
    this.heap[at] = last;
    this.pos[last] = at;
    this.up(at);
    this.down(this.pos[last]!);
  }

  /** Visits ranked cycles best first until `visit` returns false or all are seen. */
  visit(visit: (c: number) => boolean): void {
    if (this.count === 0) return;
    // Frontier of heap slots, itself kept as a small binary heap by the same order.
    const frontier: number[] = [0];
    while (frontier.length > 0) {
      const slot = this.popFrontier(frontier);
      if (!visit(this.heap[slot]!)) return;
      for (const child of [2 * slot + 1, 2 * slot + 2]) if (child < this.count) this.pushFrontier(frontier, child);
    }
  }

  /** The best `limit` cycles, best first. */
  top(limit: number): number[] {
    const out: number[] = [];
    if (limit > 0) this.visit((c) => out.push(c) < limit);
    return out;
  }

  private above(a: number, b: number): boolean {
    const sa = this.score[a]!;
    const sb = this.score[b]!;
    return sa > sb || (sa === sb && a < b);
  }

  private up(i: number): void {
    const { heap, pos } = this;
    const c = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.above(c, p)) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = c;
    pos[c] = i;
  }

  private down(i: number): void {
    const { heap, pos } = this;
    const c = heap[i]!;
    for (;;) {
      let best = i;
      let bestCycle = c;
      const l = 2 * i + 1;
      if (l < this.count && this.above(heap[l]!, bestCycle)) {
        best = l;
        bestCycle = heap[l]!;
      }
      if (l + 1 < this.count && this.above(heap[l + 1]!, bestCycle)) {
        best = l + 1;
        bestCycle = heap[l + 1]!;
      }
      if (best === i) break;
      heap[i] = bestCycle;
      pos[bestCycle] = i;
      i = best;
    }
    heap[i] = c;
    pos[c] = i;
  }

  private slotAbove(a: number, b: number): boolean {
    return this.above(this.heap[a]!, this.heap[b]!);
  }

  private pushFrontier(frontier: number[], slot: number): void {
    let i = frontier.push(slot) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.slotAbove(frontier[i]!, frontier[parent]!)) break;
      [frontier[i], frontier[parent]] = [frontier[parent]!, frontier[i]!];
      i = parent;
    }
  }

  private popFrontier(frontier: number[]): number {
    const top = frontier[0]!;
    const last = frontier.pop()!;
    if (frontier.length > 0) {
      frontier[0] = last;
      let i = 0;
      for (;;) {
        let best = i;
        const l = 2 * i + 1;
        if (l < frontier.length && this.slotAbove(frontier[l]!, frontier[best]!)) best = l;
        if (l + 1 < frontier.length && this.slotAbove(frontier[l + 1]!, frontier[best]!)) best = l + 1;
        if (best === i) break;
        [frontier[i], frontier[best]] = [frontier[best]!, frontier[i]!];
        i = best;
      }
    }
    return top;
  }
}
