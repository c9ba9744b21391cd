import fc from 'fast-check';
import { decodeFunctionData, getAddress, type Address } from 'viem';
import { describe, expect, it } from 'vitest';
import { nextBaseFee } from '../chain/next-base-fee.ts';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { FLASH_KIND_ID } from '../executor/route-codec.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { FlashSourceKind } from '../scanner/flash-source.ts';
import { baseFeeCeiling, buildPlan, DEFAULT_PLAN_SETTINGS, minProfitFor, type PlanContext } from './plan.ts';

const addressArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => `0x${Buffer.from(bytes).toString('hex')}` as HexAddress)
  .filter((a) => a !== `0x${'00'.repeat(20)}`);
const EXECUTOR = getAddress(`0x${'e1'.repeat(20)}`);
const HOT_KEY = getAddress(`0x${'a0'.repeat(20)}`);

/** A random cycle of 2..4 hops with distinct tokens and pools, amounts and a flash source consistent with it. */
const opportunityArb: fc.Arbitrary<LentOpportunity> = fc.integer({ min: 2, max: 4 }).chain((n) => fc.record({
  tokens: fc.uniqueArray(addressArb, { minLength: n, maxLength: n }),
  pools: fc.uniqueArray(addressArb, { minLength: n + 1, maxLength: n + 1 }),
  protocols: fc.array(fc.constantFrom('uniswap-v2' as const, 'uniswap-v3' as const), { minLength: n, maxLength: n }),
  fees: fc.array(fc.constantFrom(100, 500, 2500, 3000, 10_000), { minLength: n, maxLength: n }),
  amounts: fc.array(fc.bigInt({ min: 1n, max: 2n ** 112n }), { minLength: n + 1, maxLength: n + 1 }),
  kind: fc.constantFrom<FlashSourceKind>('none', 'v2-flash-swap', 'v3-flash', 'balancer', 'aave'),
  flashFee: fc.bigInt({ min: 0n, max: 2n ** 64n }),
  gasUnits: fc.bigInt({ min: 100_000n, max: 900_000n }),
  gasCost: fc.bigInt({ min: 0n, max: 2n ** 64n }),
}).map((r) => {
  const protocols = [...r.protocols];
  // A V2 flash swap borrows from the first hop's pair, so that hop is V2.
  if (r.kind === 'v2-flash-swap') protocols[0] = 'uniswap-v2';
  const amountIn = r.amounts[0]!;
  const amountOut = r.amounts[n]!;
  const profit = amountOut - amountIn;
  const lender = r.kind === 'none' ? null : r.kind === 'v2-flash-swap' ? r.pools[0]! : r.pools[n]!;
  return {
    cycle: 1, block: 10n, pools: r.pools.slice(0, n), protocols, fees: r.fees, tokens: [...r.tokens, r.tokens[0]!], amounts: r.amounts,
    amountIn, amountOut, profit, flashSource: { kind: r.kind, pool: lender, feePips: 0 }, flashFee: r.flashFee,
    gasUnits: r.gasUnits, gasCost: r.gasCost, netProfit: profit - r.flashFee - r.gasCost, flashLender: lender,
  };
}));

const context: PlanContext = { block: { number: 1000n, hash: `0x${'11'.repeat(32)}` }, nextBaseFee: 7n * 10n ** 9n, gasPrice: 8n * 10n ** 9n, executor: EXECUTOR, from: HOT_KEY };
const settings = { ...DEFAULT_PLAN_SETTINGS, gasBid: { priorityFee: 10n ** 9n } };
const lower = (a: string) => a.toLowerCase();

