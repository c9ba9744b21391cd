import type { HexAddress, SnapshotToken } from '../market/snapshot.ts';
import { resolveToken } from '../scanner/base-tokens.ts';
import { formatTokenAmount } from './token-amount.ts';

/**
 * Token names for people. A symbol is not an identity: two different tokens may both be called
 * USDC (a bridged copy, a scam), so wherever a symbol is shared by several tokens of a market it
 * is shown with a short address, `USDC(0xa0b8…)`, and a symbol given on the command line must
 * name one token only.
 */

/** Hex digits of an address shown after "0x" in a short address, at least. */
const SHORT_HEX_DIGITS = 4;

/** `0xa0b8…`: the first hex digits of an address (more when `hexDigits` says so). */
export function shortAddress(address: string, hexDigits = SHORT_HEX_DIGITS): string {
  return `${address.slice(0, 2 + hexDigits)}…`;
}

/**
 * The tokens of a market by address, with labels that tell apart tokens sharing a symbol. A token
 * whose decimals() the market could not read is listed with decimals 0 (src/market); named in
 * `decimalsUnknown`, it has no token units here: its amounts are said in base units, so one whole
 * token of 18 decimals never reads as 10^18 tokens.
 */
export class TokenDirectory {
  private readonly byAddress = new Map<string, SnapshotToken>();
  private readonly labels = new Map<string, string>();
  private readonly decimalsUnknown: ReadonlySet<string>;

  constructor(tokens: Iterable<SnapshotToken>, decimalsUnknown: Iterable<string> = []) {
    this.decimalsUnknown = new Set([...decimalsUnknown].map((address) => address.toLowerCase()));
    for (const token of tokens) {
      if (!this.byAddress.has(token.address.toLowerCase())) this.byAddress.set(token.address.toLowerCase(), token);
    }
    const bySymbol = new Map<string, SnapshotToken[]>();
    for (const token of this.byAddress.values()) {
      const key = token.symbol.toLowerCase();
      bySymbol.set(key, [...(bySymbol.get(key) ?? []), token]);
    }
    for (const [symbol, group] of bySymbol) {
      if (symbol === '') {
        for (const token of group) this.labels.set(token.address.toLowerCase(), shortAddress(token.address));
        continue;
      }
      const addresses = group.map((token) => token.address.toLowerCase());
      for (const token of group) {
        const address = token.address.toLowerCase();
        const label = group.length === 1 ? token.symbol : `${token.symbol}(${shortAddress(address, distinguishingDigits(address, addresses))})`;
        this.labels.set(address, label);
      }
    }
  }

  /** The directory of every token of `pools` (each pool's token0 and token1). */
  static fromPools(pools: Iterable<{ token0: SnapshotToken; token1: SnapshotToken }>): TokenDirectory {
    const tokens: SnapshotToken[] = [];
    for (const pool of pools) tokens.push(pool.token0, pool.token1);
    return new TokenDirectory(tokens);
  }

  /** Every token, in the order first seen. */
  get tokens(): SnapshotToken[] {
    return [...this.byAddress.values()];
  }

  /** The token at `address` (any case), undefined when the market has none. */
  get(address: string): SnapshotToken | undefined {
    return this.byAddress.get(address.toLowerCase());
  }

  /** "WETH", "USDC(0xa0b8…)" when another token is also called USDC, the short address for an unknown token. */
  label(address: string): string {
    return this.labels.get(address.toLowerCase()) ?? shortAddress(address);
  }

  /** The token's decimals; undefined for a token the market lacks or whose decimals it could not read. */
  decimals(address: string): number | undefined {
    if (this.decimalsUnknown.has(address.toLowerCase())) return undefined;
    return this.get(address)?.decimals;
  }

  /**
   * "1.5 WETH": `amount` base units of the token at `address`; "N base units of 0x…" for an unknown
   * token, "N base units of ODD (decimals unknown)" for one whose decimals are unknown.
   */
  amount(address: string, amount: bigint): string {
    const token = this.get(address);
    if (token === undefined) return `${amount} base units of ${shortAddress(address)}`;
    const decimals = this.decimals(address);
    if (decimals === undefined) return `${amount} base units of ${this.label(address)} (decimals unknown)`;
    return `${formatTokenAmount(amount, decimals)} ${this.label(address)}`;
  }

  /**
   * The token named by `spec`: an address (any case) or a symbol (any case) that names one token
   * only; InputError naming `role` otherwise, listing every address an ambiguous symbol could mean.
   */
  resolve(spec: string, role = 'token'): SnapshotToken & { address: HexAddress } {
    const tokens = this.tokens;
    const index = new Map(tokens.map((token, i) => [token.address.toLowerCase(), i]));
    return tokens[resolveToken({ tokens, index, degree: new Int32Array(tokens.length) }, spec, role)]!;
  }
}

/** The fewest hex digits (at least the default) that tell `address` apart from the others of `addresses`. */
function distinguishingDigits(address: string, addresses: readonly string[]): number {
  const others = addresses.filter((other) => other !== address);
  for (let digits = SHORT_HEX_DIGITS; digits < 40; digits++) {
    const prefix = address.slice(0, 2 + digits);
    if (!others.some((other) => other.startsWith(prefix))) return digits;
  }
  return 40;
}
