import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { readSnapshotFile, type PoolSnapshot, type SnapshotToken } from '../market/snapshot.ts';
import { applyLiquidityFloor, liquidityFloorFromText, measurePoolDepths, referenceToken, thinPoolOf } from './liquidity-floor.ts';

const E18 = 10n ** 18n;
const token = (byte: string, symbol: string, decimals = 18): SnapshotToken => ({ address: `0x${byte.repeat(20)}` as const, symbol, decimals });
const WETH: SnapshotToken = { ...token('00', 'WETH'), address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2' };
const [A, B, X, Y, C, D] = [token('a1', 'A'), token('b2', 'B', 6), token('c3', 'X'), token('d4', 'Y'), token('e5', 'C'), token('f6', 'D')];
let next = 0;
function v2(token0: SnapshotToken, token1: SnapshotToken, reserve0: bigint, reserve1: bigint): PoolSnapshot {
  next++;
  return { protocol: 'uniswap-v2', address: `0x${next.toString(16).padStart(40, '0')}`, fee: 3000, token0, token1, reserve0, reserve1 };
}

// Depths worked out by hand (values in WETH):
const deepA = v2(WETH, A, 10n * E18, 1000n * E18); // A = 0.01 WETH; depth 10
const thinA = v2(WETH, A, E18 / 10n, E18); // prices A at 0.1 but is thinner: A keeps 0.01 from deepA; depth min(0.1, 1 A = 0.01) = 0.01
const aToB = v2(A, B, 500n * E18, 50n * 10n ** 6n); // A side 5 WETH; B = 0.1 WETH per token; depth 5
const junkX = v2(WETH, X, E18, 1n); // 1 wei of X "worth" 1 WETH at this pool's own price: depth and X's reach 1 WETH
const xToY = v2(X, Y, 10n ** 24n, 10n ** 24n); // sides worth 1e24 WETH at X's price, but reach caps the depth at 1 WETH
const island = v2(C, D, E18, E18); // no path from WETH: no depth
const v3: PoolSnapshot = {
  protocol: 'uniswap-v3', address: '0x00000000000000000000000000000000000000f3', fee: 500, tickSpacing: 10, token0: WETH, token1: A,
  // Price 1 (√P = 2^96) and L = 5e18: virtual reserves 5e18 of each, but A is worth 0.01 WETH: depth 0.05 WETH.
  sqrtPriceX96: 1n << 96n, liquidity: 5n * E18, tick: 0, ticks: [],
};
const POOLS = [deepA, thinA, aToB, junkX, xToY, island, v3];

describe('measurePoolDepths: the lesser side of each pool, in the reference token', () => {
  const depths = measurePoolDepths(POOLS, WETH);

  it('prices a token through its widest path and caps a pool by its tokens\' reach', () => {
    expect(depths.depth.get(deepA.address)).toBe(10n * E18);
    expect(depths.depth.get(thinA.address)).toBe(E18 / 100n);
    expect(depths.depth.get(aToB.address)).toBe(5n * E18);
    expect(depths.depth.get(junkX.address)).toBe(E18);
    // Without the reach cap: 1e24 × 1e18 WETH.
    expect(depths.depth.get(xToY.address)).toBe(E18);
    expect(depths.depth.get(v3.address)).toBe(5n * E18 / 100n);
    expect(depths.depth.get(island.address)).toBeNull();
  });

  it('a floor keeps the pools at or above it, in order; 0 keeps every pool', () => {
    const floor = applyLiquidityFloor(POOLS, { chainId: 1, minDepth: 2n * E18 });
    expect(floor.reference).toEqual(WETH);
    expect(floor.kept).toEqual([deepA, aToB]);
    expect(floor.excluded).toEqual([thinA, junkX, xToY, island, v3]);
    expect(applyLiquidityFloor(POOLS, { chainId: 1, minDepth: 0n }).kept).toEqual(POOLS);
  });

  it('reads the floor in reference tokens, exactly, and names the setting in an error', () => {
    expect(liquidityFloorFromText(POOLS, 1, '0.05', '--min-liquidity').kept).toEqual([deepA, aToB, junkX, xToY, v3]);
    expect(liquidityFloorFromText(POOLS, 1, '1.000000000000000001', '--min-liquidity').kept).toEqual([deepA, aToB]);
    expect(liquidityFloorFromText(POOLS, 1, undefined, '--min-liquidity').minDepth).toBe(E18);
    expect(() => liquidityFloorFromText(POOLS, 1, '1 WETH', '--min-liquidity')).toThrow(/--min-liquidity must be a non-negative decimal amount/);
  });

  it('flags a profit that is at least 10 % of a pool\'s depth, naming the thinnest such pool', () => {
    const route = { tokens: [WETH.address, A.address, B.address, WETH.address], pools: [deepA.address, aToB.address] };
    expect(thinPoolOf({ ...route, profit: 2n * E18 }, depths)).toEqual({ pool: aToB.address, sharePercent: 40n });
    expect(thinPoolOf({ ...route, profit: E18 / 10n }, depths)).toBeNull();
    // In another start token: 100 A = 1 WETH, 10 % of aToB's 5 WETH depth is 50 A.
    expect(thinPoolOf({ ...route, tokens: [A.address, B.address, A.address], profit: 50n * E18 }, depths)).toEqual({ pool: aToB.address, sharePercent: 10n });
  });
});

describe('referenceToken', () => {
  it('is the chain\'s wrapped native token when the pools hold it, else the token in most pools', () => {
    expect(referenceToken(POOLS, 1)).toEqual(WETH);
    expect(referenceToken([aToB, v2(A, C, 1n, 1n)], 1)).toEqual(A);
  });
});

const ethereum = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
describe.skipIf(!ethereum)('the default floor on the Ethereum snapshot of 2020', () => {
  it('keeps the well-known deep pairs and drops the thin pair behind the top "opportunity" without a floor (WETH>BPT>DZAR>WETH)', async () => {
    const { snapshot } = await readSnapshotFile(ethereum!);
    const floor = liquidityFloorFromText(snapshot.pools, snapshot.chainId, undefined, 'ORION_MIN_POOL_LIQUIDITY');
    const kept = new Set<string>(floor.kept.map((pool) => pool.address));
    // USDC/WETH, WETH/USDT and DAI/WETH: the deepest Uniswap V2 pairs of their time.
    for (const pool of ['0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc', '0x0d4a11d5eeaac28ec3f61d100daf4d40471f1852', '0xa478c2975ab1ea89e8196811f51a7b7ade33eb11']) {
      expect(kept.has(pool), pool).toBe(true);
    }
    // WETH/BPT holds 0.65 WETH (651973623052478970 wei, the snapshot's reserve): below 1 WETH.
    expect(kept.has('0x13e638b4f89740a1c2ff45d71f71ee28101cc1dc')).toBe(false);
    expect(floor.kept.length).toBeGreaterThan(1000);
  });
});
