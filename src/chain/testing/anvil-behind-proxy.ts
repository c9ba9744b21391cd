import { afterAll, beforeAll } from 'vitest';
import { startAnvil, type Anvil } from '../../devnet/anvil.ts';
import { startFaultInjectingProxy, type FaultInjectingProxy } from './fault-injecting-proxy.ts';

/**
 * TEST CODE — a real anvil with the fault-injecting proxy in front, started before the tests of
 * the enclosing file or block and stopped after them. Read `anvil` and `proxy` inside the tests.
 */
export function useAnvilBehindProxy(): { readonly anvil: Anvil; readonly proxy: FaultInjectingProxy } {
  const held: { anvil?: Anvil; proxy?: FaultInjectingProxy } = {};
  beforeAll(async () => {
    held.anvil = await startAnvil();
    held.proxy = await startFaultInjectingProxy(held.anvil.rpcUrl);
  });
  afterAll(async () => {
    await held.proxy?.close();
    await held.anvil?.stop();
  });
  return {
    get anvil() {
      return held.anvil!;
    },
    get proxy() {
      return held.proxy!;
    },
  };
}
