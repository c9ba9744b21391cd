/**
 * What the market needs to persist, as an interface the engine hands in: the initial sync's
 * checkpoint, the tokens with their safety verdict, the tracked pools with their state, and the
 * chain checkpoint the block stream resumes from. The market imports no database code; the
 * store implements this (src/store/market-persistence.ts), tests may hand in their own.
 */

/** The sync checkpoint of one chain. */
export interface MarketSyncRow {
  chainId: number;
  blockNumber: bigint;
  blockHash: `0x${string}`;
  discoveredTo: bigint | null;
  status: 'discovering' | 'loading' | 'complete';
}

/** One token. */
export interface MarketTokenRow {
  address: string;
  symbol: string;
  name: string | null;
  decimals: number;
  decimalsKnown: boolean;
  unsafeReason: string | null;
}

/** One pool; `state` is null until loaded. */
export interface MarketPoolRow {
  address: string;
  protocol: 'uniswap-v2' | 'uniswap-v3';
  token0: string;
  token1: string;
  fee: number;
  tickSpacing: number | null;
  state: Record<string, unknown> | null;
  excludedReason: string | null;
}

/** Where the block stream resumes after a restart. */
export interface ChainCheckpoint {
  chainId: number;
  blockNumber: bigint;
  blockHash: `0x${string}`;
}

/** The market's persistence. */
export interface MarketPersistence {
  getSync(chainId: number): Promise<MarketSyncRow | undefined>;
  saveSync(row: MarketSyncRow): Promise<void>;
  /** Deletes every market row of the chain (a checkpoint whose block left the chain). */
  reset(chainId: number): Promise<void>;
  /** Inserts pools not yet known (identity only); known ones are left as they are. */
  addPools(chainId: number, pools: readonly Omit<MarketPoolRow, 'state' | 'excludedReason'>[]): Promise<void>;
  /** Sets state or exclusion of pools. */
  updatePools(chainId: number, updates: readonly { address: string; state: Record<string, unknown> | null; excludedReason: string | null }[]): Promise<void>;
  listPools(chainId: number, filter?: 'pending' | 'loaded' | 'all'): Promise<MarketPoolRow[]>;
  saveTokens(chainId: number, tokens: readonly MarketTokenRow[]): Promise<void>;
  listTokens(chainId: number): Promise<MarketTokenRow[]>;
  saveChainCheckpoint(checkpoint: ChainCheckpoint): Promise<void>;
  /** Runs `fn` atomically: every write in it lands, or none. */
  transaction<T>(fn: (tx: MarketPersistence) => Promise<T>): Promise<T>;
}
