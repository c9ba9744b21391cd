import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { loadArtifact } from '../contracts/compile.ts';
import { InputError } from '../errors.ts';
import { readSnapshotFile, type Snapshot, type V2PoolSnapshot, type V3PoolSnapshot } from '../market/snapshot.ts';
import { startAnvil, type Anvil } from './anvil.ts';
import { createDevnetClients, type DevnetClients } from './clients.ts';
import { deployUniswap, type UniswapDeployment } from './deploy-uniswap.ts';
import { readPoolStates } from './read-pools.ts';
import { seedFromSnapshot } from './seed.ts';

const SNAPSHOTS = ['arbitrum', 'base', 'optimism'].map((chain) => ({
  chain,
  path: sharedData(`snapshots/${chain}-uniswap-2024-11-01.json`),
}));

async function freshChain(): Promise<{ anvil: Anvil; clients: DevnetClients; deployment: UniswapDeployment }> {
  const anvil = await startAnvil();
  const clients = createDevnetClients(anvil.rpcUrl);
  return { anvil, clients, deployment: await deployUniswap(clients) };
}

for (const { chain, path } of SNAPSHOTS) {
  describe.skipIf(path === undefined)(`seeding the real ${chain} snapshot`, () => {
    let snapshot: Snapshot;
    let chainUnderTest: Awaited<ReturnType<typeof freshChain>>;
    beforeAll(async () => {
      snapshot = (await readSnapshotFile(path!)).snapshot;
      chainUnderTest = await freshChain();
    });
    afterAll(async () => chainUnderTest?.anvil.stop());

    it('reproduces every pool exactly, with tokens sorted like the snapshot', async () => {
      const { clients, deployment } = chainUnderTest;
      const market = await seedFromSnapshot(clients, deployment, snapshot);
      expect(market.localSnapshot.pools).toHaveLength(snapshot.pools.length);

      // Read back independently of the seeding's own check and compare with the original file.
      const onChain = await readPoolStates(clients, market.lens, market.localSnapshot.pools);
      snapshot.pools.forEach((original, i) => {
        const local = onChain[i]!;
        expect(local.address).toBe(market.poolAddress.get(original.address));
        expect(local.token0.address).toBe(market.tokenAddress.get(original.token0.address));
        const { address: _a, token0: _t0, token1: _t1, ...originalState } = original;
        const { address: _b, token0: _u0, token1: _u1, ...localState } = local;
        expect(localState, `pool ${original.address}`).toEqual(originalState);
      });

      // The i-th smallest snapshot token is the i-th smallest local token, same symbol and decimals.
      const originals = [...market.tokenAddress.keys()].sort();
      const locals = originals.map((a) => market.tokenAddress.get(a)!);
      expect([...locals].sort()).toEqual(locals);
      const { abi } = await loadArtifact('TestERC20');
      const tokenOf = new Map(snapshot.pools.flatMap((p) => [p.token0, p.token1]).map((t) => [t.address, t]));
      const onChainTokens = await Promise.all(
        originals.map(async (original) => {
          const address = market.tokenAddress.get(original)!;
          const [symbol, decimals] = await Promise.all([
            clients.publicClient.readContract({ address, abi, functionName: 'symbol' }),
            clients.publicClient.readContract({ address, abi, functionName: 'decimals' }),
          ]);
          return { symbol, decimals };
        }),
      );
      expect(onChainTokens).toEqual(originals.map((a) => ({ symbol: tokenOf.get(a)!.symbol, decimals: tokenOf.get(a)!.decimals })));
    });
  });
}

describe('seeding rejects what Uniswap cannot reproduce', () => {
  let chainUnderTest: Awaited<ReturnType<typeof freshChain>>;
  beforeAll(async () => {
    chainUnderTest = await freshChain();
  });
  afterAll(async () => chainUnderTest?.anvil.stop());

  const token = (n: number, symbol: string) => ({ address: `0x${String(n).repeat(40)}` as `0x${string}`, symbol, decimals: 18 });
  const pair = (fee: number, address: `0x${string}`): V2PoolSnapshot => ({
    protocol: 'uniswap-v2', address, fee, token0: token(1, 'A'), token1: token(2, 'B'), reserve0: 10n ** 18n, reserve1: 2n * 10n ** 18n,
  });
  const snapshotOf = (...pools: (V2PoolSnapshot | V3PoolSnapshot)[]): Snapshot => ({ format: 'orion.pools/v1', chainId: 1, block: null, pools });

  it('a V2 pool with a fee other than 0.30 %, naming the pool and field', async () => {
    const { clients, deployment } = chainUnderTest;
    const bad = pair(2500, '0x00000000000000000000000000000000000000aa');
    const attempt = seedFromSnapshot(clients, deployment, snapshotOf(bad));
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(/0x0{38}aa.*field "fee" is 2500/);
  });

  it('two V2 pools of the same tokens', async () => {
    const { clients, deployment } = chainUnderTest;
    const attempt = seedFromSnapshot(clients, deployment, snapshotOf(
      pair(3000, '0x00000000000000000000000000000000000000aa'),
      pair(3000, '0x00000000000000000000000000000000000000bb'),
    ));
    await expect(attempt).rejects.toThrow(/0x0{38}bb.*same tokens as pool 0x0{38}aa/);
  });

  it('a tiny V2 pool (below the first-mint minimum) still gets its exact reserves', async () => {
    const { clients, deployment } = chainUnderTest;
    const tiny: V2PoolSnapshot = { ...pair(3000, '0x00000000000000000000000000000000000000cc'), reserve0: 7n, reserve1: 0n };
    const market = await seedFromSnapshot(clients, deployment, snapshotOf(tiny));
    const [state] = await readPoolStates(clients, market.lens, market.localSnapshot.pools);
    expect(state).toMatchObject({ reserve0: 7n, reserve1: 0n });
  });

  // sqrt(1.0001^0) * 2^96 = 2^96 exactly: the boundary of tick 0.
  const boundaryPool = (tick: number, liquidity: bigint): V3PoolSnapshot => ({
    protocol: 'uniswap-v3', address: '0x00000000000000000000000000000000000000dd', fee: 500, tickSpacing: 10,
    token0: token(3, 'C'), token1: token(4, 'D'), sqrtPriceX96: 1n << 96n, tick, liquidity,
    ticks: [{ tick: -10, liquidityNet: 10n ** 18n }, { tick: 0, liquidityNet: 3n * 10n ** 18n }, { tick: 10, liquidityNet: -4n * 10n ** 18n }],
  });

  it('a V3 pool on a tick boundary reached from above (tick = boundary - 1) is reproduced', async () => {
    const { clients, deployment } = chainUnderTest;
    const pool = boundaryPool(-1, 10n ** 18n);
    const market = await seedFromSnapshot(clients, deployment, snapshotOf(pool));
    const [state] = await readPoolStates(clients, market.lens, market.localSnapshot.pools);
    expect(state).toMatchObject({ sqrtPriceX96: 1n << 96n, tick: -1, liquidity: 10n ** 18n, ticks: pool.ticks });
  });

  it('a V3 pool whose tick does not belong to its price, naming the pool', async () => {
    const { clients, deployment } = chainUnderTest;
    const pool = { ...boundaryPool(5, 4n * 10n ** 18n), token0: token(5, 'E'), token1: token(6, 'F') };
    await expect(seedFromSnapshot(clients, deployment, snapshotOf(pool))).rejects.toThrow(/settle the tick of uniswap-v3 0x0{38}dd \(E\/F 0.05%\) at 5: transaction reverted/);
  });
});
