import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimulationResult } from '../executor/executor.ts';
import type { TokenDirectory } from '../format/symbols.ts';
import { notify } from '../notify/index.ts';
import { applyAssignments, type Limits } from '../orchestrator/limits.ts';
import { outcomePnl } from '../orchestrator/outcome-pnl.ts';
import type { Plan } from '../orchestrator/plan.ts';
import { ProtectionFigures, type Outcome } from '../orchestrator/protection-figures.ts';
import type { BreakerTrip, GasMoney, KillSwitchState, Lock, MarketFacts, ResendFacts, RulePhase } from '../orchestrator/protection.ts';
import { firstLock, resendLock } from '../orchestrator/rule-book.ts';
import type { LentOpportunity } from '../scanner/flash-lender.ts';
import type { Queryable, Store } from '../store/types.ts';
import { lastTripBlock, openTrips, rearmBreaker, recordTrip } from './breaker-repository.ts';
import { readFiguresFromLedger } from './figures-from-ledger.ts';
import { readKillSwitch, recordKillSwitch } from './kill-switch-repository.ts';
import { currentLimits, limitsHistory, rollbackLimits, seedLimitsOnce, writeLimits, type LimitsVersion } from './limits-repository.ts';

/**
 * The protections as the running platform holds them: the limits in force, the kill switch, the
 * breakers and the recent figures, in memory for the engine's decisions (microseconds, no I/O on
 * the decision path) and in the database for everyone else and for restarts. Every change an
 * operator makes goes to the database first, with its audit record in the same transaction (a
 * change whose record fails is not made), and to memory right after, so it applies before the
 * next plan; a kill-switch engage holds in memory even when that write fails; a trip the engine
 * finds is in memory at once and written in the background.
 */

/** Who asks for a change, and through what. */
export interface Actor {
  /** A person's pseudonym or name, `engine`, or `operator (file)`. */
  name: string;
  via: KillSwitchState['via'];
}

/** A change worth an audit record. */
export interface ProtectionAuditEvent {
  type: 'kill-switch.engage' | 'kill-switch.release' | 'breaker.trip' | 'breaker.rearm' | 'limits.set' | 'limits.rollback';
  actor: string;
  details: Record<string, unknown>;
}

/** Settings of the service. */
export interface ProtectionsOptions {
  store: Store;
  chainId: number;
  /** The mode session whose outcomes the daily loss and breakers count. */
  session: bigint;
  /** Whose outcomes: simulations taken as sent (sim) or settled transactions (live). Default sim. */
  mode?: 'sim' | 'live';
  /** ORION_DATA_DIR: the file KILL there engages the kill switch. */
  dataDir: string;
  /** Version 1 of the limits, written on first boot (defaults and configuration). */
  seed: Limits;
  /** The market's tokens, to read `KEY=VALUE` changes by symbol. */
  tokens: () => TokenDirectory;
  /**
   * Each change's audit record, called inside the change's transaction: append it with `tx`, so
   * the change and its record commit together or not at all (a throw undoes the change).
   */
  onAudit?: (event: ProtectionAuditEvent, tx: Queryable) => Promise<void> | void;
  /**
   * Each change once it holds (written and in memory), the engine's cooldown re-arm included:
   * for the event bus (src/telemetry/protection-messages.ts). Must not throw.
   */
  onChange?: (event: ProtectionAuditEvent) => void;
  /** A background write that failed (the state in memory holds; the write is retried on the next change). */
  onError?: (error: unknown) => void;
}

/** What /health shows. */
export interface ProtectionsStatus {
  limitsVersion: number;
  killSwitch: { engaged: boolean; reason: string; actor: string; via: string; at: string } | null;
  breakers: { breaker: string; reason: string; trippedBlock: string; until: string; trippedAt: string }[];
  /** Routes suppressed now, with until which block. */
  suppressedRoutes: { route: string; failures: number; retryAtBlock: string }[];
  /** The last global lock the engine met (stale market, gas), with its block. */
  lastGlobalLock: { rule: string; reason: string; block: string } | null;
  /** Refusals since start by rule. */
  locksByRule: Record<string, number>;
  dailyPnl: { day: string; byToken: Record<string, string> };
  /** The hot key's gas money as last read (amounts as decimal strings); null before the first read or without a hot key. */
  gasMoney: { account: string; balance: string; feePerGas: string; gasPerExecution: string; executionsLeft: string | null; floor: number; block: string; enforced: boolean } | null;
}

