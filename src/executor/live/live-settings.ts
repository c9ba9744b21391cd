import type { Config } from '../../config.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import type { LiveEngineSettings } from '../../engine/engine.ts';
import { ConfigError } from '../../errors.ts';
import { keyConfigured, loadHotKey } from './keys.ts';
import { toHex } from 'viem';

/**
 * The signer and settings of live execution: the configured hot key (ORION_PRIVATE_KEY or
 * ORION_KEYSTORE, src/executor/live/keys.ts), or on the embedded chain without one the devnet's
 * account 3, the one its FlashArbExecutor allows at deployment.
 */
export async function liveSettings(config: Config, devnet: Devnet | undefined): Promise<LiveEngineSettings> {
  const common = { tipShareBps: config.tipShareBps, replaceAfterBlocks: config.replaceAfterBlocks, confirmations: config.confirmations };
  if (keyConfigured(config, 'hot')) return { account: await loadHotKey(config), ...common };
  if (config.executorAddress === undefined && devnet?.executor !== undefined) {
    const hotKey = devnet.clients.accounts.find((a) => a.address === devnet.executor!.hotKey);
    if (hotKey !== undefined) return { account: hotKey, ...common };
  }
  throw new ConfigError('ORION_MODE=live on a followed chain needs the hot key that signs: set ORION_PRIVATE_KEY, or ORION_KEYSTORE with ORION_KEYSTORE_PASSWORD_FILE');
}

/**
 * The configuration the pre-flight checks see on the embedded chain: without a configured hot
 * key its account 3 (the one liveSettings signs with) and its cold wallet stand in for
 * ORION_PRIVATE_KEY and ORION_COLD_WALLET, so `ORION_MODE=live ORION_ALLOW_LIVE=on npm start`
 * validates and trades on the local chain as it is. A followed chain's configuration is returned
 * as it is.
 */
export function withEmbeddedChainKeys(config: Config, devnet: Devnet | undefined): Config {
  const executor = devnet?.executor;
  if (config.executorAddress !== undefined || executor === undefined || keyConfigured(config, 'hot')) return config;
  const secret = devnet!.clients.accounts.find((a) => a.address === executor.hotKey)?.getHdKey().privateKey;
  if (secret === undefined || secret === null) return config;
  return { ...config, privateKey: toHex(secret), coldWallet: config.coldWallet ?? (executor.coldWallet.toLowerCase() as `0x${string}`) };
}
