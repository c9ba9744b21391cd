import type { CycleSet } from './cycles.ts';
import { TICK_CROSS_GAS } from './gas-table.ts';
import { KIND_V3, type PoolTable } from './pool-table.ts';
import type { V3Crossings } from './v3-crossings.ts';

/**
 * Per flash-source slot: the gas of the initialized ticks its cycle's V3 hops cross at the
 * amounts sized for it (TICK_CROSS_GAS each, v3-crossings.ts), on top of the gas table's figure
 * for the route's shape. Counted when first asked after a sizing and kept until the next one.
 */
export class CrossingGas {
  /** Per slot: the gas counted (-1n: not counted since its last sizing). */
  private readonly perSlot: bigint[];

  constructor(
    slots: number,
    private readonly crossings: V3Crossings | undefined,
    private readonly pools: PoolTable,
    private readonly cycles: CycleSet,
  ) {
    this.perSlot = new Array<bigint>(slots).fill(-1n);
  }

  /** `slot` was sized again: its crossings are counted anew when next asked. */
  forget(slot: number): void {
    this.perSlot[slot] = -1n;
  }

  /** The crossing gas of cycle `c` through `slot`; `amounts(c, slot)` gives the per-hop amounts sized for it (asked only when not counted yet). */
  of(c: number, slot: number, amounts: (c: number, slot: number) => readonly bigint[]): bigint {
    const { cycles, pools } = this;
    if (cycles.allV2[c] === 1) return 0n;
    let gas = this.perSlot[slot]!;
    if (gas >= 0n) return gas;
    const sized = amounts(c, slot);
    let crossed = 0;
    for (let h = 0; h < cycles.length[c]!; h++) {
      const p = cycles.pools[c * cycles.stride + h]!;
      if (pools.kind[p] === KIND_V3) crossed += this.crossings!.count(p, cycles.zeroForOne[c * cycles.stride + h] === 1, sized[h]!);
    }
    gas = BigInt(crossed) * TICK_CROSS_GAS;
    this.perSlot[slot] = gas;
    return gas;
  }
}
