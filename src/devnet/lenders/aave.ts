import { encodeDeployData, encodeFunctionData, getAddress, type Abi, type Address, type Hex } from 'viem';
import { RuntimeFault } from '../../errors.ts';
import type { DevnetClients } from '../clients.ts';
import { sendAll, type TxRequest } from '../transactions.ts';
import { lenderArtifact, linkBytecode } from './artifacts.ts';

/**
 * A minimal real Aave V3 market on the local chain, wired as Aave's own test deployments do:
 * PoolAddressesProvider, ACLManager, the logic libraries, Pool and PoolConfigurator behind the
 * provider's proxies, a fixed-price oracle, and one reserve per asset (AToken, debt tokens,
 * interest-rate strategy) with flash loans enabled. All bytecode comes from `@aave/core-v3`.
 */

const A = '@aave/core-v3/artifacts/contracts';
const PATHS = {
  PoolAddressesProvider: `${A}/protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json`,
  ACLManager: `${A}/protocol/configuration/ACLManager.sol/ACLManager.json`,
  Pool: `${A}/protocol/pool/Pool.sol/Pool.json`,
  PoolConfigurator: `${A}/protocol/pool/PoolConfigurator.sol/PoolConfigurator.json`,
  AToken: `${A}/protocol/tokenization/AToken.sol/AToken.json`,
  StableDebtToken: `${A}/protocol/tokenization/StableDebtToken.sol/StableDebtToken.json`,
  VariableDebtToken: `${A}/protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json`,
  DefaultReserveInterestRateStrategy: `${A}/protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json`,
  PriceOracle: `${A}/mocks/oracle/PriceOracle.sol/PriceOracle.json`,
} as const;
const LIBRARIES = ['BorrowLogic', 'SupplyLogic', 'LiquidationLogic', 'EModeLogic', 'BridgeLogic', 'PoolLogic', 'ConfiguratorLogic'] as const;
const libraryPath = (name: string): string => `${A}/protocol/libraries/logic/${name}.sol/${name}.json`;

const ERC20_APPROVE = [
  { type: 'function', name: 'approve', stateMutability: 'nonpayable', inputs: [{ name: 'spender', type: 'address' }, { name: 'amount', type: 'uint256' }], outputs: [{ type: 'bool' }] },
] as const;
const RAY = 10n ** 27n;

/** One asset to list as an Aave reserve. */
export interface AaveAsset {
  address: Address;
  symbol: string;
  decimals: number;
}

/** Addresses of the deployed Aave market. */
export interface AaveDeployment {
  addressesProvider: Address;
  aclManager: Address;
  /** The Pool proxy: where flashLoanSimple is called. */
  pool: Address;
  poolConfigurator: Address;
  oracle: Address;
  /** Flash-loan premium in basis points (Aave's FLASHLOAN_PREMIUM_TOTAL). */
  flashPremiumBps: number;
  /** Underlying asset (lower-case) -> its AToken proxy, which holds the lendable liquidity. */
  aTokens: Map<string, Address>;
}

const abiOf = (name: keyof typeof PATHS): Abi => lenderArtifact(PATHS[name]).abi;

async function deploy(clients: DevnetClients, label: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
  const [receipt] = await sendAll(clients, [{ label: `deploy ${label}`, gas: 15_000_000n, data: encodeDeployData({ abi, bytecode, args }) }]);
  if (!receipt?.contractAddress) throw new RuntimeFault(`deploy ${label}: no contract address in the receipt`);
  return getAddress(receipt.contractAddress);
}

function call(label: string, to: Address, abi: Abi, functionName: string, args: readonly unknown[], gas = 3_000_000n): TxRequest {
  return { label, to, gas, data: encodeFunctionData({ abi, functionName, args }) };
}

async function read(clients: DevnetClients, address: Address, abi: Abi, functionName: string): Promise<Address> {
  return (await clients.publicClient.readContract({ address, abi, functionName, args: [] })) as Address;
}

