import type { Hex } from 'viem';
import type { LocalAccount } from 'viem/accounts';
import { ConfigError } from '../../errors.ts';
import { FLASHBOTS_SIGNATURE_HEADER, flashbotsSignature } from './flashbots-signature.ts';

/**
 * A bundle relay spoken to as Flashbots documents it: JSON-RPC over HTTP(S), every request
 * signed in the `X-Flashbots-Signature` header with the relay reputation key
 * (ORION_RELAY_AUTH_KEY), `eth_callBundle` to simulate a bundle on a block's state and
 * `eth_sendBundle` {txs, blockNumber, replacementUuid} to have it considered for one block.
 * Nothing here decides what is sent; the live executor does.
 */

/** A relay's JSON-RPC error. */
export interface RelayError {
  code: number;
  message: string;
}

/** What `eth_callBundle` said of a bundle. */
export type BundleSimulation =
  | { outcome: 'ok' }
  | { outcome: 'reverted'; error: string }
  /** The relay does not offer eth_callBundle (method not found): fine, the bundle is sent anyway. */
  | { outcome: 'unsupported' }
  | { outcome: 'failed'; error: string };

/** What `eth_sendBundle` said. */
export type BundleSent = { ok: true; bundleHash: string | null } | { ok: false; error: string };

/** JSON-RPC "method not found". */
export const METHOD_NOT_FOUND = -32601;
const TIMEOUT_MS = 5_000;

/** One relay. */
export interface RelayClient {
  readonly url: string;
  callBundle(txs: readonly Hex[], blockNumber: bigint, stateBlockNumber: bigint): Promise<BundleSimulation>;
  sendBundle(txs: readonly Hex[], blockNumber: bigint, replacementUuid: string): Promise<BundleSent>;
}

/** Refuses a relay URL that is not http(s), naming it (before anything is signed or sent). */
export function checkRelayUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`relay URL ${JSON.stringify(url)} is not a URL; allowed: http:// or https:// URLs (ORION_RELAY_URLS)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`relay URL ${JSON.stringify(url)} uses ${parsed.protocol.replace(/:$/, '')}; allowed: http:// or https:// URLs (ORION_RELAY_URLS)`);
  }
  return parsed;
}

const hex = (n: bigint): Hex => `0x${n.toString(16)}`;
const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A client of the relay at `url`, signing with `authKey`. */
export function createRelayClient(url: string, authKey: LocalAccount): RelayClient {
  checkRelayUrl(url);
  let id = 0;

  /** One signed request: the result, or the relay's error. Transport faults throw. */
  async function call(method: string, params: unknown[]): Promise<{ result: unknown } | { error: RelayError }> {
    id += 1;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [FLASHBOTS_SIGNATURE_HEADER]: await flashbotsSignature(authKey, body) },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const raw = await response.text();
    let answer: { result?: unknown; error?: RelayError };
    try {
      answer = JSON.parse(raw) as typeof answer;
    } catch {
      throw new Error(`${method}: HTTP ${response.status} with a body that is not JSON (${raw.slice(0, 200)})`);
    }
    if (answer.error !== undefined) return { error: answer.error };
    if (!response.ok) throw new Error(`${method}: HTTP ${response.status}`);
    return { result: answer.result };
  }

  return {
    url,
    async callBundle(txs, blockNumber, stateBlockNumber) {
      try {
        const answer = await call('eth_callBundle', [{ txs, blockNumber: hex(blockNumber), stateBlockNumber: hex(stateBlockNumber) }]);
        if ('error' in answer) {
          return answer.error.code === METHOD_NOT_FOUND ? { outcome: 'unsupported' } : { outcome: 'reverted', error: answer.error.message };
        }
        const results = ((answer.result as { results?: { txHash: string; error?: string; revert?: string }[] }).results) ?? [];
        const failed = results.find((r) => r.error !== undefined);
        if (failed === undefined) return { outcome: 'ok' };
        return { outcome: 'reverted', error: `${failed.txHash}: ${failed.error}${failed.revert === undefined ? '' : ` (${failed.revert})`}` };
      } catch (error) {
        return { outcome: 'failed', error: text(error) };
      }
    },
    async sendBundle(txs, blockNumber, replacementUuid) {
      try {
        const answer = await call('eth_sendBundle', [{ txs, blockNumber: hex(blockNumber), replacementUuid }]);
        if ('error' in answer) return { ok: false, error: `${answer.error.code}: ${answer.error.message}` };
        const result = answer.result as { bundleHash?: string } | null;
        return { ok: true, bundleHash: result?.bundleHash ?? null };
      } catch (error) {
        return { ok: false, error: text(error) };
      }
    },
  };
}
