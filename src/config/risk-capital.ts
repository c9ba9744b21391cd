import type { z } from 'zod';
import { field, ValueProblem, type BaseToken } from './values.ts';

/**
 * ORION_RISK_CAPITAL: the capital the strategy trades with, per base token, in token units
 * (`WETH=10,USDC=25000`): the risk snapshots give the maximum drawdown as a percentage of it.
 * Token units because the token's decimals are the market's to say (the desk scales them).
 */

/** One base token's capital as written. */
export interface RiskCapital {
  token: BaseToken;
  /** A positive decimal number of token units, as written (e.g. "10" or "0.5"). */
  amount: string;
  text: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SYMBOL = /^[^\s,=]{1,32}$/u;
const AMOUNT = /^(?:\d+(?:\.\d+)?)$/;

function reject(problem: string): never {
  throw new ValueProblem(problem);
}

/** Parses the setting (an env string, or a JSON array of `TOKEN=AMOUNT` strings in the file). */
export function riskCapitalList(): z.ZodType<RiskCapital[], z.ZodTypeDef, unknown> {
  return field('a comma-separated list of TOKEN=AMOUNT: TOKEN a base token symbol or address, AMOUNT a positive decimal number of token units (e.g. WETH=10)', (raw) => {
    const entries = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : reject(`is a ${typeof raw}, not a list`);
    const seen = new Set<string>();
    return entries.map((item, i) => {
      if (typeof item !== 'string') reject(`has entry ${i + 1} that is a ${typeof item}, not a text`);
      const entry = item.trim();
      const [name, amount, extra] = entry.split('=').map((part) => part.trim());
      if (name === undefined || name === '' || amount === undefined || extra !== undefined) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not TOKEN=AMOUNT`);
      if (/^0x/i.test(name) && !ADDRESS.test(name)) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) whose token is not a 20-byte address`);
      if (!SYMBOL.test(name)) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) whose token is not a symbol`);
      if (!AMOUNT.test(amount) || !/[1-9]/.test(amount)) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) whose amount is not a positive decimal number`);
      const token: BaseToken = ADDRESS.test(name) ? { type: 'address', address: name.toLowerCase() as `0x${string}` } : { type: 'symbol', symbol: name };
      const key = token.type === 'address' ? token.address : token.symbol.toLowerCase();
      if (seen.has(key)) reject(`names ${JSON.stringify(name)} twice`);
      seen.add(key);
      return { token, amount, text: entry };
    });
  });
}

/**
 * ORION_RISK_FREE_RATE: an annual rate as a fraction (0.05 = 5 %), earned on each base token's
 * ORION_RISK_CAPITAL and taken off each day of the daily P&L before Sharpe and Sortino.
 */
export function riskFreeRate(): z.ZodType<number, z.ZodTypeDef, unknown> {
  return field('an annual rate as a fraction from 0 to less than 1 (0.05 = 5 %)', (raw) => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : reject(`is a ${typeof raw}, not a number`);
    if (!/^\d+(?:\.\d+)?$/.test(text)) reject('is not a decimal number');
    const rate = Number(text);
    if (!(rate >= 0 && rate < 1)) reject('is out of range');
    return rate;
  });
}
