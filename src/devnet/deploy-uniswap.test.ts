import { decodeEventLog, encodeFunctionData, getAddress, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from './anvil.ts';
import { createDevnetClients, type DevnetClients } from './clients.ts';
import { deployUniswap, type UniswapDeployment } from './deploy-uniswap.ts';
import { computeV2PairAddress, computeV3PoolAddress } from './pool-address.ts';
import { sendAll } from './transactions.ts';
import { uniswapArtifact } from './uniswap-artifacts.ts';

// Factories never call the tokens when creating a pool, so plain sorted addresses do.
const TOKEN_A: Address = '0x1000000000000000000000000000000000000001';
const TOKEN_B: Address = '0x2000000000000000000000000000000000000002';

describe('deployUniswap', () => {
  let anvil: Anvil;
  let clients: DevnetClients;
  let uni: UniswapDeployment;
  beforeAll(async () => {
    anvil = await startAnvil();
    clients = createDevnetClients(anvil.rpcUrl);
    uni = await deployUniswap(clients);
  });
  afterAll(async () => anvil?.stop());

  it('deploys every contract with code and wires the routers to the factories', async () => {
    const { publicClient } = clients;
    for (const [name, address] of Object.entries(uni)) {
      const code = await publicClient.getCode({ address });
      expect(code?.length ?? 0, name).toBeGreaterThan(2);
    }
    const read = (address: Address, name: 'UniswapV2Router02' | 'SwapRouter', functionName: string) =>
      publicClient.readContract({ address, abi: uniswapArtifact(name).abi, functionName, args: [] });
    expect(await read(uni.v2Router, 'UniswapV2Router02', 'factory')).toBe(getAddress(uni.v2Factory));
    expect(await read(uni.v2Router, 'UniswapV2Router02', 'WETH')).toBe(getAddress(uni.weth));
    expect(await read(uni.swapRouter, 'SwapRouter', 'factory')).toBe(getAddress(uni.v3Factory));
    const tickSpacing = await publicClient.readContract({
      address: uni.v3Factory, abi: uniswapArtifact('UniswapV3Factory').abi, functionName: 'feeAmountTickSpacing', args: [100],
    });
    expect(tickSpacing).toBe(1);
  });

  it('V2 pair and V3 pool addresses computed with CREATE2 equal the ones the factories create', async () => {
    const v2 = uniswapArtifact('UniswapV2Factory').abi;
    const v3 = uniswapArtifact('UniswapV3Factory').abi;
    const fees = [100, 500, 3000, 10000];
    const receipts = await sendAll(clients, [
      { label: 'createPair', to: uni.v2Factory, gas: 5_000_000n, data: encodeFunctionData({ abi: v2, functionName: 'createPair', args: [TOKEN_B, TOKEN_A] }) },
      ...fees.map((fee) => ({
        label: `createPool ${fee}`, to: uni.v3Factory, gas: 8_000_000n,
        data: encodeFunctionData({ abi: v3, functionName: 'createPool', args: [TOKEN_B, TOKEN_A, fee] }),
      })),
    ]);
    const created = receipts.map((receipt, i) => {
      const log = receipt.logs.find((l) => l.address.toLowerCase() === (i === 0 ? uni.v2Factory : uni.v3Factory).toLowerCase())!;
      const event = decodeEventLog({ abi: i === 0 ? v2 : v3, data: log.data, topics: log.topics });
      // V2's PairCreated has an unnamed parameter, so viem decodes its args as an array.
      const args = event.args as unknown as Address[] | { pool: Address };
      return Array.isArray(args) ? args[2]! : args.pool;
    });
    expect(created[0]).toBe(computeV2PairAddress(uni.v2Factory, TOKEN_A, TOKEN_B));
    fees.forEach((fee, i) => expect(created[i + 1]).toBe(computeV3PoolAddress(uni.v3Factory, TOKEN_A, TOKEN_B, fee)));
    // The getters agree too, and a different fee gives a different address.
    const getPair = await clients.publicClient.readContract({ address: uni.v2Factory, abi: v2, functionName: 'getPair', args: [TOKEN_A, TOKEN_B] });
    expect(getPair).toBe(created[0]);
    expect(new Set(created).size).toBe(5);
  });
});
