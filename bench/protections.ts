import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { routeKey } from '../src/ledger/records.ts';
import { sampleOpportunity, samplePlan, sampleResult } from '../src/ledger/testing/sample-records.ts';
import { DEFAULT_LIMITS } from '../src/orchestrator/limits.ts';
import { ProtectionFigures } from '../src/orchestrator/protection-figures.ts';
import type { MarketFacts } from '../src/orchestrator/protection.ts';
import { firstLock } from '../src/orchestrator/rule-book.ts';

// `npm run bench -- protections [--asks N]`: asking every protection rule of one phase, in a hot
// loop, per ask (µs, p50/p99): what the rules themselves cost, apart from the engine around them
// (`npm run bench -- engine` prints the same asks timed inside the running engine).
const { values } = parseArgs({ options: { asks: { type: 'string', default: '200000' } } });
const asks = Number(values.asks);
const opportunity = sampleOpportunity(1);
const plan = samplePlan(opportunity, 1000n);
const simulation = sampleResult(plan, true);
const route = routeKey(opportunity);
const figures = new ProtectionFigures();
// Limits with every kind of entry set, so each rule does its whole check and allows.
const base = opportunity.tokens[0]!.toLowerCase();
const limits = {
  ...structuredClone(DEFAULT_LIMITS),
  minNetProfit: { [base]: 1n }, maxInput: { [base]: 10n ** 30n }, maxDailyLoss: { [base]: 10n ** 30n },
  maxFlashLoan: { 'v2-flash-swap': { [base]: 10n ** 30n } }, maxGasPrice: 10n ** 12n,
  tokens: { allow: opportunity.tokens.map((t) => t.toLowerCase() as `0x${string}`), deny: [] },
};
const market: MarketFacts = { block: 1000n, freshness: { fresh: true, stateBlock: 1000n, head: 1000n, ageBlocks: 0 }, gasPrice: 2n * 10n ** 9n, nextBaseFee: 10n ** 9n, pricedOut: false };

const time = (phase: 'plan' | 'simulation'): { p50Us: number; p99Us: number } => {
  const samples = new Float64Array(asks);
  for (let i = 0; i < asks; i++) {
    const started = performance.now();
    const lock = firstLock(phase, { opportunity, route, plan, simulation: phase === 'simulation' ? simulation : null, market, figures: figures.view(), limits });
    samples[i] = (performance.now() - started) * 1000;
    if (lock !== null) throw new Error(`bench protections: ${lock.rule} refused the sample plan: ${lock.reason}`);
  }
  samples.sort();
  const rank = (p: number) => Math.round(samples[Math.ceil(p * asks) - 1]! * 100) / 100;
  return { p50Us: rank(0.5), p99Us: rank(0.99) };
};
const plan_ = time('plan');
const sim = time('simulation');
process.stdout.write(`${JSON.stringify({ bench: 'protections', asks, planP50Us: plan_.p50Us, planP99Us: plan_.p99Us, simulationP50Us: sim.p50Us, simulationP99Us: sim.p99Us, load1: Number(loadavg()[0]?.toFixed(1)) })}\n`);
