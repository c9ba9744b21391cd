import { describe, expect, it } from 'vitest';
import { readSnapshotFile, type HexAddress, type Snapshot } from '../market/snapshot.ts';
import { sharedData } from '../../test/shared-data.ts';
import { AAVE_FEE_PIPS, type FlashSourceKind, type FlashSourceOptions } from './flash-source.ts';
import { routeGasUnits } from './gas-table.ts';
import { Scanner } from './scanner.ts';
import type { Opportunity } from './types.ts';

const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');
const base = sharedData('snapshots/base-uniswap-2024-11-01.json');

/**
 * Checks every cycle's candidate sources against ones re-derived from the snapshot alone: the
 * valid lenders no other one beats on both fee and gas, cheapest fee first, each carrying the
 * gas of the route through it. Returns how many cycles keep each kind first, and how many keep
 * more than one candidate.
 */
function checkSources(snapshot: Snapshot, options: FlashSourceOptions): Record<string, number> {
  const scanner = new Scanner(snapshot, { flash: options, maxHops: 3 });
  const byAddress = new Map(snapshot.pools.map((p) => [p.address, p]));
  const kinds: Record<string, number> = {};
  // Per-slot arrays are packed (sized `flash.slots`): every candidate of every cycle has a slot of its own inside them.
  const slotsTaken = new Set<number>();
  for (let c = 0; c < scanner.cycles.count; c++) {
    for (let i = 0; i < scanner.flash.count[c]!; i++) slotsTaken.add(scanner.flash.slot(c, i));
    const source = scanner.flash.of(c);
    kinds[source.kind] = (kinds[source.kind] ?? 0) + 1;
    const route: HexAddress[] = [];
    for (let h = 0; h < scanner.cycles.length[c]!; h++) route.push(scanner.pools.address[scanner.cycles.pools[c * scanner.cycles.stride + h]!]!);
    const shape = route.map((p) => (byAddress.get(p)!.protocol === 'uniswap-v2' ? 'v2' : 'v3'));
    const gasOf = (kind: FlashSourceKind) => routeGasUnits(shape, kind);
    const candidates = Array.from({ length: scanner.flash.count[c]! }, (_, i) => ({ ...scanner.flash.of(c, i), gas: scanner.flash.gasUnits[scanner.flash.slot(c, i)]! }));
    for (const candidate of candidates) expect(candidate.gas).toBe(gasOf(candidate.kind));
    if (candidates.length > 1) kinds['several'] = (kinds['several'] ?? 0) + 1;
    const start = scanner.tokens.tokens[scanner.cycles.base[c]!]!.address;
    if (shape[0] === 'v2') {
      expect(candidates).toEqual([{ kind: 'v2-flash-swap', pool: route[0], feePips: 0, gas: gasOf('v2-flash-swap') }]);
      continue;
    }
    // Off-route V3 pools holding the start token with liquidity in range, and the fixed lenders.
    const offers: { kind: FlashSourceKind; fee: number }[] = [];
    if (options.balancerFeePips !== null) offers.push({ kind: 'balancer', fee: options.balancerFeePips ?? 0 });
    if (options.aaveFeePips !== null) offers.push({ kind: 'aave', fee: options.aaveFeePips ?? AAVE_FEE_PIPS });
    const v3Fees: number[] = [];
    for (const p of options.v3Flash === false ? [] : snapshot.pools) {
      if (p.protocol !== 'uniswap-v3' || p.liquidity === 0n || route.includes(p.address)) continue;
      if (p.token0.address === start || p.token1.address === start) v3Fees.push(p.fee);
    }
    if (v3Fees.length > 0) offers.push({ kind: 'v3-flash', fee: Math.min(...v3Fees) });
    if (offers.length === 0) {
      expect(candidates).toEqual([{ kind: 'none', pool: null, feePips: 0, gas: gasOf('none') }]);
      continue;
    }
    // Kept: the offers no other offer matches or beats on both fee and gas (every kind has its own gas).
    const kept = offers.filter((o) => !offers.some((other) => other !== o && other.fee <= o.fee && gasOf(other.kind) <= gasOf(o.kind)));
    kept.sort((a, b) => a.fee - b.fee);
    expect(candidates.map((x) => [x.kind, x.feePips])).toEqual(kept.map((o) => [o.kind, o.fee]));
    expect(source.feePips).toBe(Math.min(...offers.map((o) => o.fee)));
    for (const candidate of candidates) {
      if (candidate.kind !== 'v3-flash') {
        expect(candidate.pool).toBeNull();
        continue;
      }
      const lender = byAddress.get(candidate.pool!)!;
      expect(route).not.toContain(candidate.pool);
      expect([lender.token0.address, lender.token1.address]).toContain(start);
      expect(lender.fee).toBe(candidate.feePips);
    }
  }
  expect(slotsTaken.size).toBe(scanner.flash.slots);
  expect(Math.min(...slotsTaken)).toBe(0);
  expect(Math.max(...slotsTaken)).toBe(scanner.flash.slots - 1);
  return kinds;
}

