import type { Command } from 'commander';
import { InputError, RuntimeFault } from '../errors.ts';
import { currentOperator, withApiServices } from './api-services.ts';
import { wantsServer, withServer, withServerOptions, type ServerOptions } from './running-server.ts';

/**
 * `orion contract pause | unpause | withdraw TOKEN [--amount N] | allow-executor ADDR |
 * revoke-executor ADDR`: the owner's controls of FlashArbExecutor (src/controls), signed with
 * the owner key (ORION_OWNER_KEYSTORE or ORION_OWNER_KEY), on the chain of ORION_RPC_URLS at
 * ORION_EXECUTOR_ADDRESS, each recorded in the audit log. Given a server or credentials
 * (running-server.ts), pause, unpause and withdraw go through the running server's API instead,
 * with its owner key: a signed-in admin and a fresh `--totp` code.
 */
export function register(program: Command): void {
  const contract = program.command('contract');

  type Control = import('../controls/contract-controls.ts').ContractControl;
  /** `throughServer`: whether the server has a route for the control (allow/revoke-executor have none: always here, whatever credentials the shell holds). */
  const run = async (control: Control, options: ServerOptions = {}, throughServer = true): Promise<void> => {
    if (throughServer && wantsServer(options)) {
      const path = `/controls/contract/${control.kind}`;
      const body = { totp: options.totp, ...(control.kind === 'withdraw' ? { token: control.token, ...(control.amount === undefined ? {} : { amount: control.amount.toString() }) } : {}) };
      const result = await withServer(options, { name: `contract ${control.kind}`, freshTotp: true }, (server) =>
        server.call<{ control: string; transaction: string; block: string; detail: Record<string, string> } | { status: 'sent, not yet mined'; message: string }>('POST', path, body));
      // 202: sent and recorded, no receipt yet; the same message as the local path's error (exit 1).
      if ('status' in result) throw new RuntimeFault(result.message);
      return printResult(result);
    }
    const [{ loadConfig }, { loadOwnerKey }, { runContractControl, OwnerKeyMissing }] = await Promise.all([
      import('../config.ts'),
      import('../executor/live/keys.ts'),
      import('../controls/contract-controls.ts'),
    ]);
    const config = loadConfig();
    const rpcUrl = config.rpcUrls.find((url) => /^https?:/.test(url));
    if (rpcUrl === undefined) throw new InputError('contract controls need the chain over HTTP: set ORION_RPC_URLS (an http(s) URL); on the embedded chain go through the running instance: --login USERNAME (an admin) --totp CODE');
    if (config.executorAddress === undefined) throw new InputError('ORION_EXECUTOR_ADDRESS is unset: which contract to control?');
    const owner = await loadOwnerKey(config);
    if (owner === undefined) throw new OwnerKeyMissing();
    const result = await withApiServices('pass --login USERNAME (an admin) and --totp CODE to go through its API (/api/v1/controls/contract)', async ({ store, audit }) => {
      // Who at this machine moved the contract: their pseudonym on the records, the OS user as personal data.
      const { audited } = await currentOperator(store);
      return runContractControl({ rpcUrl, executor: config.executorAddress!, owner, audit, actor: { label: 'cli', pseudonym: audited.actor, personal: audited.actorData } }, control);
    });
    printResult(result);
  };

  withServerOptions(contract.command('pause').description('stop execute (withdraw keeps working)'), true).action((options: ServerOptions) => run({ kind: 'pause' }, options));
  withServerOptions(contract.command('unpause').description('resume execute'), true).action((options: ServerOptions) => run({ kind: 'unpause' }, options));
  withServerOptions(contract
    .command('withdraw')
    .argument('<token>', 'token address')
    .option('--amount <baseUnits>', 'amount in base units (default: the whole balance)')
    .description('pay TOKEN held by the contract to its cold wallet (the only recipient there is)'), true)
    .action((token: string, options: { amount?: string } & ServerOptions) => run({ kind: 'withdraw', token: address(token, 'TOKEN'), ...(options.amount === undefined ? {} : { amount: baseUnits(options.amount) }) }, options));
  contract.command('allow-executor').argument('<address>', 'hot key address').description('allow ADDRESS to call execute').action((account: string) => run({ kind: 'allow-executor', account: address(account, 'ADDRESS') }, {}, false));
  contract.command('revoke-executor').argument('<address>', 'hot key address').description('disallow ADDRESS').action((account: string) => run({ kind: 'revoke-executor', account: address(account, 'ADDRESS') }, {}, false));
}

function printResult(result: { control: string; transaction: string; block: string | bigint; detail: Record<string, string> }): void {
  process.stdout.write(`${result.control}: transaction ${result.transaction} in block ${result.block}${Object.keys(result.detail).length === 0 ? '' : ` ${JSON.stringify(result.detail)}`}\n`);
}

function address(value: string, name: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InputError(`${name} ${JSON.stringify(value)} is not an address; allowed: 0x + 40 hex digits`);
  return value.toLowerCase() as `0x${string}`;
}

function baseUnits(value: string): bigint {
  if (!/^[0-9]+$/.test(value) || BigInt(value) === 0n) throw new InputError(`--amount ${JSON.stringify(value)} is not a positive whole number of base units`);
  return BigInt(value);
}
