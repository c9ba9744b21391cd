import { useMemo } from 'react';
import type { Amount, Page, Simulation, TokenRef } from '../api/desk.ts';
import { useQuery } from '../api/use-query.ts';
import { formatAmount, formatCount } from '../format/amount.ts';
import { TokenAmount } from '../ui/amount.tsx';
import { EquityChart, type CurvePoint } from '../ui/equity-chart.tsx';
import { RiskPanel } from '../ui/risk-panel.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

interface PnlRow { mode: string; period: string; token: TokenRef; trades: number; wins: number; predicted: Amount; gross: Amount; gasEstimate: Amount; gas: Amount; net: Amount }
interface Pnl { group: string; note: string; rows: PnlRow[] }

/** Cumulative simulated profit per base token (BigInt sums) and its drawdown, for the chart. */
function curves(simulations: Simulation[]): { token: TokenRef; equity: CurvePoint[]; drawdown: CurvePoint[]; total: bigint; maxDrawdown: bigint } | null {
  const ok = simulations.filter((s) => s.status === 'ok' && s.simulatedProfit !== null && s.baseToken !== null && s.baseToken.decimals !== null);
  const token = ok[0]?.baseToken;
  if (token === undefined || token === null || token.decimals === null) return null;
  const scale = 10 ** token.decimals;
  let total = 0n;
  let peak = 0n;
  let maxDrawdown = 0n;
  const equity: CurvePoint[] = [];
  const drawdown: CurvePoint[] = [];
  for (const s of [...ok].reverse()) {
    if (s.baseToken?.address !== token.address) continue;
    total += BigInt(s.simulatedProfit!.raw);
    if (total > peak) peak = total;
    if (peak - total > maxDrawdown) maxDrawdown = peak - total;
    const time = Math.floor(new Date(s.simulatedAt).getTime() / 1000);
    // Floats only for the chart's pixels; the totals below stay BigInt.
    equity.push({ time, value: Number(total) / scale });
    drawdown.push({ time, value: -Number(peak - total) / scale });
  }
  return { token, equity, drawdown, total, maxDrawdown };
}

/**
 * P&L: the equity curve and drawdown of this ledger's simulated (or realized) profit, the P&L
 * per day and token with wins and trades, every amount exact in token units.
 */
export default function PnlScreen() {
  const pnl = useQuery<Pnl>('/pnl?group=day', 15_000);
  const simulations = useQuery<Page<Simulation>>('/simulations?status=ok&limit=500', 15_000);
  const curve = useMemo(() => (simulations.data === undefined ? null : curves(simulations.data.rows)), [simulations.data]);
  return (
    <>
      <h1>P&amp;L</h1>
      <Loaded query={simulations} what="the equity curve">
        {() =>
          curve === null ? (
            <Empty>No profitable simulation yet: the equity curve starts with the first.</Empty>
          ) : (
            <section aria-labelledby="equity-title">
              <h2 id="equity-title">
                Equity ({curve.token.symbol}): {formatAmount(curve.total.toString(), curve.token.decimals!)} {curve.token.symbol}, max drawdown {formatAmount(curve.maxDrawdown.toString(), curve.token.decimals!)} {curve.token.symbol}
              </h2>
              <EquityChart equity={curve.equity} drawdown={curve.drawdown} label={curve.token.symbol} />
            </section>
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
