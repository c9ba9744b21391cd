import { formatEther } from 'viem';
import type { BusChannel, EventBus } from '../bus/index.ts';
import type { SettledIntent } from '../executor/live/live-executor.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import type { Metrics } from '../metrics/registry.ts';
import type { NotifyEvent } from '../notify/events.ts';
import type { GasMoney } from '../orchestrator/protection.ts';
import type { GasLowMemory } from './gas-low-memory.ts';
import { countProfit } from './profit-metric.ts';

/**
 * Live executions as the operator sees them: each settled intent (once, when one of its attempts
 * is mined or its nonce went elsewhere — the live executor's `onSettled`) becomes
 * `orion_executions_total{mode="live",status}` (included, reverted, dropped), the realized profit
 * (`orion_profit_total{kind="realized"}`, token units; base units apart for a token whose decimals
 * are unknown, profit-metric.ts) and the gas it paid
 * (`orion_gas_spent_total{kind="execution"}`, gas units), a notification (`execution.landed`, or
 * `execution.failed` with the reason) and an `executions` bus message. The hot key's gas money,
 * read each block, becomes a `gas.low` notification and a `health` message when its executions
 * left cross the floor `gas_money.min_executions` (once per crossing, not per block — nor per
 * restart: the side last reported is kept in the database, `gasLowMemory`). Amounts stay bigints;
 * a float only as a metric's value.
 */

/** What the execution telemetry reports to. */
export interface ExecutionTelemetryOptions {
  metrics: Metrics;
  bus: EventBus;
  tokens: () => TokenDirectory;
  notify: (event: NotifyEvent) => void;
  /** The floor gas_money.min_executions in force now. */
  gasMoneyFloor: () => number;
  /**
   * Where the side of the floor last reported is kept across restarts (the platform: the
   * database). Without it, memory only: a restarted process under the floor sends gas.low again.
   */
  gasLowMemory?: GasLowMemory;
  onPublishError?: (error: unknown) => void;
  /** Reporting that failed (never thrown back at the live executor, whose tracking must go on). */
  onError?: (error: unknown) => void;
}

/** The callbacks the platform hands the live engine. */
export interface ExecutionTelemetry {
  onSettled(settled: SettledIntent): void;
  onGasMoney(money: GasMoney): void;
  /** Resolves once every gas-money reading handed in so far is reported (and remembered). */
  idle(): Promise<void>;
}

/** The catalog's status of a settled intent (orion_executions_total). */
export function executionStatus(settled: Pick<SettledIntent, 'state'>): 'included' | 'reverted' | 'dropped' {
  return settled.state === 'confirmed' ? 'included' : settled.state === 'failed' ? 'reverted' : 'dropped';
}

/** Why a settled intent made nothing, for people (null: it landed). */
export function executionFailure(settled: SettledIntent): string | null {
  if (settled.state === 'confirmed') return null;
  if (settled.state === 'failed') return 'mined and reverted: the contract refused the trade (the pools moved), the gas is paid';
  if (settled.inclusion !== null) return `cancelled${settled.intent.refused === null ? ': its deadline passed before it was mined' : `: refused (${settled.intent.refused})`}; the nonce went to the cancellation, its gas is paid`;
  return `dropped: nonce ${settled.intent.nonce} was used by a transaction that is not one of its attempts`;
}