describe.skipIf(!arbitrum || !base)('flash source per opportunity', () => {
  it('takes a V2 first hop as a flash swap, else the lenders no other beats on both fee and gas, never a pool on the route', async () => {
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
      // Balancer at 2.5 bp: the 1 bp V3 pools charge less fee but cost more gas, so both stay.
      expect(checkSources(snapshot, { balancerFeePips: 250, aaveFeePips: null })['several']).toBeGreaterThan(0);
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

  it('charges every opportunity the gas of the source it borrows from, the cheapest in total of its candidates', async () => {
    let several = 0;
    for (const path of [arbitrum!, base!]) {
      const { snapshot } = await readSnapshotFile(path);
      // The few gaps in these snapshots are small: gas prices far below an L2's keep some of them
      // profitable, with gas still weighing against the fee.
      for (const [gasPrice, flash] of [0n, 1_000n, 30_000n].flatMap((g) => [[g, { balancerFeePips: 250, aaveFeePips: null }], [g, { balancerFeePips: null }]] as const)) {
        const scanner = new Scanner(snapshot, { flash, gasPrice });
        scanner.scanAll();
        // The same market with one of its lenders at a time (Balancer, V3 pools, Aave): the choice
        // must net at least as much as each. Where a lender is missing that scanner falls back
        // to own capital, which is no candidate beside a lender: left out.
        const alone = [{ ...flash, aaveFeePips: null, v3Flash: false }, { ...flash, balancerFeePips: null, aaveFeePips: null }, { ...flash, balancerFeePips: null, v3Flash: false }].map((only) => {
          const single = new Scanner(snapshot, { flash: only, gasPrice });
          single.scanAll();
          return new Map(single.top(1000).map((o) => [o.cycle, o]));
        });
        for (const opp of scanner.top(1000)) {
          const shape = opp.pools.map((p) => (snapshot.pools.find((q) => q.address === p)!.protocol === 'uniswap-v2' ? 'v2' : 'v3'));
          expect(opp.gasUnits).toBe(routeGasUnits(shape, opp.flashSource.kind));
          expect(opp.netProfit).toBe(opp.profit - opp.flashFee - opp.gasCost);
          if (scanner.flash.count[opp.cycle]! > 1) several++;
          const rivals = alone.map((m) => m.get(opp.cycle)).filter((o): o is Opportunity => o !== undefined && o.flashSource.kind !== 'none');
          for (const rival of rivals) expect(opp.netProfit >= rival.netProfit, `${opp.flashSource.kind} vs ${rival.flashSource.kind}`).toBe(true);
          expect(rivals.some((r) => r.flashSource.kind === opp.flashSource.kind && r.netProfit === opp.netProfit)).toBe(true);
        }
      }
    }
    expect(several).toBeGreaterThan(0);
  });
});