/** The running protections. */
export interface Protections {
  limits(): LimitsVersion;
  /** Why every send is stopped now (the kill switch, by command or by the KILL file), or null. */
  killSwitchReason(): string | null;
  /** Once per block before its decisions: the KILL file, cooled-down breakers. */
  onBlock(block: bigint, now?: Date): void;
  /**
   * Why bytes signed earlier for a plan with these facts must not go out again now (the limits in
   * force: tokens.allow / deny, max_input, max_flash_loan; rule-book.ts `resendLock`), or null.
   */
  resendLock(facts: ResendFacts): Lock | null;
  /** The limit max_gas_price in force now (wei per gas), or null: none. */
  maxGasPrice(): bigint | null;
  /** The first lock of the `phase` rules for this opportunity (and plan, and simulation), or null. */
  check(phase: RulePhase, market: MarketFacts, opportunity: LentOpportunity, route: string, plan: Plan | null, simulation: SimulationResult | null): Lock | null;
  /** Counts a simulated (sim mode) plan's outcome for the breakers and the daily loss. */
  observe(result: SimulationResult, route: string, at?: Date): void;
  /** Counts a settled transaction's outcome (live mode). */
  observeOutcome(outcome: Outcome): void;
  /** The hot key's gas money as just read (the gas-money rule judges by it from the next plan). */
  setGasMoney(money: GasMoney): void;
  engageKillSwitch(reason: string, actor: Actor): Promise<KillSwitchState>;
  releaseKillSwitch(reason: string, actor: Actor): Promise<KillSwitchState>;
  rearm(breaker: string, reason: string, actor: Actor): Promise<void>;
  setLimits(assignments: readonly string[], actor: Actor, comment: string | null, expectVersion?: number): Promise<LimitsVersion>;
  rollbackLimits(to: number, actor: Actor, comment: string | null): Promise<LimitsVersion>;
  history(limit?: number): Promise<LimitsVersion[]>;
  /** Reads limits, kill switch and trips again (changes another process made on a shared PostgreSQL). */
  refresh(): Promise<void>;
  status(): ProtectionsStatus;
  /** Resolves once background writes are done. */
  settle(): Promise<void>;
}

/** The breakers whose trips are written down (the other rules lock for one block at a time). */
const BREAKERS = new Set(['daily-loss', 'revert-breaker']);

