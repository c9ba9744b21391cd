import type { ChainLog } from '../chain/types.ts';
import { MarketStateError } from './market-errors.ts';
import type { Pool } from './pool.ts';
import { decodePoolEvent } from './pool-events.ts';
import type { HexAddress } from './snapshot.ts';
import type { V3Pool } from './v3-pool.ts';

/**
 * Applies one pool log to a pool model, exactly as the pool contract changed its own storage,
 * and records how to undo it. Sync sets V2 reserves; Swap sets price, tick and active liquidity
 * (the event carries the pool's values after the swap); Mint/Burn move liquidityGross and
 * liquidityNet at both ticks (a tick whose gross reaches 0 is cleared, as `ticks.clear` does),
 * and the active liquidity when `tickLower <= tick < tickUpper` (the pool's own test).
 */

/** How to restore what one log changed. */
export type UndoRecord =
  | { pool: HexAddress; kind: 'v2'; reserve0: bigint; reserve1: bigint }
  | { pool: HexAddress; kind: 'v3-slot'; sqrtPriceX96: bigint; tick: number; liquidity: bigint }
  | { pool: HexAddress; kind: 'v3-tick'; tick: number; net: bigint | undefined; gross: bigint | undefined };

/** Applies `log` to `pool` if it is a state-changing event; returns whether it was. */
export function applyPoolLog(pool: Pool, gross: Map<number, bigint> | undefined, log: ChainLog, undo: UndoRecord[]): boolean {
  const event = decodePoolEvent(log);
  if (event === undefined) return false;
  const where = `pool ${pool.address}, block ${log.blockNumber}, log ${log.logIndex}`;
  if (pool.protocol === 'uniswap-v2') {
    if (event.kind !== 'sync') return false; // a V2 Swap/Mint/Burn is always followed by its Sync
    undo.push({ pool: pool.address, kind: 'v2', reserve0: pool.reserve0, reserve1: pool.reserve1 });
    pool.reserve0 = event.reserve0;
    pool.reserve1 = event.reserve1;
    return true;
  }
  if (event.kind === 'sync') throw new MarketStateError(`${where}: a V2 Sync event from a V3 pool`);
  if (event.kind === 'swap') {
    undo.push({ pool: pool.address, kind: 'v3-slot', sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity });
    pool.sqrtPriceX96 = event.sqrtPriceX96;
    pool.tick = event.tick;
    pool.liquidity = event.liquidity;
    return true;
  }
  if (event.amount === 0n) return false; // a Burn of 0 only pokes fees: no liquidity moves
  if (gross === undefined) throw new MarketStateError(`${where}: no liquidityGross map for this V3 pool`);
  const delta = event.kind === 'mint' ? event.amount : -event.amount;
  updateTick(pool, gross, event.tickLower, delta, delta, undo, where);
  updateTick(pool, gross, event.tickUpper, delta, -delta, undo, where);
  if (event.tickLower <= pool.tick && pool.tick < event.tickUpper) {
    undo.push({ pool: pool.address, kind: 'v3-slot', sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity });
    pool.liquidity += delta;
    if (pool.liquidity < 0n) throw new MarketStateError(`${where}: burn leaves negative active liquidity ${pool.liquidity}`);
  }
  return true;
}

function netAt(pool: V3Pool, tick: number): bigint | undefined {
  let lo = 0;
  let hi = pool.ticks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = pool.ticks[mid] as number;
    if (t === tick) return pool.liquidityNet[mid];
    if (t < tick) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function updateTick(pool: V3Pool, gross: Map<number, bigint>, tick: number, grossDelta: bigint, netDelta: bigint, undo: UndoRecord[], where: string): void {
  const grossBefore = gross.get(tick);
  const netBefore = netAt(pool, tick);
  const grossAfter = (grossBefore ?? 0n) + grossDelta;
  if (grossAfter < 0n) throw new MarketStateError(`${where}: burn takes tick ${tick} gross liquidity below zero (${grossAfter})`);
  undo.push({ pool: pool.address, kind: 'v3-tick', tick, net: netBefore, gross: grossBefore });
  if (grossAfter === 0n) {
    gross.delete(tick);
    pool.setTick(tick, undefined);
  } else {
    gross.set(tick, grossAfter);
    pool.setTick(tick, (netBefore ?? 0n) + netDelta);
  }
}

/** Restores what one undo record describes. */
export function undoPoolChange(pools: ReadonlyMap<string, Pool>, grossByPool: ReadonlyMap<string, Map<number, bigint>>, record: UndoRecord): void {
  const pool = pools.get(record.pool);
  if (pool === undefined) return;
  if (record.kind === 'v2' && pool.protocol === 'uniswap-v2') {
    pool.reserve0 = record.reserve0;
    pool.reserve1 = record.reserve1;
  } else if (record.kind === 'v3-slot' && pool.protocol === 'uniswap-v3') {
    pool.sqrtPriceX96 = record.sqrtPriceX96;
    pool.tick = record.tick;
    pool.liquidity = record.liquidity;
  } else if (record.kind === 'v3-tick' && pool.protocol === 'uniswap-v3') {
    pool.setTick(record.tick, record.net);
    const gross = grossByPool.get(record.pool);
    if (record.gross === undefined) gross?.delete(record.tick);
    else gross?.set(record.tick, record.gross);
  }
}
