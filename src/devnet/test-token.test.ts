import { encodeFunctionData } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../contracts/compile.ts';
import { startAnvil, type Anvil } from './anvil.ts';
import { createDevnetClients, type DevnetClients } from './clients.ts';
import { deployTestToken, deployTestTokens, mintTestTokens, nextCreateAddresses } from './test-token.ts';
import { sendAll } from './transactions.ts';

describe('TestERC20', () => {
  let anvil: Anvil;
  let clients: DevnetClients;
  beforeAll(async () => {
    anvil = await startAnvil();
    clients = createDevnetClients(anvil.rpcUrl);
  });
  afterAll(async () => anvil?.stop());

  it('has the given symbol and decimals, and only its owner mints', async () => {
    const { abi } = await loadArtifact('TestERC20');
    const token = await deployTestToken(clients, { name: 'USD Coin', symbol: 'USDC', decimals: 6 });
    const read = (functionName: string, args: unknown[] = []) => clients.publicClient.readContract({ address: token, abi, functionName, args });
    expect(await read('symbol')).toBe('USDC');
    expect(await read('name')).toBe('USD Coin');
    expect(await read('decimals')).toBe(6);
    const holder = clients.accounts[3]!.address;
    await mintTestTokens(clients, [token], holder, 123_456_789n);
    expect(await read('balanceOf', [holder])).toBe(123_456_789n);
    const byStranger = sendAll(
      clients,
      [{ label: 'mint by a stranger', to: token, gas: 200_000n, data: encodeFunctionData({ abi, functionName: 'mint', args: [holder, 1n] }) }],
      { from: clients.accounts[3]! },
    );
    await expect(byStranger).rejects.toThrow(/mint by a stranger: transaction (reverted|rejected)/);
    expect(await read('totalSupply')).toBe(123_456_789n);
  });

  it('deploys a burst at the predicted addresses', async () => {
    const predicted = await nextCreateAddresses(clients, 3);
    const deployed = await deployTestTokens(clients, [
      { name: 'A', symbol: 'A', decimals: 18 },
      { name: 'B', symbol: 'B', decimals: 8 },
      { name: 'C', symbol: 'C', decimals: 0 },
    ]);
    expect(deployed).toEqual(predicted);
    const { abi } = await loadArtifact('TestERC20');
    const decimals = await Promise.all(deployed.map((address) => clients.publicClient.readContract({ address, abi, functionName: 'decimals' })));
    expect(decimals).toEqual([18, 8, 0]);
  });
});
