import { memo, useEffect, useReducer, useRef, useState } from 'react';
import { call } from '../api/client.ts';
import type { Opportunity, Page, Simulation } from '../api/desk.ts';
import { useLive, type LiveMessage } from '../api/live.ts';
import { formatTime } from '../format/amount.ts';
import { TokenAmount } from '../ui/amount.tsx';
import { Empty, ErrorState, Loading } from '../ui/states.tsx';

/** One route as the live table shows it: the latest sighting, its decision and its simulation. */
interface Row {
  key: string;
  route: string;
  pools: string;
  baseToken: string;
  block: string;
  amountIn: { raw: string; display?: string } | null;
  netProfit: { raw: string; display?: string } | null;
  flash: string;
  decision: { outcome: string; rule: string | null; reason: string | null } | null;
  simulation: { status: string; profit: { raw: string; display?: string } | null; revert: string | null; error: string | null } | null;
  seen: number;
}

const MAX_ROWS = 200;
type Raw = { raw: string; display?: string } | null | undefined;
const amount = (value: Raw): Row['amountIn'] => (value === null || value === undefined ? null : value);

interface LiveOpportunity { routeKey: string; route: string; pools: string[]; tokens: string[]; block: string | null; flashSource?: { kind: string; feePips: number }; view?: { amountIn: Raw; netProfit: Raw } }
interface LiveDecision { routeKey: string; pools: string[]; outcome: string; rule: string | null; reason: string | null }
interface LiveSimulation { status: string; pools: string[]; simulatedProfit: Raw; revert: { text: string } | null; error: string | null }

/** Rows by route, kept outside React state: frames are applied here, rendered once per animation frame. */
class LiveTable {
  readonly rows = new Map<string, Row>();
  private byPools = new Map<string, string>();
  frames = 0;
  applied = 0;

  upsert(row: Row): void {
    const before = this.rows.get(row.key);
    this.rows.set(row.key, before === undefined ? row : { ...before, ...row, decision: row.decision ?? before.decision, simulation: row.simulation ?? before.simulation });
    this.byPools.set(row.pools, row.key);
    if (this.rows.size > MAX_ROWS) {
      const oldest = [...this.rows.values()].sort((a, b) => a.seen - b.seen)[0]!;
      this.rows.delete(oldest.key);
    }
  }

  patchByPools(pools: string, patch: Partial<Row>): void {
    const key = this.byPools.get(pools);
    const row = key === undefined ? undefined : this.rows.get(key);
    if (row !== undefined) this.rows.set(row.key, { ...row, ...patch, seen: Date.now() });
  }

  /** Applies one `/ws` frame. */
  apply(message: LiveMessage): void {
    this.frames++;
    const data = message.data as { block?: string; opportunities?: LiveOpportunity[]; decisions?: LiveDecision[]; results?: LiveSimulation[] };
    for (const o of data.opportunities ?? []) {
      this.upsert({
        key: o.routeKey, route: o.route, pools: o.pools.join(','), baseToken: o.tokens[0] ?? '', block: o.block ?? data.block ?? '?',
        amountIn: amount(o.view?.amountIn), netProfit: amount(o.view?.netProfit),
        flash: o.flashSource === undefined ? '—' : `${o.flashSource.kind} (${o.flashSource.feePips / 100} bp)`,
        decision: null, simulation: null, seen: Date.now(),
      });
    }
    for (const d of data.decisions ?? []) this.patchByPools(d.pools.join(','), { decision: { outcome: d.outcome, rule: d.rule, reason: d.reason } });
    for (const s of data.results ?? []) this.patchByPools(s.pools.join(','), { simulation: { status: s.status, profit: amount(s.simulatedProfit), revert: s.revert?.text ?? null, error: s.error } });
    this.applied++;
  }

  sorted(): Row[] {
    return [...this.rows.values()].sort((a, b) => b.seen - a.seen);
  }
}

/** A row of `/opportunities` with the matching row of `/simulations`. */
function fromLedger(o: Opportunity, simulation: Simulation | undefined, order: number): Row {
  return {
    key: o.routeKey, route: o.route, pools: o.pools.join(','), baseToken: o.baseToken.address, block: o.lastBlock,
    amountIn: o.amountIn, netProfit: o.netProfit, flash: `${o.flash.kind}`,
    decision: o.decision,
    simulation: simulation === undefined ? null : { status: simulation.status, profit: simulation.simulatedProfit, revert: simulation.revert?.name ?? null, error: simulation.error },
    seen: new Date(o.lastSeenAt).getTime() - order,
  };
}

