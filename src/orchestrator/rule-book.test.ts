import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeKey } from '../ledger/records.ts';
import { sampleOpportunity, samplePlan, sampleResult, SAMPLE_BASE } from '../ledger/testing/sample-records.ts';
import { DEFAULT_LIMITS, type Limits } from './limits.ts';
import type { Lock, MarketFacts, RecentFigures, RuleInput, RulePhase } from './protection.ts';
import { firstLock, RULES } from './rule-book.ts';

/**
 * Table-driven: each rule blocks what it should and allows what it should, with its scope and
 * until when. The expected locks are written out by hand from the rule's definition (the limits
 * and figures of each case), not computed by the rules.
 */

const BLOCK = 1000n;
const opportunity = sampleOpportunity(1);
const plan = samplePlan(opportunity, BLOCK);
const route = routeKey(opportunity);
const OTHER_TOKEN = opportunity.tokens[1]!.toLowerCase();
const BASE = SAMPLE_BASE.toLowerCase();

const fresh: MarketFacts = { block: BLOCK, freshness: { fresh: true, stateBlock: BLOCK, head: BLOCK, ageBlocks: 0 }, gasPrice: 2n * 10n ** 9n, nextBaseFee: 10n ** 9n, pricedOut: false };
const noFigures: RecentFigures = { killSwitch: null, breakers: new Map(), consecutiveReverts: 0, window: { outcomes: 0, reverts: 0 }, failuresByRoute: new Map(), dailyPnl: new Map(), day: '2026-12-02', gasMoney: null };

/** Gas money of `balance` wei at 10 gwei × 1,000,000 gas per execution (0.01 ETH each, counted by hand). */
function gasMoneyOf(balance: bigint, enforced: boolean): RecentFigures['gasMoney'] {
  const executionsLeft = balance / (10n ** 16n);
  return { account: '0x00000000000000000000000000000000000000aa', balance, feePerGas: 10n ** 10n, gasPerExecution: 1_000_000n, executionsLeft, block: BLOCK, enforced };
}

interface Case {
  name: string;
  phase?: RulePhase;
  limits?: (l: Limits) => void;
  figures?: Partial<RecentFigures>;
  market?: Partial<MarketFacts>;
  simulation?: RuleInput['simulation'];
  withoutPlan?: boolean;
  /** Expected lock, or null: allowed. */
  expect: Pick<Lock, 'rule' | 'scope' | 'until'> | null;
}

const global = { kind: 'global' } as const;
const thisRoute = { kind: 'route', route } as const;
const untilBlock = (block: bigint) => ({ kind: 'block', block }) as const;

