import { encodeDeployData, encodeFunctionData, getAddress, maxUint256, toFunctionSelector, type Address } from 'viem';
import { RuntimeFault } from '../../errors.ts';
import type { DevnetClients } from '../clients.ts';
import { sendAll } from '../transactions.ts';
import { lenderArtifact } from './artifacts.ts';

/**
 * The real Balancer V2 Vault (mainnet task 20210418-vault) and its Authorizer on the local chain:
 * flash loans come from the Vault's own token balance, with the protocol's flash fee (0 unless
 * governance sets one). Liquidity is deposited as internal balance, as a real user would.
 */

const VAULT = '@balancer-labs/v2-deployments/dist/tasks/20210418-vault/artifact/Vault.json';
const AUTHORIZER = '@balancer-labs/v2-deployments/dist/tasks/20210418-authorizer/artifact/Authorizer.json';
const ERC20_APPROVE = [
  { type: 'function', name: 'approve', stateMutability: 'nonpayable', inputs: [{ name: 'spender', type: 'address' }, { name: 'amount', type: 'uint256' }], outputs: [{ type: 'bool' }] },
] as const;
/** UserBalanceOpKind.DEPOSIT_INTERNAL in the Vault. */
const DEPOSIT_INTERNAL = 0;

/** Addresses of the deployed Balancer contracts. */
export interface BalancerDeployment {
  vault: Address;
  authorizer: Address;
}

/** Deploys the Authorizer (admin = accounts[0]) and the Vault (no pause window) on the local chain. */
export async function deployBalancer(clients: DevnetClients, options: { weth: Address }): Promise<BalancerDeployment> {
  const admin = clients.accounts[0]!.address;
  const authorizerArtifact = lenderArtifact(AUTHORIZER);
  const [authorizerReceipt] = await sendAll(clients, [
    { label: 'deploy Balancer Authorizer', gas: 5_000_000n, data: encodeDeployData({ abi: authorizerArtifact.abi, bytecode: authorizerArtifact.bytecode, args: [admin] }) },
  ]);
  const authorizer = authorizerReceipt?.contractAddress;
  if (!authorizer) throw new RuntimeFault('Balancer Authorizer deployment returned no address');
  const vaultArtifact = lenderArtifact(VAULT);
  const [vaultReceipt] = await sendAll(clients, [
    { label: 'deploy Balancer Vault', gas: 15_000_000n, data: encodeDeployData({ abi: vaultArtifact.abi, bytecode: vaultArtifact.bytecode, args: [authorizer, options.weth, 0n, 0n] }) },
  ]);
  const vault = vaultReceipt?.contractAddress;
  if (!vault) throw new RuntimeFault('Balancer Vault deployment returned no address');
  return { vault: getAddress(vault), authorizer: getAddress(authorizer) };
}

/**
 * Deposits `amount` of `token`, held by `accounts[0]`, into the Vault as internal balance, which
 * makes it lendable by `flashLoan`.
 */
export async function fundBalancer(clients: DevnetClients, deployment: BalancerDeployment, token: Address, amount: bigint): Promise<void> {
  const owner = clients.accounts[0]!.address;
  await sendAll(clients, [
    { label: `approve Vault for ${token}`, to: token, gas: 100_000n, data: encodeFunctionData({ abi: ERC20_APPROVE, functionName: 'approve', args: [deployment.vault, maxUint256] }) },
    {
      label: `Vault.manageUserBalance deposit ${amount} of ${token}`, to: deployment.vault, gas: 300_000n,
      data: encodeFunctionData({
        abi: lenderArtifact(VAULT).abi, functionName: 'manageUserBalance',
        args: [[{ kind: DEPOSIT_INTERNAL, asset: token, amount, sender: owner, recipient: owner }]],
      }),
    },
    { label: `reset Vault allowance for ${token}`, to: token, gas: 100_000n, data: encodeFunctionData({ abi: ERC20_APPROVE, functionName: 'approve', args: [deployment.vault, 0n] }) },
  ]);
}

// The ProtocolFeesCollector is created by the Vault's constructor; its artifact does not ship with
// the 20210418 task, so the three functions used are declared here.
const FEES_COLLECTOR_ABI = [
  { type: 'function', name: 'getActionId', stateMutability: 'view', inputs: [{ name: 'selector', type: 'bytes4' }], outputs: [{ type: 'bytes32' }] },
  { type: 'function', name: 'setFlashLoanFeePercentage', stateMutability: 'nonpayable', inputs: [{ name: 'fee', type: 'uint256' }], outputs: [] },
  { type: 'function', name: 'getFlashLoanFeePercentage', stateMutability: 'view', inputs: [], outputs: [{ type: 'uint256' }] },
] as const;

/**
 * Sets the Vault's flash-loan fee as Balancer governance does: the Authorizer grants accounts[0]
 * the fee collector's action, which then sets `feePercentage` (1e18 = 100 %; the collector caps it at 1 %).
 */
export async function setBalancerFlashFee(clients: DevnetClients, deployment: BalancerDeployment, feePercentage: bigint): Promise<void> {
  const admin = clients.accounts[0]!.address;
  const collector = (await clients.publicClient.readContract({
    address: deployment.vault, abi: lenderArtifact(VAULT).abi, functionName: 'getProtocolFeesCollector', args: [],
  })) as Address;
  const actionId = await clients.publicClient.readContract({
    address: collector, abi: FEES_COLLECTOR_ABI, functionName: 'getActionId', args: [toFunctionSelector('setFlashLoanFeePercentage(uint256)')],
  });
  await sendAll(clients, [
    { label: 'Authorizer.grantRole(setFlashLoanFeePercentage)', to: deployment.authorizer, gas: 200_000n, data: encodeFunctionData({ abi: lenderArtifact(AUTHORIZER).abi, functionName: 'grantRole', args: [actionId, admin] }) },
    { label: `ProtocolFeesCollector.setFlashLoanFeePercentage(${feePercentage})`, to: collector, gas: 200_000n, data: encodeFunctionData({ abi: FEES_COLLECTOR_ABI, functionName: 'setFlashLoanFeePercentage', args: [feePercentage] }) },
  ]);
}

/** The Vault's ABI (from the deployment artifact). */
export function balancerVaultAbi(): ReturnType<typeof lenderArtifact>['abi'] {
  return lenderArtifact(VAULT).abi;
}
