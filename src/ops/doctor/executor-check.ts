import { fail, ok, skip, warn, type DoctorCheck } from './check.ts';
import { resultOf, rpcBatch } from './rpc-call.ts';

/** `owner()` of OpenZeppelin's Ownable. */
const OWNER_SELECTOR = '0x8da5cb5b';
const ZERO_ADDRESS = `0x${'0'.repeat(40)}`;

/**
 * When ORION_EXECUTOR_ADDRESS is set: the contract has code on the primary endpoint's chain and
 * an owner (`owner()`); an owner of zero (renounced) warns: nobody can pause it or withdraw.
 */
export const executorCheck: DoctorCheck = {
  name: 'executor contract',
  async run({ config }) {
    const address = config.executorAddress;
    if (address === undefined) return skip('ORION_EXECUTOR_ADDRESS not set');
    const url = config.rpcUrls[0];
    if (url === undefined) return fail(`ORION_EXECUTOR_ADDRESS=${address} is set but ORION_RPC_URLS is not: no chain to check it on`);
    try {
      const [code, owner] = await rpcBatch(url, [
        { method: 'eth_getCode', params: [address, 'latest'] },
        { method: 'eth_call', params: [{ to: address, data: OWNER_SELECTOR }, 'latest'] },
      ]);
      const bytes = resultOf(code, 'eth_getCode') as string;
      if (bytes === '0x' || bytes === '') return fail(`${address}: no contract code on this chain (wrong address or chain?)`);
      let ownerWord: string;
      try {
        ownerWord = resultOf(owner, 'owner()') as string;
      } catch (error) {
        return fail(`${address}: ${(bytes.length - 2) / 2} bytes of code but ${(error as Error).message}: not the executor?`);
      }
      if (!/^0x[0-9a-fA-F]{64}$/.test(ownerWord)) return fail(`${address}: owner() answered ${ownerWord.slice(0, 80)}, not an address: not the executor?`);
      const holder = `0x${ownerWord.slice(26).toLowerCase()}`;
      const detail = `${address}: ${(bytes.length - 2) / 2} bytes of code, owner ${holder}`;
      return holder === ZERO_ADDRESS ? warn(`${detail} (renounced: nobody can pause or withdraw)`) : ok(detail);
    } catch (error) {
      return fail(`${address}: ${(error as Error).message}`);
    }
  },
};
