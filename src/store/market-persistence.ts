import type { MarketPersistence } from '../market/persistence.ts';
import { createCheckpointRepository } from './checkpoint-repository.ts';
import { createMarketSyncRepository } from './market-sync-repository.ts';
import type { Queryable, Store } from './types.ts';

/**
 * The market's persistence (src/market/persistence.ts) on the store: the market sync tables
 * (migration 0002) and the chain checkpoint (0001), a transaction giving the same interface over
 * the open transaction.
 */

function over(db: Queryable, transaction: MarketPersistence['transaction']): MarketPersistence {
  const repo = createMarketSyncRepository(db);
  const checkpoints = createCheckpointRepository(db);
  return {
    getSync: (chainId) => repo.getSync(chainId),
    saveSync: (row) => repo.saveSync(row),
    reset: (chainId) => repo.reset(chainId),
    addPools: (chainId, pools) => repo.addPools(chainId, pools),
    updatePools: (chainId, updates) => repo.updatePools(chainId, updates),
    listPools: (chainId, filter) => repo.listPools(chainId, filter),
    saveTokens: (chainId, tokens) => repo.saveTokens(chainId, tokens),
    listTokens: (chainId) => repo.listTokens(chainId),
    saveChainCheckpoint: async (checkpoint) => {
      await checkpoints.save(checkpoint);
    },
    transaction,
  };
}

/** The market's persistence on `store`. */
export function createMarketPersistence(store: Store): MarketPersistence {
  const nested: MarketPersistence['transaction'] = () => Promise.reject(new Error('market persistence: a transaction inside a transaction is not supported'));
  return over(store, (fn) => store.transaction((tx) => fn(over(tx, nested))));
}
