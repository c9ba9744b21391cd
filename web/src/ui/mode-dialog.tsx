import { useId, useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { ModeStatus, Validation } from '../api/controls.ts';
import { useQuery } from '../api/use-query.ts';
import { formatCount, formatTime, shortHex } from '../format/amount.ts';
import { FormError, Loaded } from './states.tsx';

/** What the API wants typed before a switch to live (src/api/routes/mode.ts). */
export const LIVE_CONFIRMATION = 'SWITCH TO LIVE';

function errorText(caught: unknown): string {
  return caught instanceof ApiError ? `${caught.message} (${caught.status})` : String(caught);
}

/** The pre-flight checks of live mode, each with pass/fail and its detail. */
function Checks({ validation }: { validation: Validation }) {
  return (
    <div data-testid="mode-checks">
      <p className={validation.passed ? 'ok' : 'check-fail'}>
        {validation.passed ? 'Every check passed' : 'Some checks failed'} at {formatTime(validation.at)}
        {validation.chainId === null ? '' : `, chain ${validation.chainId}`}
        {validation.hotKey === null ? '' : `, hot key ${shortHex(validation.hotKey)}`}.
      </p>
      <ul className="plain">
        {validation.checks.map((check) => (
          <li key={check.name}>
            <span className={check.ok ? 'check-ok' : 'check-fail'}>{check.ok ? '✔ pass' : '✘ fail'}</span> <strong>{check.name}</strong>: {check.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A switch: the target mode, the typed confirmation for live, a fresh TOTP code. */
function SwitchForm({ status, onSwitched }: { status: ModeStatus; onSwitched: () => void }) {
  const [target, setTarget] = useState<'sim' | 'live'>(status.mode === 'sim' ? 'live' : 'sim');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const confirmation = String(form.get('confirmation') ?? '');
    const totp = String(form.get('totp') ?? '').trim();
    if (target === 'live' && confirmation !== LIVE_CONFIRMATION) {
      setError(`Type “${LIVE_CONFIRMATION}” exactly to switch to live.`);
      return;
    }
    setBusy(true);
    setError(null);
    call<ModeStatus>('/mode/switch', { body: { mode: target, totp, ...(target === 'live' ? { confirmation } : {}) } }).then(
      () => {
        setBusy(false);
        onSwitched();
      },
      (caught: unknown) => {
        setBusy(false);
        setError(errorText(caught));
      },
    );
  };

  return (
    <form className="stack" onSubmit={submit} aria-label="switch mode">
      <label>
        Switch to
        <select name="mode" value={target} onChange={(event) => setTarget(event.target.value === 'live' ? 'live' : 'sim')}>
          <option value="sim">sim — simulation only</option>
          <option value="live">live — real transactions</option>
        </select>
      </label>
      {target === 'live' ? (
        <label>
          Type {LIVE_CONFIRMATION} to confirm
          <input name="confirmation" autoComplete="off" required />
        </label>
      ) : null}
      <label>
        TOTP code (fresh)
        <input name="totp" inputMode="numeric" pattern="[0-9]{6}" autoComplete="one-time-code" required />
      </label>
      {target === 'live' && !status.allowLive ? <p className="warn">This instance does not allow live mode (ORION_ALLOW_LIVE): the API will refuse.</p> : null}
      <FormError message={error} />
      <div className="row">
        <button type="submit" className={target === 'live' ? 'danger' : undefined} disabled={busy || target === status.mode}>
          Switch to {target}
        </button>
      </div>
    </form>
  );
}

/**
 * The mode dialog: the mode in force and its session (with counters), the last validation; for
 * an admin, the Validate button (each pre-flight check with its result) and the switch form.
 */
export function ModeDialog({ canSwitch, onClose }: { canSwitch: boolean; onClose: () => void }) {
  const titleId = useId();
  const status = useQuery<ModeStatus>('/mode');
  const [validation, setValidation] = useState<Validation | null>(null);
  const [validating, setValidating] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const validate = (): void => {
    setValidating(true);
    setError(null);
    call<Validation>('/mode/validate', { method: 'POST' }).then(
      (v) => {
        setValidating(false);
        setValidation(v);
        status.reload();
      },
      (caught: unknown) => {
        setValidating(false);
        setError(errorText(caught));
      },
    );
  };

  return (
    <div className="overlay" onKeyDown={(event) => event.key === 'Escape' && onClose()}>
      <div className="dialog card" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <h2 id={titleId}>Execution mode</h2>
        <Loaded query={status} what="the mode">
          {(s) => (
            <>
              <dl className="facts" data-testid="mode-status">
                <dt>Mode</dt>
                <dd>
                  <strong>{s.mode.toUpperCase()}</strong>
                  {s.since === null ? '' : ` since ${formatTime(s.since)}`}
                  {s.switchedBy === null ? '' : ` (by ${s.switchedBy})`}
                </dd>
                <dt>Session</dt>
                <dd>
                  {s.session === null
                    ? 'none yet'
                    : `#${s.session.id} (${s.session.mode}, chain ${s.session.chainId}) since ${formatTime(s.session.startedAt)}`}
                </dd>
                {s.session === null ? null : (
                  <>
                    <dt>Counters</dt>
                    <dd>
                      {Object.entries(s.session.counters)
                        .map(([name, count]) => `${name} ${formatCount(count)}`)
                        .join(' · ')}
                    </dd>
                  </>
                )}
                <dt>Live allowed</dt>
                <dd>{s.allowLive ? 'yes' : 'no (ORION_ALLOW_LIVE is off)'}</dd>
                <dt>Last validation</dt>
                <dd>
                  {s.lastValidation === null
                    ? 'never'
                    : `${s.lastValidation.passed ? 'passed' : `failed (${s.lastValidation.failed.map((line) => line.split(':')[0]).join(', ')})`} at ${formatTime(s.lastValidation.at)}`}
                </dd>
              </dl>
              {canSwitch ? (
                <>
                  <div className="row">
                    <button type="button" onClick={validate} disabled={validating}>
                      {validating ? 'Validating…' : 'Validate live mode'}
                    </button>
                  </div>
                  <FormError message={error} />
                  {validation === null ? null : <Checks validation={validation} />}
                  <SwitchForm status={s} onSwitched={() => { status.reload(); onClose(); }} />
                </>
              ) : null}
            </>
          )}
        </Loaded>
        <div className="row">
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
