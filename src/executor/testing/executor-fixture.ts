import { encodeDeployData, encodeFunctionData, getAddress, maxUint256, type Abi, type Address, type Hex, type TransactionReceipt } from 'viem';
import { loadArtifact } from '../../contracts/compile.ts';
import { startAnvil, type Anvil } from '../../devnet/anvil.ts';
import { createDevnetClients, type DevnetClients } from '../../devnet/clients.ts';
import { deployUniswap, type UniswapDeployment } from '../../devnet/deploy-uniswap.ts';
import { deployFlashLenders, type AaveDeployment, type BalancerDeployment } from '../../devnet/lenders/index.ts';
import { deployTestTokens, mintTestTokens } from '../../devnet/test-token.ts';
import { sendAll } from '../../devnet/transactions.ts';
import { uniswapArtifact } from '../../devnet/uniswap-artifacts.ts';
import { deployFlashArbExecutor } from '../../devnet/deploy-executor.ts';

/**
 * Test-only world for the FlashArbExecutor suites: one anvil with the real Uniswap V2 (two
 * factories: Uniswap and a fork, for cross-DEX cycles) and V3, the real Balancer V2 Vault and a
 * real Aave V3 market, three tokens, pools priced so that every route shape has a profitable
 * cycle, and the executor (owner = account 1, cold wallet = account 2, executor key = account 3).
 */

const E18 = 10n ** 18n;
/** Liquidity per side of every pool, and what each lender can lend. */
export const POOL_DEPTH = 1_000n * E18;

/** Token roles of the fixture. */
export interface FixtureTokens { base: Address; a: Address; b: Address }

/** Pools of the fixture, by role (prices in units of the second token per first). */
export interface FixturePools {
  v2BaseA: Address; // Uniswap V2, 1 A per base
  v2ForkBaseA: Address; // fork V2, 1.1 A per base
  v2AB: Address; // Uniswap V2, 1 B per A
  v2BBase: Address; // Uniswap V2, 1.1 base per B
  v3BaseA500: Address; // V3 0.05 %, 1 A per base
  v3BaseA3000: Address; // V3 0.30 %, 1.1 A per base
  v3AB3000: Address; // V3 0.30 %, 1 B per A
  v3BBase3000: Address; // V3 0.30 %, 1.1 base per B
  v3LenderBaseB: Address; // V3 1 %, on no route: the V3 flash lender
}

/** Everything a test needs. */
export interface ExecutorFixture {
  anvil: Anvil;
  clients: DevnetClients;
  uni: UniswapDeployment;
  forkFactory: Address;
  tokens: FixtureTokens;
  pools: FixturePools;
  balancer: BalancerDeployment;
  aave: AaveDeployment;
  executor: Address;
  executorAbi: Abi;
  owner: Address;
  coldWallet: Address;
  hotKey: Address;
  /** Base tokens the executor holds for the no-flash source. */
  executorCapital: bigint;
  stop(): Promise<void>;
}

/** Minimal ERC-20 ABI for reads and approvals. */
export const ERC20_ABI = [
  { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] },
  { type: 'function', name: 'allowance', stateMutability: 'view', inputs: [{ name: 'o', type: 'address' }, { name: 's', type: 'address' }], outputs: [{ type: 'uint256' }] },
  { type: 'function', name: 'approve', stateMutability: 'nonpayable', inputs: [{ name: 's', type: 'address' }, { name: 'v', type: 'uint256' }], outputs: [{ type: 'bool' }] },
  { type: 'function', name: 'transfer', stateMutability: 'nonpayable', inputs: [{ name: 't', type: 'address' }, { name: 'v', type: 'uint256' }], outputs: [{ type: 'bool' }] },
] as const;

/** Integer square root (Newton), for sqrtPriceX96. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

const lower = (x: Address): string => x.toLowerCase();
const TICK_SPACING: Record<number, number> = { 500: 10, 3000: 60, 10000: 200 };

/** Deploys a contract of ours (contracts/) from `accounts[0]`. */
export async function deployOurs(clients: DevnetClients, name: string, args: readonly unknown[] = []): Promise<Address> {
  const { abi, bytecode } = await loadArtifact(name);
  const [receipt] = await sendAll(clients, [{ label: `deploy ${name}`, gas: 8_000_000n, data: encodeDeployData({ abi, bytecode, args }) }]);
  return getAddress(receipt!.contractAddress!);
}

