import { InputError } from '../errors.ts';
import { SILENT_PROGRESS, type ProgressSink } from '../market/progress.ts';
import type { Snapshot } from '../market/snapshot.ts';
import { AAVE_FEE_PIPS } from '../scanner/flash-source.ts';
import { Scanner } from '../scanner/scanner.ts';
import type { Opportunity, ScannerOptions } from '../scanner/types.ts';
import { findClosers } from './closers.ts';
import type { RecordedEvents, RecordedLog } from './event-files.ts';
import { LifetimeTracker, type ReplayOpportunity, type LifetimeSummary } from './lifetimes.ts';
import { RecordedMarket } from './recorded-market.ts';

/** Ethereum mainnet: the recorded data's chain. */
const CHAIN_ID = 1;
/** Every ranked opportunity of a block (the market here is a handful of pools). */
const ALL = Number.MAX_SAFE_INTEGER;

/** How to replay; every field optional. */
export interface ReplayOptions {
  /** First block scanned (default: the first block of the recorded V3 logs, or of the reserves). */
  from?: number;
  /** Last block scanned (default: the last recorded block where every file still has data). */
  to?: number;
  /** Fee per gas in wei (default 0: gross). */
  gasPrice?: bigint;
  /** Starting state of the pools it holds (V3 with their full tick maps) instead of the data's. */
  snapshot?: Snapshot;
  progress?: ProgressSink;
  /** Called after each block is scanned, with every opportunity ranked there (net > 0). */
  onBlock?: (block: number, opportunities: readonly Opportunity[]) => void;
}

/** What the strategy would have captured, per block and in total. */
export interface ReplayReport {
  from: number;
  to: number;
  blocks: number;
  gasPrice: bigint;
  /** Each pool and the block it joined (null: never had a state in the range). */
  pools: { address: string; protocol: string; fee: number; joinedAt: number | null; liquidity: 'current tick range' | 'tick map' | 'reserves' }[];
  /** Every opportunity found, at the block it opened. */
  opportunities: ReplayOpportunity[];
  /** Per block with a captured opportunity: gross and net in each start token (base units). */
  perBlock: { block: number; captured: number; grossProfit: Record<string, bigint>; netProfit: Record<string, bigint> }[];
  /** Sums over captured opportunities, by start token symbol (base units). */
  grossProfit: Record<string, bigint>;
  netProfit: Record<string, bigint>;
  lifetimes: LifetimeSummary;
  /** Wall time of the block loop, seconds (the figures of docs/BENCHMARKS.md). */
  elapsedSeconds: number;
}

/** The scanner options of the replay: mainnet's lenders (Balancer at fee 0, Aave 5 bp, V3 flash) and the gas price. */
export function replayScannerOptions(gasPrice: bigint): ScannerOptions {
  return { gasPrice, flash: { balancerFeePips: 0, aaveFeePips: AAVE_FEE_PIPS, v3Flash: true } };
}

interface Cursor<T> {
  rows: readonly T[];
  at: number;
}

/** The default range: from the first record of the V3 logs (else the reserves) to the last block every file still covers. */
function defaultRange(events: RecordedEvents): { from: number; to: number } {
  const logs = [...events.logs.values()].filter((l) => l.length > 0);
  const reserves = [...events.reserves.values()].filter((r) => r.length > 0);
  const starts = logs.length > 0 ? logs.map((l) => l[0]!.block) : reserves.map((r) => r[0]!.block);
  // A quiet pool's last log is not the end of its record: the logs end together, at the last of them.
  const logEnd = logs.length > 0 ? [Math.max(...logs.map((l) => l[l.length - 1]!.block))] : [];
  const from = Math.max(Math.min(...starts), ...reserves.map((r) => r[0]!.block));
  return { from, to: Math.min(...logEnd, ...reserves.map((r) => r[r.length - 1]!.block)) };
}

/**
 * Replays recorded blocks: applies each block's V2 reserves and V3 logs, re-scans the changed
 * cycles (the scanner is rebuilt when a pool joins), and tracks each opportunity from the block
 * it opens until the recorded trades close it. Offline and deterministic.
 */
