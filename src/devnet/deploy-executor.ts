import { encodeDeployData, encodeFunctionData, getAddress, type Address } from 'viem';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { loadArtifact } from '../contracts/compile.ts';
import type { DevnetClients } from './clients.ts';
import { sendAll } from './transactions.ts';
import { RuntimeFault } from '../errors.ts';

/**
 * Deploys FlashArbExecutor (compiled offline from contracts/) and allows its executor keys. The
 * deployer is accounts[0]; `owner` must be one of the local accounts because only the owner may
 * allow executors.
 */

/** What to deploy: the owner (an account of `clients`), the cold wallet, the hot keys allowed to execute. */
export interface ExecutorDeployOptions {
  owner: Address;
  coldWallet: Address;
  executors?: readonly Address[];
}

/** Deploys the executor and returns its address. */
export async function deployFlashArbExecutor(clients: DevnetClients, options: ExecutorDeployOptions): Promise<Address> {
  const { bytecode } = await loadArtifact('FlashArbExecutor');
  const [receipt] = await sendAll(clients, [
    { label: 'deploy FlashArbExecutor', gas: 5_000_000n, data: encodeDeployData({ abi: flashArbExecutorAbi, bytecode, args: [options.owner, options.coldWallet] }) },
  ]);
  if (!receipt?.contractAddress) throw new RuntimeFault('deploy FlashArbExecutor: no contract address in the receipt');
  const executor = getAddress(receipt.contractAddress);
  const executors = options.executors ?? [];
  if (executors.length > 0) {
    const ownerAccount = clients.accounts.find((a) => a.address.toLowerCase() === options.owner.toLowerCase());
    if (!ownerAccount) throw new RuntimeFault(`executor owner ${options.owner} is not a local account: cannot allow executors`);
    await sendAll(clients, executors.map((account) => ({
      label: `FlashArbExecutor.setExecutor(${account}, true)`, to: executor, gas: 100_000n,
      data: encodeFunctionData({ abi: flashArbExecutorAbi, functionName: 'setExecutor', args: [account, true] }),
    })), { from: ownerAccount });
  }
  return executor;
}
