/** Bodies of the desk's read routes (src/api/schemas/desk.ts) as the dashboard reads them. */

/** An amount: exact base units, exact token units (null when decimals are unknown), the token's label, one line. */
export interface Amount {
  raw: string;
  units: string | null;
  symbol: string;
  display: string;
}

/** A token as a row names it. */
export interface TokenRef {
  address: string;
  symbol: string;
  decimals: number | null;
}

/** A page of a list route. */
export interface Page<T> {
  rows: T[];
  nextCursor: string | null;
}

/** `/opportunities` row. */
export interface Opportunity {
  id: string;
  mode: string;
  route: string;
  routeKey: string;
  baseToken: TokenRef;
  pools: string[];
  tokens: string[];
  lastBlock: string;
  lastSeenAt: string;
  amountIn: Amount;
  netProfit: Amount;
  flash: { kind: string; lender: string | null; fee: Amount };
  gas: { units: string; priceWei: string; cost: Amount };
  decision: { outcome: string; rule: string | null; reason: string | null; block: string } | null;
}

/** `/simulations` row. */
export interface Simulation {
  id: string;
  status: string;
  route: string | null;
  pools: string[];
  baseToken: TokenRef | null;
  stateBlock: string | null;
  predictedProfit: Amount | null;
  simulatedProfit: Amount | null;
  gasUsed: string | null;
  revert: { name: string | null; args: unknown[] } | null;
  error: string | null;
  simulatedAt: string;
}

/** `/tokens` row. */
export interface Token {
  chainId: number;
  address: string;
  symbol: string;
  label: string;
  decimals: number;
  decimalsKnown: boolean;
  unsafeReason: string | null;
}
