import type { TickEntry } from '../market/snapshot.ts';

/**
 * Positions that rebuild a V3 tick map exactly: one position per range between consecutive
 * initialized ticks, carrying the liquidity active in that range. The net at tick i is then
 * (liquidity of range i) − (liquidity of range i−1) = the snapshot's `liquidityNet`, and no
 * other tick is touched. (Gross liquidity differs from the real pool's; nothing reads it.)
 */

/** One V3 position to mint. */
export interface SeedPosition {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

/** The positions reproducing `ticks` (sorted, nets summing to zero, as parseSnapshot checks). */
export function positionsForTickMap(ticks: readonly TickEntry[]): SeedPosition[] {
  const positions: SeedPosition[] = [];
  let active = 0n;
  for (let i = 0; i + 1 < ticks.length; i++) {
    active += ticks[i]!.liquidityNet;
    // A range with no liquidity needs no position: its end ticks are initialized by neighbours.
    if (active > 0n) positions.push({ tickLower: ticks[i]!.tick, tickUpper: ticks[i + 1]!.tick, liquidity: active });
  }
  return positions;
}

/** The tick map the positions produce (the inverse of {@link positionsForTickMap}). */
export function tickMapOfPositions(positions: readonly SeedPosition[]): TickEntry[] {
  const net = new Map<number, bigint>();
  for (const p of positions) {
    net.set(p.tickLower, (net.get(p.tickLower) ?? 0n) + p.liquidity);
    net.set(p.tickUpper, (net.get(p.tickUpper) ?? 0n) - p.liquidity);
  }
  return [...net.entries()]
    .filter(([, liquidityNet]) => liquidityNet !== 0n)
    .sort(([a], [b]) => a - b)
    .map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
}
