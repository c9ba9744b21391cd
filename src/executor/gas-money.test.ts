import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../devnet/anvil.ts';
import type { GasMoney } from '../orchestrator/protection.ts';
import { createGasMoneyWatch, executionsPaidFor, type BalanceRpc } from './gas-money.ts';

describe('gas money: executions the hot key still pays for', () => {
  it('counts whole executions at the fee cap, rounding down', () => {
    // 1 ETH at 50 gwei × 600k gas = 0.03 ETH each: 33 whole executions (33.33…).
    expect(executionsPaidFor(10n ** 18n, 50n * 10n ** 9n, 600_000n)).toBe(33n);
    expect(executionsPaidFor(3n * 10n ** 16n - 1n, 50n * 10n ** 9n, 600_000n)).toBe(0n);
    expect(executionsPaidFor(3n * 10n ** 16n, 50n * 10n ** 9n, 600_000n)).toBe(1n);
  });
  it('gas that costs nothing is not counted (null: unbounded, no division by zero)', () => {
    expect(executionsPaidFor(10n ** 18n, 0n, 600_000n)).toBeNull();
    expect(executionsPaidFor(10n ** 18n, 1n, 0n)).toBeNull();
  });
});

describe('the gas-money watch on a real anvil', () => {
  let anvil: Anvil;
  let rpc: BalanceRpc;
  // anvil's first funded account.
  const account = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

  beforeAll(async () => {
    anvil = await startAnvil();
    rpc = {
      async request(method, params) {
        const response = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        const body = (await response.json()) as { result?: unknown; error?: { message: string } };
        if (body.error !== undefined) throw new Error(body.error.message);
        return body.result;
      },
    };
  }, 180_000);
  afterAll(async () => {
    await anvil?.stop();
  });

  it('reads the balance at each head and counts executions at the fee, newest head last', async () => {
    const reads: GasMoney[] = [];
    // The gas per execution is asked at each read, for the block read: 1M gas at the first, 0.5M after.
    let firstBlock = -1n;
    const gasAt = (block: bigint): bigint => (block === firstBlock ? 1_000_000n : 500_000n);
    const watch = createGasMoneyWatch({ rpc, account, gasPerExecution: gasAt, feePerGas: () => 10n ** 10n, enforced: true, onRead: (money) => reads.push(money) });
    // 0.035 ETH at block `first`: 3 executions of 0.01 ETH (10 gwei × 1M gas), checked by hand;
    // 0.005 ETH at `second`. All mined before the watch hears of them, and with an empty block
    // between: anvil files a setBalance under the newest block's state, so a read of `first`
    // racing the second setBalance saw 0.005 ETH in CI.
    await rpc.request('anvil_setBalance', [account, `0x${(35n * 10n ** 15n).toString(16)}`]);
    await rpc.request('evm_mine', []);
    const first = BigInt((await rpc.request('eth_blockNumber', [])) as string);
    firstBlock = first;
    await rpc.request('evm_mine', []);
    await rpc.request('anvil_setBalance', [account, `0x${(5n * 10n ** 15n).toString(16)}`]);
    await rpc.request('evm_mine', []);
    const second = first + 2n;
    // Heads that arrive while a read is in flight: only the newest is read after it.
    watch.onHead(first);
    watch.onHead(first + 1n);
    watch.onHead(second);
    await watch.idle();
    // 0.005 ETH pays for one execution of 0.005 ETH (10 gwei × 0.5M gas) at `second`.
    expect(reads.map((r) => [r.block, r.balance, r.gasPerExecution, r.executionsLeft])).toEqual([
      [first, 35n * 10n ** 15n, 1_000_000n, 3n],
      [second, 5n * 10n ** 15n, 500_000n, 1n],
    ]);
    expect(reads.every((r) => r.enforced && r.account === account && r.feePerGas === 10n ** 10n)).toBe(true);
  });

  it('a failed read is reported, and the next head reads again', async () => {
    const errors: unknown[] = [];
    const reads: GasMoney[] = [];
    const watch = createGasMoneyWatch({ rpc, account, gasPerExecution: () => 21_000n, feePerGas: () => 1n, enforced: false, onRead: (m) => reads.push(m), onError: (e) => errors.push(e) });
    const head = BigInt((await rpc.request('eth_blockNumber', [])) as string);
    watch.onHead(head + 1000n); // a block that does not exist yet: anvil refuses the read
    await watch.idle();
    expect(errors).toHaveLength(1);
    expect(reads).toHaveLength(0);
    watch.onHead(head);
    await watch.idle();
    expect(reads.map((r) => r.block)).toEqual([head]);
  });
});
