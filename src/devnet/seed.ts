import { encodeDeployData, encodeFunctionData, type Abi, type Address } from 'viem';
import { loadArtifact } from '../contracts/compile.ts';
import { InputError } from '../errors.ts';
import {
  snapshotTokens,
  type HexAddress,
  type PoolSnapshot,
  type Snapshot,
  type SnapshotToken,
  type V3PoolSnapshot,
} from '../market/snapshot.ts';
import { DEVNET_CHAIN_ID } from './anvil.ts';
import type { DevnetClients } from './clients.ts';
import type { UniswapDeployment } from './deploy-uniswap.ts';
import { computeV2PairAddress, computeV3PoolAddress } from './pool-address.ts';
import { deployTestTokens, nextCreateAddresses, type TestTokenSpec } from './test-token.ts';
import { positionsForTickMap } from './tick-positions.ts';
import { checkReceipts, sendBurst, type TxRequest } from './transactions.ts';
import { uniswapArtifact } from './uniswap-artifacts.ts';
import { verifyPools } from './verify.ts';

/**
 * Seeds the local chain from an `orion.pools/v1` snapshot (issue 2 item 8): one TestERC20 per
 * snapshot token, assigned so the local addresses sort like the snapshot's (every pool keeps
 * its token0/token1 order, hence its price); V2 pairs at the exact reserves; V3 pools at the
 * exact price with positions rebuilding the tick map; then every pool is read back and checked.
 */

/** The seeded market: the snapshot as it exists locally, and the address mappings. */
export interface SeededMarket {
  /** The same pools, with local pool and token addresses, chain id 31337. */
  localSnapshot: Snapshot;
  /** Snapshot pool address -> local pool address (both lower-case). */
  poolAddress: Map<HexAddress, HexAddress>;
  /** Snapshot token address -> local token address (both lower-case). */
  tokenAddress: Map<HexAddress, HexAddress>;
  /** Our seeding helper (owns the V3 positions). */
  seeder: HexAddress;
  /** Our read aggregator, used to verify and export pool state. */
  lens: HexAddress;
}

/** The only fee the Uniswap V2 pair charges (0.30 %). */
const V2_FEE_PIPS = 3000;
/** Balance given to the seeder per V3 token: more than any real tick map costs to mint. */
const V3_FUNDING = 1n << 200n;
/** Positions minted per transaction; a mint measured ~0.11 M gas, the limit leaves headroom. */
const POSITIONS_PER_TX = 400;
const GAS_PER_POSITION = 600_000n;
const V2_PAIRS_PER_TX = 100;
const GAS_PER_V2_PAIR = 4_000_000n;

const lower = (address: string): HexAddress => address.toLowerCase() as HexAddress;

function describePool(pool: PoolSnapshot): string {
  const fee = `${pool.fee / 10_000}%`;
  return `${pool.protocol} ${pool.address} (${pool.token0.symbol}/${pool.token1.symbol} ${fee})`;
}

/** Rejects what the real Uniswap contracts cannot reproduce, naming the pool and field. */
function checkSeedable(snapshot: Snapshot): void {
  const pairs = new Map<string, PoolSnapshot>();
  for (const pool of snapshot.pools) {
    const key = `${pool.protocol}:${pool.token0.address}:${pool.token1.address}:${pool.protocol === 'uniswap-v3' ? pool.fee : ''}`;
    const twin = pairs.get(key);
    if (twin !== undefined) {
      throw new InputError(`pool ${describePool(pool)}: field "address": same tokens${pool.protocol === 'uniswap-v3' ? ' and fee' : ''} as pool ${twin.address}; one factory holds only one such pool`);
    }
    pairs.set(key, pool);
    if (pool.protocol === 'uniswap-v2' && pool.fee !== V2_FEE_PIPS) {
      throw new InputError(`pool ${describePool(pool)}: field "fee" is ${pool.fee}; the Uniswap V2 pair charges ${V2_FEE_PIPS} pips`);
    }
  }
}

function call(abi: Abi, to: Address, functionName: string, args: readonly unknown[], gas: bigint, label: string): TxRequest {
  return { label, to, gas, data: encodeFunctionData({ abi, functionName, args }) };
}

/**
 * One TestERC20 per snapshot token, with its symbol and decimals: the i-th smallest local
 * address stands for the i-th smallest snapshot token, so every pool keeps its token order.
 */