const CASES: Case[] = [
  { name: 'a plan within every default limit is allowed', expect: null },
  // kill switch
  { name: 'kill switch engaged: global until released', figures: { killSwitch: { engaged: true, reason: 'drill', actor: 'alice', via: 'cli', at: new Date() } }, expect: { rule: 'kill-switch', scope: global, until: { kind: 'release' } } },
  { name: 'kill switch released: allowed', figures: { killSwitch: { engaged: false, reason: 'done', actor: 'alice', via: 'cli', at: new Date() } }, expect: null },
  { name: 'kill switch is asked again before sending', phase: 'simulation', simulation: sampleResult(plan, true), figures: { killSwitch: { engaged: true, reason: 'drill', actor: 'bob', via: 'api', at: new Date() } }, expect: { rule: 'kill-switch', scope: global, until: { kind: 'release' } } },
  // stale market
  { name: 'stale market: global for this block', market: { freshness: { fresh: false, reason: 'behind', message: 'state 10 blocks behind', stateBlock: BLOCK, head: BLOCK + 10n } as unknown as MarketFacts['freshness'] }, expect: { rule: 'stale-market', scope: global, until: untilBlock(BLOCK) } },
  // gas
  { name: 'gas price above max_gas_price: global for this block', limits: (l) => { l.maxGasPrice = 2n * 10n ** 9n - 1n; }, expect: { rule: 'max-gas-price', scope: global, until: untilBlock(BLOCK) } },
  { name: 'gas price equal to max_gas_price: allowed', limits: (l) => { l.maxGasPrice = 2n * 10n ** 9n; }, expect: null },
  { name: 'fee cap below the next base fee: global for this block', market: { pricedOut: true }, expect: { rule: 'max-gas-price', scope: global, until: untilBlock(BLOCK) } },
  // gas money (3 executions of 1,000,000 gas at 10 gwei = 0.03 ETH is the default floor)
  { name: 'live hot key pays for 2 executions, floor 3: global for this block', figures: { gasMoney: gasMoneyOf(3n * 10n ** 16n - 1n, true) }, expect: { rule: 'gas-money', scope: global, until: untilBlock(BLOCK) } },
  { name: 'live hot key pays for exactly 3 executions: allowed', figures: { gasMoney: gasMoneyOf(3n * 10n ** 16n, true) }, expect: null },
  { name: 'sim: an empty hot key is shown, never enforced', figures: { gasMoney: gasMoneyOf(0n, false) }, expect: null },
  { name: 'gas_money.min_executions=0 turns the floor off', limits: (l) => { l.gasMoney.minExecutions = 0; }, figures: { gasMoney: gasMoneyOf(0n, true) }, expect: null },
  // token lists
  { name: 'a route token on the deny list: that token, this block', limits: (l) => { l.tokens.deny = [OTHER_TOKEN as `0x${string}`]; }, expect: { rule: 'token-lists', scope: { kind: 'token', token: OTHER_TOKEN as `0x${string}` }, until: untilBlock(BLOCK) } },
  { name: 'a route token missing from the allow list: that token', limits: (l) => { l.tokens.allow = [BASE as `0x${string}`]; }, expect: { rule: 'token-lists', scope: { kind: 'token', token: OTHER_TOKEN as `0x${string}` }, until: untilBlock(BLOCK) } },
  { name: 'every route token on the allow list: allowed', limits: (l) => { l.tokens.allow = [BASE, OTHER_TOKEN] as `0x${string}`[]; }, expect: null },
  // sizes
  { name: 'input above max_input: this route, this block', limits: (l) => { l.maxInput[BASE] = opportunity.amountIn - 1n; }, expect: { rule: 'max-input', scope: thisRoute, until: untilBlock(BLOCK) } },
  { name: 'input equal to max_input: allowed', limits: (l) => { l.maxInput[BASE] = opportunity.amountIn; }, expect: null },
  { name: 'max_input of another token does not apply', limits: (l) => { l.maxInput[OTHER_TOKEN] = 1n; }, expect: null },
  { name: 'flash loan above max_flash_loan of its lender kind: this route', limits: (l) => { l.maxFlashLoan['v2-flash-swap'] = { [BASE]: opportunity.amountIn - 1n }; }, expect: { rule: 'max-flash-loan', scope: thisRoute, until: untilBlock(BLOCK) } },
  { name: 'max_flash_loan of another lender kind does not apply', limits: (l) => { l.maxFlashLoan.balancer = { [BASE]: 1n }; }, expect: null },
  // profit
  { name: 'net profit below min_net_profit: this route, this block', limits: (l) => { l.minNetProfit[BASE] = plan.netProfit + 1n; }, expect: { rule: 'min-net-profit', scope: thisRoute, until: untilBlock(BLOCK) } },
  { name: 'net profit equal to min_net_profit: allowed', limits: (l) => { l.minNetProfit[BASE] = plan.netProfit; }, expect: null },
  { name: 'simulated net profit below min_net_profit: kept from being sent', phase: 'simulation', simulation: { ...sampleResult(plan, true), profit: 1n }, expect: { rule: 'min-net-profit', scope: thisRoute, until: untilBlock(BLOCK) } },
  { name: 'simulated profit as predicted: sent', phase: 'simulation', simulation: sampleResult(plan, true), expect: null },
  { name: 'a reverted simulation is not the gate\'s to judge (it is never sent)', phase: 'simulation', simulation: sampleResult(plan, false), expect: null },
  // daily loss
  { name: 'loss of the day above max_daily_loss: global until re-armed', limits: (l) => { l.maxDailyLoss[BASE] = 10n; }, figures: { dailyPnl: new Map([[BASE, -11n]]) }, expect: { rule: 'daily-loss', scope: global, until: { kind: 'rearm' } } },
  { name: 'loss of the day equal to max_daily_loss: allowed', limits: (l) => { l.maxDailyLoss[BASE] = 10n; }, figures: { dailyPnl: new Map([[BASE, -10n]]) }, expect: null },
  { name: 'a tripped daily-loss breaker holds even after the loss is gone', figures: { breakers: new Map([['daily-loss', { breaker: 'daily-loss', reason: 'lost', trippedBlock: 900n, untilBlock: null, trippedAt: new Date() }]]) }, expect: { rule: 'daily-loss', scope: global, until: { kind: 'rearm' } } },
  // revert breaker
  { name: 'K reverts in a row: global for the cooldown', figures: { consecutiveReverts: 5 }, expect: { rule: 'revert-breaker', scope: global, until: untilBlock(BLOCK + 25n) } },
  { name: 'K-1 reverts in a row: allowed', figures: { consecutiveReverts: 4 }, expect: null },
  { name: 'revert rate at the limit over a full window: global for the cooldown', figures: { window: { outcomes: 50, reverts: 25 } }, expect: { rule: 'revert-breaker', scope: global, until: untilBlock(BLOCK + 25n) } },
  { name: 'revert rate just under the limit: allowed', figures: { window: { outcomes: 50, reverts: 24 } }, expect: null },
  { name: 'a high rate over a window not yet full: allowed', figures: { window: { outcomes: 10, reverts: 10 } }, expect: null },
  { name: 'a tripped revert breaker holds through its cooldown block', figures: { breakers: new Map([['revert-breaker', { breaker: 'revert-breaker', reason: 'reverts', trippedBlock: 990n, untilBlock: BLOCK, trippedAt: new Date() }]]) }, expect: { rule: 'revert-breaker', scope: global, until: untilBlock(BLOCK) } },
  { name: 'a revert breaker past its cooldown block: allowed', figures: { breakers: new Map([['revert-breaker', { breaker: 'revert-breaker', reason: 'reverts', trippedBlock: 990n, untilBlock: BLOCK - 1n, trippedAt: new Date() }]]) }, expect: null },
  // route suppression
  { name: 'K failures of this route: suppressed until the retry block', figures: { failuresByRoute: new Map([[route, { consecutive: 3, lastFailureBlock: BLOCK - 10n }]]) }, expect: { rule: 'route-suppression', scope: thisRoute, until: untilBlock(BLOCK - 10n + 50n - 1n) } },
  { name: 'K failures of this route, retry block reached: allowed once', figures: { failuresByRoute: new Map([[route, { consecutive: 3, lastFailureBlock: BLOCK - 50n }]]) }, expect: null },
  { name: 'K-1 failures of this route: allowed', figures: { failuresByRoute: new Map([[route, { consecutive: 2, lastFailureBlock: BLOCK - 1n }]]) }, expect: null },
  { name: 'failures of another route do not suppress this one', figures: { failuresByRoute: new Map([['other', { consecutive: 9, lastFailureBlock: BLOCK }]]) }, expect: null },
];

describe('protection rules (table-driven)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const limits = structuredClone(DEFAULT_LIMITS);
      c.limits?.(limits);
      const lock = firstLock(c.phase ?? 'plan', {
        opportunity, route, plan: c.withoutPlan ? null : plan, simulation: c.simulation ?? null,
        market: { ...fresh, ...c.market }, figures: { ...noFigures, ...c.figures }, limits,
      });
      if (c.expect === null) expect(lock).toBeNull();
      else {
        expect(lock).toMatchObject(c.expect);
        expect(lock!.reason).not.toBe("");
      }
    });
  }

  it('every rule file is in the rule book once, with a phase', () => {
    expect(new Set(RULES.map((r) => r.name)).size).toBe(RULES.length);
    // The files of protections/ (one rule per file, named as the rule) are the independent list.
    const files = readdirSync(new URL('./protections/', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3));
    expect(files.length).toBeGreaterThanOrEqual(11);
    expect(RULES.map((r) => r.name).sort()).toEqual(files.sort());
    for (const rule of RULES) expect(rule.phases.length).toBeGreaterThan(0);
  });
});
