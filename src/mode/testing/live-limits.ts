import { TokenDirectory } from '../../format/symbols.ts';
import type { HexAddress, SnapshotToken } from '../../market/snapshot.ts';
import { seedLimits, type Limits } from '../../orchestrator/limits.ts';
import { seedLimitsOnce, writeLimits, type LimitsVersion } from '../../risk-controls/limits-repository.ts';
import type { Store } from '../../store/types.ts';
import type { ValidationTarget } from '../checks.ts';

/**
 * What a test of live validation needs for the `limits` check: base tokens standing for a
 * market's (the mode tests' anvil has only the executor contract, no pools), and limits in force
 * with a max_daily_loss for each. One place, so every test that validates or switches to live
 * sets them up the same way.
 */

/** Two base tokens, a WETH and a USDC, at addresses no chain of the tests deploys to. */
export const TEST_BASES: readonly SnapshotToken[] = [
  { address: `0x${'e1'.repeat(20)}` as HexAddress, symbol: 'WETH', decimals: 18 },
  { address: `0x${'c6'.repeat(20)}` as HexAddress, symbol: 'USDC', decimals: 6 },
];

/** The target's base tokens and token directory: `bases` (default TEST_BASES), resolved as given. */
export function limitsTarget(bases: readonly SnapshotToken[] = TEST_BASES): Pick<ValidationTarget, 'baseTokens' | 'tokens'> {
  return { baseTokens: () => bases.map((token) => token.address), tokens: new TokenDirectory(bases) };
}

/** A max_daily_loss for each token (default: each of TEST_BASES, one whole token), in base units. */
export function dailyLossFor(bases: readonly SnapshotToken[] = TEST_BASES): Record<string, bigint> {
  return Object.fromEntries(bases.map((token) => [token.address, 10n ** BigInt(token.decimals)]));
}

/**
 * Writes the limits in force as `change` makes them from the current version (seeding version 1
 * first when the table is empty), by actor `test`: what `orion limits set` would store.
 */
export async function writeTestLimits(store: Store, chainId: number, change: (limits: Limits) => Limits): Promise<LimitsVersion> {
  await seedLimitsOnce(store, chainId, seedLimits({}));
  return writeLimits(store, chainId, (current) => change(structuredClone(current.limits)), 'test', 'limits a live validation test needs');
}

/** The usual set-up: a max_daily_loss for each of `bases` in force. */
export function setTestDailyLoss(store: Store, chainId: number, bases: readonly SnapshotToken[] = TEST_BASES): Promise<LimitsVersion> {
  return writeTestLimits(store, chainId, (limits) => ({ ...limits, maxDailyLoss: { ...limits.maxDailyLoss, ...dailyLossFor(bases) } }));
}
