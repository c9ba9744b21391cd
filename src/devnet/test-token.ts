import { encodeDeployData, encodeFunctionData, type Address } from 'viem';
import { loadArtifact } from '../contracts/compile.ts';
import { RuntimeFault } from '../errors.ts';
import type { DevnetClients } from './clients.ts';
import { getCreateAddressFor } from './deploy-uniswap.ts';
import { sendAll, type TxRequest } from './transactions.ts';

/**
 * Test ERC-20s on the local chain (contracts/test/TestERC20.sol): OpenZeppelin's ERC20 with the
 * decimals of the token it stands in for, minted at will by its owner, `accounts[0]`.
 */

/** What a test token looks like. */
export interface TestTokenSpec {
  name: string;
  symbol: string;
  decimals: number;
}

const TOKEN_DEPLOY_GAS = 2_000_000n;

/** Deploys one TestERC20 owned by `accounts[0]` and returns its address. */
export async function deployTestToken(clients: DevnetClients, spec: TestTokenSpec): Promise<Address> {
  const [address] = await deployTestTokens(clients, [spec]);
  return address!;
}

/** The addresses the next `count` contracts deployed by `accounts[0]` will get (CREATE, by nonce). */
export async function nextCreateAddresses(clients: DevnetClients, count: number): Promise<Address[]> {
  const deployer = clients.accounts[0]!.address;
  const nonce = await clients.publicClient.getTransactionCount({ address: deployer, blockTag: 'pending' });
  return Array.from({ length: count }, (_, i) => getCreateAddressFor(deployer, nonce + i));
}

/** Deploys several TestERC20s in one burst of consecutive nonces; addresses in spec order. */
export async function deployTestTokens(clients: DevnetClients, specs: readonly TestTokenSpec[]): Promise<Address[]> {
  const { abi, bytecode } = await loadArtifact('TestERC20');
  const addresses = await nextCreateAddresses(clients, specs.length);
  const requests: TxRequest[] = specs.map((spec) => {
    if (!Number.isInteger(spec.decimals) || spec.decimals < 0 || spec.decimals > 255) {
      throw new RuntimeFault(`test token ${spec.symbol}: decimals must be an integer within [0, 255], got ${spec.decimals}`);
    }
    return {
      label: `deploy TestERC20 ${spec.symbol}`,
      data: encodeDeployData({ abi, bytecode, args: [spec.name, spec.symbol, spec.decimals] }),
      gas: TOKEN_DEPLOY_GAS,
    };
  });
  const receipts = await sendAll(clients, requests);
  receipts.forEach((receipt, i) => {
    if (receipt.contractAddress?.toLowerCase() !== addresses[i]!.toLowerCase()) {
      throw new RuntimeFault(`${requests[i]!.label}: deployed at ${receipt.contractAddress}, expected ${addresses[i]}`);
    }
  });
  return addresses;
}

/** Mints `amount` of each token to `to` in one burst (the owner, `accounts[0]`, signs). */
export async function mintTestTokens(clients: DevnetClients, tokens: readonly Address[], to: Address, amount: bigint): Promise<void> {
  const { abi } = await loadArtifact('TestERC20');
  await sendAll(
    clients,
    tokens.map((token) => ({
      label: `TestERC20(${token}).mint(${to}, ${amount})`,
      to: token,
      data: encodeFunctionData({ abi, functionName: 'mint', args: [to, amount] }),
      gas: 200_000n,
    })),
  );
}