/** Deploys the market from `accounts[0]` (market owner, ACL admin, pool admin) and lists `assets`. */
export async function deployAave(
  clients: DevnetClients,
  options: { assets: readonly AaveAsset[]; flashPremiumBps?: number },
): Promise<AaveDeployment> {
  const admin = clients.accounts[0]!.address;
  const flashPremiumBps = options.flashPremiumBps ?? 5;
  const libraries: Record<string, Address> = {};
  for (const name of LIBRARIES) {
    libraries[name] = await deploy(clients, name, lenderArtifact(libraryPath(name)).abi, lenderArtifact(libraryPath(name)).bytecode, []);
  }
  const flashLogic = lenderArtifact(libraryPath('FlashLoanLogic'));
  libraries.FlashLoanLogic = await deploy(clients, 'FlashLoanLogic', flashLogic.abi, linkBytecode(flashLogic, libraries), []);

  const provider = await deploy(clients, 'PoolAddressesProvider', abiOf('PoolAddressesProvider'), lenderArtifact(PATHS.PoolAddressesProvider).bytecode, ['Orion devnet', admin]);
  // The ACLManager constructor grants its admin role to the provider's ACL admin: set it first.
  await sendAll(clients, [call('setACLAdmin', provider, abiOf('PoolAddressesProvider'), 'setACLAdmin', [admin])]);
  const aclManager = await deploy(clients, 'ACLManager', abiOf('ACLManager'), lenderArtifact(PATHS.ACLManager).bytecode, [provider]);
  const poolImpl = await deploy(clients, 'Pool', abiOf('Pool'), linkBytecode(lenderArtifact(PATHS.Pool), libraries), [provider]);
  const configuratorImpl = await deploy(
    clients, 'PoolConfigurator', abiOf('PoolConfigurator'), linkBytecode(lenderArtifact(PATHS.PoolConfigurator), libraries), [],
  );
  const oracle = await deploy(clients, 'PriceOracle', abiOf('PriceOracle'), lenderArtifact(PATHS.PriceOracle).bytecode, []);
  await sendAll(clients, [
    call('setACLManager', provider, abiOf('PoolAddressesProvider'), 'setACLManager', [aclManager]),
    call('addPoolAdmin', aclManager, abiOf('ACLManager'), 'addPoolAdmin', [admin]),
    call('addRiskAdmin', aclManager, abiOf('ACLManager'), 'addRiskAdmin', [admin]),
    call('setPoolImpl', provider, abiOf('PoolAddressesProvider'), 'setPoolImpl', [poolImpl], 5_000_000n),
    call('setPoolConfiguratorImpl', provider, abiOf('PoolAddressesProvider'), 'setPoolConfiguratorImpl', [configuratorImpl], 5_000_000n),
    call('setPriceOracle', provider, abiOf('PoolAddressesProvider'), 'setPriceOracle', [oracle]),
    // A fixed price per asset (1.00 in the oracle's 8-decimal base currency): flash loans never
    // read it, but a market without an oracle is not one Aave would deploy.
    ...options.assets.map((asset) => call(`setAssetPrice ${asset.symbol}`, oracle, abiOf('PriceOracle'), 'setAssetPrice', [asset.address, 100_000_000n])),
  ]);
  const pool = await read(clients, provider, abiOf('PoolAddressesProvider'), 'getPool');
  const poolConfigurator = await read(clients, provider, abiOf('PoolAddressesProvider'), 'getPoolConfigurator');

  const aTokenImpl = await deploy(clients, 'AToken', abiOf('AToken'), lenderArtifact(PATHS.AToken).bytecode, [pool]);
  const stableImpl = await deploy(clients, 'StableDebtToken', abiOf('StableDebtToken'), lenderArtifact(PATHS.StableDebtToken).bytecode, [pool]);
  const variableImpl = await deploy(clients, 'VariableDebtToken', abiOf('VariableDebtToken'), lenderArtifact(PATHS.VariableDebtToken).bytecode, [pool]);
  // Aave's usual volatile-asset curve; only supply touches it here.
  const strategy = await deploy(clients, 'DefaultReserveInterestRateStrategy', abiOf('DefaultReserveInterestRateStrategy'),
    lenderArtifact(PATHS.DefaultReserveInterestRateStrategy).bytecode,
    [provider, (RAY * 9n) / 10n, 0n, (RAY * 4n) / 100n, (RAY * 6n) / 10n, (RAY * 2n) / 100n, (RAY * 6n) / 10n, (RAY * 2n) / 100n, (RAY * 5n) / 100n, (RAY * 2n) / 10n]);
  const reserves = options.assets.map((asset) => ({
    aTokenImpl, stableDebtTokenImpl: stableImpl, variableDebtTokenImpl: variableImpl, underlyingAssetDecimals: asset.decimals,
    interestRateStrategyAddress: strategy, underlyingAsset: asset.address, treasury: admin,
    incentivesController: '0x0000000000000000000000000000000000000000',
    aTokenName: `Aave ${asset.symbol}`, aTokenSymbol: `a${asset.symbol}`,
    variableDebtTokenName: `Aave variable debt ${asset.symbol}`, variableDebtTokenSymbol: `variableDebt${asset.symbol}`,
    stableDebtTokenName: `Aave stable debt ${asset.symbol}`, stableDebtTokenSymbol: `stableDebt${asset.symbol}`, params: '0x',
  }));
  await sendAll(clients, [
    call('initReserves', poolConfigurator, abiOf('PoolConfigurator'), 'initReserves', [reserves], 10_000_000n),
    ...options.assets.map((asset) => call(`setReserveFlashLoaning ${asset.symbol}`, poolConfigurator, abiOf('PoolConfigurator'), 'setReserveFlashLoaning', [asset.address, true])),
    call('updateFlashloanPremiumTotal', poolConfigurator, abiOf('PoolConfigurator'), 'updateFlashloanPremiumTotal', [BigInt(flashPremiumBps)]),
  ]);
  const aTokens = new Map<string, Address>();
  for (const asset of options.assets) {
    const data = (await clients.publicClient.readContract({
      address: pool, abi: abiOf('Pool'), functionName: 'getReserveData', args: [asset.address],
    })) as { aTokenAddress: Address };
    aTokens.set(asset.address.toLowerCase(), data.aTokenAddress);
  }
  return { addressesProvider: provider, aclManager, pool, poolConfigurator, oracle, flashPremiumBps, aTokens };
}

/** Supplies `amount` of `asset` held by `accounts[0]` to the market, making it flash-loanable. */
export async function supplyAave(clients: DevnetClients, aave: AaveDeployment, asset: Address, amount: bigint): Promise<void> {
  const supplier = clients.accounts[0]!.address;
  await sendAll(clients, [
    { label: `approve Aave Pool for ${asset}`, to: asset, gas: 100_000n, data: encodeFunctionData({ abi: ERC20_APPROVE, functionName: 'approve', args: [aave.pool, amount] }) },
    call(`Aave supply ${amount} of ${asset}`, aave.pool, abiOf('Pool'), 'supply', [asset, amount, supplier, 0]),
  ]);
}

/** The Aave Pool ABI (from `@aave/core-v3`). */
export function aavePoolAbi(): Abi {
  return abiOf('Pool');
}
