import type { HealthDetail } from '../api/health.ts';
import { useQuery } from '../api/use-query.ts';
import { formatAmount, formatTime } from '../format/amount.ts';
import { Loaded } from '../ui/states.tsx';

interface Latency { headToDecisionUs?: { p50: number; p99: number; n: number }; headToSimulationUs?: { p50: number; p99: number; n: number }; note: string | null }
interface Endpoint { url: string; lastLatencyMs: number | null; failures: number; lagging: boolean; quarantined: unknown; lastHead: string | null }
interface Ledger { pendingRows: number; writtenRows: number; failing: string | null }
interface Backup { intervalSeconds: number; last: { at?: string; ageSeconds?: number } | null; failures: number; lastError: string | null }

const ms = (us: number | undefined): string => (us === undefined ? '—' : `${(us / 1000).toFixed(1)} ms`);

/** Each component's health, from `/health`'s detail: checks, RPC endpoints, latency, ledger, backups. */
export function Health() {
  const health = useQuery<HealthDetail>('/health', 5_000);
  return (
    <>
      <h1>Health</h1>
      <Loaded query={health} what="health">
        {(h) => {
          const market = h.engine?.market as { endpoints?: Endpoint[] } | undefined;
          const latency = h.engine?.['latency'] as Latency | undefined;
          const ledger = h.engine?.['ledger'] as Ledger | undefined;
          const backup = (h.backup ?? null) as Backup | null;
          const gas = h.protections?.gasMoney ?? null;
          return (
            <>
              <div className="table-wrap">
                <table>
                  <caption>Readiness checks ({h.status})</caption>
                  <thead>
                    <tr>
                      <th scope="col">Check</th>
                      <th scope="col">State</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {h.checks.map((c) => (
                      <tr key={c.name}>
                        <td>{c.name}</td>
                        <td>
                          <span className={`dot dot-${c.state}`} aria-hidden="true" /> {c.state}
                        </td>
                        <td>{c.detail ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="table-wrap">
                <table>
                  <caption>RPC endpoints</caption>
                  <thead>
                    <tr>
                      <th scope="col">URL</th>
                      <th scope="col">Head</th>
                      <th scope="col" className="num">Latency</th>
                      <th scope="col" className="num">Failures</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(market?.endpoints ?? []).map((e) => (
                      <tr key={e.url}>
                        <td>{e.url}</td>
                        <td>{e.lastHead ?? '—'}</td>
                        <td className="num">{e.lastLatencyMs === null ? '—' : `${e.lastLatencyMs.toFixed(1)} ms`}</td>
                        <td className="num">{e.failures}</td>
                        <td>{e.quarantined !== null && e.quarantined !== undefined ? 'quarantined' : e.lagging ? 'lagging' : 'ok'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <section className="cards">
                <div className="card">
                  <h2>Latency</h2>
                  <p>head → decision p50 {ms(latency?.headToDecisionUs?.p50)}, p99 {ms(latency?.headToDecisionUs?.p99)}</p>
                  <p>head → simulation p50 {ms(latency?.headToSimulationUs?.p50)}, p99 {ms(latency?.headToSimulationUs?.p99)}</p>
                  {latency?.note ? <p className="muted">{latency.note}</p> : null}
                </div>
                <div className="card">
                  <h2>Ledger</h2>
                  <p>{ledger === undefined ? '—' : `${ledger.writtenRows} rows written, ${ledger.pendingRows} pending`}</p>
                  {ledger?.failing ? <p className="warn">{ledger.failing}</p> : null}
                </div>
                <div className="card">
                  <h2>Gas money</h2>
                  {gas === null ? <p>— (no hot key read yet)</p> : (
                    <>
                      <p>hot key {gas.account}: {formatAmount(gas.balance, 18)} ETH at block {gas.block}</p>
                      <p>
                        pays for {gas.executionsLeft ?? 'any number of'} executions at {formatAmount(gas.feePerGas, 9)} gwei × {gas.gasPerExecution} gas; floor {gas.floor}
                        {gas.enforced ? '' : ' (sim: shown only)'}
                      </p>
                      {gas.enforced && gas.executionsLeft !== null && BigInt(gas.executionsLeft) < BigInt(gas.floor) ? <p className="warn">below the floor: live planning is stopped until the hot key is funded</p> : null}
                    </>
                  )}
                  {h.modeFollower?.note ? <p className="warn">{h.modeFollower.note}</p> : null}
                </div>
                <div className="card">
                  <h2>Backups</h2>
                  <p>{backup === null ? 'not scheduled' : `every ${backup.intervalSeconds} s; last: ${backup.last === null ? 'none yet' : formatTime(backup.last.at ?? null)}; failures ${backup.failures}`}</p>
                  {backup?.lastError ? <p className="warn">{backup.lastError}</p> : null}
                </div>
              </section>
            </>
          );
        }}
      </Loaded>
    </>
  );
}
