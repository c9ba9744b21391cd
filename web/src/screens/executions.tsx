import type { Amount, Page, TokenRef } from '../api/desk.ts';
import { useQuery } from '../api/use-query.ts';
import { formatCount, formatTime, shortHex } from '../format/amount.ts';
import { TokenAmount } from '../ui/amount.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

interface Attempt { kind: string; status: string; txHash: string | null; nonce: string | null; block: string | null; reason: string | null; at: string }
interface Feedback { submission: string; targetBlock: string; reason: string; detail: string; competitor: { txHash: string; sender: string | null } | null }
interface Execution {
  id: string; mode: string; status: string; route: string | null; baseToken: TokenRef | null; txHash: string | null;
  inclusion: { submittedBlock: string | null; includedBlock: string | null; blocksToInclusion: number | null; failureReason: string | null; feedback: Feedback[] };
  predictedProfit: Amount | null; realizedProfit: Amount | null; net: Amount | null;
  gas: { used: string | null; effectivePriceWei: string | null; cost: Amount | null; costInBase: Amount | null };
  createdAt: string; attempts: Attempt[];
}

/**
 * Executions (live mode): status, attempts with their transaction hashes, predicted vs realized
 * profit, the gas paid in the base token and the net (realized − gas, the API's figure: a
 * reverted execution's loss is its gas), and for a miss the reason found on chain. In sim mode nothing is sent: the
 * simulations are on the Opportunities and P&L screens.
 */
export function Executions() {
  const executions = useQuery<Page<Execution>>('/executions?limit=50', 10_000);
  return (
    <>
      <h1>Executions</h1>
      <Loaded query={executions} what="executions">
        {(p) =>
          p.rows.length === 0 ? (
            <Empty>No execution yet. In SIM mode nothing is sent: every plan is simulated instead (see Opportunities and P&amp;L).</Empty>
          ) : (
            <div className="table-wrap">
              <table data-testid="executions-table">
                <caption>Executions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Created</th>
                    <th scope="col">Status</th>
                    <th scope="col">Route</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Inclusion</th>
                    <th scope="col" className="num">Predicted</th>
                    <th scope="col" className="num">Realized</th>
                    <th scope="col" className="num" title="gas paid on chain, in the base token at the execution's rate (native amount and gas units on hover)">Gas</th>
                    <th scope="col" className="num" title="realized − gas paid, in the base token">Net</th>
                  </tr>
                </thead>
                <tbody>
                  {p.rows.map((e) => (
                    <tr key={e.id}>
                      <td>{formatTime(e.createdAt)}</td>
                      <td><span className={`pill pill-${e.status}`}>{e.status}</span></td>
                      <td>{e.route ?? '—'}</td>
                      <td>
                        {e.attempts.length === 0 ? (e.txHash === null ? '—' : <code title={e.txHash}>{shortHex(e.txHash)}</code>) : (
                          <ul className="plain">
                            {e.attempts.map((a, i) => (
                              <li key={i}>
                                {a.kind} {a.status}{a.txHash === null ? '' : ' '}{a.txHash === null ? null : <code title={a.txHash}>{shortHex(a.txHash)}</code>}{a.reason === null ? '' : ` — ${a.reason}`}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td>
                        {e.inclusion.includedBlock !== null ? `block ${e.inclusion.includedBlock}${e.inclusion.blocksToInclusion === null ? '' : ` (+${e.inclusion.blocksToInclusion})`}` : e.inclusion.failureReason ?? (e.inclusion.submittedBlock === null ? '—' : `sent at ${e.inclusion.submittedBlock}`)}
                        {e.inclusion.feedback.length > 0 && (
                          <ul className="attempts">
                            {e.inclusion.feedback.map((f) => (
                              <li key={f.targetBlock} title={f.detail}>
                                missed {f.targetBlock} ({f.submission}): {f.reason}{f.competitor === null ? null : <> by <code title={f.competitor.txHash}>{shortHex(f.competitor.txHash)}</code></>}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                      <td className="num"><TokenAmount raw={e.predictedProfit?.raw} token={e.baseToken} fallback={e.predictedProfit?.display} /></td>
                      <td className="num"><TokenAmount raw={e.realizedProfit?.raw} token={e.baseToken} fallback={e.realizedProfit?.display} /></td>
                      <td className="num" title={e.gas.cost === null ? undefined : `${e.gas.cost.display}${e.gas.used === null ? '' : `, ${formatCount(e.gas.used)} gas`}`}>
                        <TokenAmount raw={e.gas.costInBase?.raw} token={e.baseToken} fallback={e.gas.costInBase?.display} />
                      </td>
                      <td className="num" data-testid="execution-net"><TokenAmount raw={e.net?.raw} token={e.baseToken} fallback={e.net?.display} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </>
  );
}
