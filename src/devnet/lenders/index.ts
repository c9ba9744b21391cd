import type { Address } from 'viem';
import type { DevnetClients } from '../clients.ts';
import { deployAave, supplyAave, type AaveAsset, type AaveDeployment } from './aave.ts';
import { deployBalancer, fundBalancer, type BalancerDeployment } from './balancer.ts';

/**
 * Both real flash lenders at once for a local market: the Balancer V2 Vault and an Aave V3 market
 * listing `assets`, each given `liquidity` of every asset (held by accounts[0]) to lend.
 */

/** The deployed lenders. */
export interface FlashLenders {
  balancer: BalancerDeployment;
  aave: AaveDeployment;
}

/** Deploys and funds the Balancer Vault and an Aave V3 market for `assets`. */
export async function deployFlashLenders(
  clients: DevnetClients,
  options: { weth: Address; assets: readonly AaveAsset[]; liquidity: bigint; aavePremiumBps?: number },
): Promise<FlashLenders> {
  const balancer = await deployBalancer(clients, { weth: options.weth });
  const aave = await deployAave(clients, { assets: options.assets, ...(options.aavePremiumBps === undefined ? {} : { flashPremiumBps: options.aavePremiumBps }) });
  for (const asset of options.assets) {
    await fundBalancer(clients, balancer, asset.address, options.liquidity);
    await supplyAave(clients, aave, asset.address, options.liquidity);
  }
  return { balancer, aave };
}

export type { AaveAsset, AaveDeployment, BalancerDeployment };