/** Sends one call from `from` (default accounts[0]) and returns its receipt (must succeed). */
export async function send(clients: DevnetClients, to: Address, abi: Abi, functionName: string, args: readonly unknown[], from = clients.accounts[0]!): Promise<TransactionReceipt> {
  const [receipt] = await sendAll(clients, [{ label: `${functionName} on ${to}`, to, gas: 5_000_000n, data: encodeFunctionData({ abi, functionName, args }) }], { from });
  return receipt!;
}

/** A V2 pair on `factory` with `amountX` of x and `amountY` of y, minted by accounts[0]. */
export async function createV2Pair(clients: DevnetClients, factory: Address, x: Address, y: Address, amountX: bigint, amountY: bigint): Promise<Address> {
  const factoryAbi = uniswapArtifact('UniswapV2Factory').abi;
  await send(clients, factory, factoryAbi, 'createPair', [x, y]);
  const pair = (await clients.publicClient.readContract({ address: factory, abi: factoryAbi, functionName: 'getPair', args: [x, y] })) as Address;
  await send(clients, x, ERC20_ABI, 'transfer', [pair, amountX]);
  await send(clients, y, ERC20_ABI, 'transfer', [pair, amountY]);
  await send(clients, pair, uniswapArtifact('UniswapV2Pair').abi, 'mint', [clients.accounts[0]!.address]);
  return getAddress(pair);
}

/**
 * A V3 pool at `yPerX` (a ratio num/den) with full-range liquidity of about `depth` per side,
 * created and minted through the real NonfungiblePositionManager.
 */
export async function createV3Pool(clients: DevnetClients, uni: UniswapDeployment, x: Address, y: Address, fee: number, yPerX: [bigint, bigint], depth: bigint): Promise<Address> {
  const [token0, token1] = lower(x) < lower(y) ? [x, y] : [y, x];
  const [num, den] = token0 === x ? yPerX : [yPerX[1], yPerX[0]];
  const sqrtPriceX96 = isqrt((num << 192n) / den);
  const pm = uniswapArtifact('NonfungiblePositionManager').abi;
  await send(clients, uni.positionManager, pm, 'createAndInitializePoolIfNecessary', [token0, token1, fee, sqrtPriceX96]);
  for (const token of [token0, token1]) await send(clients, token, ERC20_ABI, 'approve', [uni.positionManager, maxUint256]);
  const spacing = TICK_SPACING[fee]!;
  const maxTick = Math.floor(887272 / spacing) * spacing;
  await send(clients, uni.positionManager, pm, 'mint', [{
    token0, token1, fee, tickLower: -maxTick, tickUpper: maxTick, amount0Desired: depth, amount1Desired: depth,
    amount0Min: 0n, amount1Min: 0n, recipient: clients.accounts[0]!.address, deadline: 2n ** 40n,
  }]);
  const pool = (await clients.publicClient.readContract({
    address: uni.v3Factory, abi: uniswapArtifact('UniswapV3Factory').abi, functionName: 'getPool', args: [token0, token1, fee],
  })) as Address;
  return getAddress(pool);
}

