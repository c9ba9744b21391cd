import type { Hex } from 'viem';
import { Scanner } from '../scanner/scanner.ts';
import type { ScannerOptions } from '../scanner/types.ts';
import type { RecordedLog } from './event-files.ts';
import type { RecordedMarket } from './recorded-market.ts';
import { routeKey } from './route-key.ts';

/** What ended an opportunity in the block it closed. */
export type Closer =
  | { by: 'transaction'; tx: Hex; pool: string }
  /**
   * The V2 reserves' change (no hash in the data); `alongside`: the block's recorded V3
   * transactions on the route's pools, in log order, one of which may be the same trade's other leg.
   */
  | { by: 'v2-reserves'; pool: string; alongside: Hex[] }
  | { by: 'unknown' };

/** Every route key still profitable on `market` at `block`. */
function openKeys(market: RecordedMarket, block: number, options: ScannerOptions): Set<string> {
  const scanner = new Scanner(market.snapshot(block), options);
  scanner.scanAll(false);
  return new Set(scanner.top(Number.MAX_SAFE_INTEGER).map(routeKey));
}

/**
 * Which recorded transaction closed each of `keys` in `block`. Starting from the state before
 * the block, the block's V3 transactions are applied one at a time in log order, and the first
 * after which a route no longer profits closed it. A route still open after all of them was
 * closed by the V2 reserves' change (the reserves file has one row per block and no hashes, so
 * where in the block that trade sat is unknown: the V2 pair is taken to move last).
 */
export function findClosers(
  before: RecordedMarket,
  block: number,
  blockLogs: readonly (RecordedLog & { pool: string })[],
  v2Changed: readonly string[],
  keys: ReadonlySet<string>,
  options: ScannerOptions,
): Map<string, Closer> {
  const closers = new Map<string, Closer>();
  const pending = new Set(keys);
  const market = before.clone();
  let i = 0;
  while (i < blockLogs.length && pending.size > 0) {
    const tx = blockLogs[i]!.txHash;
    const pools = new Set<string>();
    let changed = false;
    for (; i < blockLogs.length && blockLogs[i]!.txHash === tx; i++) {
      const log = blockLogs[i]!;
      if (market.joined(log.pool) || log.event.kind === 'swap') {
        changed = market.applyV3(log.pool, log.event) || changed;
        pools.add(log.pool);
      }
    }
    if (!changed) continue;
    const open = openKeys(market, block, options);
    for (const key of [...pending]) {
      if (open.has(key)) continue;
      pending.delete(key);
      // The pool of this transaction on the route, else its first pool (gas priced through it).
      const onRoute = [...pools].find((p) => key.includes(p)) ?? [...pools][0]!;
      closers.set(key, { by: 'transaction', tx, pool: onRoute });
    }
  }
  for (const key of pending) {
    const pool = v2Changed.find((p) => key.includes(p)) ?? v2Changed[0];
    const alongside = [...new Set(blockLogs.filter((l) => key.includes(l.pool)).map((l) => l.txHash))];
    closers.set(key, pool === undefined ? { by: 'unknown' } : { by: 'v2-reserves', pool, alongside });
  }
  return closers;
}
