import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { withApiServices } from './api-services.ts';

/**
 * `orion contract pause | unpause | withdraw TOKEN [--amount N] | allow-executor ADDR |
 * revoke-executor ADDR`: the owner's controls of FlashArbExecutor (src/controls), signed with
 * the owner key (ORION_OWNER_KEYSTORE or ORION_OWNER_KEY), on the chain of ORION_RPC_URLS at
 * ORION_EXECUTOR_ADDRESS, each recorded in the audit log.
 */
export function register(program: Command): void {
  const contract = program.command('contract');

  const run = async (control: import('../controls/contract-controls.ts').ContractControl): Promise<void> => {
    const [{ loadConfig }, { loadOwnerKey }, { runContractControl, OwnerKeyMissing }] = await Promise.all([
      import('../config.ts'),
      import('../executor/live/keys.ts'),
      import('../controls/contract-controls.ts'),
    ]);
    const config = loadConfig();
    const rpcUrl = config.rpcUrls.find((url) => /^https?:/.test(url));
    if (rpcUrl === undefined) throw new InputError('contract controls need the chain over HTTP: set ORION_RPC_URLS (an http(s) URL); on the embedded chain use the API of the running instance (/api/v1/controls/contract)');
    if (config.executorAddress === undefined) throw new InputError('ORION_EXECUTOR_ADDRESS is unset: which contract to control?');
    const owner = await loadOwnerKey(config);
    if (owner === undefined) throw new OwnerKeyMissing();
    const result = await withApiServices('use the API of the running instance (/api/v1/controls/contract)', ({ audit }) =>
      runContractControl({ rpcUrl, executor: config.executorAddress!, owner, audit, actor: { label: 'cli' } }, control));
    process.stdout.write(`${result.control}: transaction ${result.transaction} in block ${result.block}${Object.keys(result.detail).length === 0 ? '' : ` ${JSON.stringify(result.detail)}`}\n`);
  };

  contract.command('pause').description('stop execute (withdraw keeps working)').action(() => run({ kind: 'pause' }));
  contract.command('unpause').description('resume execute').action(() => run({ kind: 'unpause' }));
  contract
    .command('withdraw')
    .argument('<token>', 'token address')
    .option('--amount <baseUnits>', 'amount in base units (default: the whole balance)')
    .description('pay TOKEN held by the contract to its cold wallet (the only recipient there is)')
    .action((token: string, options: { amount?: string }) => run({ kind: 'withdraw', token: address(token, 'TOKEN'), ...(options.amount === undefined ? {} : { amount: baseUnits(options.amount) }) }));
  contract.command('allow-executor').argument('<address>', 'hot key address').description('allow ADDRESS to call execute').action((account: string) => run({ kind: 'allow-executor', account: address(account, 'ADDRESS') }));
  contract.command('revoke-executor').argument('<address>', 'hot key address').description('disallow ADDRESS').action((account: string) => run({ kind: 'revoke-executor', account: address(account, 'ADDRESS') }));
}

function address(value: string, name: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InputError(`${name} ${JSON.stringify(value)} is not an address; allowed: 0x + 40 hex digits`);
  return value.toLowerCase() as `0x${string}`;
}

function baseUnits(value: string): bigint {
  if (!/^[0-9]+$/.test(value) || BigInt(value) === 0n) throw new InputError(`--amount ${JSON.stringify(value)} is not a positive whole number of base units`);
  return BigInt(value);
}
