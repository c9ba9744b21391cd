import type { TrackedPoolInput } from './market-state.ts';
import type { HexAddress, SnapshotToken } from './snapshot.ts';
import type { MarketPoolRow } from './persistence.ts';
import { MarketStateError } from './market-errors.ts';

/**
 * A pool's state as stored in `market_pool.state`: JSON with every amount a decimal string
 * (V3 ticks as [tick, liquidityNet, liquidityGross]), and back.
 */

/** The JSON of a loaded pool's state. */
export function stateToJson(input: TrackedPoolInput): Record<string, unknown> {
  const s = input.snapshot;
  if (s.protocol === 'uniswap-v2') return { reserve0: s.reserve0.toString(), reserve1: s.reserve1.toString() };
  return {
    sqrtPriceX96: s.sqrtPriceX96.toString(),
    tick: s.tick,
    liquidity: s.liquidity.toString(),
    ticks: s.ticks.map((t) => [t.tick, t.liquidityNet.toString(), (input.liquidityGross?.get(t.tick) ?? (t.liquidityNet < 0n ? -t.liquidityNet : t.liquidityNet)).toString()]),
  };
}

/** A stored row back into a tracked pool, with its tokens' metadata. */
export function rowToPool(row: MarketPoolRow, tokens: ReadonlyMap<string, SnapshotToken>): TrackedPoolInput {
  const state = row.state;
  if (state === null) throw new MarketStateError(`pool ${row.address} has no stored state`);
  const token = (address: string): SnapshotToken => {
    const t = tokens.get(address);
    if (t === undefined) throw new MarketStateError(`pool ${row.address}: token ${address} has no stored metadata`);
    return t;
  };
  const base = { address: row.address as HexAddress, fee: row.fee, token0: token(row.token0), token1: token(row.token1) };
  if (row.protocol === 'uniswap-v2') {
    return { snapshot: { protocol: 'uniswap-v2', ...base, reserve0: BigInt(state['reserve0'] as string), reserve1: BigInt(state['reserve1'] as string) } };
  }
  const ticks = (state['ticks'] as [number, string, string][]).map(([tick, net, gross]) => ({ tick, liquidityNet: BigInt(net), liquidityGross: BigInt(gross) }));
  return {
    snapshot: {
      protocol: 'uniswap-v3',
      ...base,
      tickSpacing: row.tickSpacing as number,
      sqrtPriceX96: BigInt(state['sqrtPriceX96'] as string),
      tick: state['tick'] as number,
      liquidity: BigInt(state['liquidity'] as string),
      ticks: ticks.map((t) => ({ tick: t.tick, liquidityNet: t.liquidityNet })),
    },
    liquidityGross: new Map(ticks.map((t) => [t.tick, t.liquidityGross])),
  };
}
