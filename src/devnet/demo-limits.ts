import type { TokenDirectory } from '../format/symbols.ts';
import { parseTokenAmount } from '../format/token-amount.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { Limits } from '../orchestrator/limits.ts';
import { seedLimitsOnce, writeLimits, type LimitsVersion } from '../risk-controls/limits-repository.ts';
import type { Store } from '../store/types.ts';

/**
 * The devnet demo's loss limits. Live mode refuses to start without a `max_daily_loss` for every
 * base token (src/mode/checks.ts), and `ORION_MODE=live ORION_ALLOW_LIVE=on npm start` on the
 * embedded chain must work as it is: so the embedded chain's start-up writes one for each base
 * token that lacks one, as a limits version by `devnet`. Only there — the platform calls this
 * for the chain it started itself, never for one of ORION_RPC_URLS, where the operator sets them.
 * Its money is anvil's, so the figures are a demonstration, not advice.
 */

/** The actor of the version this writes (the audit of the limits table names it). */
export const DEVNET_LIMITS_ACTOR = 'devnet';

/** The demo's max_daily_loss by symbol (upper case), in token units: about a thousand dollars of each at the snapshot's prices. */
const DEMO_DAILY_LOSS: Readonly<Record<string, string>> = {
  WETH: '0.5', CBETH: '0.5', USDC: '1000', USDBC: '1000', USDT: '1000', DAI: '1000', WBTC: '0.02', CBBTC: '0.02',
};
/** A base token of another symbol (a snapshot given with ORION_SNAPSHOT): one whole token a day. */
const DEMO_DAILY_LOSS_OTHER = '1';

/**
 * Seeds version 1 (the defaults and `seed`, as the protections would at their first start) if the
 * table is empty, then writes one version adding the demo's max_daily_loss for each of `bases`
 * that has none. Nothing is written when all have one (a restart, or an operator's own limits),
 * and an operator's figure is never replaced. Returns the version written, or undefined.
 */
export async function seedDevnetDemoLimits(store: Store, chainId: number, bases: readonly HexAddress[], tokens: TokenDirectory, seed: Limits): Promise<LimitsVersion | undefined> {
  const inForce = await seedLimitsOnce(store, chainId, seed);
  if (bases.every((token) => inForce.limits.maxDailyLoss[token] !== undefined)) return undefined;
  const demo = (token: HexAddress): bigint => {
    const known = tokens.get(token);
    // The directory is the devnet market's own: a base the scanner resolved is always in it.
    if (known === undefined) throw new Error(`devnet demo limits: base token ${token} is not in the market`);
    const units = DEMO_DAILY_LOSS[known.symbol.toUpperCase()] ?? DEMO_DAILY_LOSS_OTHER;
    return parseTokenAmount(`the devnet demo's max_daily_loss.${known.symbol}`, units, known.decimals);
  };
  return writeLimits(store, chainId, (current) => {
    const maxDailyLoss = { ...current.limits.maxDailyLoss };
    for (const token of bases) maxDailyLoss[token] ??= demo(token);
    return { ...current.limits, maxDailyLoss };
  }, DEVNET_LIMITS_ACTOR, 'the devnet demo\'s max_daily_loss for its base tokens (anvil ether, not real money): live mode needs one per base token (src/devnet/demo-limits.ts)');
}