export function runReplay(events: RecordedEvents, options: ReplayOptions = {}): ReplayReport {
  const range = defaultRange(events);
  // A snapshot is the state after its block: the replay starts after it, and the records of its
  // pools up to that block are already in it.
  const snapshotBlock = options.snapshot?.block === null || options.snapshot === undefined ? undefined : Number(options.snapshot.block);
  const from = options.from ?? Math.max(range.from, snapshotBlock === undefined ? range.from : snapshotBlock + 1);
  const to = options.to ?? range.to;
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to)) || from > to) throw new InputError(`the block range ${from}–${to} is empty`);
  if (snapshotBlock !== undefined && from <= snapshotBlock) throw new InputError(`--from ${from} must be after the snapshot's block ${snapshotBlock}`);
  const gasPrice = options.gasPrice ?? 0n;
  const scannerOptions = replayScannerOptions(gasPrice);
  const progress = options.progress ?? SILENT_PROGRESS;

  const recorded = new Set(events.pools.map((p) => p.address));
  const market = new RecordedMarket(CHAIN_ID, events.pools, options.snapshot?.pools.filter((p) => !recorded.has(p.address)) ?? []);
  for (const pool of options.snapshot?.pools ?? []) if (recorded.has(pool.address)) market.seed(pool);
  const seeded = new Set<string>(options.snapshot?.pools.map((p) => p.address) ?? []);
  /** Whether a record of `pool` at `block` is already part of the snapshot's state. */
  const inSnapshot = (pool: string, block: number): boolean => snapshotBlock !== undefined && seeded.has(pool) && block <= snapshotBlock;
  const joinedAt = new Map<string, number>();
  const reserves = new Map<string, Cursor<{ block: number; reserve0: bigint; reserve1: bigint }>>([...events.reserves].map(([a, rows]) => [a, { rows, at: 0 }]));
  const logs = new Map<string, Cursor<RecordedLog>>([...events.logs].map(([a, rows]) => [a, { rows, at: 0 }]));

  /** Applies every record up to `block`; returns the pools whose state changed, V2 and V3 apart, and the block's own V3 logs. */
  const advance = (block: number, collect: boolean) => {
    const v2: string[] = [];
    const v3: string[] = [];
    const blockLogs: (RecordedLog & { pool: string })[] = [];
    for (const [address, cursor] of reserves) {
      let row: (typeof cursor.rows)[number] | undefined;
      while (cursor.at < cursor.rows.length && cursor.rows[cursor.at]!.block <= block) {
        const next = cursor.rows[cursor.at++]!;
        if (!inSnapshot(address, next.block)) row = next;
      }
      if (row !== undefined && market.setReserves(address, row.reserve0, row.reserve1)) v2.push(address);
    }
    for (const [address, cursor] of logs) {
      let changed = false;
      while (cursor.at < cursor.rows.length && cursor.rows[cursor.at]!.block <= block) {
        const log = cursor.rows[cursor.at++]!;
        if (inSnapshot(address, log.block)) continue;
        if (collect && log.block === block) blockLogs.push({ ...log, pool: address });
        changed = market.applyV3(address, log.event) || changed;
      }
      if (changed) v3.push(address);
    }
    blockLogs.sort((a, b) => a.logIndex - b.logIndex);
    return { v2, v3, blockLogs };
  };

  advance(from - 1, false);
  const tracker = new LifetimeTracker();
  const perBlock: ReplayReport['perBlock'] = [];
  const symbolOf = new Map<string, string>(events.pools.flatMap((p) => [[p.token0.address, p.token0.symbol], [p.token1.address, p.token1.symbol]] as const));
  for (const p of options.snapshot?.pools ?? []) for (const t of [p.token0, p.token1]) symbolOf.set(t.address, t.symbol);
  let scanner: Scanner | undefined;
  let poolsInScanner = -1;
  progress.start('replay blocks', to - from + 1);
  const started = performance.now();
  for (let block = from; block <= to; block++) {
    const before = tracker.openCount > 0 ? market.clone() : undefined;
    const { v2, v3, blockLogs } = advance(block, true);
    const joined = events.pools.filter((p) => market.joined(p.address)).length;
    for (const p of events.pools) if (market.joined(p.address) && !joinedAt.has(p.address)) joinedAt.set(p.address, block);
    if (joined !== poolsInScanner) {
      // A pool joined: the cycle index depends on the pools, so the scanner starts over.
      poolsInScanner = joined;
      const snapshot = market.snapshot(block);
      scanner = snapshot.pools.length === 0 ? undefined : new Scanner(snapshot, scannerOptions);
      scanner?.scanAll(false);
    } else if (scanner !== undefined) {
      for (const address of v2) {
        const r = market.reserves(address);
        scanner.setReserves(scanner.poolIndex(address), r.reserve0, r.reserve1);
      }
      for (const address of v3) scanner.setV3State(scanner.poolIndex(address), market.v3State(address));
    }
    scanner?.refresh(BigInt(block));
    const found = scanner?.top(ALL) ?? [];
    options.onBlock?.(block, found);
    const closed = tracker.closing(found);
    const closers = closed.size > 0 && before !== undefined ? findClosers(before, block, blockLogs, v2, closed, scannerOptions) : new Map();
    const opened = tracker.observe(block, found, closers, (o) => symbolOf.get(o.tokens[0]!.toLowerCase()) ?? o.tokens[0]!);
    const captured = opened.filter((o) => o.captured);
    if (captured.length > 0) {
      const gross: Record<string, bigint> = {};
      const net: Record<string, bigint> = {};
      for (const o of captured) {
        gross[o.symbol] = (gross[o.symbol] ?? 0n) + o.profit;
        net[o.symbol] = (net[o.symbol] ?? 0n) + o.netProfit;
      }
      perBlock.push({ block, captured: captured.length, grossProfit: gross, netProfit: net });
    }
    progress.advance(1);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const opportunities = tracker.all();
  progress.done(`${to - from + 1} blocks, ${opportunities.length} opportunities`);
  const sum = (pick: (o: ReplayOpportunity) => bigint): Record<string, bigint> => {
    const total: Record<string, bigint> = {};
    for (const o of opportunities) if (o.captured) total[o.symbol] = (total[o.symbol] ?? 0n) + pick(o);
    return total;
  };
  return {
    from, to, blocks: to - from + 1, gasPrice,
    pools: events.pools.map((p) => ({
      address: p.address, protocol: p.protocol, fee: p.fee, joinedAt: joinedAt.get(p.address) ?? null,
      liquidity: p.protocol === 'uniswap-v2' ? 'reserves' : options.snapshot?.pools.some((s) => s.address === p.address) === true ? 'tick map' : 'current tick range',
    })),
    opportunities,
    perBlock,
    grossProfit: sum((o) => o.profit),
    netProfit: sum((o) => o.netProfit),
    lifetimes: tracker.summary(to),
    elapsedSeconds,
  };
}
