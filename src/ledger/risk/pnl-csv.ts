import { InputError } from '../../errors.ts';
import type { Trade } from './pnl-series.ts';

/** Trades read from a `timestamp,pnl` CSV, P&L scaled to integers with `decimals` digits. */
export interface PnlCsv {
  trades: Trade[];
  /** Fraction digits of the most precise P&L in the file: every pnl is value × 10^decimals. */
  decimals: number;
}

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const UNIX_RE = /^\d+$/;
// ISO 8601 date-time with a zone (Z or ±hh:mm), or a bare date (midnight UTC).
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;
/** Most fraction digits a P&L may carry (a wei of an 18-decimal token, with room). */
const MAX_DECIMALS = 36;

function parseTimestamp(text: string): number | undefined {
  if (UNIX_RE.test(text)) return Number(text);
  if (!ISO_RE.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * Parses a CSV of `timestamp,pnl` rows, one trade each: the timestamp in Unix seconds or ISO 8601
 * with a zone, the P&L a decimal number (no exponent) in any unit. An optional header line
 * `timestamp,pnl` and blank lines are skipped. A malformed row is an InputError naming its line.
 */
export function parsePnlCsv(text: string, origin: string): PnlCsv {
  const rows: { line: number; timestamp: number; sign: string; whole: string; fraction: string }[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const number = i + 1;
    if (line === '') return;
    if (rows.length === 0 && i === lines.findIndex((l) => l.trim() !== '') && /^timestamp\s*,\s*pnl$/i.test(line)) return;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 2) throw new InputError(`${origin} line ${number}: expected 2 columns timestamp,pnl, got ${cells.length}: "${line}"`);
    const timestamp = parseTimestamp(cells[0]!);
    if (timestamp === undefined) throw new InputError(`${origin} line ${number}: timestamp "${cells[0]}" is neither Unix seconds nor ISO 8601 with a zone`);
    const match = DECIMAL_RE.exec(cells[1]!);
    if (match === null) throw new InputError(`${origin} line ${number}: pnl "${cells[1]}" is not a decimal number`);
    const fraction = match[3] ?? '';
    if (fraction.length > MAX_DECIMALS) throw new InputError(`${origin} line ${number}: pnl "${cells[1]}" has more than ${MAX_DECIMALS} decimals`);
    rows.push({ line: number, timestamp, sign: match[1]!, whole: match[2]!, fraction });
  });
  const decimals = rows.reduce((d, r) => Math.max(d, r.fraction.length), 0);
  const trades = rows.map((r) => {
    const magnitude = BigInt(r.whole + r.fraction.padEnd(decimals, '0'));
    return { timestamp: r.timestamp, pnl: r.sign === '-' ? -magnitude : magnitude };
  });
  return { trades, decimals };
}
