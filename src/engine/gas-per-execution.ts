/**
 * The gas one execution may reserve at most, as the gas-money watch counts the hot key's balance
 * (src/executor/gas-money.ts): the gas table's largest route, or, when larger, the largest gas
 * limit planned in the last `windowBlocks` blocks. The table holds routes that cross no
 * initialized V3 tick; a plan pays TICK_CROSS_GAS more per tick its V3 hops cross
 * (src/scanner/v3-crossings.ts), so on a V3 market the table alone counted more executions than
 * the balance can pay for.
 *
 * A window of blocks, not of plans: when the count stops planning (the `gas-money` rule), no new
 * plan comes to push an outlier out, and a window of plans would hold it until someone funds
 * the key; this one lets it age out with the blocks. A limit above its block's gas limit counts
 * as the block's (no node takes a transaction above it).
 */
export class GasPerExecution {
  /** Per slot (block mod window): the block it holds, and the largest limit planned at it. */
  private readonly blocks: bigint[];
  private readonly largest: bigint[];

  constructor(
    /** The table's largest gas limit: what counts before any plan, and the least ever counted. */
    private readonly tableLargest: bigint,
    private readonly windowBlocks = 128,
  ) {
    if (!Number.isInteger(windowBlocks) || windowBlocks < 1) throw new RangeError(`windowBlocks must be a positive integer, got ${windowBlocks}`);
    this.blocks = new Array<bigint>(windowBlocks).fill(-1n);
    this.largest = new Array<bigint>(windowBlocks).fill(0n);
  }

  /** Counts a plan made at `block` with `gasLimit`, in a block of `blockGasLimit`. */
  note(block: bigint, gasLimit: bigint, blockGasLimit: bigint): void {
    const limit = gasLimit < blockGasLimit ? gasLimit : blockGasLimit;
    const slot = Number(block % BigInt(this.windowBlocks));
    if (this.blocks[slot] !== block) {
      this.blocks[slot] = block;
      this.largest[slot] = limit;
    } else if (limit > this.largest[slot]!) {
      this.largest[slot] = limit;
    }
  }

  /** The most one execution may reserve at `head`: over the plans of blocks head − window + 1 .. head. */
  current(head: bigint): bigint {
    const oldest = head - BigInt(this.windowBlocks);
    let most = this.tableLargest;
    for (let slot = 0; slot < this.windowBlocks; slot++) {
      const block = this.blocks[slot]!;
      if (block > oldest && block <= head && this.largest[slot]! > most) most = this.largest[slot]!;
    }
    return most;
  }
}
