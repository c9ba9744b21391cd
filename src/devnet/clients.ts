import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type HDAccount,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { DEVNET_CHAIN_ID } from './anvil.ts';
import { httpFetch } from './http-fetch.ts';

/**
 * viem clients for the local chain: one public client (reads, with JSON-RPC batching since
 * anvil has no Multicall3) and one wallet client signing with anvil's default accounts.
 */

/** Anvil's default mnemonic: its first accounts are funded with 10,000 ETH at genesis. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
/** How many default accounts anvil funds (and we derive). */
export const ANVIL_ACCOUNT_COUNT = 10;

/** Builds the viem chain object for a local chain at `rpcUrl` (chain id 31337). */
export function devnetChain(rpcUrl: string): Chain {
  return defineChain({
    id: DEVNET_CHAIN_ID,
    name: 'Orion devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

let cachedAccounts: HDAccount[] | undefined;

/** Anvil's default funded accounts (derived once; account 0 is the deployer). */
export function anvilAccounts(): HDAccount[] {
  cachedAccounts ??= Array.from({ length: ANVIL_ACCOUNT_COUNT }, (_, addressIndex) =>
    mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex }),
  );
  return cachedAccounts;
}

/** Clients of one local chain. */
export interface DevnetClients {
  publicClient: PublicClient<HttpTransport, Chain>;
  /** Signs with `accounts[0]` unless another account is passed per call. */
  walletClient: WalletClient<HttpTransport, Chain, Account>;
  /** Anvil's default funded accounts; `accounts[0]` deploys everything. */
  accounts: HDAccount[];
}

/** Public and wallet clients for the local chain at `rpcUrl`. */
export function createDevnetClients(rpcUrl: string): DevnetClients {
  const chain = devnetChain(rpcUrl);
  const accounts = anvilAccounts();
  const deployer = accounts[0]!;
  // Batching turns a burst of reads (pool state, tick by tick) into a few HTTP requests.
  // Our own loopback chain: no response size cap (a batch of V3 mint receipts runs to many MB).
  const options = { retryCount: 0, timeout: 120_000, maxResponseBodySize: false, fetchFn: httpFetch } as const;
  const transport = http(rpcUrl, { ...options, batch: { batchSize: 1_000, wait: 0 } });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  const walletClient = createWalletClient({ chain, transport: http(rpcUrl, options), account: deployer });
  return { publicClient, walletClient, accounts };
}
