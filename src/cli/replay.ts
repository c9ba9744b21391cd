import type { Command } from 'commander';
import { formatUnits } from 'viem';
import { createProgress } from '../market/progress.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { readEventsDir } from '../replay/event-files.ts';
import { runReplay, type ReplayReport } from '../replay/replay.ts';
import type { ReplayOpportunity } from '../replay/lifetimes.ts';
import { parseIntegerOption } from './scan.ts';

interface ReplayCommandOptions {
  events: string;
  snapshot?: string;
  from?: string;
  to?: string;
  gasPrice: string;
  json?: boolean;
}

/** What a replay's V3 hops can and cannot size, said in every report. */
export const REPLAY_MODEL_NOTE =
  'V3 pools without a snapshot tick map are sized within the tick-spacing range holding the current tick, where the recorded active liquidity is exact (the data has no tick map); a hop cannot trade beyond it';

/** JSON replacer: bigints as decimal strings. */
const bigintsAsStrings = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

/** The `orion replay --json` document; amounts in base units of the start token (`symbol`), as decimal strings. */
export function replayJson(report: ReplayReport, describeRoute: (o: ReplayOpportunity) => string): string {
  const { elapsedSeconds, ...rest } = report;
  return JSON.stringify({
    ...rest,
    model: REPLAY_MODEL_NOTE,
    opportunities: report.opportunities.map((o) => ({ ...o, route: describeRoute(o) })),
    lifetimes: { ...report.lifetimes, longest: report.lifetimes.longest.map((o) => ({ ...o, route: describeRoute(o) })) },
    elapsedSeconds,
    blocksPerSecond: elapsedSeconds > 0 ? report.blocks / elapsedSeconds : null,
  }, bigintsAsStrings);
}

/**
 * `orion replay`: the recorded updates of a folder applied block by block, the scanner run after
 * each block, and what the strategy would have captured (offline: no chain, no simulation).
 */
export function register(program: Command): void {
  program
    .command('replay')
    .requiredOption('--events <dir>', 'folder of recorded updates (as ../shared/data/replay/ethereum-2024-01-05/)')
    .option('--snapshot <file>', 'starting state (orion.pools/v1) of the pools it holds, V3 with full tick maps')
    .option('--from <block>', 'first block (default: the first recorded V3 log)')
    .option('--to <block>', 'last block (default: the last block every file covers)')
    .option('--gas-price <wei>', 'fee per gas in wei, for the net profit', '0')
    .option('--json', 'print one JSON document instead of a summary')
    .action(async (options: ReplayCommandOptions) => {
      const gasPrice = parseIntegerOption('--gas-price', options.gasPrice, 0n);
      const from = options.from === undefined ? undefined : Number(parseIntegerOption('--from', options.from, 0n, BigInt(Number.MAX_SAFE_INTEGER)));
      const to = options.to === undefined ? undefined : Number(parseIntegerOption('--to', options.to, 0n, BigInt(Number.MAX_SAFE_INTEGER)));
      const snapshot = options.snapshot === undefined ? undefined : await readSnapshotFile(options.snapshot);
      for (const warning of snapshot?.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
      const events = await readEventsDir(options.events);
      const report = runReplay(events, {
        gasPrice,
        progress: createProgress(process.stderr, undefined, 'blocks'),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(snapshot === undefined ? {} : { snapshot: snapshot.snapshot }),
      });
      const pools = new Map<string, { protocol: string; fee: number }>(events.pools.map((p) => [p.address, p]));
      for (const p of snapshot?.snapshot.pools ?? []) if (!pools.has(p.address)) pools.set(p.address, p);
      const symbols = new Map<string, { symbol: string; decimals: number }>();
      for (const p of [...events.pools, ...(snapshot?.snapshot.pools ?? [])]) for (const t of [p.token0, p.token1]) symbols.set(t.address.toLowerCase(), t);
      const describeRoute = (o: ReplayOpportunity): string =>
        o.tokens.map((t, i) => {
          const symbol = symbols.get(t.toLowerCase())?.symbol ?? t;
          const pool = pools.get(o.pools[i] ?? '');
          return i === o.pools.length ? symbol : `${symbol} →[${pool?.protocol === 'uniswap-v2' ? 'v2' : 'v3'} ${(pool?.fee ?? 0) / 10_000}% ${o.pools[i]!.slice(0, 10)}]→`;
        }).join(' ');
      if (options.json === true) {
        process.stdout.write(`${replayJson(report, describeRoute)}\n`);
        return;
      }
      const decimalsOf = (symbol: string): number => [...symbols.values()].find((s) => s.symbol === symbol)?.decimals ?? 0;
      const money = (totals: Record<string, bigint>): string => Object.entries(totals).map(([s, v]) => `${formatUnits(v, decimalsOf(s))} ${s}`).join(', ') || '0';
      const share = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);
      const { lifetimes } = report;
      const lines = [
        `blocks ${report.from}–${report.to} (${report.blocks}) at gas price ${report.gasPrice} wei, ${(report.blocks / Math.max(report.elapsedSeconds, 1e-9)).toFixed(0)} blocks/s`,
        `note: ${REPLAY_MODEL_NOTE}`,
        `opportunities ${lifetimes.opportunities} (${report.opportunities.filter((o) => o.captured).length} captured: the best per block, no shared pool)`,
        `gross profit ${money(report.grossProfit)}; net of gas and flash fee ${money(report.netProfit)}`,
        `closed within 1 block ${share(lifetimes.within1)}, 2 blocks ${share(lifetimes.within2)}, 5 blocks ${share(lifetimes.within5)}; still open at the end ${lifetimes.openAtEnd}`,
        ...report.opportunities.map((o) => {
          const closer = o.closedBy === null ? 'still open' : o.closedBy.by === 'transaction' ? `closed by ${o.closedBy.tx}` : o.closedBy.by === 'v2-reserves' ? 'closed by the V2 reserves (no hash in the data)' : 'closed (cause unknown)';
          return `  ${o.block} ${describeRoute(o)} in ${formatUnits(o.amounts[0]!, decimalsOf(o.symbol))} net ${formatUnits(o.netProfit, decimalsOf(o.symbol))} ${o.symbol}, lasted ${o.lifetime ?? '≥' + String(report.to + 1 - o.block)} blocks, ${closer}`;
        }),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
