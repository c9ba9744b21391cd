import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatUnits } from 'viem';
import { InputError } from '../errors.ts';
import { riskReport, type RiskReport } from '../ledger/risk/metrics.ts';
import { parsePnlCsv } from '../ledger/risk/pnl-csv.ts';
import { parseIntegerOption } from './scan.ts';

interface RiskCommandOptions {
  pnl: string;
  capital?: string;
  periodsPerYear: string;
  json?: boolean;
}

/** Parses a non-negative decimal (`--capital 1000.5`) into an integer at `decimals` digits, or more if it needs them. */
function parseCapital(text: string): { digits: string; decimals: number } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (match === null) throw new InputError(`--capital must be a positive decimal number, got "${text}"`);
  return { digits: match[1]! + (match[2] ?? ''), decimals: (match[2] ?? '').length };
}

/**
 * The `orion risk --json` document: keys as issue 13 names them. Exact amounts (totalPnl,
 * maxDrawdown, var95, var99) are decimal strings in the CSV's unit; estimates (var95Parametric,
 * es95, expectancy) and ratios are numbers; a null figure has its reason under `reasons`.
 */
export function riskJson(report: RiskReport, decimals: number): Record<string, unknown> {
  const exact = (v: bigint | null): string | null => (v === null ? null : formatUnits(v, decimals));
  const scaled = (v: number | null): number | null => (v === null ? null : v / 10 ** decimals);
  return {
    trades: report.trades,
    totalPnl: exact(report.totalPnl),
    winRate: report.winRate,
    maxDrawdown: exact(report.maxDrawdown),
    maxDrawdownPct: report.maxDrawdownPct,
    var95: exact(report.var95),
    var99: exact(report.var99),
    var95Parametric: scaled(report.var95Parametric),
    es95: scaled(report.es95),
    sharpe: report.sharpe,
    sortino: report.sortino,
    calmar: report.calmar,
    profitFactor: report.profitFactor,
    expectancy: scaled(report.expectancy),
    sqn: report.sqn,
    days: report.days,
    periodsPerYear: report.periodsPerYear,
    reasons: report.reasons,
  };
}

/**
 * `orion risk`: risk figures of a CSV of `timestamp,pnl` rows (one trade each). Per-trade
 * figures from the rows; Sharpe, Sortino and Calmar from daily P&L (UTC days, quiet days 0)
 * annualised with √N, N = --periods-per-year (default 365); no risk-free rate.
 */
export function register(program: Command): void {
  program
    .command('risk')
    .requiredOption('--pnl <file>', 'CSV of timestamp,pnl rows: Unix seconds or ISO 8601, P&L as a decimal number')
    .option('--capital <amount>', 'capital in the P&L\'s unit: gives the drawdown as a % of it')
    .option('--periods-per-year <n>', 'periods per year annualising the daily ratios (√N)', '365')
    .option('--json', 'print one JSON document instead of a table')
    .action(async (options: RiskCommandOptions) => {
      const periodsPerYear = Number(parseIntegerOption('--periods-per-year', options.periodsPerYear, 1n, 1_000_000n));
      const capital = options.capital === undefined ? undefined : parseCapital(options.capital);
      let text: string;
      try {
        text = await readFile(options.pnl, 'utf8');
      } catch (error) {
        throw new InputError(`cannot read --pnl ${options.pnl}: ${(error as Error).message}`);
      }
      const csv = parsePnlCsv(text, options.pnl);
      // One scale for the file and the capital: the finer of the two.
      const decimals = Math.max(csv.decimals, capital?.decimals ?? 0);
      const up = 10n ** BigInt(decimals - csv.decimals);
      const trades = csv.trades.map((t) => ({ timestamp: t.timestamp, pnl: t.pnl * up }));
      const capitalUnits = capital === undefined ? undefined : BigInt(capital.digits) * 10n ** BigInt(decimals - capital.decimals);
      if (capitalUnits === 0n) throw new InputError('--capital must be positive, got 0');
      const report = riskReport(trades, { periodsPerYear, ...(capitalUnits === undefined ? {} : { capital: capitalUnits }) });
      const json = riskJson(report, decimals);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(json)}\n`);
        return;
      }
      const reasons = report.reasons as Record<string, string>;
      const lines = Object.entries(json)
        .filter(([key]) => key !== 'reasons')
        .map(([key, value]) => `${key.padEnd(16)} ${value === null ? `- (${reasons[key]})` : typeof value === 'number' ? formatNumber(value) : String(value)}`);
      process.stdout.write(`${lines.join('\n')}\nSharpe, Sortino and Calmar on daily P&L (UTC days) annualised with √${periodsPerYear}; no risk-free rate\n`);
    });
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6);
}
