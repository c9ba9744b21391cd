import { toHex, type LocalAccount } from 'viem';
import type { Config } from '../../config.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import type { LiveEngineSettings } from '../../engine/engine.ts';
import { ConfigError } from '../../errors.ts';
import { keyConfigured, loadHotKey, loadRelayAuthKey } from './keys.ts';
import { nativeSigningAccountOf } from './native-signing.ts';
import type { BundleSettings } from './live-executor.ts';
import { createRelayClient } from './relay-client.ts';

/**
 * The signer and settings of live execution: the configured hot key (ORION_PRIVATE_KEY or
 * ORION_KEYSTORE, src/executor/live/keys.ts), or on the embedded chain without one the devnet's
 * account 3, the one its FlashArbExecutor allows at deployment; with ORION_SUBMIT=bundle the
 * relays of ORION_RELAY_URLS, signed with ORION_RELAY_AUTH_KEY.
 */
export async function liveSettings(config: Config, devnet: Devnet | undefined): Promise<LiveEngineSettings> {
  const common = { tipShareBps: config.tipShareBps, replaceAfterBlocks: config.replaceAfterBlocks, confirmations: config.confirmations, poolVisible: config.poolVisible };
  const withSubmission = (account: LocalAccount): LiveEngineSettings => {
    const bundle = bundleSettings(config, account);
    return { account, ...common, ...(bundle === undefined ? {} : { bundle }) };
  };
  if (keyConfigured(config, 'hot')) return withSubmission(await loadHotKey(config));
  if (config.executorAddress === undefined && devnet?.executor !== undefined) {
    const hotKey = devnet.clients.accounts.find((a) => a.address === devnet.executor!.hotKey);
    if (hotKey !== undefined) return withSubmission(nativeSigningAccountOf(hotKey));
  }
  throw new ConfigError('ORION_MODE=live on a followed chain needs the hot key that signs: set ORION_PRIVATE_KEY, or ORION_KEYSTORE with ORION_KEYSTORE_PASSWORD_FILE');
}

/** Bundle submission's relays and target blocks (undefined = public submission). */
export function bundleSettings(config: Pick<Config, 'submit' | 'relayUrls' | 'relayAuthKey' | 'bundleBlocks'>, hotKey: LocalAccount): BundleSettings | undefined {
  if (config.submit !== 'bundle') return undefined;
  const authKey = loadRelayAuthKey(config, hotKey.address);
  if (config.relayUrls.length === 0) throw new ConfigError('ORION_SUBMIT=bundle needs ORION_RELAY_URLS: the relays (http(s)) that get every bundle');
  return { relays: config.relayUrls.map((url) => createRelayClient(url, authKey)), blocks: config.bundleBlocks };
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
