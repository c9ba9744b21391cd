import { formatTokenAmount } from '../../../src/format/token-amount.ts';

/**
 * Amounts as people read them, from the API's decimal strings: parsed to a BigInt and scaled by
 * the token's decimals in integer arithmetic (the same formatter as the CLI, src/format), so no
 * float ever rounds a displayed amount. A value that is not a decimal integer is shown as such.
 */

/** "1.23457" from "1234567891000000000" at 18 decimals; `significant` digits, integer part whole. */
export function formatAmount(raw: string, decimals: number, significant?: number): string {
  if (!/^-?[0-9]+$/.test(raw)) return `invalid amount "${raw}"`;
  return formatTokenAmount(BigInt(raw), decimals, significant);
}

/** "1.5 WETH" from a raw decimal string and the token's decimals and symbol. */
export function formatTokenUnits(raw: string, token: { decimals: number; symbol: string }): string {
  return `${formatAmount(raw, token.decimals)} ${token.symbol}`;
}

/** An integer count with thousands separators (counts are small integers, never money). */
export function formatCount(value: number | string): string {
  const text = String(value);
  return /^-?[0-9]+$/.test(text) ? text.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : text;
}

/** A timestamp in the reader's locale, or a dash. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** "0x1234…abcd": an address or hash shortened for a table cell (the full value in its title). */
export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}
