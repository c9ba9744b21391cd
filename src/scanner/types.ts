import type { HexAddress, PoolSnapshot } from '../market/snapshot.ts';
import type { FlashSource, FlashSourceOptions } from './flash-source.ts';

/** Scanner configuration; every field has a default. */
export interface ScannerOptions {
  /** Base tokens by address or unambiguous symbol, in priority order (default: the 4 most connected tokens). */
  bases?: readonly string[];
  /** Longest cycle, 2..4 (default 3). */
  maxHops?: number;
  /** Fee per gas in wei of the gas token (default 0: gross ranking). */
  gasPrice?: bigint;
  /** The token gas is paid in (default: the chain's wrapped native token when the market has it). */
  gasToken?: string;
  /** Flash lenders besides a V2 flash swap on the first hop, and their fees (src/scanner/flash-source.ts). */
  flash?: FlashSourceOptions;
  /** Largest input per base token, keyed by address or unambiguous symbol (default: the uint112 bound of V2 reserves). */
  maxIn?: ReadonlyMap<string, bigint>;
  /**
   * Smallest path group formed (path-groups.ts), for a path with a V3 hop and an all-V2 one
   * (default 2 and 16). Results never depend on it, only the work: tests lower it to group everything.
   */
  pathGroupMin?: { v3: number; v2: number };
}

/** One ranked arbitrage, exact in base units of the start token. */
export interface Opportunity {
  /** Cycle number in the scanner (stable for the scanner's lifetime). */
  cycle: number;
  /** Block whose state it was computed at (null when the snapshot has none). */
  block: bigint | null;
  /** Pools in hop order. */
  pools: HexAddress[];
  /** Each hop's protocol, in hop order (what the executor's route needs per hop). */
  protocols: PoolProtocol[];
  /** Each hop's pool fee in pips (3000 = 0.30 %), the pool's own fee, in hop order. */
  fees: number[];
  /** Tokens along the route: start, after hop 1, …, back to the start. */
  tokens: HexAddress[];
  /** Exact amounts: input, then each hop's output. */
  amounts: bigint[];
  amountIn: bigint;
  amountOut: bigint;
  /** amountOut − amountIn. */
  profit: bigint;
  /** The flash source with the largest net profit at the current gas price (never a pool the route swaps through). */
  flashSource: FlashSource;
  /** Fee of the flash source on amountIn, rounded up. */
  flashFee: bigint;
  /** Gas units of the route shape through its flash source (src/scanner/gas-table.ts), plus TICK_CROSS_GAS per initialized tick its V3 hops cross at `amounts`. */
  gasUnits: bigint;
  /** Gas units × gas price, in the start token, rounded up. */
  gasCost: bigint;
  /** profit − flashFee − gasCost. */
  netProfit: bigint;
}

/** A pool's protocol as the snapshot names it. */
export type PoolProtocol = PoolSnapshot['protocol'];
