import type { ChainClients } from '../chain/clients.ts';
import { InputError } from '../errors.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { FlashLenderAddresses } from '../scanner/flash-lender.ts';
import type { FlashSourceOptions } from '../scanner/flash-source.ts';

/**
 * The flash lenders the engine may borrow from besides the pools themselves: a Balancer Vault
 * and an Aave Pool, each only when configured for the followed chain and found deployed there.
 */

/** Flash lenders deployed on the followed chain besides its pools; each absent one is not used. */
export interface FlashLenderSettings {
  /** Balancer V2 Vault (flash-loan fee 0). */
  balancerVault?: HexAddress | undefined;
  /** Aave V3 Pool and its flash-loan premium in basis points (FLASHLOAN_PREMIUM_TOTAL). */
  aave?: { pool: HexAddress; premiumBps: number } | undefined;
}

/** Balancer V2's flash-loan fee (ProtocolFeesCollector) has always been 0; no setting until a chain charges one. */
const BALANCER_FEE_PIPS = 0;
/** Pips (1e-6) per basis point (1e-4). */
const PIPS_PER_BP = 100;

/** What the scanner may borrow from: the configured lenders only (null = not on this chain). */
export function scannerFlashOptions(lenders: FlashLenderSettings): FlashSourceOptions {
  return {
    balancerFeePips: lenders.balancerVault === undefined ? null : BALANCER_FEE_PIPS,
    aaveFeePips: lenders.aave === undefined ? null : lenders.aave.premiumBps * PIPS_PER_BP,
  };
}

/** Refuses a configured lender with no contract at its address on the followed chain. */
export async function checkLendersExist(clients: ChainClients, lenders: FlashLenderSettings, chainId: number): Promise<void> {
  const named: Array<[string, HexAddress | undefined]> = [
    ['Balancer Vault (ORION_BALANCER_VAULT)', lenders.balancerVault],
    ['Aave V3 Pool (ORION_AAVE_POOL)', lenders.aave?.pool],
  ];
  for (const [name, address] of named) {
    if (address === undefined) continue;
    const code = (await clients.pool.request('eth_getCode', [address, 'latest'])) as string;
    if (code === '0x' || code === '') {
      throw new InputError(`the ${name} ${address} has no contract code on chain ${chainId}: no flash loans can come from it; set the lender's address on that chain, or unset it`);
    }
  }
}

/** Where the configured lenders live, for naming each opportunity's lender (src/scanner/flash-lender.ts). */
export function lenderAddresses(lenders: FlashLenderSettings): FlashLenderAddresses {
  return { balancerVault: lenders.balancerVault ?? null, aavePool: lenders.aave?.pool ?? null };
}
