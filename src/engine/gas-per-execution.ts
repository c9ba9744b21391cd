/**
 * The gas one execution may reserve at most, as the gas-money watch counts the hot key's balance
 * (src/executor/gas-money.ts): the gas table's largest route, or, when larger, the largest gas
 * limit among the last `window` plans. The table holds routes that cross no initialized V3 tick;
 * a plan pays TICK_CROSS_GAS more per tick its V3 hops cross (src/scanner/v3-crossings.ts), so
 * on a V3 market the table alone counted more executions than the balance can pay for.
 */
export class GasPerExecution {
  private readonly limits: bigint[] = [];
  private next = 0;

  constructor(
    /** The table's largest gas limit: what counts before any plan, and the least ever counted. */
    private readonly tableLargest: bigint,
    private readonly window = 256,
  ) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  }

  /** Counts a plan's gas limit (the oldest of a full window drops out). */
  note(gasLimit: bigint): void {
    if (this.limits.length < this.window) this.limits.push(gasLimit);
    else this.limits[this.next] = gasLimit;
    this.next = (this.next + 1) % this.window;
  }

  /** The most one execution may reserve now (read once per block: a pass over the window). */
  current(): bigint {
    let most = this.tableLargest;
    for (const limit of this.limits) if (limit > most) most = limit;
    return most;
  }
}
