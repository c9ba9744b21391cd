import { describe, expect, it } from 'vitest';
import { readSnapshotFile, type HexAddress, type Snapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { AAVE_FEE_PIPS, type FlashSourceOptions } from './flash-source.ts';
import { Scanner } from './scanner.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');
const base = sharedData('snapshots/base-uniswap-2024-11-01.json');

/** Checks every cycle's source against a choice re-derived from the snapshot alone. */
function checkSources(snapshot: Snapshot, options: FlashSourceOptions): Record<string, number> {
  const scanner = new Scanner(snapshot, { flash: options, maxHops: 3 });
  const byAddress = new Map(snapshot.pools.map((p) => [p.address, p]));
  const kinds: Record<string, number> = {};
  for (let c = 0; c < scanner.cycles.count; c++) {
    const source = scanner.flash.of(c);
    kinds[source.kind] = (kinds[source.kind] ?? 0) + 1;
    const route: HexAddress[] = [];
    for (let h = 0; h < scanner.cycles.length[c]!; h++) route.push(scanner.pools.address[scanner.cycles.pools[c * scanner.cycles.stride + h]!]!);
    const start = scanner.tokens.tokens[scanner.cycles.base[c]!]!.address;
    if (byAddress.get(route[0]!)!.protocol === 'uniswap-v2') {
      expect(source).toEqual({ kind: 'v2-flash-swap', pool: route[0], feePips: 0 });
      continue;
    }
    // Off-route V3 pools holding the start token with liquidity in range, and the fixed lenders.
    const fees: number[] = [];
    if (options.balancerFeePips !== null) fees.push(options.balancerFeePips ?? 0);
    if (options.aaveFeePips !== null) fees.push(options.aaveFeePips ?? AAVE_FEE_PIPS);
    for (const p of options.v3Flash === false ? [] : snapshot.pools) {
      if (p.protocol !== 'uniswap-v3' || p.liquidity === 0n || route.includes(p.address)) continue;
      if (p.token0.address === start || p.token1.address === start) fees.push(p.fee);
    }
    if (fees.length === 0) {
      expect(source.kind).toBe('none');
      continue;
    }
    expect(source.feePips).toBe(Math.min(...fees));
    if (source.kind === 'v3-flash') {
      const lender = byAddress.get(source.pool!)!;
      expect(route).not.toContain(source.pool);
      expect([lender.token0.address, lender.token1.address]).toContain(start);
      expect(lender.fee).toBe(source.feePips);
    } else {
      expect(source.pool).toBeNull();
    }
  }
  return kinds;
}

describe.skipIf(!arbitrum || !base)('flash source per opportunity', () => {
  it('takes a V2 first hop as a flash swap, else the cheapest lender, never a pool on the route', async () => {
    let flashSwaps = 0;
    for (const path of [arbitrum!, base!]) {
      const { snapshot } = await readSnapshotFile(path);
      // Balancer free (its default): every route not opened by a V2 hop borrows there.
      const free = checkSources(snapshot, {});
      expect(free['balancer']).toBeGreaterThan(0);
      expect(Object.keys(free).every((k) => k === 'balancer' || k === 'v2-flash-swap')).toBe(true);
      flashSwaps += free['v2-flash-swap'] ?? 0;
      // No Balancer: Aave at 5 bp competes with the 0.01 % and 0.05 % V3 pools off the route.
      const noBalancer = checkSources(snapshot, { balancerFeePips: null });
      expect(noBalancer['v3-flash']).toBeGreaterThan(0);
      checkSources(snapshot, { balancerFeePips: 250, aaveFeePips: null });
      expect(checkSources(snapshot, { balancerFeePips: null, aaveFeePips: null, v3Flash: false })['none']).toBeGreaterThan(0);
    }
    expect(flashSwaps).toBeGreaterThan(0);
  });

  it('charges the chosen fee, rounded up, and sizes net of it', async () => {
    const { snapshot } = await readSnapshotFile(arbitrum!);
    const free = new Scanner(snapshot, {});
    const paid = new Scanner(snapshot, { flash: { balancerFeePips: null } });
    free.scanAll(false);
    paid.scanAll(false);
    const freeTop = new Map(free.top(50).map((o) => [o.cycle, o]));
    let compared = 0;
    for (const opp of paid.top(50)) {
      const fee = BigInt(opp.flashSource.feePips);
      expect(opp.flashFee).toBe((opp.amountIn * fee + 999_999n) / 1_000_000n);
      expect(opp.netProfit).toBe(opp.profit - opp.flashFee - opp.gasCost);
      const unpaid = freeTop.get(opp.cycle);
      if (unpaid === undefined || fee === 0n) continue;
      // A fee on the input moves the optimum down (or leaves it), never up.
      expect(opp.amountIn <= unpaid.amountIn).toBe(true);
      expect(opp.profit - opp.flashFee <= unpaid.profit).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});
