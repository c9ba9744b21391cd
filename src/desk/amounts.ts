import { shortAddress, TokenDirectory } from '../format/symbols.ts';
import { exactTokenAmount } from '../format/token-amount.ts';
import type { Queryable } from '../store/types.ts';

/**
 * Amounts as the desk shows them: the exact decimal string of the base units for machines, and
 * the same amount in token units with the token's label for people (src/format: a symbol two
 * tokens of the market share is shown with a short address). Token metadata comes from the
 * market's own table (`market_token`), so a page costs one extra query, not one per row.
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
  constructor(private readonly byChain: ReadonlyMap<number, TokenDirectory>) {}

  private directory(chainId: number): TokenDirectory {
    return this.byChain.get(chainId) ?? new TokenDirectory([]);
  }

  /** `raw` base units of `token` on `chainId`; null stays null. */
  amount(chainId: number, token: string, raw: bigint): Amount;
  amount(chainId: number, token: string, raw: bigint | null): Amount | null;
  amount(chainId: number, token: string, raw: bigint | null): Amount | null {
    if (raw === null) return null;
    const directory = this.directory(chainId);
    const known = directory.get(token);
    return { raw: raw.toString(), units: known === undefined ? null : exactTokenAmount(raw, known.decimals), symbol: directory.label(token), display: directory.amount(token, raw) };
  }

  /** The token's address, label and decimals (null when the market does not know it). */
  token(chainId: number, address: string): TokenRef {
    const directory = this.directory(chainId);
    const known = directory.get(address);
    return { address, symbol: known === undefined ? shortAddress(address) : directory.label(address), decimals: known?.decimals ?? null };
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
  for (const [chainId, addresses] of wanted) {
    if (addresses.size === 0) continue;
    const { rows } = await db.query<{ address: string; symbol: string; decimals: number }>(
      `select address, symbol, decimals from market_token where chain_id = $1 and lower(symbol) in
         (select lower(symbol) from market_token where chain_id = $1 and address = any($2::text[]))`,
      [chainId, [...addresses].map((a) => a.toLowerCase())],
    );
    byChain.set(chainId, new TokenDirectory(rows.map((r) => ({ address: r.address as `0x${string}`, symbol: r.symbol, decimals: Number(r.decimals) }))));
  }
  return new DeskTokens(byChain);
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