describe('executable plan', () => {
  it('its calldata decodes back to the plan: every hop, amounts, minimum profit, deadline and flash source (random routes)', () => {
    fc.assert(fc.property(opportunityArb, (opportunity) => {
      const plan = buildPlan(opportunity, context, settings);
      const { functionName, args } = decodeFunctionData({ abi: flashArbExecutorAbi, data: plan.calldata });
      expect(functionName).toBe('execute');
      const [route, amountIn, minProfit, deadlineBlock, flash] = args as readonly [readonly { pool: Address; protocol: number; tokenIn: Address; tokenOut: Address; fee: number }[], bigint, bigint, bigint, { kind: number; lender: Address }];
      expect(route.map((hop) => [lower(hop.pool), hop.protocol === 0 ? 'uniswap-v2' : 'uniswap-v3', lower(hop.tokenIn), lower(hop.tokenOut), hop.fee]))
        .toEqual(opportunity.pools.map((pool, h) => [pool, opportunity.protocols[h], opportunity.tokens[h], opportunity.tokens[h + 1], opportunity.fees[h]]));
      expect(amountIn).toBe(opportunity.amountIn);
      expect(minProfit).toBe(plan.minProfit);
      expect(deadlineBlock).toBe(context.block.number + BigInt(settings.deadlineBlocks));
      expect(flash.kind).toBe(FLASH_KIND_ID[opportunity.flashSource.kind]);
      expect(lower(flash.lender)).toBe(opportunity.flashLender ?? `0x${'00'.repeat(20)}`);
      // The plan's own fields agree with the opportunity.
      expect(plan.hops.map((hop) => hop.amountIn)).toEqual(opportunity.amounts.slice(0, -1));
      expect(plan.hops.map((hop) => hop.amountOut)).toEqual(opportunity.amounts.slice(1));
      expect(plan.hops.every((hop) => hop.zeroForOne === BigInt(hop.tokenIn) < BigInt(hop.tokenOut))).toBe(true);
      expect(plan.expectedProfit).toBe(opportunity.amountOut - opportunity.amountIn - opportunity.flashFee);
      expect(plan.gasLimit).toBeGreaterThan(plan.gasUnits);
    }), { numRuns: 300 });
  });

  it('minimum profit: gives up the margin share of the net profit, never more than predicted, never negative', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.bigInt({ min: 0n, max: 2n ** 80n }), fc.integer({ min: 0, max: 10_000 }), (expected, gas, bps) => {
      const net = expected - gas;
      const floor = minProfitFor(expected, net, bps);
      expect(floor >= 0n).toBe(true);
      if (expected > 0n) expect(floor <= expected).toBe(true);
      if (net > 0n) {
        // After gas, a trade at the floor keeps at least (1 − margin) of the predicted net profit.
        expect((floor - gas) * 10_000n >= net * BigInt(10_000 - bps) - 10_000n || floor === 0n).toBe(true);
        expect(expected - floor).toBe((net * BigInt(bps) + 9_999n) / 10_000n > expected ? expected : (net * BigInt(bps) + 9_999n) / 10_000n);
      }
    }), { numRuns: 500 });
  });

  it('bids exactly the highest base fee any block up to the deadline can have (full blocks, EIP-1559)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), (base, blocks) => {
      let worst = base;
      for (let i = 0; i < blocks; i++) worst = nextBaseFee({ number: 1n, gasUsed: 30_000_000n, gasLimit: 30_000_000n, baseFeePerGas: worst });
      expect(baseFeeCeiling(base, blocks)).toBe(worst);
    }), { numRuns: 300 });
  });

  it('caps the fee per gas at ORION_MAX_FEE_PER_GAS, and the tip at the fee', () => {
    const opportunity = fc.sample(opportunityArb, { numRuns: 1, seed: 3 })[0]!;
    const capped = buildPlan(opportunity, context, { ...settings, gasBid: { priorityFee: 10n ** 9n, maxFeePerGas: 5n * 10n ** 8n } });
    expect(capped.maxFeePerGas).toBe(5n * 10n ** 8n);
    expect(capped.maxPriorityFeePerGas).toBe(5n * 10n ** 8n);
    const open = buildPlan(opportunity, context, settings);
    expect(open.maxFeePerGas).toBe(baseFeeCeiling(7n * 10n ** 9n, 1) + 10n ** 9n);
    expect(open.maxPriorityFeePerGas).toBe(10n ** 9n);
  });

  it('names the setting of a bad margin', () => {
    const opportunity = fc.sample(opportunityArb, { numRuns: 1, seed: 4 })[0]!;
    expect(() => buildPlan(opportunity, context, { ...settings, minProfitMarginBps: 10_001 })).toThrow('minProfitMarginBps (ORION_MIN_PROFIT_MARGIN_BPS) must be an integer in [0, 10000], got 10001');
    expect(() => buildPlan(opportunity, context, { ...settings, deadlineBlocks: 0 })).toThrow('ORION_DEADLINE_BLOCKS) must be at least 1');
  });
});
