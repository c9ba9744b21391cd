import type { z } from 'zod';
import { field, ValueProblem, type BaseToken } from './values.ts';

/**
 * ORION_USD_REFERENCE_POOLS: which pool prices each base token in a USD stablecoin, for the
 * risk snapshot's USD figures. A comma list of `TOKEN=POOL`:
 * - TOKEN: a base token, by symbol (case-insensitive) or address;
 * - POOL: the pool's address (0x + 40 hex), or `v2:STABLE:FEE` / `v3:STABLE:FEE`, the pool of
 *   TOKEN and STABLE (a symbol or address) of that protocol and fee (hundredths of a basis
 *   point, as Uniswap writes it) in the followed market: the form whose meaning survives a
 *   redeployment (the local chain's pools get new addresses), so the default uses it.
 * `none` turns USD figures off.
 */

/** How a reference pool is named. */
export type ReferencePool =
  | { type: 'address'; address: `0x${string}` }
  | { type: 'pair'; protocol: 'uniswap-v2' | 'uniswap-v3'; stable: BaseToken; fee: number };

/** One base token's USD reference. */
export interface UsdReference {
  token: BaseToken;
  pool: ReferencePool;
  /** As written, for messages. */
  text: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SYMBOL = /^[^\s,=:]{1,32}$/u;

function reject(problem: string): never {
  throw new ValueProblem(problem);
}

function tokenOf(text: string, what: string): BaseToken {
  if (ADDRESS.test(text)) return { type: 'address', address: text.toLowerCase() as `0x${string}` };
  if (/^0x/i.test(text)) return reject(`has ${what} ${JSON.stringify(text)} that is not a 20-byte address`);
  if (!SYMBOL.test(text)) return reject(`has ${what} ${JSON.stringify(text)} that is not a token symbol`);
  return { type: 'symbol', symbol: text };
}

function poolOf(text: string, entry: string): ReferencePool {
  if (/^0x/i.test(text)) {
    if (!ADDRESS.test(text)) reject(`has entry ${JSON.stringify(entry)} whose pool is not a 20-byte address`);
    return { type: 'address', address: text.toLowerCase() as `0x${string}` };
  }
  const parts = text.split(':');
  const [protocol, stable, fee] = parts;
  if (parts.length !== 3 || (protocol !== 'v2' && protocol !== 'v3') || !/^\d{1,6}$/.test(fee!) || Number(fee) >= 1_000_000) {
    return reject(`has entry ${JSON.stringify(entry)} whose pool is neither an address nor v2:STABLE:FEE / v3:STABLE:FEE`);
  }
  return { type: 'pair', protocol: protocol === 'v2' ? 'uniswap-v2' : 'uniswap-v3', stable: tokenOf(stable!, 'a stablecoin'), fee: Number(fee) };
}

/** Parses the setting (an env string, or a JSON array of `TOKEN=POOL` strings in the file). */
export function usdReferenceList(): z.ZodType<UsdReference[], z.ZodTypeDef, unknown> {
  return field('none, or a comma-separated list of TOKEN=POOL: TOKEN a base token symbol or address, POOL a pool address or v2:STABLE:FEE / v3:STABLE:FEE (e.g. WETH=v3:USDC:3000)', (raw) => {
    const entries = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : reject(`is a ${typeof raw}, not a list`);
    if (entries.length === 1 && typeof entries[0] === 'string' && entries[0].trim().toLowerCase() === 'none') return [];
    const seen = new Set<string>();
    return entries.map((item, i) => {
      if (typeof item !== 'string') reject(`has entry ${i + 1} that is a ${typeof item}, not a text`);
      const entry = item.trim();
      const equals = entry.indexOf('=');
      if (equals <= 0 || equals === entry.length - 1) reject(`has entry ${i + 1} (${JSON.stringify(entry)}) that is not TOKEN=POOL`);
      const token = tokenOf(entry.slice(0, equals).trim(), 'a token');
      const key = token.type === 'address' ? token.address : token.symbol.toLowerCase();
      if (seen.has(key)) reject(`names ${JSON.stringify(entry.slice(0, equals).trim())} twice`);
      seen.add(key);
      return { token, pool: poolOf(entry.slice(equals + 1).trim(), entry), text: entry };
    });
  });
}
