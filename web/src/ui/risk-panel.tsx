import type { RiskSnapshot } from '../api/controls.ts';
import type { Amount, TokenRef } from '../api/desk.ts';
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

/** One mode's snapshot: the headline figures, each amount exact in token units. */
function Snapshot({ s }: { s: RiskSnapshot }) {
  // The whole report (src/desk/risk.ts snapshotJson): `risk` and `execution`, each with `reasons` for its null figures.
  const report = s.report as { risk?: Record<string, unknown>; execution?: Record<string, unknown> };
  const risk = report.risk ?? {};
  const execution = report.execution ?? {};
  const reasons = { ...((risk['reasons'] ?? {}) as Record<string, string>), ...((execution['reasons'] ?? {}) as Record<string, string>) };
  const why = (key: string): string | undefined => reasons[key];
  return (
    <div className="card" data-testid={`risk-${s.mode}`}>
      <h2>
        {s.mode.toUpperCase()} · {s.token?.symbol ?? 'no token'} · {formatCount(s.trades)} trades · {formatTime(s.takenAt)}
      </h2>
      <dl className="facts">
        <dt>Total P&amp;L</dt>
        <dd><Money amount={s.totalPnl} token={s.token} /></dd>
        <dt>Max drawdown</dt>
        <dd title={why('maxDrawdown')}><Money amount={s.maxDrawdown} token={s.token} /></dd>
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

/** The risk panel: the latest snapshot per mode (`GET /risk`, taken by the maintenance job). */
export function RiskPanel() {
  const risk = useQuery<{ snapshots: RiskSnapshot[] }>('/risk', 60_000);
  return (
    <section aria-labelledby="risk-title">
      <h2 id="risk-title">Risk</h2>
      <Loaded query={risk} what="the risk figures">
        {(r) =>
          r.snapshots.length === 0 ? (
            <Empty>No risk snapshot yet: the maintenance job takes one per mode each run (ORION_MAINTENANCE_INTERVAL).</Empty>
          ) : (
            <>
              <div className="cards">
                {r.snapshots.map((s) => (
                  <Snapshot key={s.mode} s={s} />
                ))}
              </div>
              <p className="muted">Per mode, the figures of its most traded base token. VaR and expected shortfall are losses per trade (a negative figure: even the worst trades gained); a dash has its reason on hover.</p>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
