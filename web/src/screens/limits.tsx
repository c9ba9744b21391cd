import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../api/client.ts';
import type { LimitsVersion } from '../api/controls.ts';
import type { Me } from '../api/me.ts';
import { can } from '../api/roles.ts';
import { useQuery } from '../api/use-query.ts';
import { formatTime, shortHex } from '../format/amount.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { Empty, FormError, Loaded } from '../ui/states.tsx';

/** A limit's value as a person reads it in `version` (the server's wording), or the raw value when that version is not at hand. */
function shownValue(version: LimitsVersion | undefined, key: string, raw: string | null): string {
  if (raw === null) return '(none)';
  const entry = version?.limits.find((e) => e.key === key);
  return entry !== undefined && entry.value === raw ? entry.shown.value : raw;
}

/** A limit's key as a person reads it (token symbols for addresses). */
function shownKey(versions: readonly LimitsVersion[], key: string): string {
  for (const v of versions) {
    const entry = v.limits.find((e) => e.key === key);
    if (entry !== undefined) return entry.shown.key;
  }
  return key.replace(/0x[0-9a-f]{40}/g, (address) => shortHex(address));
}

/** The limits in force: each key and value in token units and symbols. */
function Current({ limits }: { limits: LimitsVersion }) {
  return (
    <div className="table-wrap">
      <table data-testid="limits-table">
        <caption>
          Version {limits.version}, by {shortHex(limits.actor)} at {formatTime(limits.changedAt)}
          {limits.comment === null ? '' : ` — ${limits.comment}`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {limits.limits.map((entry) => (
            <tr key={entry.key} data-key={entry.key}>
              <td title={entry.key}>{entry.shown.key}</td>
              <td title={entry.value}>{entry.shown.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** KEY=VALUE lines and a comment: a new version (refused if someone else changed the limits meanwhile). */
function EditForm({ current, onSaved }: { current: LimitsVersion; onSaved: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const set = String(form.get('set') ?? '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
    const comment = String(form.get('comment') ?? '').trim();
    if (set.length === 0) {
      setError('Write at least one KEY=VALUE line.');
      return;
    }
    const bad = set.find((line) => !/^[^=]+=.+$/.test(line));
    if (bad !== undefined) {
      setError(`“${bad}” is not KEY=VALUE.`);
      return;
    }
    setBusy(true);
    setError(null);
    call<LimitsVersion>('/limits', { method: 'PUT', body: { set, expectVersion: current.version, ...(comment === '' ? {} : { comment }) } }).then(
      () => {
        setBusy(false);
        target.reset();
        onSaved();
      },
      (caught: unknown) => {
        setBusy(false);
        setError(caught instanceof ApiError ? `${caught.message} (${caught.status})` : String(caught));
      },
    );
  };

  return (
    <form className="stack" onSubmit={submit} aria-label="change limits">
      <label>
        Changes (one KEY=VALUE a line; amounts in token units, e.g. max_input.WETH=50, max_gas_price=80gwei, =none removes)
        <textarea name="set" rows={3} required spellCheck={false} />
      </label>
      <label>
        Comment
        <input name="comment" maxLength={500} />
      </label>
      <FormError message={error} />
      <div className="row">
        <button type="submit" disabled={busy}>
          Save new version
        </button>
      </div>
    </form>
  );
}

/** The versions, newest first, each with its diff (old → new) and, for risk and admin, a rollback. */
function History({ versions, current, canWrite, onRolledBack }: { versions: LimitsVersion[]; current: number; canWrite: boolean; onRolledBack: () => void }) {
  const [target, setTarget] = useState<number | null>(null);
  if (versions.length === 0) return <Empty>No version yet.</Empty>;
  return (
    <>
      <div className="table-wrap">
        <table data-testid="limits-history">
          <caption>Versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Changes (old → new)</th>
              <th scope="col">Comment</th>
              <th scope="col">When</th>
              <th scope="col">By</th>
              {canWrite ? <th scope="col">Action</th> : null}
            </tr>
          </thead>
          <tbody>
            {versions.map((v, i) => {
              const previous = versions[i + 1];
              return (
                <tr key={v.version} data-version={v.version}>
                  <td>v{v.version}{v.version === current ? ' (in force)' : ''}</td>
                  <td className="wrap">
                    {v.changes.length === 0 ? (
                      <span className="muted">{i === versions.length - 1 && v.version === 1 ? 'first version' : 'no change'}</span>
                    ) : (
                      <ul className="diff">
                        {v.changes.map((c) => (
                          <li key={c.key}>
                            {shownKey(versions, c.key)}: <span className="old">{shownValue(previous, c.key, c.old)}</span> → <span className="new">{shownValue(v, c.key, c.new)}</span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="wrap">{v.comment ?? ''}</td>
                  <td>{formatTime(v.changedAt)}</td>
                  <td title={v.actor}>{shortHex(v.actor)}</td>
                  {canWrite ? (
                    <td>
                      {v.version === current ? null : (
                        <button type="button" className="secondary" onClick={() => setTarget(v.version)}>
                          Roll back to v{v.version}
                        </button>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {target === null ? null : (
        <ConfirmDialog
          title={`Roll back to version ${target}?`}
          confirmLabel={`Roll back to v${target}`}
          danger
          onClose={() => setTarget(null)}
          onConfirm={async (form) => {
            const comment = String(form.get('comment') ?? '').trim();
            await call('/limits/rollback', { body: { version: target, ...(comment === '' ? {} : { comment }) } });
            onRolledBack();
          }}
        >
          <p>Version {target}'s limits come back in force as a new version; the engine applies them from its next block.</p>
          <label>
            Comment
            <input name="comment" maxLength={500} />
          </label>
        </ConfirmDialog>
      )}
    </>
  );
}

/**
 * Limits: the values in force as people read them, their history with each version's diff, and
 * for risk and admin an edit form (KEY=VALUE, as `orion limits set`) and a rollback.
 */
export function Limits({ me }: { me: Me }) {
  const limits = useQuery<LimitsVersion>('/limits');
  const history = useQuery<{ versions: LimitsVersion[] }>('/limits/history?limit=50');
  const canWrite = can(me.role, 'limits.write');
  const reload = (): void => {
    limits.reload();
    history.reload();
  };
  return (
    <>
      <h1>Limits</h1>
      <Loaded query={limits} what="the limits">
        {(current) => (
          <>
            <Current limits={current} />
            {canWrite ? (
              <section aria-labelledby="limits-edit">
                <h2 id="limits-edit">Change limits</h2>
                <EditForm current={current} onSaved={reload} />
              </section>
            ) : null}
          </>
        )}
      </Loaded>
      <section aria-labelledby="limits-history-title">
        <h2 id="limits-history-title">History</h2>
        <Loaded query={history} what="the history">
          {(h) => <History versions={h.versions} current={limits.data?.version ?? 0} canWrite={canWrite} onRolledBack={reload} />}
        </Loaded>
      </section>
    </>
  );
}
