import { InputError } from '../errors.ts';
import type { HexAddress, PoolSnapshot } from '../market/snapshot.ts';
import { resolveGasToken, tokensJoinedToGas } from './gas-pricing.ts';
import { buildPoolTable, type PoolTable } from './pool-table.ts';
import { buildTokenTable, type TokenTable } from './tokens.ts';

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** How many hub tokens serve as bases when none are given. */
export const DEFAULT_BASE_COUNT = 4;

/**
 * Resolves base tokens given by address (any case) or by symbol (case-insensitive) to token
 * indices, in the order given (the order is the priority used to pick one rotation of a cycle).
 * A symbol naming several tokens is refused with every address it could mean, because
 * guessing would size trades in a token the user did not pick.
 */
export function resolveBaseTokens(table: TokenTable, specs: readonly string[]): number[] {
  const out: number[] = [];
  for (const spec of specs) {
    const i = resolveOne(table, spec.trim());
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

/** One token by address (any case) or unambiguous symbol; `role` names it in errors (e.g. "base token"). */
export function resolveToken(table: TokenTable, spec: string, role = 'base token'): number {
  return resolveOne(table, spec.trim(), role);
}

function resolveOne(table: TokenTable, spec: string, role = 'base token'): number {
  if (ADDRESS_RE.test(spec)) {
    const i = table.index.get(spec.toLowerCase());
    if (i === undefined) throw new InputError(`${role} ${spec} is not a token of any pool in the market`, { details: { base: spec } });
    return i;
  }
  const wanted = spec.toLowerCase();
  const matches: number[] = [];
  table.tokens.forEach((token, i) => {
    if (token.symbol.toLowerCase() === wanted) matches.push(i);
  });
  if (matches.length === 0) {
    throw new InputError(`${role} "${spec}" is neither an address nor the symbol of a token in the market`, { details: { base: spec } });
  }
  if (matches.length > 1) {
    const addresses = matches.map((i) => table.tokens[i]!.address);
    throw new InputError(`${role} symbol "${spec}" names ${matches.length} tokens: ${addresses.join(', ')}; give the address instead`, {
      details: { base: spec, addresses },
    });
  }
  return matches[0]!;
}

/**
 * Default bases: the most connected tokens (on Ethereum that is WETH, USDT, DAI, USDC), most
 * connected first, ties by address so the choice is stable. `eligible` skips tokens that cannot
 * serve (e.g. gas cannot be priced in them), so a default never makes the scan fail.
 */
export function defaultBaseTokens(table: TokenTable, count = DEFAULT_BASE_COUNT, eligible: (token: number) => boolean = () => true): number[] {
  const before = (a: number, b: number): boolean => table.degree[b]! < table.degree[a]! || (table.degree[b] === table.degree[a] && table.tokens[a]!.address < table.tokens[b]!.address);
  // The first `count` of that order, kept by insertion: sorting every token (~60k at 100k
  // pools) by a comparator that reads addresses took ~0.15 s of a cold start to keep four.
  const best: number[] = [];
  for (let t = 0; t < table.tokens.length; t++) {
    if (best.length === count && !before(t, best[count - 1]!)) continue;
    if (!eligible(t)) continue;
    let at = best.length;
    while (at > 0 && before(t, best[at - 1]!)) at--;
    best.splice(at, 0, t);
    if (best.length > count) best.pop();
  }
  return best;
}

/**
 * The base tokens a scan trades from (every cycle starts and ends in one): the tokens named in
 * `specs`, in that order, or when none are named the default bases. With gas priced, a default
 * base is only a token gas can be priced in (on Optimism the bridged USDC.e shares no pool with
 * WETH); named bases are checked by the scanner instead, which refuses one it cannot price.
 */
export function chooseBaseTokens(tokens: TokenTable, pools: PoolTable, gasToken: number, specs: readonly string[] | undefined, gasPriced: boolean): number[] {
  if (specs !== undefined && specs.length > 0) return resolveBaseTokens(tokens, specs);
  const priceable = gasPriced ? tokensJoinedToGas(pools, gasToken) : undefined;
  return defaultBaseTokens(tokens, undefined, priceable === undefined ? undefined : (t) => priceable.has(t));
}

/**
 * The same choice for a market no scanner holds yet (the pre-flight `limits` check of live
 * mode asks which tokens need a loss limit before the engine starts): the lowercase addresses of
 * the bases a Scanner of `pools` with these options trades from. InputError as the scanner's.
 */
export function marketBaseTokens(pools: readonly PoolSnapshot[], chainId: number, options: { bases?: readonly string[] | undefined; gasToken?: string | undefined; gasPriced: boolean }): HexAddress[] {
  const tokens = buildTokenTable(pools);
  const table = buildPoolTable(pools, tokens);
  const bases = chooseBaseTokens(tokens, table, resolveGasToken(tokens, chainId, options.gasToken), options.bases, options.gasPriced);
  return bases.map((t) => tokens.tokens[t]!.address.toLowerCase() as HexAddress);
}
