import { maxUint256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v3ExactInputCalldata } from '../devnet/router-calls.ts';
import { sendAll } from '../devnet/transactions.ts';
import { V3LenderCapacity } from '../scanner/v3-lender-capacity.ts';
import { outcomeOf } from './testing/attack-fixture.ts';
import { balanceOf, ERC20_ABI, send, startExecutorFixture, type ExecutorFixture } from './testing/executor-fixture.ts';
import { deadlineAhead, fixtureFlash, fixtureRoutes, readV3SwapPool } from './testing/fixture-routes.ts';
import { encodeExecute } from './route-codec.ts';

// What the scanner takes a V3 lender to hold (v3-lender-capacity.ts), against the real pool on
// the devnet: never more than its balance, and a flash loan of the balance plus one wei reverts
// in the pool's transfer ('TF', what the live engine met), while one of the capacity does not.

describe('V3 lender capacity against the real pool', () => {
  let f: ExecutorFixture;
  beforeAll(async () => {
    f = await startExecutorFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  it('is at most the pool\'s balance of the token and within 0.01 % of it; a flash of the balance + 1 reverts TF, one of the capacity gets past the loan', async () => {
    const lender = f.pools.v3LenderBaseB;
    const { base, b } = f.tokens;
    // A swap taking base out of the lender first, so its balance is not just what was minted.
    await send(f.clients, b, ERC20_ABI, 'approve', [f.uni.swapRouter, maxUint256]);
    await sendAll(f.clients, [{
      label: 'swap B for base on the lender', to: f.uni.swapRouter, gas: 1_000_000n,
      data: v3ExactInputCalldata({ tokenIn: b, tokenOut: base, fee: 10_000, recipient: f.clients.accounts[0]!.address, amountIn: 200n * 10n ** 18n }),
    }]);
    const state = await readV3SwapPool(f, lender);
    const capacity = new V3LenderCapacity({ get: () => state }).of(0, base.toLowerCase() < b.toLowerCase());
    const balance = await balanceOf(f.clients, base, lender);
    expect(capacity).toBeLessThanOrEqual(balance);
    expect(Number(balance - capacity) / Number(balance)).toBeLessThan(1e-4);

    const route = fixtureRoutes(f)['v3,v3'];
    const flash = fixtureFlash(f, 'v3-flash', route)!;
    const attempt = async (amountIn: bigint) => outcomeOf(f, f.hotKey, f.executor, encodeExecute({ route, amountIn, minProfit: 1n, deadlineBlock: await deadlineAhead(f), flash }));
    expect(await attempt(balance + 1n)).toEqual({ name: 'Error', args: ['TF'] });
    // The loan of the capacity is paid out; the cycle then fails at that size for its own reasons.
    const atCapacity = await attempt(capacity);
    console.log(`lender: balance ${balance}, capacity ${capacity}; a flash of the capacity ends in ${atCapacity.name}`);
    expect(atCapacity).not.toEqual({ name: 'Error', args: ['TF'] });
  });
});
