import { useState, type FormEvent } from 'react';
import type { Amount, Page, TokenRef } from '../api/desk.ts';
import { useTokenBook } from '../api/tokens.ts';
import { useQuery } from '../api/use-query.ts';
import { shortHex } from '../format/amount.ts';
import { TokenAmount } from '../ui/amount.tsx';
import { Empty, Loaded } from '../ui/states.tsx';

interface Pool {
  address: string; protocol: string; pair: string; token0: TokenRef; token1: TokenRef; fee: { pips: number; percent: string };
  status: string; excludedReason: string | null; reserves: { token0: Amount; token1: Amount } | null;
  v3: { sqrtPriceX96: string; tick: number; liquidity: string; initializedTicks: number } | null;
}

/** Pools explorer: the followed pools, searched by token, with fee, reserves or V3 liquidity and price tick. */
export function Pools() {
  const book = useTokenBook();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const query = new URLSearchParams({ limit: '50', ...filters, ...(cursors.length === 0 ? {} : { cursor: cursors[cursors.length - 1]! }) });
  const pools = useQuery<Page<Pool>>(`/pools?${query}`);

  const apply = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    const token = String(form.get('token') ?? '');
    if (token !== '') next['token'] = token;
    const protocol = String(form.get('protocol') ?? '');
    if (protocol !== '') next['protocol'] = protocol;
    setCursors([]);
    setFilters(next);
  };
  const tokens = [...book.values()].sort((a, b) => a.label.localeCompare(b.label));

  return (
    <>
      <h1>Pools</h1>
      <form className="filters" onSubmit={apply} aria-label="pool filters">
        <div className="field">
          <label htmlFor="pool-token">Token</label>
          <select id="pool-token" name="token" defaultValue="">
            <option value="">any</option>
            {tokens.map((t) => (
              <option key={t.address} value={t.address}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="pool-protocol">Protocol</label>
          <select id="pool-protocol" name="protocol" defaultValue="">
            <option value="">any</option>
            <option value="uniswap-v2">Uniswap V2</option>
            <option value="uniswap-v3">Uniswap V3</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <Loaded query={pools} what="pools">
        {(p) => (
          <>
            {p.rows.length === 0 ? (
              <Empty>No pool matches.</Empty>
            ) : (
              <div className="table-wrap">
                <table data-testid="pools-table">
                  <caption>Pools</caption>
                  <thead>
                    <tr>
                      <th scope="col">Pair</th>
                      <th scope="col">Protocol</th>
                      <th scope="col" className="num">Fee</th>
                      <th scope="col" className="num">Reserve 0 / liquidity</th>
                      <th scope="col" className="num">Reserve 1 / tick</th>
                      <th scope="col">Status</th>
                      <th scope="col">Address</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.rows.map((pool) => (
                      <tr key={pool.address}>
                        <td>{pool.pair}</td>
                        <td>{pool.protocol}</td>
                        <td className="num">{pool.fee.percent}</td>
                        <td className="num">{pool.reserves !== null ? <TokenAmount raw={pool.reserves.token0.raw} token={pool.token0} fallback={pool.reserves.token0.display} /> : pool.v3 !== null ? `L ${pool.v3.liquidity}` : '—'}</td>
                        <td className="num">{pool.reserves !== null ? <TokenAmount raw={pool.reserves.token1.raw} token={pool.token1} fallback={pool.reserves.token1.display} /> : pool.v3 !== null ? `tick ${pool.v3.tick}` : '—'}</td>
                        <td>{pool.status}{pool.excludedReason === null ? '' : `: ${pool.excludedReason}`}</td>
                        <td title={pool.address}><code>{shortHex(pool.address)}</code></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <div className="row pager">
              <button type="button" className="secondary" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous
              </button>
              <button type="button" className="secondary" disabled={p.nextCursor === null} onClick={() => p.nextCursor !== null && setCursors((c) => [...c, p.nextCursor!])}>
                Next
              </button>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}
