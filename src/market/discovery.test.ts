import { encodeDeployData, encodeFunctionData, type Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRpcPool, type RpcPool } from '../chain/rpc-pool.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from '../chain/testing/fault-injecting-proxy.ts';
import { parseBlockHeader } from '../chain/types.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { startDevnet, type Devnet } from '../devnet/devnet.ts';
import { computeV2PairAddress, computeV3PoolAddress } from '../devnet/pool-address.ts';
import { deployTestTokens } from '../devnet/test-token.ts';
import { sendAll } from '../devnet/transactions.ts';
import { uniswapArtifact } from '../devnet/uniswap-artifacts.ts';
import { discoverPools } from './discovery.ts';
import { TOPICS } from './pool-events.ts';
import { checkTokenSafety } from './token-safety.ts';
import { readTokenMetadata } from './token-metadata.ts';

let devnet: Devnet;
let proxy: FaultInjectingProxy;
let rpc: RpcPool;

async function deploy(name: string, args: unknown[] = []): Promise<Address> {
  const { abi, bytecode } = await loadArtifact(name);
  const [receipt] = await sendAll(devnet.clients, [{ label: `deploy ${name}`, data: encodeDeployData({ abi, bytecode, args }), gas: 3_000_000n }]);
  return receipt?.contractAddress as Address;
}

beforeAll(async () => {
  // Seeded afresh: a cached chain is compacted and no longer holds the factories' events.
  devnet = await startDevnet({ cacheDir: false });
  proxy = await startFaultInjectingProxy(devnet.anvil.rpcUrl);
  rpc = createRpcPool([proxy.url]);
});
afterAll(async () => {
  await proxy?.close();
  await devnet?.stop();
});

describe('pool discovery from factory events', () => {
  it('finds every pool the local chain holds, shrinking the chunk when the provider says "too many results"', async () => {
    const { v2Factory, v3Factory } = devnet.deployment;
    // A few more pools, each created in a block of its own, beside the seeding's busy block.
    const fresh = (await deployTestTokens(devnet.clients, [1, 2, 3].map((k) => ({ name: `Disc${k}`, symbol: `D${k}`, decimals: 18 }))))
      .map((a) => a.toLowerCase() as Address)
      .sort();
    const [t0, t1, t2] = fresh as [Address, Address, Address];
    const v2Abi = uniswapArtifact('UniswapV2Factory').abi;
    const v3Abi = uniswapArtifact('UniswapV3Factory').abi;
    const extra = [
      { protocol: 'uniswap-v2', address: computeV2PairAddress(v2Factory, t0, t1), token0: t0, token1: t1, fee: 3000, to: v2Factory, data: encodeFunctionData({ abi: v2Abi, functionName: 'createPair', args: [t0, t1] }) },
      { protocol: 'uniswap-v2', address: computeV2PairAddress(v2Factory, t1, t2), token0: t1, token1: t2, fee: 3000, to: v2Factory, data: encodeFunctionData({ abi: v2Abi, functionName: 'createPair', args: [t1, t2] }) },
      { protocol: 'uniswap-v3', address: computeV3PoolAddress(v3Factory, t0, t2, 3000), token0: t0, token1: t2, fee: 3000, to: v3Factory, data: encodeFunctionData({ abi: v3Abi, functionName: 'createPool', args: [t0, t2, 3000] }) },
    ];
    for (const e of extra) await sendAll(devnet.clients, [{ label: `create ${e.protocol} ${e.address}`, to: e.to, data: e.data, gas: 6_000_000n }]);
    const head = BigInt((await rpc.request('eth_blockNumber', [])) as string);
    // Cap answers at the busiest single block's count: any wider range over it must be split.
    const all = (await createRpcPool([devnet.anvil.rpcUrl]).request('eth_getLogs', [{ address: [v2Factory, v3Factory], topics: [[TOPICS.v2PairCreated, TOPICS.v3PoolCreated]], fromBlock: '0x0', toBlock: 'latest' }])) as { blockNumber: string }[];
    const perBlock = new Map<string, number>();
    for (const log of all) perBlock.set(log.blockNumber, (perBlock.get(log.blockNumber) ?? 0) + 1);
    const cap = Math.max(...perBlock.values());
    expect(all.length).toBeGreaterThan(cap);
    proxy.setMaxLogs(cap);
    try {
      const result = await discoverPools({ rpc, factories: [v2Factory, v3Factory], fromBlock: 0n, toBlock: head, maxChunk: 10_000 });
      const expected = [
        ...devnet.seeded.localSnapshot.pools.map((p) => `${p.protocol} ${p.address} ${p.token0.address} ${p.token1.address} ${p.fee}`),
        ...extra.map((p) => `${p.protocol} ${p.address.toLowerCase()} ${p.token0} ${p.token1} ${p.fee}`),
      ].sort();
      const found = result.pools.map((p) => `${p.protocol} ${p.address} ${p.token0} ${p.token1} ${p.fee ?? 3000}`).sort();
      expect(found).toEqual(expected);
      expect(result.shrinks).toBeGreaterThan(0);
      const v3 = result.pools.filter((p) => p.protocol === 'uniswap-v3');
      for (const p of v3) {
        const local = devnet.seeded.localSnapshot.pools.find((q) => q.address === p.address);
        expect(local === undefined ? 60 : local.protocol === 'uniswap-v3' && local.tickSpacing).toBe(p.tickSpacing);
      }
    } finally {
      proxy.setMaxLogs(undefined);
    }
  });
});

