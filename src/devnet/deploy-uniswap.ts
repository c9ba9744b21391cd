import { encodeDeployData, encodeFunctionData, getContractAddress, zeroAddress, type Address } from 'viem';
import { RuntimeFault } from '../errors.ts';
import type { DevnetClients } from './clients.ts';
import { sendAll, type TxRequest } from './transactions.ts';
import { uniswapArtifact, type UniswapContractName } from './uniswap-artifacts.ts';

/**
 * Deploys the real Uniswap V2 and V3 contracts (bytecode from the `@uniswap/*` packages) on
 * the local chain: WETH9, the V2 factory and Router02, the V3 factory with the 0.01 % fee tier
 * enabled (real pools use it; the factory ships without it), the position manager, the swap
 * router and QuoterV2.
 */

/** Addresses of the deployed Uniswap contracts. */
export interface UniswapDeployment {
  weth: Address;
  v2Factory: Address;
  v2Router: Address;
  v3Factory: Address;
  positionManager: Address;
  swapRouter: Address;
  quoterV2: Address;
}

// Gas per deployment: explicit (no estimation round-trips); generous, unused gas is refunded.
const DEPLOY_GAS = 12_000_000n;

function deployRequest(name: UniswapContractName, args: readonly unknown[]): TxRequest {
  const { abi, bytecode } = uniswapArtifact(name);
  return { label: `deploy ${name}`, data: encodeDeployData({ abi, bytecode, args }), gas: DEPLOY_GAS };
}

/** Deploys every Uniswap contract from `accounts[0]` and returns their addresses. */
export async function deployUniswap(clients: DevnetClients): Promise<UniswapDeployment> {
  const deployer = clients.accounts[0]!.address;
  const nonce = await clients.publicClient.getTransactionCount({ address: deployer, blockTag: 'pending' });
  // Contract addresses follow from the deployer's nonces, so the whole burst is built up front.
  const at = (offset: number): Address => getCreateAddressFor(deployer, nonce + offset);
  const weth = at(0);
  const v2Factory = at(1);
  const v3Factory = at(2);
  const requests: TxRequest[] = [
    deployRequest('WETH9', []),
    deployRequest('UniswapV2Factory', [deployer]),
    deployRequest('UniswapV3Factory', []),
    deployRequest('UniswapV2Router02', [v2Factory, weth]),
    deployRequest('NonfungiblePositionManager', [v3Factory, weth, zeroAddress]),
    deployRequest('SwapRouter', [v3Factory, weth]),
    deployRequest('QuoterV2', [v3Factory, weth]),
    {
      label: 'UniswapV3Factory.enableFeeAmount(100, 1)',
      to: v3Factory,
      data: encodeFunctionData({ abi: uniswapArtifact('UniswapV3Factory').abi, functionName: 'enableFeeAmount', args: [100, 1] }),
      gas: 200_000n,
    },
  ];
  const receipts = await sendAll(clients, requests);
  const deployment: UniswapDeployment = {
    weth, v2Factory, v3Factory, v2Router: at(3), positionManager: at(4), swapRouter: at(5), quoterV2: at(6),
  };
  // A nonce used by someone else meanwhile would shift every address: check, don't assume.
  receipts.slice(0, 7).forEach((receipt, i) => {
    if (receipt.contractAddress?.toLowerCase() !== at(i).toLowerCase()) {
      throw new RuntimeFault(`${requests[i]!.label}: deployed at ${receipt.contractAddress}, expected ${at(i)}`);
    }
  });
  return deployment;
}

/** The CREATE address of the contract `from` deploys with `nonce`. */
export function getCreateAddressFor(from: Address, nonce: number): Address {
  return getContractAddress({ from, nonce: BigInt(nonce), opcode: 'CREATE' });
}
