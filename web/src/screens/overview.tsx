import type { HealthDetail, SimulationView, TopOpportunity } from '../api/health.ts';
import { useQuery } from '../api/use-query.ts';
import { formatCount } from '../format/amount.ts';
import { FunnelView } from '../ui/funnel.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

const display = (amount: { display: string } | null): string => amount?.display ?? '—';

function Opportunities({ top }: { top: TopOpportunity[] }) {
  if (top.length === 0) return <Empty>No opportunity at the last block.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <caption>Best opportunities at the last block</caption>
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col">Block</th>
            <th scope="col" className="num">In</th>
            <th scope="col" className="num">Net profit</th>
            <th scope="col">Flash source</th>
          </tr>
        </thead>
        <tbody>
          {top.map((o) => (
            <tr key={`${o.block}-${o.pools.join()}`}>
              <td>{o.route}</td>
              <td>{o.block ?? '—'}</td>
              <td className="num">{display(o.view.amountIn)}</td>
              <td className="num">{display(o.view.netProfit)}</td>
              <td>
                {o.flashSource.kind} ({o.flashSource.feePips / 100} bp)
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Simulations({ simulations }: { simulations: SimulationView[] }) {
  if (simulations.length === 0) return <Empty>No simulation yet in this session.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <caption>Latest simulations</caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Route</th>
            <th scope="col">Block</th>
            <th scope="col" className="num">Predicted</th>
            <th scope="col" className="num">Simulated</th>
            <th scope="col" className="num">Gas used</th>
          </tr>
        </thead>
        <tbody>
          {simulations.map((s, i) => (
            <tr key={`${s.planBlock}-${s.pools.join()}-${i}`}>
              <td>
                <span className={`pill pill-${s.status}`}>{s.status}</span>
                {s.revert === null ? null : <span className="muted"> {s.revert.text}</span>}
                {s.error === null ? null : <span className="muted"> {s.error}</span>}
              </td>
              <td>{s.route}</td>
              <td>{s.planBlock}</td>
              <td className="num">{display(s.predictedProfit)}</td>
              <td className="num">{display(s.simulatedProfit)}</td>
              <td className="num">{s.gasUsed === null ? '—' : formatCount(s.gasUsed)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The desk at a glance, from `/health`'s signed-in detail: each component's state, the chain
 * head and how far the market lags it, the session's profit per token, the funnel, the best
 * opportunities and the latest simulations. Re-read every few seconds.
 */
export function Overview() {
  const health = useQuery<HealthDetail>('/health', 3_000);
  return (
    <>
      <h1>Overview</h1>
      <Loaded query={health} what="the engine's state">
        {(h) => {
          // Null while the engine boots; absent where the server runs without one.
          const engine = h.engine ?? null;
          const freshness = engine?.market.freshness as { head?: string; ageBlocks?: number; fresh?: boolean } | undefined;
          const profit = Object.entries(engine?.funnel.profitByToken ?? {});
          return (
            <>
              <section className="cards" aria-label="state">
                <div className="card">
                  <h2>Status</h2>
                  <p className={`big status-${h.status.replace(' ', '-')}`} data-testid="platform-status">
                    {h.status}
                  </p>
                  <ul className="checks">
                    {h.checks.map((c) => (
                      <li key={c.name}>
                        <span className={`dot dot-${c.state}`} aria-hidden="true" /> {c.name}: {c.state}
                      </li>
                    ))}
                  </ul>
                </div>
                <div className="card">
                  <h2>Chain</h2>
                  <p className="big">{freshness?.head === undefined ? '—' : `#${freshness.head}`}</p>
                  <p className="muted">
                    {freshness === undefined ? 'engine not started' : `market ${freshness.ageBlocks ?? '?'} block(s) behind the head${freshness.fresh === true ? '' : ' — stale'}`}
                  </p>
                </div>
                <div className="card">
                  <h2>Engine</h2>
                  <p className="big">{engine === null ? 'starting' : `${formatCount(engine.blocksScanned)} blocks`}</p>
                  <p className="muted">{engine === null ? '' : `${engine.scanner.pools} pools, ${engine.scanner.cycles} cycles`}</p>
                  {engine?.executor.note ? <p className="warn">{engine.executor.note}</p> : null}
                </div>
                <div className="card">
                  <h2>Session profit</h2>
                  {profit.length === 0 ? (
                    <p className="muted">none yet</p>
                  ) : (
                    <ul className="plain">
                      {profit.map(([token, p]) => (
                        <li key={token}>
                          simulated <strong>{display(p.simulated)}</strong> · realized {display(p.realized)}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              </section>
              {engine === null ? (
                <Empty>The engine starts once the chain is synced.</Empty>
              ) : (
                <>
                  <section aria-labelledby="funnel-title">
                    <h2 id="funnel-title">Funnel</h2>
                    <FunnelView funnel={engine.funnel} />
                  </section>
                  <section>
                    <Opportunities top={engine.top} />
                  </section>
                  <section>
                    <Simulations simulations={engine.lastSimulations} />
                  </section>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}
