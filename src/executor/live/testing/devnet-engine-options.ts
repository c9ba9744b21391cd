import type { Devnet } from '../../../devnet/devnet.ts';
import type { EngineOptions } from '../../../engine/engine.ts';
import { DEFAULT_PLAN_SETTINGS } from '../../../orchestrator/plan.ts';
import { engineProtections } from '../../../risk-controls/testing/engine-protections.ts';
import type { Store } from '../../../store/types.ts';

/** TEST CODE — the engine options the live tests share: the devnet's pools, executor and hot key, 1 s blocks, fast polling. */
export function devnetEngineOptions(devnet: Devnet, store: Store, priorityFee: bigint): Omit<EngineOptions, 'mode'> {
  return {
    store, protections: engineProtections(store, 31337).open, rpcUrls: [devnet.anvil.rpcUrl], expectedChainId: 31337, pools: devnet.seeded.localSnapshot.pools,
    baseTokens: ['WETH', 'USDC', 'USDT'], maxHops: 3, maxStaleBlocks: 5, gasBid: { priorityFee },
    execution: { executor: devnet.executor!.address, hotKey: devnet.executor!.hotKey }, plan: DEFAULT_PLAN_SETTINGS, blockTimeSeconds: 1, pollIntervalMs: 100,
  };
}
