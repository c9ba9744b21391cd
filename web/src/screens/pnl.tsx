import { useMemo, useState } from 'react';
import type { Amount, TokenRef } from '../api/desk.ts';
import { useQuery } from '../api/use-query.ts';
import { formatAmount, formatCount } from '../format/amount.ts';
import { TokenAmount } from '../ui/amount.tsx';
import { EquityChart, type CurvePoint } from '../ui/equity-chart.tsx';
import { RiskPanel } from '../ui/risk-panel.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

interface PnlRow { mode: string; period: string; token: TokenRef; trades: number; wins: number; predicted: Amount; gross: Amount; gasEstimate: Amount; gas: Amount; net: Amount }
interface Pnl { group: string; note: string; rows: PnlRow[] }

/** One base token's equity: the API's daily net (gross − gas) summed in BigInt, oldest day first. */
interface TokenEquity { token: TokenRef; days: number; net: bigint; gross: bigint; gas: bigint; maxDrawdown: bigint; equity: CurvePoint[]; drawdown: CurvePoint[] }

/**
 * Per base token (figures of different tokens never add up), the cumulative net P&L of the
 * mode's days as the API gives them (net = gross − gas), and its drawdown from the running peak
 * at each day's close: a losing day (reverts' gas, a loss) shows as a drawdown.
 */
export function equityByToken(rows: readonly PnlRow[]): TokenEquity[] {
  const byToken = new Map<string, PnlRow[]>();
  for (const row of rows) byToken.set(row.token.address.toLowerCase(), [...(byToken.get(row.token.address.toLowerCase()) ?? []), row]);
  return [...byToken.values()].map((days) => {
    const sorted = [...days].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
    const token = sorted[0]!.token;
    const scale = token.decimals === null ? 1 : 10 ** token.decimals;
    let net = 0n;
    let gross = 0n;
    let gas = 0n;
    let peak = 0n;
    let maxDrawdown = 0n;
    const equity: CurvePoint[] = [];
    const drawdown: CurvePoint[] = [];
    for (const day of sorted) {
      net += BigInt(day.net.raw);
      gross += BigInt(day.gross.raw);
      gas += BigInt(day.gas.raw);
      if (net > peak) peak = net;
      if (peak - net > maxDrawdown) maxDrawdown = peak - net;
      const time = Math.floor(Date.parse(`${day.period}T23:59:59Z`) / 1000);
      // Floats only for the chart's pixels; the totals stay BigInt.
      equity.push({ time, value: Number(net) / scale });
      drawdown.push({ time, value: -Number(peak - net) / scale });
    }
    return { token, days: sorted.length, net, gross, gas, maxDrawdown, equity, drawdown };
  });
}

/** An exact BigInt amount of `token` for people: token units with the label, or marked base units when its decimals are unknown. */
function money(value: bigint, token: TokenRef): string {
  return token.decimals === null ? `${value} base units of ${token.symbol} (decimals unknown)` : `${formatAmount(value.toString(), token.decimals)} ${token.symbol}`;
}

/**
 * P&L of one mode (the running one first): per base token the net (gross − gas, the API's
 * figures) and its max drawdown over the days, the equity curve, then the P&L per day and token
 * with wins and trades, every amount exact in token units.
 */
export default function PnlScreen() {
  const health = useQuery<{ mode?: string }>('/health', 15_000);
  const [chosen, setChosen] = useState<'sim' | 'live' | null>(null);
  const mode = chosen ?? (health.data?.mode === 'live' ? 'live' : 'sim');
  const pnl = useQuery<Pnl>(`/pnl?group=day&mode=${mode}`, 15_000);
  const tokens = useMemo(() => (pnl.data === undefined ? [] : equityByToken(pnl.data.rows)), [pnl.data]);
  return (
    <>
      <h1>P&amp;L</h1>
      <label>
        Mode{' '}
        <select value={mode} onChange={(event) => setChosen(event.target.value === 'live' ? 'live' : 'sim')} data-testid="pnl-mode">
          <option value="sim">SIM</option>
          <option value="live">LIVE</option>
        </select>
      </label>
      <Loaded query={pnl} what="the equity curve">
        {() =>
          tokens.length === 0 ? (
            <Empty>No {mode.toUpperCase()} trade yet: the equity curve starts with the first.</Empty>
          ) : (
            <>
              {tokens.map((t) => (
                <section key={t.token.address} aria-labelledby={`equity-${t.token.address}`} data-testid="equity">
                  <h2 id={`equity-${t.token.address}`} data-testid="equity-headline">
                    {mode.toUpperCase()} net ({t.token.symbol}): {money(t.net, t.token)}, max drawdown {money(t.maxDrawdown, t.token)}
                  </h2>
                  <p className="muted">
                    gross {money(t.gross, t.token)} − gas {money(t.gas, t.token)} over {formatCount(t.days)} days; drawdown from the running peak at each day&apos;s close
                  </p>
                  <EquityChart equity={t.equity} drawdown={t.drawdown} label={t.token.symbol} />
                </section>
              ))}
            </>
          )
        }
      </Loaded>
      <RiskPanel />
      <Loaded query={pnl} what="P&L">
        {(p) =>
          p.rows.length === 0 ? (
            <Empty>No P&amp;L yet.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table data-testid="pnl-table">
                  <caption>P&amp;L per day and token</caption>
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      <th scope="col">Mode</th>
                      <th scope="col" className="num">Trades</th>
                      <th scope="col" className="num">Win rate</th>
                      <th scope="col" className="num">Predicted</th>
                      <th scope="col" className="num">Gross</th>
                      <th scope="col" className="num" title="sim: the estimate; live: paid on chain, in the base token">Gas</th>
                      <th scope="col" className="num">Net</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.rows.map((row) => (
                      <tr key={`${row.period}-${row.mode}-${row.token.address}`}>
                        <td>{row.period}</td>
                        <td>{row.mode}</td>
                        <td className="num">{formatCount(row.trades)}</td>
                        <td className="num">{row.trades === 0 ? '—' : `${Math.round((row.wins * 100) / row.trades)} %`}</td>
                        <td className="num"><TokenAmount raw={row.predicted.raw} token={row.token} fallback={row.predicted.display} /></td>
                        <td className="num"><TokenAmount raw={row.gross.raw} token={row.token} fallback={row.gross.display} /></td>
                        <td className="num"><TokenAmount raw={row.gas.raw} token={row.token} fallback={row.gas.display} /></td>
                        <td className="num"><TokenAmount raw={row.net.raw} token={row.token} fallback={row.net.display} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="muted">{p.note}</p>
            </>
          )
        }
      </Loaded>
    </>
  );
}