/** Opens the protections: seeds the limits on first boot, reads the switch, trips and the session's figures. */
export async function openProtections(options: ProtectionsOptions): Promise<Protections> {
  const { store } = options;
  let limits = await seedLimitsOnce(store, options.chainId, options.seed);
  const figures = new ProtectionFigures();
  figures.killSwitch = await readKillSwitch(store);
  for (const trip of await openTrips(store)) figures.breakers.set(trip.breaker, trip);
  const ledger = await readFiguresFromLedger(store, options.session, limits.limits.revertBreaker.window, new Date(), options.mode ?? 'sim', options.chainId);
  figures.seedDailyPnl(ledger.dailyPnl);
  // The day's P&L is seeded above: the recent outcomes feed the breakers' counts only. The revert
  // breaker's counts start afresh at its trip (resetReverts), so the outcomes up to its last trip
  // are replayed before that reset, as they were counted: else a restart re-trips it on reverts
  // whose trip and cooldown are already over.
  const countedAtStart = ledger.countedIntents;
  const revertTrip = await lastTripBlock(store, 'revert-breaker');
  let pastTrip = revertTrip === null;
  for (const outcome of ledger.recentOutcomes) {
    if (!pastTrip && outcome.block > revertTrip!) {
      figures.resetReverts();
      pastTrip = true;
    }
    figures.observe({ ...outcome, pnl: null }, limits.limits.revertBreaker.window);
  }
  if (!pastTrip) figures.resetReverts();

  const killFile = join(options.dataDir, 'KILL');
  const locksByRule: Record<string, number> = {};
  let lastGlobalLock: ProtectionsStatus['lastGlobalLock'] = null;
  let lastBlock = 0n;
  const pending = new Set<Promise<unknown>>();

  const background = (work: Promise<unknown>): void => {
    const tracked = work.catch((error: unknown) => options.onError?.(error)).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  const announce = (event: ProtectionAuditEvent): void => {
    try {
      options.onChange?.(event);
    } catch (error) {
      options.onError?.(error);
    }
  };
  /** A change's audit record, inside the change's transaction `tx`. */
  const recordIn = async (tx: Queryable, event: ProtectionAuditEvent): Promise<void> => {
    await options.onAudit?.(event, tx);
  };
  /** Writes a change (`write`) and its audit record in one transaction, then announces it. */
  const audited = async <T>(write: (tx: Queryable) => Promise<T>, event: (written: T) => ProtectionAuditEvent): Promise<T> => {
    const written = await store.transaction(async (tx) => {
      const result = await write(tx);
      await recordIn(tx, event(result));
      return result;
    });
    announce(event(written));
    return written;
  };

  /**
   * Trips made here that a read of the database may not show yet: the write is running, failed
   * (written again at the next refresh), or finished after a refresh's read began. A refresh keeps
   * them, so a failed or late write never lifts a breaker that tripped.
   */
  const unwritten = new Map<string, { trip: BreakerTrip; state: 'writing' | 'failed' | 'written'; writtenAt: number }>();
  const writeTrip = (tripped: BreakerTrip): void => {
    const entry = { trip: tripped, state: 'writing' as 'writing' | 'failed' | 'written', writtenAt: 0 };
    unwritten.set(tripped.breaker, entry);
    background(audited((tx) => recordTrip(tx, tripped), () => ({ type: 'breaker.trip', actor: 'engine', details: { breaker: tripped.breaker, reason: tripped.reason, block: tripped.trippedBlock.toString() } })).then(
      () => {
        entry.state = 'written';
        entry.writtenAt = performance.now();
      },
      (error: unknown) => {
        entry.state = 'failed';
        throw error;
      },
    ));
  };

  const trip = (lock: Lock, block: bigint): void => {
    const untilBlock = lock.until.kind === 'block' ? lock.until.block : null;
    const tripped: BreakerTrip = { breaker: lock.rule, reason: lock.reason, trippedBlock: block, untilBlock, trippedAt: new Date() };
    figures.breakers.set(lock.rule, tripped);
    if (lock.rule === 'revert-breaker') figures.resetReverts();
    notify({ type: 'breaker.tripped', text: `Orion: the ${lock.rule} breaker tripped at block ${block}: ${lock.reason}`, details: { breaker: lock.rule, block: block.toString(), until: untilBlock?.toString() ?? 'rearm' } });
    writeTrip(tripped);
  };

  const engageFromFile = (): void => {
    if (figures.killSwitch?.engaged === true || !existsSync(killFile)) return;
    let reason = 'the file KILL was created in the data folder';
    try {
      reason = readFileSync(killFile, 'utf8').trim() || reason;
    } catch {
      // Unreadable (a race with its removal): engage with the default reason anyway.
    }
    figures.killSwitch = { engaged: true, reason, actor: 'operator (file)', via: 'file', at: new Date() };
    notify({ type: 'kill-switch', text: `Orion: kill switch ENGAGED (file KILL): ${reason}`, details: { engaged: true, via: 'file' } });
    background(audited((tx) => recordKillSwitch(tx, true, reason, 'operator (file)', 'file'), () => ({ type: 'kill-switch.engage', actor: 'operator (file)', details: { reason, via: 'file' } })));
  };

  const setKillSwitch = async (engaged: boolean, reason: string, actor: Actor): Promise<KillSwitchState> => {
    // Release removes the file first: otherwise the next block would engage it again from the file.
    if (!engaged) rmSync(killFile, { force: true });
    // An engage holds in this process at once, before and whatever the write does (a database
    // that fails must not keep the engine trading); a release waits for its write. The row and
    // its audit record are one transaction.
    if (engaged && reason.trim() !== '') figures.killSwitch = { engaged: true, reason: reason.trim(), actor: actor.name, via: actor.via, at: new Date() };
    const state = await audited(
      (tx) => recordKillSwitch(tx, engaged, reason, actor.name, actor.via),
      (written) => ({ type: engaged ? 'kill-switch.engage' : 'kill-switch.release', actor: actor.name, details: { reason: written.reason, via: actor.via } }),
    );
    figures.killSwitch = state;
    notify({ type: 'kill-switch', text: `Orion: kill switch ${engaged ? 'ENGAGED' : 'released'} by ${actor.name}: ${state.reason}`, details: { engaged, via: actor.via } });
    return state;
  };

  return {
    limits: () => limits,
    killSwitchReason() {
      engageFromFile();
      const ks = figures.killSwitch;
      return ks?.engaged === true ? `the kill switch is engaged (${ks.actor}: ${ks.reason})` : null;
    },
    resendLock: (facts) => resendLock(facts, limits.limits, lastBlock),
    maxGasPrice: () => limits.limits.maxGasPrice,
    onBlock(block, now = new Date()) {
      lastBlock = block;
      engageFromFile();
      const revert = figures.breakers.get('revert-breaker');
      if (revert !== undefined && revert.untilBlock !== null && block > revert.untilBlock) {
        figures.breakers.delete('revert-breaker');
        const reason = `cooldown over at block ${block}`;
        background(rearmBreaker(store, 'revert-breaker', 'engine', reason).then(() => announce({ type: 'breaker.rearm', actor: 'engine', details: { breaker: 'revert-breaker', reason, via: 'engine' } })));
      }
      figures.startDay(now);
    },
    check(phase, market, opportunity, route, plan, simulation) {
      const lock = firstLock(phase, { opportunity, route, plan, simulation, market, figures: figures.view(), limits: limits.limits });
      if (lock === null) return null;
      locksByRule[lock.rule] = (locksByRule[lock.rule] ?? 0) + 1;
      if (lock.scope.kind === 'global' && !BREAKERS.has(lock.rule)) lastGlobalLock = { rule: lock.rule, reason: lock.reason, block: market.block.toString() };
      if (BREAKERS.has(lock.rule) && !figures.breakers.has(lock.rule)) trip(lock, market.block);
      return lock;
    },
    observe(result, route, at = new Date()) {
      figures.observe(
        { route, baseToken: result.plan.baseToken.toLowerCase(), block: result.asBlock, at, reverted: result.status === 'reverted', failed: result.status === 'failed', pnl: outcomePnl(result) },
        limits.limits.revertBreaker.window,
      );
    },
    observeOutcome(outcome) {
      // Read back from the ledger at start: counted already (once; the set only shrinks).
      if (outcome.intent !== undefined && countedAtStart.delete(outcome.intent)) return;
      figures.observe(outcome, limits.limits.revertBreaker.window);
    },
    setGasMoney: (money) => figures.setGasMoney(money),
    engageKillSwitch: (reason, actor) => setKillSwitch(true, reason, actor),
    releaseKillSwitch: (reason, actor) => setKillSwitch(false, reason, actor),
    async rearm(breaker, reason, actor) {
      await audited((tx) => rearmBreaker(tx, breaker, actor.name, reason), () => ({ type: 'breaker.rearm', actor: actor.name, details: { breaker, reason, via: actor.via } }));
      figures.breakers.delete(breaker);
      unwritten.delete(breaker);
      if (breaker === 'daily-loss') figures.resetDailyPnl();
      if (breaker === 'revert-breaker') figures.resetReverts();
    },
    async setLimits(assignments, actor, comment, expectVersion) {
      // Parsed before the transaction: a bad value is refused with nothing written.
      const next = applyAssignments(limits.limits, assignments, options.tokens());
      const event = (written: LimitsVersion): ProtectionAuditEvent => ({ type: 'limits.set', actor: actor.name, details: { version: written.version, changes: written.changes, comment } });
      const written = await writeLimits(store, options.chainId, (current) => (current.version === limits.version ? next : applyAssignments(current.limits, assignments, options.tokens())), actor.name, comment, expectVersion, (tx, version) => recordIn(tx, event(version)));
      limits = written;
      announce(event(written));
      return written;
    },
    async rollbackLimits(to, actor, comment) {
      const event = (written: LimitsVersion): ProtectionAuditEvent => ({ type: 'limits.rollback', actor: actor.name, details: { version: written.version, to, changes: written.changes, comment } });
      const written = await rollbackLimits(store, options.chainId, to, actor.name, comment, (tx, version) => recordIn(tx, event(version)));
      limits = written;
      announce(event(written));
      return written;
    },
    history: (limit) => limitsHistory(store, limit),
    async refresh() {
      const began = performance.now();
      const [stored, killSwitch, trips] = await Promise.all([currentLimits(store), readKillSwitch(store), openTrips(store)]);
      // Only a newer version: a read that began before this process's own write must not undo it.
      if (stored !== undefined && stored.version > limits.version) limits = stored;
      if (killSwitch !== null && (figures.killSwitch === null || killSwitch.at.getTime() >= figures.killSwitch.at.getTime())) figures.killSwitch = killSwitch;
      // The stored trips (another process's re-arm lifts one), plus this process's trips the read
      // may not have seen; a failed write is made again.
      figures.breakers.clear();
      for (const t of trips) figures.breakers.set(t.breaker, t);
      for (const [breaker, entry] of unwritten) {
        if (entry.state === 'written' && entry.writtenAt < began) {
          unwritten.delete(breaker);
          continue;
        }
        if (!figures.breakers.has(breaker)) figures.breakers.set(breaker, entry.trip);
        if (entry.state === 'failed') writeTrip(entry.trip);
      }
    },
    status() {
      const view = figures.view();
      const suppression = limits.limits.routeSuppression;
      const suppressedRoutes: ProtectionsStatus['suppressedRoutes'] = [];
      for (const [route, failures] of view.failuresByRoute) {
        const retryAt = failures.lastFailureBlock + BigInt(suppression.retryBlocks);
        if (failures.consecutive >= suppression.failures && lastBlock < retryAt) suppressedRoutes.push({ route, failures: failures.consecutive, retryAtBlock: retryAt.toString() });
      }
      const ks = view.killSwitch;
      return {
        limitsVersion: limits.version,
        killSwitch: ks === null ? null : { engaged: ks.engaged, reason: ks.reason, actor: ks.actor, via: ks.via, at: ks.at.toISOString() },
        breakers: [...view.breakers.values()].map((t) => ({ breaker: t.breaker, reason: t.reason, trippedBlock: t.trippedBlock.toString(), until: t.untilBlock === null ? 're-armed by hand' : `block ${t.untilBlock}`, trippedAt: t.trippedAt.toISOString() })),
        suppressedRoutes,
        lastGlobalLock,
        locksByRule: { ...locksByRule },
        dailyPnl: { day: view.day, byToken: Object.fromEntries([...view.dailyPnl].map(([token, pnl]) => [token, pnl.toString()])) },
        gasMoney: gasMoneyStatus(view.gasMoney, limits.limits.gasMoney.minExecutions),
      };
    },
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

function gasMoneyStatus(money: GasMoney | null, floor: number): ProtectionsStatus['gasMoney'] {
  if (money === null) return null;
  return {
    account: money.account, balance: money.balance.toString(), feePerGas: money.feePerGas.toString(), gasPerExecution: money.gasPerExecution.toString(),
    executionsLeft: money.executionsLeft?.toString() ?? null, floor, block: money.block.toString(), enforced: money.enforced,
  };
}
