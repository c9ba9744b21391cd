import type { PoolEvent } from '../market/pool-events.ts';
import type { PoolSnapshot, Snapshot, TickEntry, V3PoolSnapshot } from '../market/snapshot.ts';
import type { V3State } from '../scanner/v3-pools.ts';
import type { RecordedPool } from './mainnet-pools.ts';

/**
 * Where a V3 pool's liquidity comes from. `range`: the recorded active liquidity only, valid
 * within the tick-spacing range holding the current tick (liquidity can change only at an
 * initialized tick, and ticks are multiples of the spacing), so the pool is given two ticks
 * bounding that range: a hop can trade inside it, never beyond. `map`: a full tick map from a
 * snapshot, kept up to date by Mint and Burn.
 */
type V3Liquidity = { kind: 'range' } | { kind: 'map'; ticks: Map<number, bigint> };

interface V3Live {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  source: V3Liquidity;
}

/**
 * The recorded market at one point of the chain: each pool's state, joined at its first record
 * (a V2 pool at its first reserves row, a V3 pool at its first Swap, which carries price, tick
 * and active liquidity; or from the start when a snapshot gives its state).
 */
export class RecordedMarket {
  private readonly v2 = new Map<string, { reserve0: bigint; reserve1: bigint }>();
  private readonly v3 = new Map<string, V3Live>();

  constructor(readonly chainId: number, readonly pools: readonly RecordedPool[], private readonly unrecorded: readonly PoolSnapshot[] = []) {}

  /** Starts a pool from a snapshot's state (its tick map kept current by Mint/Burn). */
  seed(pool: PoolSnapshot): void {
    if (pool.protocol === 'uniswap-v2') this.v2.set(pool.address, { reserve0: pool.reserve0, reserve1: pool.reserve1 });
    else this.v3.set(pool.address, { sqrtPriceX96: pool.sqrtPriceX96, tick: pool.tick, liquidity: pool.liquidity, source: { kind: 'map', ticks: new Map(pool.ticks.map((t) => [t.tick, t.liquidityNet])) } });
  }

  /** Whether the pool has a state yet. */
  joined(address: string): boolean {
    return this.v2.has(address) || this.v3.has(address);
  }

  /** Sets a V2 pool's reserves; true when they changed (or the pool joined). */
  setReserves(address: string, reserve0: bigint, reserve1: bigint): boolean {
    const now = this.v2.get(address);
    if (now !== undefined && now.reserve0 === reserve0 && now.reserve1 === reserve1) return false;
    this.v2.set(address, { reserve0, reserve1 });
    return true;
  }

  /** Applies a V3 log; true when the pool's state changed (or it joined). A Mint/Burn before the first Swap is not applied: the price is unknown until then, and the Swap carries the liquidity. */
  applyV3(address: string, event: PoolEvent): boolean {
    const state = this.v3.get(address);
    if (event.kind === 'swap') {
      const changed = state === undefined || state.sqrtPriceX96 !== event.sqrtPriceX96 || state.liquidity !== event.liquidity || state.tick !== event.tick;
      this.v3.set(address, { sqrtPriceX96: event.sqrtPriceX96, tick: event.tick, liquidity: event.liquidity, source: state?.source ?? { kind: 'range' } });
      return changed;
    }
    if (state === undefined || (event.kind !== 'mint' && event.kind !== 'burn')) return false;
    const delta = event.kind === 'mint' ? event.amount : -event.amount;
    if (delta === 0n) return false;
    if (state.source.kind === 'map') {
      const ticks = state.source.ticks;
      for (const [tick, net] of [[event.tickLower, delta], [event.tickUpper, -delta]] as const) {
        const next = (ticks.get(tick) ?? 0n) + net;
        if (next === 0n) ticks.delete(tick);
        else ticks.set(tick, next);
      }
    }
    // The pool's own rule: a position in range changes the active liquidity.
    if (event.tickLower <= state.tick && state.tick < event.tickUpper) state.liquidity += delta;
    return true;
  }

  /** The scanner's view of a joined V3 pool. */
  v3State(address: string): V3State & { ticks: TickEntry[] } {
    const pool = this.pools.find((p) => p.address === address)!;
    const state = this.v3.get(address)!;
    return { sqrtPriceX96: state.sqrtPriceX96, tick: state.tick, liquidity: state.liquidity, ticks: ticksOf(state, pool.tickSpacing) };
  }

  /** V2 reserves of a joined pool. */
  reserves(address: string): { reserve0: bigint; reserve1: bigint } {
    return this.v2.get(address)!;
  }

  /** The joined pools as an `orion.pools/v1` document at `block` (pools in recorded order, then the snapshot's others). */
  snapshot(block: number): Snapshot {
    const pools: PoolSnapshot[] = [];
    for (const pool of this.pools) {
      const base = { address: pool.address, fee: pool.fee, token0: pool.token0, token1: pool.token1 };
      if (pool.protocol === 'uniswap-v2') {
        const r = this.v2.get(pool.address);
        if (r !== undefined) pools.push({ ...base, protocol: 'uniswap-v2', ...r });
      } else if (this.v3.has(pool.address)) {
        pools.push({ ...base, protocol: 'uniswap-v3', tickSpacing: pool.tickSpacing, ...this.v3State(pool.address) } satisfies V3PoolSnapshot);
      }
    }
    return { format: 'orion.pools/v1', chainId: this.chainId, block: BigInt(block), pools: [...pools, ...this.unrecorded] };
  }

  /** An independent copy (the closer search applies a block's transactions one by one to it). */
  clone(): RecordedMarket {
    const copy = new RecordedMarket(this.chainId, this.pools, this.unrecorded);
    for (const [a, r] of this.v2) copy.v2.set(a, { ...r });
    for (const [a, s] of this.v3) copy.v3.set(a, { ...s, source: s.source.kind === 'map' ? { kind: 'map', ticks: new Map(s.source.ticks) } : s.source });
    return copy;
  }
}

function ticksOf(state: V3Live, spacing: number): TickEntry[] {
  if (state.source.kind === 'map') {
    return [...state.source.ticks].sort((a, b) => a[0] - b[0]).map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
  }
  if (state.liquidity === 0n) return [];
  const lower = Math.floor(state.tick / spacing) * spacing;
  return [{ tick: lower, liquidityNet: state.liquidity }, { tick: lower + spacing, liquidityNet: -state.liquidity }];
}
