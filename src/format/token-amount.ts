import { InputError } from '../errors.ts';

/**
 * Amounts for people: a bigint in base units shown in token units, rounded to a few significant
 * digits by integer arithmetic (no float ever touches the amount). Machines get the exact
 * decimal string of the base units instead (`amount.toString()`).
 */

/** Significant digits a person sees by default: enough to tell 1.23457 WETH from 1.23456 WETH. */
export const DEFAULT_SIGNIFICANT_DIGITS = 6;

/** A token as the formatter needs it. */
export interface TokenUnits {
  symbol: string;
  decimals: number;
}

/**
 * `amount` (base units) in token units, rounded half away from zero to `significant` significant
 * digits, trailing zeros dropped: 1234567891000000000n at 18 decimals → "1.23457". The integer
 * part is always shown whole (123456789.5 USDC → "123456790"), and a nonzero amount never
 * rounds to zero: 1 wei → "0.000000000000000001".
 */
export function formatTokenAmount(amount: bigint, decimals: number, significant = DEFAULT_SIGNIFICANT_DIGITS): string {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`decimals must be a non-negative integer, got ${decimals}`);
  if (!Number.isInteger(significant) || significant < 1) throw new RangeError(`significant digits must be a positive integer, got ${significant}`);
  if (amount < 0n) return `-${formatTokenAmount(-amount, decimals, significant)}`;
  const scale = 10n ** BigInt(decimals);
  const whole = amount / scale;
  let fractionDigits: number;
  if (whole > 0n) {
    fractionDigits = Math.max(0, significant - whole.toString().length);
  } else {
    // Digits of the fraction before its first nonzero one, then `significant` more.
    const leadingZeros = decimals - (amount === 0n ? 0 : amount.toString().length);
    fractionDigits = leadingZeros + significant;
  }
  fractionDigits = Math.min(fractionDigits, decimals);
  const step = 10n ** BigInt(decimals - fractionDigits);
  const rounded = ((amount + step / 2n) / step) * step;
  return exactTokenAmount(rounded, decimals);
}

/** `amount` in token units with every digit (trailing zeros of the fraction dropped): exact. */
export function exactTokenAmount(amount: bigint, decimals: number): string {
  if (amount < 0n) return `-${exactTokenAmount(-amount, decimals)}`;
  const scale = 10n ** BigInt(decimals);
  const whole = (amount / scale).toString();
  const fraction = (amount % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** "1.5 WETH": `amount` in `token`'s units at the default precision, then `label` (default: its symbol). */
export function formatWithSymbol(amount: bigint, token: TokenUnits, label = token.symbol): string {
  return `${formatTokenAmount(amount, token.decimals)} ${label}`;
}

/**
 * Parses an amount in token units ("1.5", "0.000001", "20") into base units, exactly; InputError
 * naming `what` for anything else, including more fraction digits than the token has.
 */
export function parseTokenAmount(what: string, text: string, decimals: number): bigint {
  const match = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text.trim());
  if (match === null) throw new InputError(`${what} must be a non-negative decimal amount in token units, got "${text}"`);
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) {
    throw new InputError(`${what} has ${fraction.length} decimals but the token has ${decimals}, got "${text}"`);
  }
  return BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}
