import { useState, type FormEvent } from 'react';
import { useQuery } from '../api/use-query.ts';
import { formatTime, shortHex } from '../format/amount.ts';
import { Empty, Loaded } from '../ui/states.tsx';

interface AuditRow { seq: string; at: string; type: string; actor: string | null; subject: string | null; details: Record<string, unknown>; hash: string; personal: Record<string, unknown> }
interface AuditPage { rows: AuditRow[]; nextCursor: string | null }
type Verification = { ok: true; rows: string; head: { seq: string; hash: string } | null } | { ok: false; rows: string; firstBadSeq: string; reason: string };

function Verify() {
  const verification = useQuery<Verification>('/compliance/audit/verify');
  return (
    <Loaded query={verification} what="the chain check">
      {(v) =>
        v.ok ? (
          <p className="ok" data-testid="audit-verified">
            Chain verified: {v.rows} rows{v.head === null ? '' : `, head #${v.head.seq} ${shortHex(v.head.hash)}`}, checkpoint signed.
          </p>
        ) : (
          <p className="state state-error" role="alert">
            Chain BROKEN at #{v.firstBadSeq}: {v.reason}
          </p>
        )
      }
    </Loaded>
  );
}

/**
 * The audit log (auditor, admin): filter by event type, actor and period, newest first, page by
 * page (cursor), and the hash chain's verification status.
 */
export function Audit() {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const query = new URLSearchParams({ limit: '25', ...filters, ...(cursors.length === 0 ? {} : { cursor: cursors[cursors.length - 1]! }) });
  const page = useQuery<AuditPage>(`/compliance/audit?${query}`);

  const apply = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    for (const name of ['type', 'actor']) {
      const value = String(form.get(name) ?? '').trim();
      if (value !== '') next[name] = value;
    }
    for (const name of ['from', 'to']) {
      const value = String(form.get(name) ?? '');
      if (value !== '') next[name] = new Date(value).toISOString();
    }
    setCursors([]);
    setFilters(next);
  };

  return (
    <>
      <h1>Audit log</h1>
      <Verify />
      <form className="filters" onSubmit={apply} aria-label="audit filters">
        <label>
          Event type
          <input name="type" placeholder="e.g. controls.kill_switch.engaged" />
        </label>
        <label>
          Actor (pseudonym)
          <input name="actor" />
        </label>
        <label>
          From
          <input name="from" type="datetime-local" />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loaded query={page} what="the audit log">
        {(p) => (
          <>
            {p.rows.length === 0 ? (
              <Empty>No audit row matches.</Empty>
            ) : (
              <div className="table-wrap">
                <table data-testid="audit-table">
                  <caption>Audit rows, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">When</th>
                      <th scope="col">Event</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.rows.map((row) => (
                      <tr key={row.seq}>
                        <td>{row.seq}</td>
                        <td>{formatTime(row.at)}</td>
                        <td>
                          <code>{row.type}</code>
                        </td>
                        <td title={row.actor ?? ''}>{describeActor(row)}</td>
                        <td className="details">
                          <code>{JSON.stringify(row.details)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <div className="row pager">
              <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Newer
              </button>
              <button type="button" className="secondary" disabled={p.nextCursor === null} onClick={() => p.nextCursor !== null && setCursors((c) => [...c, p.nextCursor!])}>
                Older
              </button>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}

/** The actor's username when the row still holds it (personal data), else the pseudonym. */
function describeActor(row: AuditRow): string {
  if (row.actor === null) return 'system';
  const personal = row.personal[row.actor] as { username?: string } | undefined;
  return personal?.username ?? shortHex(row.actor);
}
