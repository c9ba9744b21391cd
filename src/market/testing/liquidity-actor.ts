import { encodeFunctionData, maxUint256, type Address, type Hex } from 'viem';
import { loadArtifact } from '../../contracts/compile.ts';
import type { Devnet } from '../../devnet/devnet.ts';
import { mintTestTokens } from '../../devnet/test-token.ts';
import { sendAll, type TxRequest } from '../../devnet/transactions.ts';
import { uniswapArtifact } from '../../devnet/uniswap-artifacts.ts';
import type { V3PoolSnapshot } from '../snapshot.ts';

/**
 * TEST CODE — real liquidity changes on the local chain: V3 positions minted and partly or
 * wholly burned through the real NonfungiblePositionManager, from a funded test account, so the
 * market state sees genuine Mint and Burn events (some ticks created, some cleared).
 */

const INCREASE_LIQUIDITY = '0x3067048beee31b25b2f1681f88dac838c8bba36af25bfb2b7cf7473a5847e35f';
const DEADLINE = 1n << 40n;
const GAS = 1_500_000n;

/** A position we minted. */
export interface OpenPosition {
  tokenId: bigint;
  pool: V3PoolSnapshot;
  liquidity: bigint;
}

/** Mints and burns V3 positions. */
export interface LiquidityActor {
  /** One mint request around the pool's current tick (width and size from `rng`). */
  mintRequest(pool: V3PoolSnapshot, currentTick: number, rng: () => number): TxRequest;
  /** Sends requests in one block; returns positions opened by mints among them. */
  send(requests: TxRequest[], pools: V3PoolSnapshot[]): Promise<OpenPosition[]>;
  /** A burn of `fraction` (0..1] of a position's liquidity. */
  burnRequest(position: OpenPosition, fraction: number): TxRequest;
}

/** Funds account `accountIndex` with every token and approves the position manager. */
export async function createLiquidityActor(devnet: Devnet, accountIndex = 8): Promise<LiquidityActor> {
  const { clients, deployment, seeded } = devnet;
  const account = clients.accounts[accountIndex] as (typeof clients.accounts)[number];
  const tokens = [...seeded.tokenAddress.values()] as Address[];
  const { abi: erc20 } = await loadArtifact('TestERC20');
  const npm = uniswapArtifact('NonfungiblePositionManager').abi;
  await mintTestTokens(clients, tokens, account.address, 1n << 200n);
  await sendAll(
    clients,
    tokens.map((token) => ({
      label: `approve position manager for ${token}`,
      to: token,
      gas: 100_000n,
      data: encodeFunctionData({ abi: erc20, functionName: 'approve', args: [deployment.positionManager, maxUint256] }),
    })),
    { from: account },
  );

  return {
    mintRequest(pool, currentTick, rng) {
      const s = pool.tickSpacing;
      const base = Math.floor(currentTick / s) * s;
      // Ranges that straddle the price (liquidity moves) or sit beside it (only ticks move).
      const lower = base - s * Math.floor(rng() * 6 - 2);
      const upper = Math.max(lower + s, base + s * (1 + Math.floor(rng() * 6 - 2)));
      const amount = 10n ** BigInt(pool.token0.decimals > 6 ? 15 : 4) * BigInt(1 + Math.floor(rng() * 1000));
      return {
        label: `mint [${lower}, ${upper}) in ${pool.address}`,
        to: deployment.positionManager,
        gas: GAS,
        data: encodeFunctionData({
          abi: npm,
          functionName: 'mint',
          args: [{
            token0: pool.token0.address, token1: pool.token1.address, fee: pool.fee, tickLower: lower, tickUpper: upper,
            amount0Desired: amount * 1000n, amount1Desired: amount * 1000n, amount0Min: 0n, amount1Min: 0n,
            recipient: account.address, deadline: DEADLINE,
          }],
        }),
      };
    },
    async send(requests, pools) {
      const receipts = await sendAll(clients, requests, { from: account, fewBlocks: true });
      const opened: OpenPosition[] = [];
      for (const receipt of receipts) {
        for (const log of receipt.logs) {
          if (log.topics[0] !== INCREASE_LIQUIDITY || log.address.toLowerCase() !== deployment.positionManager.toLowerCase()) continue;
          const tokenId = BigInt(log.topics[1] as Hex);
          const liquidity = BigInt(`0x${log.data.slice(2, 66)}`);
          const poolLog = receipt.logs.find((l) => pools.some((p) => p.address === l.address.toLowerCase()));
          const pool = pools.find((p) => p.address === poolLog?.address.toLowerCase());
          if (pool !== undefined && liquidity > 0n) opened.push({ tokenId, pool, liquidity });
        }
      }
      return opened;
    },
    burnRequest(position, fraction) {
      const liquidity = fraction >= 1 ? position.liquidity : (position.liquidity * BigInt(Math.max(1, Math.floor(fraction * 1000)))) / 1000n;
      position.liquidity -= liquidity;
      return {
        label: `burn ${liquidity} of position ${position.tokenId}`,
        to: deployment.positionManager,
        gas: GAS,
        data: encodeFunctionData({
          abi: npm,
          functionName: 'decreaseLiquidity',
          args: [{ tokenId: position.tokenId, liquidity, amount0Min: 0n, amount1Min: 0n, deadline: DEADLINE }],
        }),
      };
    },
  };
}
