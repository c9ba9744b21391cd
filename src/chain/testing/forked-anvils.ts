import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startAnvil, type Anvil } from '../../devnet/anvil.ts';
import { parseBlockHeader, toQuantity, type BlockHeader } from '../types.ts';

/**
 * TEST CODE — real anvils that share history, then fork. `startAnvilSharingHistory` starts a
 * second anvil from a running one's state dump (`anvil_dumpState`: accounts and every block,
 * loaded with `--load-state`), so both report the very same block hashes up to the dumped head;
 * what each mines next is its own. `mineTransfer` mines a block carrying a transfer of a given
 * value: two nodes given different values mine different blocks at the same height (empty
 * blocks could come out identical, so a fork is always made of different transactions).
 */

async function call(rpcUrl: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const { result, error } = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (error !== undefined || result === undefined) throw new Error(`${method} on ${rpcUrl} failed: ${error?.message ?? 'no result'}`);
  return result;
}

/** Mines one block (automine) holding a transfer of `value` wei between the first two dev accounts; returns its header. */
export async function mineTransfer(rpcUrl: string, value: bigint): Promise<BlockHeader> {
  const [from, to] = (await call(rpcUrl, 'eth_accounts')) as string[];
  const hash = await call(rpcUrl, 'eth_sendTransaction', [{ from, to, value: toQuantity(value) }]);
  // The hash may come back before the block is mined: the receipt names the block that holds it.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const receipt = (await call(rpcUrl, 'eth_getTransactionReceipt', [hash]).catch(() => null)) as { blockHash?: string } | null;
    if (typeof receipt?.blockHash === 'string') return parseBlockHeader(await call(rpcUrl, 'eth_getBlockByHash', [receipt.blockHash, false]));
    if (Date.now() > deadline) throw new Error(`transfer ${String(hash)} on ${rpcUrl} not mined within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A second anvil with the history of the one at `rpcUrl`, up to its head now. */
export async function startAnvilSharingHistory(rpcUrl: string): Promise<Anvil> {
  const result = (await call(rpcUrl, 'anvil_dumpState')) as string;
  const dir = mkdtempSync(join(tmpdir(), 'orion-fork-'));
  try {
    const statePath = join(dir, 'state.json');
    // anvil_dumpState answers gzip as hex; --load-state reads the JSON itself.
    writeFileSync(statePath, gunzipSync(Buffer.from(result.slice(2), 'hex')));
    return await startAnvil({ loadStatePath: statePath });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