/** Creates the live executions' telemetry. */
export function createExecutionTelemetry(options: ExecutionTelemetryOptions): ExecutionTelemetry {
  const { metrics, bus } = options;
  const mode = 'live';
  const publish = (channel: BusChannel, data: unknown): void => {
    bus.publish(channel, data).catch((error: unknown) => options.onPublishError?.(error));
  };
  /** The side of the floor last reported, per hot key, once known (read from `gasLowMemory` at the key's first reading). */
  const reportedBelow = new Map<string, boolean>();
  /** Gas-money readings are reported one after another, in block order: each may wait on the database. */
  let gasMoneyReports: Promise<void> = Promise.resolve();
  const reportGasMoney = async (money: GasMoney, floor: number, below: boolean): Promise<void> => {
    const account = money.account.toLowerCase();
    const last = reportedBelow.has(account) ? reportedBelow.get(account) : await options.gasLowMemory?.read(account);
    reportedBelow.set(account, below);
    if (below === last) return;
    if (last === undefined && !below) {
      // Starting above the floor (never reported): nothing crossed, but remembered as the side to cross from.
      await options.gasLowMemory?.write(account, below, money.block);
      return;
    }
    const details = { mode, account: money.account, balanceWei: money.balance.toString(), executionsLeft: money.executionsLeft?.toString() ?? null, floor, block: money.block.toString(), gasLow: below };
    publish('health', { component: 'gas-money', ...details });
    if (below) options.notify({ type: 'gas.low', text: `live: the hot key ${money.account} holds ${formatEther(money.balance)} ETH, ${money.executionsLeft} executions at the fee cap, under the floor of ${floor}: live planning stops (gas-money) until it is topped up`, details });
    // Remembered after it is sent: a crash in between repeats the notification rather than losing it.
    await options.gasLowMemory?.write(account, below, money.block);
  };
  const guarded = <A>(report: (arg: A) => void) => (arg: A): void => {
    try {
      report(arg);
    } catch (error) {
      options.onError?.(error);
    }
  };
  return {
    onSettled: guarded((settled: SettledIntent) => {
      const { intent, inclusion } = settled;
      const status = executionStatus(settled);
      const tokens = options.tokens();
      const token = intent.baseToken;
      const symbol = tokens.label(token);
      metrics.inc('executions', { mode, status });
      if (inclusion !== null) {
        if (inclusion.gasUsed > 0n) metrics.inc('gasSpent', { mode, kind: 'execution' }, Number(inclusion.gasUsed));
        // A counter: only gains add (the ledger and the daily P&L hold the exact net, losses included).
        if (inclusion.realizedProfit > 0n) countProfit(metrics, { mode, kind: 'realized' }, tokens, token, inclusion.realizedProfit);
      }
      const txHash = inclusion === null ? intent.attempts.at(-1)?.txHash ?? null : intent.attempts.find((a) => a.id === inclusion.attemptId)?.txHash ?? null;
      const reason = executionFailure(settled);
      // One intent's outcome is sent once: the live executor reports it when mined and, in a process
      // restarted before its confirmations, again when final (its dedupe is in memory).
      const once = `execution:${intent.id}`;
      const details = {
        mode, intent: intent.id.toString(), nonce: intent.nonce.toString(), status, txHash,
        block: inclusion?.block.toString() ?? null, token: symbol,
        realizedProfit: inclusion?.realizedProfit.toString() ?? null, gasUsed: inclusion?.gasUsed.toString() ?? null,
        gasCostWei: inclusion?.gasCostWei.toString() ?? null, realizedNet: inclusion?.realizedNet.toString() ?? null, reason,
      };
      publish('executions', { ...details, route: intent.opportunityKey, view: { realizedProfit: inclusion === null ? null : tokens.amount(token, inclusion.realizedProfit), realizedNet: inclusion === null ? null : tokens.amount(token, inclusion.realizedNet) } });
      if (reason === null) {
        options.notify({ type: 'execution.landed', text: `live: landed at block ${inclusion!.block}: profit ${tokens.amount(token, inclusion!.realizedProfit)}, net of gas ${tokens.amount(token, inclusion!.realizedNet)} (tx ${txHash})`, details, once });
      } else {
        const paid = inclusion === null ? '' : ` (gas paid ${formatEther(inclusion.gasCostWei)} ETH)`;
        options.notify({ type: 'execution.failed', text: `live: ${reason}${paid} (tx ${txHash})`, details, once });
      }
    }),
    onGasMoney: guarded((money: GasMoney) => {
      const floor = options.gasMoneyFloor();
      const below = money.executionsLeft !== null && money.executionsLeft < BigInt(floor);
      gasMoneyReports = gasMoneyReports.then(() => reportGasMoney(money, floor, below)).catch((error: unknown) => options.onError?.(error));
    }),
    idle: () => gasMoneyReports,
  };
}
