import type { AuditLog } from '../audit/audit-log.ts';
import type { AuditJson } from '../audit/canonical.ts';
import { InputError } from '../errors.ts';
import type { ExecutionMode } from '../executor/executor.ts';
import { readFunnel, type Funnel } from '../ledger/funnel.ts';
import { notify } from '../notify/index.ts';
import { openSessionOf } from '../ledger/mode-session.ts';
import type { Store } from '../store/types.ts';
import { failedChecks, validateLive, type ValidationReport, type ValidationTarget } from './checks.ts';
import { latestValidation, readStoredMode, recordValidation, writeStoredMode, type StoredValidation } from './mode-store.ts';

/**
 * The mode service: `status`, `validate`, `switch`. A switch to live needs ORION_ALLOW_LIVE and
 * a passing validation of the last minute (stored, so it may come from another process); every
 * switch starts a new mode session whose counters start at zero, and is audited. A switch to
 * sim is always allowed: it is the safe direction.
 */

/** How recent a passing validation must be for a switch to live. */
export const VALIDATION_FRESH_MS = 60_000;

/** The switch was refused (live not allowed, no recent passing validation); nothing changed. */
export class ModeSwitchRefused extends InputError {}

/** Validation cannot run here (no chain to look at); says where it can. */
export class ValidationUnavailable extends InputError {}

export interface ModeStatus {
  /** The stored mode every instance follows (sim before the first switch). */
  mode: ExecutionMode;
  since: string | null;
  switchedBy: string | null;
  /** The open mode session and its counters. */
  session: { id: string; mode: ExecutionMode; chainId: number; startedAt: string; counters: SessionCounters } | null;
  allowLive: boolean;
  lastValidation: { at: string; passed: boolean; failed: string[] } | null;
}

/** The per-session counters shown by status (the funnel's headline numbers). */
export interface SessionCounters {
  detected: number;
  planned: number;
  rejected: number;
  simulated: number;
  reverted: number;
  submitted: number;
  included: number;
  realized: number;
}

export interface ModeServiceOptions {
  store: Store;
  allowLive: boolean;
  /** Where validation looks: the followed chain, or why there is none to look at here. */
  target: () => ValidationTarget | string | Promise<ValidationTarget | string>;
  /** Records `mode.validate` and `mode.switch` (the CLI and the API pass theirs). */
  audit?: AuditLog;
  /** After each switch is stored (the platform publishes it on the bus's `mode` channel). Must not throw. */
  onSwitched?: (to: 'sim' | 'live', actor: ModeActor) => void;
  now?: () => Date;
}

/** Who acts, as the audit log knows them. */
export interface ModeActor {
  /** Free text stored with the row (a username, `cli`, `boot`). */
  label: string;
  /** The actor's audit pseudonym, when it is a user, an API key or an OS user at the CLI. */
  pseudonym?: string;
  /** The actor's personal data for the audit log (outside its hash, erasable): the CLI's OS username. */
  personal?: Record<string, AuditJson>;
}

export interface ModeService {
  status(): Promise<ModeStatus>;
  validate(actor: ModeActor): Promise<ValidationReport & { id: bigint }>;
  switch(to: ExecutionMode, actor: ModeActor): Promise<ModeStatus>;
}

export function createModeService(options: ModeServiceOptions): ModeService {
  const { store } = options;
  const now = options.now ?? (() => new Date());

  const service: ModeService = {
    async status() {
      const [stored, session, validation] = await Promise.all([readStoredMode(store), openSessionOf(store), latestValidation(store)]);
      return {
        mode: stored?.mode ?? 'sim',
        since: stored?.since.toISOString() ?? null,
        switchedBy: stored?.switchedBy ?? null,
        session: session === undefined ? null : {
          id: session.id.toString(), mode: session.mode, chainId: session.chainId, startedAt: session.startedAt.toISOString(),
          counters: counters(await readFunnel(store, session.id)),
        },
        allowLive: options.allowLive,
        lastValidation: validation === undefined ? null : { at: validation.at.toISOString(), passed: validation.passed, failed: validation.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`) },
      };
    },

    async validate(actor) {
      const target = await options.target();
      if (typeof target === 'string') throw new ValidationUnavailable(target);
      // The limits in force are this deployment's: the database this service records in.
      const report = await validateLive({ ...target, now }, store);
      const id = await store.transaction(async (tx) => {
        const recorded = await recordValidation(tx, report, actor.label);
        await options.audit?.append({ type: 'mode.validate', ...(actor.pseudonym === undefined ? {} : { actor: actor.pseudonym }), details: { passed: report.passed, failed: failedChecks(report).map((line) => line.split(':')[0] ?? line), validation: recorded.toString() } }, tx);
        return recorded;
      });
      return { ...report, id };
    },

    async switch(to, actor) {
      const validation = to === 'live' ? await liveAllowed(await latestValidation(store)) : undefined;
      const chainId = validation?.chainId ?? (await openSessionOf(store))?.chainId;
      if (chainId === undefined || chainId === null) throw new ModeSwitchRefused('no chain known yet (no mode session and no validation): start the platform first');
      await store.transaction(async (tx) => {
        const before = await readStoredMode(tx);
        await writeStoredMode(tx, to, actor.label, validation?.id ?? null);
        // A new session even when the mode is unchanged: a switch resets the counters.
        await tx.query('update mode_sessions set ended_at = now() where ended_at is null');
        await tx.query('insert into mode_sessions (mode, chain_id, started_by) values ($1, $2, $3)', [to, chainId, actor.label]);
        await options.audit?.append({ type: 'mode.switch', ...(actor.pseudonym === undefined ? {} : { actor: actor.pseudonym }), ...(actor.personal === undefined ? {} : { actorData: actor.personal }), details: { from: before?.mode ?? 'sim', to, validation: validation?.id.toString() ?? null, by: actor.label } }, tx);
      });
      notify({ type: 'mode.switched', text: `mode switched to ${to} by ${actor.label}`, details: { mode: to } });
      options.onSwitched?.(to, actor);
      return service.status();
    },
  };

  async function liveAllowed(validation: StoredValidation | undefined): Promise<StoredValidation> {
    if (!options.allowLive) throw new ModeSwitchRefused('live mode is not allowed on this installation: ORION_ALLOW_LIVE is off; allowed: set ORION_ALLOW_LIVE=on, then validate and switch');
    if (validation === undefined) throw new ModeSwitchRefused('no validation yet: run orion mode validate (or POST /api/v1/mode/validate) and switch within a minute of a passing one');
    const age = validation.ageMs;
    if (!validation.passed) throw new ModeSwitchRefused(`the last validation failed (${validation.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}): fix it and validate again`);
    if (age > VALIDATION_FRESH_MS) throw new ModeSwitchRefused(`the last passing validation is ${Math.round(age / 1000)} s old; allowed: one of the last ${VALIDATION_FRESH_MS / 1000} s: validate again`);
    return validation;
  }

  return service;
}

function counters(funnel: Funnel): SessionCounters {
  return {
    detected: funnel.detected,
    planned: funnel.planned,
    rejected: funnel.rejected,
    simulated: funnel.simulated.ok,
    reverted: funnel.simulated.reverted,
    submitted: funnel.submitted,
    included: funnel.included,
    realized: funnel.realized,
  };
}