async function deploySnapshotTokens(clients: DevnetClients, snapshot: Snapshot): Promise<Map<HexAddress, HexAddress>> {
  const tokens = snapshotTokens(snapshot);
  const predicted = (await nextCreateAddresses(clients, tokens.length)).map(lower);
  const sortedLocal = [...predicted].sort();
  const byLocal = new Map<string, SnapshotToken>(tokens.map((t, i) => [sortedLocal[i]!, t]));
  const specs: TestTokenSpec[] = predicted.map((address) => {
    const token = byLocal.get(address)!;
    return { name: token.symbol, symbol: token.symbol, decimals: token.decimals };
  });
  await deployTestTokens(clients, specs);
  return new Map(tokens.map((t, i) => [t.address, sortedLocal[i]!]));
}

/** Mints to the seeder the exact V2 reserves, plus ample for V3 positions. */
async function fundingRequests(snapshot: Snapshot, tokenAddress: Map<HexAddress, HexAddress>, seeder: HexAddress): Promise<TxRequest[]> {
  const { abi } = await loadArtifact('TestERC20');
  const funding = new Map<HexAddress, bigint>();
  const fund = (token: HexAddress, amount: bigint): void => void funding.set(token, (funding.get(token) ?? 0n) + amount);
  for (const pool of snapshot.pools) {
    const t0 = tokenAddress.get(pool.token0.address)!;
    const t1 = tokenAddress.get(pool.token1.address)!;
    fund(t0, pool.protocol === 'uniswap-v2' ? pool.reserve0 : V3_FUNDING);
    fund(t1, pool.protocol === 'uniswap-v2' ? pool.reserve1 : V3_FUNDING);
  }
  return [...funding].map(([token, amount]) => call(abi, token, 'mint', [seeder, amount], 200_000n, `fund seeder with ${amount} of token ${token}`));
}

/** Enables fee tiers the factory lacks; a tier it knows with another spacing cannot be seeded. */
async function feeTierRequests(clients: DevnetClients, deployment: UniswapDeployment, v3Pools: readonly V3PoolSnapshot[]): Promise<TxRequest[]> {
  const abi = uniswapArtifact('UniswapV3Factory').abi;
  const fees = [...new Set(v3Pools.map((p) => p.fee))];
  const spacings = await Promise.all(
    fees.map((fee) => clients.publicClient.readContract({ address: deployment.v3Factory, abi, functionName: 'feeAmountTickSpacing', args: [fee] }) as Promise<number>),
  );
  const enabled = new Map(fees.map((fee, i) => [fee, spacings[i]!]));
  const requests: TxRequest[] = [];
  for (const pool of v3Pools) {
    const spacing = enabled.get(pool.fee)!;
    if (spacing === 0) {
      requests.push(call(abi, deployment.v3Factory, 'enableFeeAmount', [pool.fee, pool.tickSpacing], 200_000n, `enable V3 fee ${pool.fee}`));
      enabled.set(pool.fee, pool.tickSpacing);
    } else if (spacing !== pool.tickSpacing) {
      throw new InputError(`pool ${describePool(pool)}: field "tickSpacing" is ${pool.tickSpacing} but fee ${pool.fee} has tick spacing ${spacing} on Uniswap V3`);
    }
  }
  return requests;
}

/**
 * Deploys the snapshot's tokens and pools on the local chain, verifies every pool against the
 * snapshot, and returns the local market. Throws on the first problem; the caller tears the
 * chain down (nothing half-seeded is used).
 */
