import { shortAddress, TokenDirectory } from '../format/symbols.ts';
import { exactTokenAmount } from '../format/token-amount.ts';
import type { Queryable } from '../store/types.ts';

/**
 * Amounts as the desk shows them: the exact decimal string of the base units for machines, and
 * the same amount in token units with the token's label for people (src/format: a symbol two
 * tokens of the market share is shown with a short address). Token metadata comes from the
 * market's own table (`market_token`), so a page costs one extra query, not one per row.
 *
 * A token whose decimals() could not be read is stored with decimals 0 and `decimals_known`
 * false: its amounts have no token units (`units: null`, `decimals: null`) and are shown as base
 * units, said so ("1500000000000000000 base units of ODD (decimals unknown)"), never as whole tokens.
 */

/** An amount: raw base units, exact token units (null when the token's decimals are unknown), label, and one line for people. */
export interface Amount {
  raw: string;
  units: string | null;
  symbol: string;
  display: string;
}

/** A token as the desk shows it. */
export interface TokenRef {
  address: string;
  symbol: string;
  decimals: number | null;
}

/** The labels and decimals of the tokens a page names, per chain. */
export class DeskTokens {
  /** `unknownDecimals`: per chain, the (lower-case) addresses whose decimals the market could not read. */
  constructor(private readonly byChain: ReadonlyMap<number, TokenDirectory>, private readonly unknownDecimals: ReadonlyMap<number, ReadonlySet<string>> = new Map()) {}

  private directory(chainId: number): TokenDirectory {
    return this.byChain.get(chainId) ?? new TokenDirectory([]);
  }

  /** The token's decimals; undefined when the market does not have it or could not read them. */
  private decimals(chainId: number, token: string): number | undefined {
    if (this.unknownDecimals.get(chainId)?.has(token.toLowerCase()) === true) return undefined;
    return this.directory(chainId).get(token)?.decimals;
  }

  /** `raw` base units of `token` on `chainId`; null stays null. */
  amount(chainId: number, token: string, raw: bigint): Amount;
  amount(chainId: number, token: string, raw: bigint | null): Amount | null;
  amount(chainId: number, token: string, raw: bigint | null): Amount | null {
    if (raw === null) return null;
    const directory = this.directory(chainId);
    const decimals = this.decimals(chainId, token);
    if (decimals === undefined && directory.get(token) !== undefined) {
      const symbol = directory.label(token);
      return { raw: raw.toString(), units: null, symbol, display: `${raw} base units of ${symbol} (decimals unknown)` };
    }
    return { raw: raw.toString(), units: decimals === undefined ? null : exactTokenAmount(raw, decimals), symbol: directory.label(token), display: directory.amount(token, raw) };
  }

  /** The token's address, label and decimals (null when the market does not know the token or its decimals). */
  token(chainId: number, address: string): TokenRef {
    const directory = this.directory(chainId);
    const known = directory.get(address);
    return { address, symbol: known === undefined ? shortAddress(address) : directory.label(address), decimals: this.decimals(chainId, address) ?? null };
  }

  /** "WETH>USDC>WETH". */
  route(chainId: number, tokens: readonly string[]): string {
    const directory = this.directory(chainId);
    return tokens.map((t) => directory.label(t)).join('>');
  }
}

/**
 * Loads the tokens `wanted` names (chain id → addresses) and every other token of the same chain
 * sharing one of their symbols, so labels tell the look-alikes apart exactly as the CLI does.
 */
export async function loadDeskTokens(db: Queryable, wanted: ReadonlyMap<number, ReadonlySet<string>>): Promise<DeskTokens> {
  const byChain = new Map<number, TokenDirectory>();
  const unknownDecimals = new Map<number, Set<string>>();
  for (const [chainId, addresses] of wanted) {
    if (addresses.size === 0) continue;
    const { rows } = await db.query<{ address: string; symbol: string; decimals: number; decimals_known: boolean }>(
      `select address, symbol, decimals, decimals_known from market_token where chain_id = $1 and lower(symbol) in
         (select lower(symbol) from market_token where chain_id = $1 and address = any($2::text[]))`,
      [chainId, [...addresses].map((a) => a.toLowerCase())],
    );
    byChain.set(chainId, new TokenDirectory(rows.map((r) => ({ address: r.address as `0x${string}`, symbol: r.symbol, decimals: Number(r.decimals) }))));
    unknownDecimals.set(chainId, new Set(rows.filter((r) => !r.decimals_known).map((r) => r.address.toLowerCase())));
  }
  return new DeskTokens(byChain, unknownDecimals);
}

/** Collects chain id → token addresses of a page's rows. */
export function tokensOf<R>(rows: readonly R[], pick: (row: R) => { chainId: number; tokens: readonly string[] }): Map<number, Set<string>> {
  const wanted = new Map<number, Set<string>>();
  for (const row of rows) {
    const { chainId, tokens } = pick(row);
    const set = wanted.get(chainId) ?? new Set<string>();
    for (const t of tokens) set.add(t.toLowerCase());
    wanted.set(chainId, set);
  }
  return wanted;
}
