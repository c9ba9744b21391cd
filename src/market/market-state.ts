import type { BlockEvent, BlockRef, ChainEvent, ReorgEvent } from '../chain/types.ts';
import { applyPoolLog, undoPoolChange, type UndoRecord } from './apply-log.ts';
import { MarketStateError } from './market-errors.ts';
import { createPool, type Pool } from './pool.ts';
import type { HexAddress, PoolSnapshot, Snapshot } from './snapshot.ts';

/**
 * The market state: every tracked pool model (V2Pool, V3Pool of pool.ts) at one block, kept
 * exact by applying each block's logs in log order. V3 pools also carry each initialized tick's
 * liquidityGross (the models keep only liquidityNet): gross decides when a Burn uninitializes a
 * tick. Each block leaves an undo record until it is final, so a reorg rolls back exactly.
 */

/** A pool to track: its state, and for V3 the liquidityGross per initialized tick when known. */
export interface TrackedPoolInput {
  snapshot: PoolSnapshot;
  /** Exact gross per tick (read from the chain); absent = taken as |liquidityNet|, its lowest possible value. */
  liquidityGross?: ReadonlyMap<number, bigint>;
}

/** What one applied block changed. */
export interface AppliedBlock {
  block: BlockRef;
  /** Pools whose state changed, in first-touched order. */
  changed: HexAddress[];
  logsApplied: number;
}

interface Journal {
  block: BlockRef;
  undo: UndoRecord[];
}

/** The market state. */
export class MarketState {
  private readonly pools = new Map<string, Pool>();
  /** liquidityGross per initialized tick of each V3 pool. */
  private readonly gross = new Map<string, Map<number, bigint>>();
  private readonly journal: Journal[] = [];
  private current: BlockRef | null;
  private currentTimestamp: bigint | null = null;

  constructor(readonly chainId: number, at: BlockRef | null, pools: Iterable<TrackedPoolInput> = []) {
    this.current = at;
    for (const pool of pools) this.addPool(pool);
  }

  /** The block the state is at. */
  get block(): BlockRef | null {
    return this.current;
  }

  /** Timestamp of the last applied block (null right after a load or a rollback). */
  get blockTimestamp(): bigint | null {
    return this.currentTimestamp;
  }

  /** A tracked pool model by lower-case address. */
  pool(address: string): Pool | undefined {
    return this.pools.get(address);
  }

  /** liquidityGross of a V3 pool's initialized ticks. */
  liquidityGross(address: string): ReadonlyMap<number, bigint> | undefined {
    return this.gross.get(address);
  }

  /** Whether logs of `address` matter. */
  isTracked(address: string): boolean {
    return this.pools.has(address);
  }

  /** Every tracked pool model, keyed by address (what the scanner reads). */
  poolMap(): ReadonlyMap<string, Pool> {
    return this.pools;
  }

  get poolCount(): number {
    return this.pools.size;
  }

  /** Starts tracking a pool, read at the current block. */
  addPool(input: TrackedPoolInput): void {
    const pool = createPool(input.snapshot);
    this.pools.set(pool.address, pool);
    if (pool.protocol === 'uniswap-v3') {
      const gross = new Map<number, bigint>();
      pool.ticks.forEach((tick, i) => {
        const net = pool.liquidityNet[i] as bigint;
        gross.set(tick, input.liquidityGross?.get(tick) ?? (net < 0n ? -net : net));
      });
      this.gross.set(pool.address, gross);
    }
  }

  /** Blocks that can still be rolled back. */
  get unfinalizedDepth(): number {
    return this.journal.length;
  }

  /** Applies one chain event: a block, a reorg rollback, or a finality mark. */
  handle(event: ChainEvent): AppliedBlock | undefined {
    if (event.type === 'block') return this.applyBlock(event);
    if (event.type === 'reorg') this.rollBack(event);
    else this.finalize(event.block);
    return undefined;
  }

  /** Applies a block's logs in log order; on any error the block leaves no trace. */
  applyBlock(event: BlockEvent): AppliedBlock {
    const { block, logs } = event;
    if (this.current !== null && (block.parentHash !== this.current.hash || block.number !== this.current.number + 1n)) {
      throw new MarketStateError(
        `block ${block.number} (${block.hash}) does not extend the market state at block ${this.current.number} (${this.current.hash})`,
      );
    }
    const undo: UndoRecord[] = [];
    const changed: HexAddress[] = [];
    const seen = new Set<string>();
    let applied = 0;
    try {
      for (const log of logs) {
        const pool = this.pools.get(log.address);
        if (pool === undefined) continue;
        if (applyPoolLog(pool, this.gross.get(pool.address), log, undo)) {
          applied += 1;
          if (!seen.has(pool.address)) {
            seen.add(pool.address);
            changed.push(pool.address);
          }
        }
      }
    } catch (error) {
      this.undoAll(undo);
      throw error;
    }
    const ref = { number: block.number, hash: block.hash, parentHash: block.parentHash };
    this.journal.push({ block: ref, undo });
    this.current = ref;
    this.currentTimestamp = block.timestamp;
    return { block: ref, changed, logsApplied: applied };
  }

  private undoAll(undo: readonly UndoRecord[], changed?: Set<HexAddress>): void {
    for (let i = undo.length - 1; i >= 0; i -= 1) {
      const record = undo[i] as UndoRecord;
      undoPoolChange(this.pools, this.gross, record);
      changed?.add(record.pool);
    }
  }

  /** Undoes the dropped blocks, newest first, back to the common ancestor; returns the pools touched. */
  rollBack(event: ReorgEvent): HexAddress[] {
    const changed = new Set<HexAddress>();
    while (this.current !== null && this.current.number > event.commonAncestor.number) {
      const entry = this.journal.pop();
      if (entry === undefined || entry.block.hash !== this.current.hash) {
        throw new MarketStateError(
          `cannot roll back block ${this.current.number}: no undo record (the reorg is deeper than the blocks kept; reload the market)`,
        );
      }
      this.undoAll(entry.undo, changed);
      this.current = this.journal[this.journal.length - 1]?.block ?? event.commonAncestor;
    }
    if (this.current?.hash !== event.commonAncestor.hash) {
      throw new MarketStateError(`after rollback the state is at ${this.current?.hash}, not the common ancestor ${event.commonAncestor.hash}`);
    }
    this.currentTimestamp = null;
    return [...changed];
  }

  /** Forgets undo records of blocks at or below a final block. */
  finalize(block: BlockRef): void {
    while (this.journal.length > 0 && (this.journal[0] as Journal).block.number <= block.number) this.journal.shift();
  }

  /** The whole state as an `orion.pools/v1` snapshot. */
  toSnapshot(): Snapshot {
    return {
      format: 'orion.pools/v1',
      chainId: this.chainId,
      block: this.current?.number ?? null,
      pools: [...this.pools.values()].map((p) => p.toSnapshot()),
    };
  }
}
