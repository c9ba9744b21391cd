import type { RiskSnapshot } from '../api/controls.ts';
import type { Amount, TokenRef } from '../api/desk.ts';
import { useState } from 'react';
import { useQuery } from '../api/use-query.ts';
import { formatAmount, formatCount, formatTime } from '../format/amount.ts';
import { TokenAmount } from './amount.tsx';
import { Empty, Loaded } from './states.tsx';

/** A ratio (0..1) as a percentage with one decimal, or a dash with the report's reason. */
function percent(value: number | null): string {
  return value === null ? '—' : `${(Math.round(value * 1000) / 10).toFixed(1)} %`;
}

/** A plain figure (Sharpe, Sortino, profit factor) to two decimals. */
function figure(value: number | null): string {
  return value === null ? '—' : value.toFixed(2);
}

/**
 * A mean in base units the report holds as a number (expected shortfall, mean slippage): rounded
 * to whole base units, then scaled by the token's decimals in BigInt arithmetic, marked ≈.
 */
function approxAmount(value: unknown, token: TokenRef | null): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const raw = BigInt(Math.round(value)).toString();
  return token === null || token.decimals === null ? `≈ ${raw} base units` : `≈ ${formatAmount(raw, token.decimals)} ${token.symbol}`;
}

/** An exact amount the report holds as a base-unit decimal string (the 95th percentile of slippage). */
function exactAmount(value: unknown, token: TokenRef | null): string {
  if (typeof value !== 'string') return '—';
  return token === null || token.decimals === null ? `${value} base units` : `${formatAmount(value, token.decimals)} ${token.symbol}`;
}

function Money({ amount, token }: { amount: Amount | null; token: TokenRef | null }) {
  return amount === null ? <span className="muted">—</span> : <TokenAmount raw={amount.raw} token={token} fallback={amount.display} />;
}

/** The windows the maintenance job computes (src/ledger/risk/windows.ts), each ending at the snapshot. */
const WINDOWS = [['24h', 'last 24 hours'], ['7d', 'last 7 days'], ['30d', 'last 30 days'], ['all', 'all time']] as const;
type RiskWindow = (typeof WINDOWS)[number][0];

/** A USD figure in the reference pool's stablecoin, or a dash whose hover says why there is none. */
function Usd({ s, pick }: { s: RiskSnapshot; pick: (usd: NonNullable<RiskSnapshot['usd']>) => Amount | null }) {
  if (s.usd === null) return <span className="muted" title={s.usdReason ?? undefined}>—</span>;
  return <Money amount={pick(s.usd)} token={s.usd.token} />;
}

/** One mode's snapshot of one base token: the headline figures, each amount exact in token units, USD beside them. */
function Snapshot({ s, testId }: { s: RiskSnapshot; testId: string }) {
  // The whole report (src/desk/risk.ts snapshotJson): `risk` and `execution`, each with `reasons` for its null figures.
  const report = s.report as { risk?: Record<string, unknown>; execution?: Record<string, unknown> };
  const risk = report.risk ?? {};
  const execution = report.execution ?? {};
  const reasons = { ...((risk['reasons'] ?? {}) as Record<string, string>), ...((execution['reasons'] ?? {}) as Record<string, string>) };
  const why = (key: string): string | undefined => reasons[key];
  return (
    <div className="card" data-testid={testId}>
      <h2>
        {s.mode.toUpperCase()} · {s.token?.symbol ?? 'no token'} · {formatCount(s.trades)} trades · {formatTime(s.takenAt)}
      </h2>
      <dl className="facts">
        <dt>Total P&amp;L</dt>
        <dd><Money amount={s.totalPnl} token={s.token} /></dd>
        <dt>Total P&amp;L in USD</dt>
        <dd><Usd s={s} pick={(u) => u.totalPnl} /></dd>
        <dt>Max drawdown</dt>
        <dd title={why('maxDrawdown')}><Money amount={s.maxDrawdown} token={s.token} /> · <Usd s={s} pick={(u) => u.maxDrawdown} /></dd>
        <dt>VaR 95 % / 99 %</dt>
        <dd title={why('var95')}><Money amount={s.var95} token={s.token} /> / <Money amount={s.var99} token={s.token} /></dd>
        <dt>Expected shortfall 95 % / 99 %</dt>
        <dd title={why('es95')}>{approxAmount(risk['es95'], s.token)} / {approxAmount(risk['es99'], s.token)}</dd>
        <dt>Sharpe / Sortino</dt>
        <dd title={why('sharpe') ?? why('sortino')}>{figure(s.sharpe)} / {figure(s.sortino)}</dd>
        <dt>Win rate</dt>
        <dd title={why('winRate')}>{percent(s.winRate)}</dd>
        <dt>Profit factor</dt>
        <dd title={why('profitFactor')}>{figure(s.profitFactor)}</dd>
        <dt>Slippage mean / p95</dt>
        <dd title={why('slippageMean') ?? why('slippageP95')}>{approxAmount(execution['slippageMean'], s.token)} / {exactAmount(execution['slippageP95'], s.token)}</dd>
        <dt>Revert rate</dt>
        <dd title={why('revertRate')}>{percent(s.revertRate)}</dd>
      </dl>
    </div>
  );
}

/** The risk panel: the latest snapshots per mode and base token over the chosen window (`GET /risk?window=`, taken by the maintenance job). */
export function RiskPanel() {
  const [span, setSpan] = useState<RiskWindow>('all');
  const risk = useQuery<{ snapshots: RiskSnapshot[] }>(`/risk?window=${span}`, 60_000);
  // The first card of each mode is `risk-<mode>`; the next ones (its other base tokens) carry the token too.
  const testId = (all: readonly RiskSnapshot[], i: number): string => {
    const s = all[i]!;
    return all.findIndex((o) => o.mode === s.mode) === i ? `risk-${s.mode}` : `risk-${s.mode}-${s.token?.address ?? 'none'}`;
  };
  return (
    <section aria-labelledby="risk-title">
      <h2 id="risk-title">Risk</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="risk-window">Window</label>
          <select id="risk-window" value={span} onChange={(event) => setSpan(event.target.value as RiskWindow)}>
            {WINDOWS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Loaded query={risk} what="the risk figures">
        {(r) =>
          r.snapshots.length === 0 ? (
            <Empty>No risk snapshot yet: the maintenance job takes one per mode, window and base token each run (ORION_MAINTENANCE_INTERVAL).</Empty>
          ) : (
            <>
              <div className="cards">
                {r.snapshots.map((s, i) => (
                  <Snapshot key={`${s.mode}-${s.token?.address ?? 'none'}`} s={s} testId={testId(r.snapshots, i)} />
                ))}
              </div>
              <p className="muted">Per mode and base token, over the chosen window ending at the snapshot. USD through the configured reference pool (ORION_USD_REFERENCE_POOLS) at its latest known price. VaR and expected shortfall are losses per trade (a negative figure: even the worst trades gained); a dash has its reason on hover.</p>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
