import { describe, expect, it } from 'vitest';
import { getSqrtRatioAtTick } from '../amm/uniswap-v3/tick-math.ts';
import { parseSnapshot, readSnapshotFile, snapshotToJson, type PoolSnapshot, type Snapshot } from '../market/snapshot.ts';
import { enumerateCycles } from '../scanner/cycles.ts';
import { defaultBaseTokens } from '../scanner/base-tokens.ts';
import { buildPoolTable } from '../scanner/pool-table.ts';
import { buildTokenTable } from '../scanner/tokens.ts';
import { sharedData } from '../../test/shared-data.ts';
import { synthesize, type SynthOptions } from './synthesize.ts';

const ethereum = sharedData('snapshots/ethereum-uniswap-v2-2020-10-03.json');
const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');

const bytes = (source: Snapshot, options: SynthOptions): string => JSON.stringify(snapshotToJson(synthesize(source, options).snapshot));

function cycleCount(snapshot: Snapshot): number {
  const tokens = buildTokenTable(snapshot.pools);
  return enumerateCycles(buildPoolTable(snapshot.pools, tokens), tokens.tokens.length, defaultBaseTokens(tokens), 3).count;
}

/** Price of a pool as token1 per token0 (float), from its own fields. */
function price(pool: PoolSnapshot): number {
  return pool.protocol === 'uniswap-v2' ? Number(pool.reserve1) / Number(pool.reserve0) : (Number(pool.sqrtPriceX96) / 2 ** 96) ** 2;
}

describe.skipIf(!ethereum)('synthetic V2 universe from the 10,773 real pairs', () => {
  it('is the same bytes for the same seed, other bytes for another, and passes the snapshot validator', async () => {
    const { snapshot: source } = await readSnapshotFile(ethereum!);
    const options: SynthOptions = { kind: 'v2', pools: 16_000, seed: 5 };
    const first = bytes(source, options);
    expect(bytes(source, options)).toBe(first);
    expect(bytes(source, { ...options, seed: 6 })).not.toBe(first);
    const { snapshot, warnings } = parseSnapshot(JSON.parse(first), 'synthetic');
    expect(warnings).toEqual([]);
    expect(snapshot.pools).toHaveLength(16_000);
    expect(snapshot.note).toMatch(/^SYNTHETIC/);
  });

  it('keeps the real pairs, lists the top 500 on 2–6 more venues within ±1 %, and grows cycles in proportion with families', async () => {
    const { snapshot: source } = await readSnapshotFile(ethereum!);
    const real = new Map(source.pools.map((p) => [p.address, p]));
    const withVenues = synthesize(source, { kind: 'v2', pools: source.pools.length + 6 * 500, seed: 1 });
    const { stats } = withVenues;
    expect(stats.real).toBe(10_773);
    expect(stats.venues).toBeGreaterThanOrEqual(2 * 500);
    expect(stats.venues).toBeLessThanOrEqual(6 * 500);
    expect(stats.familyPools).toBe(withVenues.snapshot.pools.length - 10_773 - stats.venues);
    const venues = withVenues.snapshot.pools.slice(10_773, 10_773 + stats.venues);
    const pairs = new Map<string, number>();
    for (const pool of source.pools) pairs.set(`${pool.token0.address} ${pool.token1.address}`, price(pool));
    const listed = new Set<string>();
    for (const venue of venues) {
      expect(real.has(venue.address)).toBe(false);
      const key = `${venue.token0.address} ${venue.token1.address}`;
      listed.add(key);
      const ratio = price(venue) / pairs.get(key)!;
      expect(Math.abs(ratio - 1)).toBeLessThan(0.0101);
    }
    expect(listed.size).toBe(500);
    expect(withVenues.snapshot.pools.slice(0, 10_773)).toEqual(source.pools);

    // One whole family (with the venues it copies) roughly doubles the cycles: new tokens are as connected as real ones.
    const layer = synthesize(source, { kind: 'v2', pools: 10_773 + stats.venues, seed: 1 });
    const base = cycleCount(layer.snapshot);
    const bases = new Set(['WETH', 'USDT', 'DAI', 'USDC']);
    const familySize = layer.snapshot.pools.filter((p) => !bases.has(p.token0.symbol) || !bases.has(p.token1.symbol)).length;
    const one = cycleCount(synthesize(source, { kind: 'v2', pools: 10_773 + stats.venues + familySize, seed: 1 }).snapshot);
    expect(one / base).toBeGreaterThan(1.5);
    expect(one / base).toBeLessThan(2.5);
  });
});

describe.skipIf(!arbitrum)('synthetic V3-heavy universe from the Arbitrum snapshot', () => {
  it('copies every pool at the same fee tier, tick spacing and tick map, with a moved price and recomputed liquidity, and validates', async () => {
    const { snapshot: source } = await readSnapshotFile(arbitrum!);
    const options: SynthOptions = { kind: 'v3', pools: 2_000, seed: 3 };
    const text = bytes(source, options);
    expect(bytes(source, options)).toBe(text);
    const { snapshot } = parseSnapshot(JSON.parse(text), 'synthetic');
    expect(snapshot.pools).toHaveLength(2_000);
    expect(snapshot.pools.filter((p) => p.protocol === 'uniswap-v3').length).toBeGreaterThan(1_500);
    const { stats } = synthesize(source, options);
    const byPair = new Map<string, PoolSnapshot[]>();
    for (const pool of source.pools) {
      const key = `${pool.token0.address} ${pool.token1.address} ${pool.fee}`;
      byPair.set(key, [...(byPair.get(key) ?? []), pool]);
    }
    let moved = 0;
    for (const copy of snapshot.pools.slice(source.pools.length, source.pools.length + stats.venues)) {
      if (copy.protocol !== 'uniswap-v3') continue;
      const originals = byPair.get(`${copy.token0.address} ${copy.token1.address} ${copy.fee}`)!;
      const original = originals.find((o) => o.protocol === 'uniswap-v3' && JSON.stringify(o.ticks.map((t) => [t.tick, `${t.liquidityNet}`])) === JSON.stringify(copy.ticks.map((t) => [t.tick, `${t.liquidityNet}`])));
      expect(original, copy.address).toBeDefined();
      if (original?.protocol !== 'uniswap-v3') continue;
      expect(copy.tickSpacing).toBe(original.tickSpacing);
      // The price stays within the ±0.5 % band (a tick is 0.01 %) and sits inside its tick.
      expect(Math.abs(price(copy) / price(original) - 1)).toBeLessThan(0.0052);
      expect(copy.sqrtPriceX96 >= getSqrtRatioAtTick(copy.tick) && copy.sqrtPriceX96 < getSqrtRatioAtTick(copy.tick + 1)).toBe(true);
      if (copy.tick !== original.tick) moved++;
    }
    expect(moved).toBeGreaterThan(stats.venues / 2);
    expect(cycleCount(snapshot)).toBeGreaterThan(cycleCount(source) * 10);
  });

  it('refuses a bad pool count or seed', async () => {
    const { snapshot: source } = await readSnapshotFile(arbitrum!);
    expect(() => synthesize(source, { kind: 'v3', pools: 0, seed: 1 })).toThrow(/pools must be a positive integer/);
    expect(() => synthesize(source, { kind: 'v3', pools: 10, seed: -1 })).toThrow(/seed must be an integer/);
  });
});