/**
 * One row, memoised: a frame replaces only the rows it changes (new objects), so a render after
 * a burst redraws those rows, not all of them.
 */
const OpportunityRow = memo(function OpportunityRow({ row }: { row: Row }) {
  return (
    <tr data-route={row.route}>
      <td title={row.pools}>{row.route}</td>
      <td>{row.block}</td>
      <td className="num">
        <TokenAmount raw={row.amountIn?.raw} token={row.baseToken} fallback={row.amountIn?.display} />
      </td>
      <td className="num">
        <TokenAmount raw={row.netProfit?.raw} token={row.baseToken} fallback={row.netProfit?.display} />
      </td>
      <td>{row.flash}</td>
      <td>
        {row.decision === null ? (
          <span className="muted">—</span>
        ) : (
          <>
            <span className={`pill pill-${row.decision.outcome}`}>{row.decision.outcome}</span>
            {row.decision.rule === null ? null : <span className="muted"> {row.decision.rule}: {row.decision.reason}</span>}
          </>
        )}
      </td>
      <td data-testid="simulation-cell">
        {row.simulation === null ? (
          <span className="muted">—</span>
        ) : (
          <>
            <span className={`pill pill-${row.simulation.status}`}>{row.simulation.status}</span>{' '}
            {row.simulation.status === 'ok' ? <TokenAmount raw={row.simulation.profit?.raw} token={row.baseToken} fallback={row.simulation.profit?.display} /> : <span className="muted">{row.simulation.revert ?? row.simulation.error}</span>}
          </>
        )}
      </td>
    </tr>
  );
});

declare global {
  interface Window {
    /** Counters for the benchmark (bench/dashboard.ts): frames received, frames applied, renders. */
    __orionLive?: { frames: number; renders: number };
  }
}

/**
 * Opportunities, live: the ledger's latest rows first, then every `/ws` frame (opportunities,
 * decisions, simulations) applied as it comes and drawn at most once per animation frame, so a
 * burst of events never queues renders. Each row: route with symbols, amounts in token units,
 * net profit, flash source, the decision (rule and reason when rejected) and the simulation
 * (decoded revert reason when it reverted).
 */
export function Opportunities() {
  const table = useRef(new LiveTable());
  const [, render] = useReducer((n: number) => n + 1, 0);
  const [load, setLoad] = useState<'loading' | 'ok' | Error>('loading');
  const pending = useRef(false);
  const renders = useRef(0);

  const schedule = (): void => {
    if (pending.current) return;
    pending.current = true;
    requestAnimationFrame(() => {
      pending.current = false;
      renders.current++;
      render();
    });
  };

  const status = useLive(['opportunities', 'decisions', 'simulations'], (message) => {
    if (message.channel === 'hello') return;
    table.current.apply(message);
    window.__orionLive = { frames: table.current.frames, renders: renders.current };
    schedule();
  });

  useEffect(() => {
    let cancelled = false;
    Promise.all([call<Page<Opportunity>>('/opportunities?limit=50'), call<Page<Simulation>>('/simulations?limit=100')]).then(
      ([opportunities, simulations]) => {
        if (cancelled) return;
        const byPools = new Map<string, Simulation>();
        for (const s of simulations.rows) if (!byPools.has(s.pools.join(','))) byPools.set(s.pools.join(','), s);
        opportunities.rows.forEach((o, i) => {
          if (!table.current.rows.has(o.routeKey)) table.current.upsert(fromLedger(o, byPools.get(o.pools.join(',')), i));
        });
        setLoad('ok');
      },
      (error: unknown) => !cancelled && setLoad(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const rows = table.current.sorted();
  return (
    <>
      <h1>Opportunities</h1>
      <p className="muted" role="status" data-testid="live-status">
        Live: {status === 'open' ? 'connected' : status}; {table.current.frames} frames received
      </p>
      {load === 'loading' ? <Loading what="opportunities" /> : null}
      {load instanceof Error ? <ErrorState error={load} /> : null}
      {load !== 'loading' && rows.length === 0 ? <Empty>No opportunity yet: they appear here as the engine finds them.</Empty> : null}
      {rows.length === 0 ? null : (
        <div className="table-wrap">
          <table data-testid="opportunities-table">
            <caption>Opportunities, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Block</th>
                <th scope="col" className="num">In</th>
                <th scope="col" className="num">Net profit</th>
                <th scope="col">Flash</th>
                <th scope="col">Decision</th>
                <th scope="col">Simulation</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <OpportunityRow key={row.key} row={row} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">Updated {formatTime(new Date().toISOString())}</p>
    </>
  );
}
