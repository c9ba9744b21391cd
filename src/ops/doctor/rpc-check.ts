import { readFileSync } from 'node:fs';
import { redactUrl, type Config } from '../../config.ts';
import { fail, ok, skip, type DoctorCheck } from './check.ts';
import { resultOf, rpcBatch } from './rpc-call.ts';

interface Probe {
  url: string;
  chainId?: number;
  head?: bigint;
  error?: string;
}

/**
 * One check per ORION_RPC_URLS endpoint: it answers, serves the chain of ORION_SNAPSHOT (or the
 * primary's chain), and its head is at most ORION_MAX_STALE_BLOCKS behind the highest head of
 * all endpoints. The endpoints are probed once, together, so the lags compare like with like.
 */
export function rpcChecks(config: Pick<Config, 'rpcUrls' | 'snapshot' | 'maxStaleBlocks'>): DoctorCheck[] {
  if (config.rpcUrls.length === 0) return [{ name: 'rpc', run: async () => skip('ORION_RPC_URLS not set: the embedded local chain is used') }];
  let probes: Promise<Probe[]> | undefined;
  const probeAll = (): Promise<Probe[]> => (probes ??= Promise.all(config.rpcUrls.map(probe)));
  const expected = snapshotChainId(config.snapshot);
  return config.rpcUrls.map((url, index) => ({
    name: `rpc ${index === 0 ? 'primary' : `#${index + 1}`}`,
    async run() {
      const all = await probeAll();
      const mine = all[index]!;
      const shown = safe(url);
      if (mine.error !== undefined) return fail(`${shown}: ${mine.error}`);
      const wanted = expected ?? all[0]!.chainId;
      if (wanted !== undefined && mine.chainId !== wanted) {
        return fail(`${shown}: chain id ${mine.chainId}, expected ${wanted} (${expected === undefined ? 'the primary endpoint' : 'ORION_SNAPSHOT'})`);
      }
      const highest = all.reduce((max, p) => (p.head !== undefined && p.head > max ? p.head : max), 0n);
      const lag = highest - mine.head!;
      const detail = `${shown}: chain ${mine.chainId}, head ${mine.head}, ${lag} block(s) behind the highest endpoint`;
      return lag > BigInt(config.maxStaleBlocks) ? fail(`${detail} (more than ORION_MAX_STALE_BLOCKS=${config.maxStaleBlocks})`) : ok(detail);
    },
  }));
}

async function probe(url: string): Promise<Probe> {
  try {
    const [chainId, head] = await rpcBatch(url, [
      { method: 'eth_chainId', params: [] },
      { method: 'eth_blockNumber', params: [] },
    ]);
    return { url, chainId: Number(BigInt(resultOf(chainId, 'eth_chainId') as string)), head: BigInt(resultOf(head, 'eth_blockNumber') as string) };
  } catch (error) {
    return { url, error: (error as Error).message };
  }
}

function snapshotChainId(file: string | undefined): number | undefined {
  if (file === undefined) return undefined;
  try {
    const chainId = (JSON.parse(readFileSync(file, 'utf8')) as { chainId?: unknown }).chainId;
    return typeof chainId === 'number' ? chainId : undefined;
  } catch {
    return undefined;
  }
}

function safe(url: string): string {
  try {
    return redactUrl(url);
  } catch {
    return '(unparsable URL)';
  }
}