/** Starts the whole world; call `stop()` in afterAll. */
export async function startExecutorFixture(): Promise<ExecutorFixture> {
  const anvil = await startAnvil();
  try {
    const clients = createDevnetClients(anvil.rpcUrl);
    const deployer = clients.accounts[0]!.address;
    const [owner, coldWallet, hotKey] = [1, 2, 3].map((i) => clients.accounts[i]!.address) as [Address, Address, Address];
    const uni = await deployUniswap(clients);
    // A second V2 factory (same bytecode, another address): a fork DEX for cross-DEX cycles.
    const factoryArtifact = uniswapArtifact('UniswapV2Factory');
    const [forkReceipt] = await sendAll(clients, [
      { label: 'deploy fork UniswapV2Factory', gas: 8_000_000n, data: encodeDeployData({ abi: factoryArtifact.abi, bytecode: factoryArtifact.bytecode, args: [deployer] }) },
    ]);
    const forkFactory = getAddress(forkReceipt!.contractAddress!);
    const [base, a, b] = (await deployTestTokens(clients, [
      { name: 'Base', symbol: 'BASE', decimals: 18 }, { name: 'Token A', symbol: 'TKA', decimals: 18 }, { name: 'Token B', symbol: 'TKB', decimals: 18 },
    ])).map((t) => getAddress(t)) as [Address, Address, Address];
    await mintTestTokens(clients, [base, a, b], deployer, 100_000n * E18);

    const d = POOL_DEPTH;
    const pools: FixturePools = {
      v2BaseA: await createV2Pair(clients, uni.v2Factory, base, a, d, d),
      v2ForkBaseA: await createV2Pair(clients, forkFactory, base, a, d, (d * 11n) / 10n),
      v2AB: await createV2Pair(clients, uni.v2Factory, a, b, d, d),
      v2BBase: await createV2Pair(clients, uni.v2Factory, b, base, d, (d * 11n) / 10n),
      v3BaseA500: await createV3Pool(clients, uni, base, a, 500, [1n, 1n], d),
      v3BaseA3000: await createV3Pool(clients, uni, base, a, 3000, [11n, 10n], d),
      v3AB3000: await createV3Pool(clients, uni, a, b, 3000, [1n, 1n], d),
      v3BBase3000: await createV3Pool(clients, uni, b, base, 3000, [11n, 10n], d),
      v3LenderBaseB: await createV3Pool(clients, uni, base, b, 10000, [1n, 1n], d),
    };

    await warmPriceAccumulators(clients, [pools.v2BaseA, pools.v2ForkBaseA, pools.v2AB, pools.v2BBase]);

    const { balancer, aave } = await deployFlashLenders(clients, { weth: uni.weth, assets: [{ address: base, symbol: 'BASE', decimals: 18 }], liquidity: d });

    const executor = await deployFlashArbExecutor(clients, { owner, coldWallet, executors: [hotKey] });
    const executorAbi = (await loadArtifact('FlashArbExecutor')).abi;
    const executorCapital = 100n * E18;
    await send(clients, base, ERC20_ABI, 'transfer', [executor, executorCapital]);
    return {
      anvil, clients, uni, forkFactory, tokens: { base, a, b }, pools, balancer, aave, executor, executorAbi,
      owner, coldWallet, hotKey, executorCapital, stop: () => anvil.stop(),
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Seconds between blocks when a test asks for the next block to come later (as on mainnet). */
const BLOCK_INTERVAL = 12n;

/**
 * Makes the next block's timestamp later than the latest one's. Automine on a fast machine can
 * put several blocks in one second, and a pool touched earlier in the same second skips its
 * oracle write (V2 price accumulators, the V3 observation), so the same transaction costs from
 * ~5k (V3) to ~90k (two fresh V2 pairs) less gas depending on the clock. On a live chain a pool's
 * first swap in a block always pays that write: measure that case.
 */
export async function nextBlockLater(clients: DevnetClients): Promise<void> {
  const latest = await clients.publicClient.getBlock({ blockTag: 'latest' });
  await clients.publicClient.request({ method: 'anvil_setNextBlockTimestamp' as never, params: [Number(latest.timestamp + BLOCK_INTERVAL)] as never });
}

/**
 * A V2 pair's price accumulators stay zero until its first update a second or more after it was
 * funded; that first update then writes them zero → non-zero (2 × 20k gas per pair), which no
 * pair on a live chain pays again. Sync every pair a block later, so that measured executions pay
 * what they would on mainnet: non-zero → non-zero.
 */
async function warmPriceAccumulators(clients: DevnetClients, pairs: readonly Address[]): Promise<void> {
  await nextBlockLater(clients);
  for (const pair of pairs) await send(clients, pair, uniswapArtifact('UniswapV2Pair').abi, 'sync', []);
}

/** evm_snapshot; returns the id for {@link revertTo}. */
export async function snapshot(clients: DevnetClients): Promise<Hex> {
  return (await clients.publicClient.request({ method: 'evm_snapshot' as never, params: [] as never })) as Hex;
}

/** evm_revert to `id` (an id is single use: take a new snapshot after). */
export async function revertTo(clients: DevnetClients, id: Hex): Promise<void> {
  await clients.publicClient.request({ method: 'evm_revert' as never, params: [id] as never });
}

/** ERC-20 balance. */
export async function balanceOf(clients: DevnetClients, token: Address, account: Address): Promise<bigint> {
  return clients.publicClient.readContract({ address: token, abi: ERC20_ABI, functionName: 'balanceOf', args: [account] });
}