describe('token metadata', () => {
  it('reads string and bytes32 symbols, survives missing, reverting and absurd decimals', async () => {
    const bytes32 = await deploy('Bytes32MetadataToken');
    const noDecimals = await deploy('NoDecimalsToken');
    const reverting = await deploy('RevertingMetadataToken');
    const seededToken = devnet.seeded.localSnapshot.pools[0]?.token0;
    const head = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
    const [mkr, nodec, bad, normal] = await readTokenMetadata(rpc, head, [bytes32, noDecimals, reverting, seededToken?.address as Address]);
    expect(mkr).toMatchObject({ symbol: 'MKR', name: 'Maker', decimals: 18, decimalsKnown: true });
    expect(mkr?.notes).toContain('symbol is bytes32');
    expect(nodec).toMatchObject({ symbol: 'NODEC', name: null, decimals: 0, decimalsKnown: false });
    expect(nodec?.notes).toEqual(expect.arrayContaining(['name() reverted', 'decimals() reverted']));
    expect(bad?.symbol).toBe(`${reverting.toLowerCase().slice(0, 8)}…`);
    expect(bad?.notes).toEqual(expect.arrayContaining(['symbol() reverted', 'decimals() returned 1000']));
    expect(normal).toMatchObject({ symbol: seededToken?.symbol, decimals: seededToken?.decimals, decimalsKnown: true, notes: [] });
  });
});

describe('token safety by a simulated transfer', () => {
  it('flags a fee-on-transfer token with the reason and passes plain ERC-20s', async () => {
    const fot = await deploy('FeeOnTransferToken');
    const holder = devnet.clients.accounts[3]?.address as Address;
    const { abi } = await loadArtifact('FeeOnTransferToken');
    await sendAll(devnet.clients, [{ label: 'mint FOT', to: fot, gas: 200_000n, data: encodeFunctionData({ abi, functionName: 'mint', args: [holder, 10n ** 21n] }) }]);
    const pool = devnet.seeded.localSnapshot.pools[0];
    const head = parseBlockHeader(await rpc.request('eth_getBlockByNumber', ['latest', false]));
    const before = BigInt((await rpc.request('eth_blockNumber', [])) as string);
    const [bad, good, empty] = await checkTokenSafety(rpc, head, [
      { token: fot, holder },
      { token: pool?.token0.address as Address, holder: pool?.address as Address },
      { token: pool?.token1.address as Address, holder: devnet.clients.accounts[7]?.address as Address },
    ]);
    expect(bad).toEqual({ token: fot.toLowerCase(), safe: false, reason: `fee on transfer: sending ${10n ** 20n} delivered ${99n * 10n ** 18n}` });
    expect(good).toEqual({ token: pool?.token0.address, safe: true });
    expect(empty?.safe).toBe(false);
    // Simulated only: nothing was mined.
    expect(BigInt((await rpc.request('eth_blockNumber', [])) as string)).toBe(before);
  });
});
