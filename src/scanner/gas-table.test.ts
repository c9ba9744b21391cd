import { describe, expect, it } from 'vitest';
import type { FlashSourceKind } from './flash-source.ts';
import { fallbackGasUnits, ROUTE_GAS, routeGasUnits, type HopKind } from './gas-table.ts';

// The table's own consistency; src/executor/flash-arb-executor.test.ts holds every entry
// against the gas measured on the real bytecode.

const LENDERS: FlashSourceKind[] = ['balancer', 'v3-flash', 'aave'];
const MEASURED = Object.entries(ROUTE_GAS).map(([shape, bySource]) => [shape.split(',') as HopKind[], bySource] as const);

/** Every shape of 2..4 hops. */
function allShapes(): HopKind[][] {
  let shapes: HopKind[][] = [[]];
  const out: HopKind[][] = [];
  for (let hops = 1; hops <= 4; hops++) {
    shapes = shapes.flatMap((s) => [[...s, 'v2'], [...s, 'v3']] as HopKind[][]);
    if (hops >= 2) out.push(...shapes);
  }
  return out;
}

describe('gas table', () => {
  it('carries every flash source a measured shape can use, and a V2 flash swap only after a V2 first hop', () => {
    for (const [hops, bySource] of MEASURED) {
      const kinds = Object.keys(bySource).sort();
      expect(kinds, hops.join(',')).toEqual((hops[0] === 'v2' ? ['none', 'v2-flash-swap', ...LENDERS] : ['none', ...LENDERS]).sort());
    }
    expect(() => routeGasUnits(['v3', 'v2'], 'v2-flash-swap')).toThrow(/V2 first hop.*v3,v2/);
    expect(() => fallbackGasUnits(['v3', 'v3', 'v2', 'v2'], 'v2-flash-swap')).toThrow(/V2 first hop/);
  });

  it('the per-hop fallback is never below a measured entry: an unmeasured shape is estimated on the dear side', () => {
    for (const [hops, bySource] of MEASURED) {
      for (const [kind, gas] of Object.entries(bySource) as [FlashSourceKind, bigint][]) {
        expect(fallbackGasUnits(hops, kind) >= gas, `${hops.join(',')} via ${kind}: fallback ${fallbackGasUnits(hops, kind)} < ${gas}`).toBe(true);
        expect(routeGasUnits(hops, kind)).toBe(gas);
      }
    }
    expect(routeGasUnits(['v3', 'v3', 'v2', 'v2'], 'aave')).toBe(fallbackGasUnits(['v3', 'v3', 'v2', 'v2'], 'aave'));
  });

  it('orders the sources by gas on every shape: own capital < V2 flash swap < Balancer < V3 flash < Aave', () => {
    // The flash source choice relies on it: a V2 flash swap (no fee beyond the swap's) costs less
    // gas than any lender, so a V2-first cycle never needs another candidate.
    for (const hops of allShapes()) {
      const order: FlashSourceKind[] = hops[0] === 'v2' ? ['none', 'v2-flash-swap', ...LENDERS] : ['none', ...LENDERS];
      const gas = order.map((kind) => routeGasUnits(hops, kind));
      for (let i = 1; i < gas.length; i++) expect(gas[i]! > gas[i - 1]!, `${hops.join(',')}: ${order[i]} ${gas[i]} vs ${order[i - 1]} ${gas[i - 1]}`).toBe(true);
    }
  });
});