export async function seedFromSnapshot(clients: DevnetClients, deployment: UniswapDeployment, snapshot: Snapshot): Promise<SeededMarket> {
  checkSeedable(snapshot);
  const deployer = clients.accounts[0]!.address;
  const [{ abi: seederAbi, bytecode: seederCode }, { abi: lensAbi, bytecode: lensCode }] = await Promise.all([
    loadArtifact('DevnetPoolSeeder'), loadArtifact('DevnetPoolLens'),
  ]);
  const v3Pools = snapshot.pools.filter((p): p is V3PoolSnapshot => p.protocol === 'uniswap-v3');
  const v2Pools = snapshot.pools.filter((p) => p.protocol === 'uniswap-v2');
  const tierRequests = await feeTierRequests(clients, deployment, v3Pools);
  const tokenAddress = await deploySnapshotTokens(clients, snapshot);

  // Everything else is one burst of transactions (mined in a few blocks), then checked.
  const [seeder, lens] = (await nextCreateAddresses(clients, 2)).map(lower) as [HexAddress, HexAddress];
  const requests: TxRequest[] = [
    { label: 'deploy DevnetPoolSeeder', data: encodeDeployData({ abi: seederAbi, bytecode: seederCode }), gas: 3_000_000n },
    { label: 'deploy DevnetPoolLens', data: encodeDeployData({ abi: lensAbi, bytecode: lensCode }), gas: 3_000_000n },
    ...(await fundingRequests(snapshot, tokenAddress, seeder)),
    ...tierRequests,
  ];
  const poolAddress = new Map<HexAddress, HexAddress>();
  const localTokens = (pool: PoolSnapshot): [HexAddress, HexAddress] => [tokenAddress.get(pool.token0.address)!, tokenAddress.get(pool.token1.address)!];

  for (let i = 0; i < v2Pools.length; i += V2_PAIRS_PER_TX) {
    const chunk = v2Pools.slice(i, i + V2_PAIRS_PER_TX);
    const seeds = chunk.map((pool) => {
      const [token0, token1] = localTokens(pool);
      poolAddress.set(pool.address, lower(computeV2PairAddress(deployment.v2Factory, token0, token1)));
      return { token0, token1, reserve0: pool.reserve0, reserve1: pool.reserve1 };
    });
    requests.push(call(seederAbi, seeder, 'seedV2', [deployment.v2Factory, seeds, deployer], GAS_PER_V2_PAIR * BigInt(chunk.length), `seed V2 pairs ${i}..${i + chunk.length - 1}`));
  }

  for (const pool of v3Pools) {
    const [t0, t1] = localTokens(pool);
    const local = lower(computeV3PoolAddress(deployment.v3Factory, t0, t1, pool.fee));
    poolAddress.set(pool.address, local);
    requests.push(call(seederAbi, seeder, 'createV3', [deployment.v3Factory, t0, t1, pool.fee, pool.sqrtPriceX96], 6_000_000n, `create ${describePool(pool)}`));
    const positions = positionsForTickMap(pool.ticks);
    for (let i = 0; i < positions.length; i += POSITIONS_PER_TX) {
      const chunk = positions.slice(i, i + POSITIONS_PER_TX);
      requests.push(call(
        seederAbi, seeder, 'mintV3',
        [local, chunk.map((p) => p.tickLower), chunk.map((p) => p.tickUpper), chunk.map((p) => p.liquidity)],
        GAS_PER_POSITION * BigInt(chunk.length),
        `mint positions ${i}..${i + chunk.length - 1} of ${describePool(pool)}`,
      ));
    }
    // A no-op unless the pool sits on a tick boundary reached from above; reverts (naming the
    // pool) when the snapshot's tick does not belong to its price at all.
    requests.push(call(seederAbi, seeder, 'settleV3', [local, pool.tick], 2_000_000n, `settle the tick of ${describePool(pool)} at ${pool.tick}`));
  }
  // The verification below reads every pool back, so receipts (megabytes of logs) are only
  // read to name the failing step when it fails, or to wait when blocks come on an interval.
  const { hashes, mined } = await sendBurst(clients, requests, { fewBlocks: true });
  if (!mined) await checkReceipts(clients, requests, hashes);
  const block = await clients.publicClient.getBlockNumber({ cacheTime: 0 });

  const localSnapshot = localizeSnapshot(snapshot, tokenAddress, poolAddress, block);
  const origin = new Map([...poolAddress].map(([from, to]) => [to, from]));
  try {
    await verifyPools(clients, lens, localSnapshot.pools, (pool) => `${describePool(pool)} (snapshot pool ${origin.get(pool.address)})`);
  } catch (mismatch) {
    await checkReceipts(clients, requests, hashes);
    throw mismatch;
  }
  return { localSnapshot, poolAddress, tokenAddress, seeder, lens };
}

/** The snapshot with local token and pool addresses (state unchanged). */
function localizeSnapshot(
  snapshot: Snapshot,
  tokenAddress: Map<HexAddress, HexAddress>,
  poolAddress: Map<HexAddress, HexAddress>,
  block: bigint | null,
): Snapshot {
  const token = (t: SnapshotToken): SnapshotToken => ({ ...t, address: tokenAddress.get(t.address)! });
  const local: Snapshot = {
    format: snapshot.format,
    chainId: DEVNET_CHAIN_ID,
    block,
    note: `seeded on the Orion devnet from a chain ${snapshot.chainId} snapshot${snapshot.block === null ? '' : ` at block ${snapshot.block}`}`,
    pools: snapshot.pools.map((pool) => ({ ...pool, address: poolAddress.get(pool.address)!, token0: token(pool.token0), token1: token(pool.token1) })),
  };
  if (snapshot.source !== undefined) local.source = snapshot.source;
  return local;
}
