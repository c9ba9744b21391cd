import type { CycleSet } from './cycles.ts';
import type { FlashSources } from './flash-source.ts';
import type { PoolTable } from './pool-table.ts';
import type { SizingLimits } from './sizing.ts';
import type { V3LenderCapacity } from './v3-lender-capacity.ts';

/**
 * The cap a V3 lender puts on the cycles that borrow from it, per flash-source slot: a V3 pool
 * lends at most what it holds of the borrowed token, so a size through it is capped at that
 * capacity (the best trade it can serve; the scanner's choice of source weighs it against the
 * other candidates at their own sizes). Capping rather than skipping the lender: on a chain with
 * no Balancer or Aave it is the cycle's only source. Slots of any other source are uncapped.
 */
export class LenderCaps {
  /** Per slot borrowing from a V3 lender: the capacity its last sizing was capped at (-1n: none yet). */
  private readonly sizedAt: bigint[];

  constructor(
    private readonly capacity: V3LenderCapacity | undefined,
    private readonly flash: FlashSources,
    private readonly pools: PoolTable,
    private readonly cycles: CycleSet,
  ) {
    this.sizedAt = new Array<bigint>(flash.slots).fill(-1n);
  }

  /** What the V3 lender at `slot` of cycle `c` can lend of the cycle's start token; undefined for any other source. */
  of(c: number, slot: number): bigint | undefined {
    if (this.capacity === undefined || this.flash.kindAt(slot) !== 'v3-flash') return undefined;
    const lender = this.flash.lenderAt(slot);
    return this.capacity.of(lender, this.pools.token0[lender] === this.cycles.base[c]);
  }

  /** `limits` for sizing cycle `c` through `slot`, capped at its lender's capacity now (remembered for {@link moved}). */
  cap(c: number, slot: number, limits: SizingLimits): SizingLimits {
    const capacity = this.of(c, slot);
    if (capacity === undefined) return limits;
    this.sizedAt[slot] = capacity;
    if (capacity < limits.maxIn) limits.maxIn = capacity;
    return limits;
  }

  /**
   * Whether sized cycle `c` must be sized again because a V3 lender's capacity moved (its pool is
   * off the route, and a cycle's exact results are kept until one of its own pools moves): it
   * no longer holds the amount sized (`amountIn` per slot), or it holds more and the sizing
   * stopped at the old capacity (within 0.1 %: the integer optimum under a cap may sit a few wei
   * below it). A sizing well inside the old capacity is an interior optimum, which a larger one
   * keeps.
   */
  moved(c: number, amountIn: readonly bigint[]): boolean {
    for (let i = 0; i < this.flash.count[c]!; i++) {
      const slot = this.flash.slot(c, i);
      const capacity = this.of(c, slot);
      if (capacity === undefined || capacity === this.sizedAt[slot]) continue;
      const sized = amountIn[slot]!;
      if (capacity < sized || sized * 1000n >= this.sizedAt[slot]! * 999n) return true;
    }
    return false;
  }
}
