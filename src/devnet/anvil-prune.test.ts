import { afterAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from './anvil.ts';

async function rpc(anvil: Anvil, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { message: string } }> {
  const response = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await response.json()) as { result?: unknown; error?: { message: string } };
}

describe('anvil keepStates (--prune-history)', () => {
  let anvil: Anvil | undefined;
  afterAll(async () => anvil?.stop());

  it('keeps the state of recent blocks and drops older ones', async () => {
    anvil = await startAnvil({ keepStates: 2 });
    const account = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
    // Blocks with a state change each (a transfer), so every block has a state of its own.
    // Automine answers eth_sendTransaction before its block is sealed (seen in CI: head 5 of 6),
    // so each block is mined explicitly: evm_mine answers once the block is in the chain.
    expect((await rpc(anvil, 'evm_setAutomine', [false])).error).toBeUndefined();
    for (let i = 0; i < 6; i++) {
      expect((await rpc(anvil, 'eth_sendTransaction', [{ from: account, to: '0x0000000000000000000000000000000000000001', value: '0x1' }])).error).toBeUndefined();
      expect((await rpc(anvil, 'evm_mine', [])).error).toBeUndefined();
    }
    const head = BigInt((await rpc(anvil, 'eth_blockNumber', [])).result as string);
    expect(head).toBeGreaterThanOrEqual(6n);
    expect((await rpc(anvil, 'eth_getBalance', [account, `0x${head.toString(16)}`])).error).toBeUndefined();
    expect((await rpc(anvil, 'eth_getBalance', [account, '0x1'])).error?.message).toBeDefined();
  });

  it('refuses a keepStates that is not a positive integer', async () => {
    await expect(startAnvil({ keepStates: 0 })).rejects.toThrow(/keepStates must be a positive integer, got 0/);
  });
});
