import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';

const BIN = fileURLToPath(new URL('../../bin/orion.js', import.meta.url));
const arbitrum = sharedData('snapshots/arbitrum-uniswap-2024-11-01.json');
const WETH = '0x82af49447d8a07e3bd95bd0d56f35241523fbab1';
const USDC = ['0xaf88d065e77c8cc2239327c5edb3a432268e5831', '0xff970a61a04b1ca14834a43f5de4533ebddb5cc8'];
const THIN_USDC_E_POOL = '0xe754841b77c874135caca3386676e886459c2d61';

interface Run {
  code: number;
  out: string;
  err: string;
}

/** `node bin/orion.js ...args` as a child process, as a user runs it. */
function orion(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, out, err) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err });
    });
  });
}

interface ScanJson {
  pools: number;
  cycles: number;
  opportunities: Record<string, unknown>[];
}

/** Stderr without the snapshot reader's warnings (skipped pools), which any scan may print. */
function errors(run: Run): string[] {
  return run.err.split('\n').filter((line) => line !== '' && !line.startsWith('warning: '));
}

describe.skipIf(!arbitrum)('orion scan and orion bench scanner (child processes)', () => {
  // Every opportunity of this snapshot passes through a USDC.e/WETH pool holding 0.43 WETH, below
  // the default liquidity floor: the tests of sizing, lenders and flags scan without a floor.
  const scan = (...args: string[]): Promise<Run> => orion('scan', '--snapshot', arbitrum!, '--min-liquidity', '0', ...args);
  const runs: Record<string, Run> = {};
  beforeAll(async () => {
    // Two at a time: the machine is shared, and each process loads the CLI (~1 s).
    const jobs: [string, () => Promise<Run>][] = [
      ['full', () => scan('--json')],
      ['limit', () => scan('--json', '--limit', '2')],
      ['hops', () => scan('--json', '--max-hops', '2')],
      ['gas', () => scan('--json', '--gas-price', '1000')],
      ['symbol', () => scan('--json', '--base', 'WETH')],
      ['address', () => scan('--json', '--base', WETH.toUpperCase().replace('0X', '0x'))],
      ['ambiguous', () => scan('--json', '--base', 'USDC')],
      ['badLimit', () => scan('--limit', '2x')],
      ['badHops', () => scan('--max-hops', '5')],
      ['badGas', () => scan('--gas-price', '-1')],
      ['badSize', () => scan('--max-size', 'WETH=0')],
      ['capped', () => scan('--json', '--base', 'WETH', '--max-size', `WETH=${10n ** 14n}`)],
      ['noLenders', () => scan('--json', '--no-balancer', '--no-aave')],
      ['ownCapital', () => scan('--json', '--no-balancer', '--no-aave', '--no-v3-flash')],
      ['balancerFee', () => scan('--json', '--balancer-fee', '100')],
      ['aaveOnly', () => scan('--json', '--no-balancer', '--no-v3-flash', '--aave-fee', '50')],
      ['badBalancerFee', () => scan('--balancer-fee', '1000000')],
      ['badAaveFee', () => scan('--aave-fee', '1.5')],
      ['balancerConflict', () => scan('--balancer-fee', '0', '--no-balancer')],
      ['aaveConflict', () => scan('--no-aave', '--aave-fee', '500')],
      ['floored', () => orion('scan', '--snapshot', arbitrum!, '--json')],
      ['flooredTable', () => orion('scan', '--snapshot', arbitrum!)],
      ['table', () => scan('--limit', '3')],
      ['tableGas', () => scan('--limit', '3', '--gas-price', '1000', '--wide')],
      ['badFloor', () => scan('--min-liquidity', 'lots')],
      ['bench', () => orion('bench', 'scanner', '--snapshot', arbitrum!, '--changed', '5', '--rounds', '30', '--json')],
    ];
    for (let i = 0; i < jobs.length; i += 2) {
      const pair = jobs.slice(i, i + 2);
      const results = await Promise.all(pair.map(([, job]) => job()));
      pair.forEach(([name], k) => (runs[name] = results[k]!));
    }
  }, 180_000);

  const json = (name: string): ScanJson => {
    const run = runs[name]!;
    expect(run.code, run.err).toBe(0);
    expect(errors(run)).toEqual([]);
    return JSON.parse(run.out) as ScanJson;
  };

  it('prints one JSON object in the shape of issue 6, plus the flash source', () => {
    const doc = json('full');
    expect(runs['full']!.out.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(doc)).toEqual(['pools', 'cycles', 'liquidityFloor', 'opportunities']);
    expect(doc.pools).toBe(34);
    expect(Number.isInteger(doc.cycles) && doc.cycles > 0).toBe(true);
    expect(doc.opportunities.length).toBeGreaterThan(2);
    expect(doc.opportunities.length).toBeLessThanOrEqual(20);
    for (const opp of doc.opportunities) {
      expect(Object.keys(opp)).toEqual(['pools', 'tokens', 'amountIn', 'amountOut', 'profit', 'netProfit', 'flashSource', 'gasUnits', 'gasCost', 'thinPool']);
      const pools = opp['pools'] as string[];
      const tokens = opp['tokens'] as string[];
      for (const a of [...pools, ...tokens]) expect(a).toMatch(/^0x[0-9a-f]{40}$/);
      expect(tokens).toHaveLength(pools.length + 1);
      expect(tokens[0]).toBe(tokens[tokens.length - 1]);
      for (const key of ['amountIn', 'amountOut', 'profit', 'netProfit']) expect(opp[key]).toMatch(/^-?[0-9]+$/);
      expect(BigInt(opp['profit'] as string)).toBe(BigInt(opp['amountOut'] as string) - BigInt(opp['amountIn'] as string));
      expect(BigInt(opp['netProfit'] as string) > 0n).toBe(true);
      const flash = opp['flashSource'] as Record<string, unknown>;
      expect(Object.keys(flash)).toEqual(['kind', 'pool', 'feePips', 'fee']);
      expect(['v2-flash-swap', 'balancer', 'aave', 'v3-flash', 'none']).toContain(flash['kind']);
    }
  });

  it('--limit keeps the best N, in the same order', () => {
    const all = json('full').opportunities;
    const two = json('limit').opportunities;
    expect(two).toEqual(all.slice(0, 2));
  });

  it('--max-hops 2 keeps exactly the 2-hop cycles of the 3-hop scan', () => {
    const full = json('full');
    const doc = json('hops');
    expect(doc.cycles).toBeLessThan(full.cycles);
    expect(full.opportunities.every((o) => (o['pools'] as string[]).length <= 3)).toBe(true);
    expect(full.opportunities.some((o) => (o['pools'] as string[]).length === 3)).toBe(true);
    expect(doc.opportunities).toEqual(full.opportunities.filter((o) => (o['pools'] as string[]).length === 2));
  });

  it('--gas-price is charged: net profit = profit − gas, same routes and sizes', () => {
    const free = json('full').opportunities;
    const paid = json('gas').opportunities;
    expect(paid.length).toBeGreaterThan(0);
    for (const opp of paid) {
      const twin = free.find((o) => JSON.stringify(o['pools']) === JSON.stringify(opp['pools']))!;
      expect(opp['amountIn']).toBe(twin['amountIn']);
      expect(BigInt(opp['netProfit'] as string) < BigInt(opp['profit'] as string)).toBe(true);
    }
  });

  it('--base by symbol and by address (any case) pick the same token', () => {
    const bySymbol = json('symbol');
    expect(bySymbol.opportunities.length).toBeGreaterThan(0);
    for (const opp of bySymbol.opportunities) expect((opp['tokens'] as string[])[0]).toBe(WETH);
    expect(json('address')).toEqual(bySymbol);
  });

  it('a symbol naming two tokens exits 2 with one line listing both addresses', () => {
    const run = runs['ambiguous']!;
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    const lines = errors(run);
    expect(lines).toHaveLength(1);
    for (const address of USDC) expect(lines[0]).toContain(address);
  });

  it('bad numbers exit 2 with one line naming the option', () => {
    const cases = [
      ['badLimit', '--limit'],
      ['badHops', '--max-hops'],
      ['badGas', '--gas-price'],
      ['badSize', '--max-size'],
      ['badFloor', '--min-liquidity'],
      ['badBalancerFee', '--balancer-fee'],
      ['badAaveFee', '--aave-fee'],
    ] as const;
    for (const [name, option] of cases) {
      const run = runs[name]!;
      expect(run.code, name).toBe(2);
      const lines = errors(run);
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toContain(option);
    }
  });

  it('a lender fee flag beside its --no- flag exits 2 with one line naming both', () => {
    for (const [name, lender] of [['balancerConflict', 'balancer'], ['aaveConflict', 'aave']] as const) {
      const run = runs[name]!;
      expect(run.code, name).toBe(2);
      expect(run.out, name).toBe('');
      const lines = errors(run);
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toContain(`--${lender}-fee`);
      expect(lines[0], name).toContain(`--no-${lender}`);
    }
  });

  describe('lender flags', () => {
    const flashOf = (opp: Record<string, unknown>): Record<string, unknown> => opp['flashSource'] as Record<string, unknown>;
    /** The opportunities of a run whose first hop is not V2: the ones a lender serves. */
    const lent = (name: string): Record<string, unknown>[] => json(name).opportunities.filter((o) => flashOf(o)['kind'] !== 'v2-flash-swap');
    /** The fee on amountIn at `feePips`, rounded up as the scanner charges it. */
    const feeOn = (opp: Record<string, unknown>, feePips: number): bigint => (BigInt(opp['amountIn'] as string) * BigInt(feePips) + 999_999n) / 1_000_000n;
    /** Net profit of the same route in the default scan (every route here is in it). */
    const defaultNetProfit = (opp: Record<string, unknown>): bigint => {
      const twin = json('full').opportunities.find((o) => JSON.stringify(o['pools']) === JSON.stringify(opp['pools']));
      expect(twin, JSON.stringify(opp['pools'])).toBeDefined();
      return BigInt(twin!['netProfit'] as string);
    };

    it('by default a V3-first route borrows from the Balancer vault at fee 0', () => {
      const routes = lent('full');
      expect(routes.length).toBeGreaterThan(0);
      for (const opp of routes) expect(flashOf(opp)).toEqual({ kind: 'balancer', pool: null, feePips: 0, fee: '0' });
    });

    it('--no-balancer --no-aave: no route borrows from either; V3-first routes borrow from a V3 pool off the route, and earn less', () => {
      const routes = lent('noLenders');
      expect(routes.length).toBeGreaterThan(0);
      for (const opp of routes) {
        const flash = flashOf(opp);
        expect(['v3-flash', 'none']).toContain(flash['kind']);
        if (flash['kind'] === 'v3-flash') expect(opp['pools'] as string[]).not.toContain(flash['pool']);
        expect(BigInt(flash['fee'] as string)).toBe(feeOn(opp, flash['feePips'] as number));
        expect(BigInt(opp['netProfit'] as string)).toBe(BigInt(opp['profit'] as string) - BigInt(flash['fee'] as string));
      }
      expect(routes.some((o) => flashOf(o)['kind'] === 'v3-flash' && (flashOf(o)['feePips'] as number) > 0)).toBe(true);
      const paying = routes.filter((o) => BigInt(flashOf(o)['fee'] as string) > 0n);
      for (const opp of paying) expect(BigInt(opp['netProfit'] as string) < defaultNetProfit(opp)).toBe(true);
    });

    it('--no-v3-flash as well: V3-first routes use the executor\'s own funds', () => {
      const routes = lent('ownCapital');
      expect(routes.length).toBeGreaterThan(0);
      for (const opp of routes) expect(flashOf(opp)).toEqual({ kind: 'none', pool: null, feePips: 0, fee: '0' });
    });

    it('--balancer-fee and --aave-fee set the fee the route pays', () => {
      for (const [name, kind, feePips] of [['balancerFee', 'balancer', 100], ['aaveOnly', 'aave', 50]] as const) {
        const routes = lent(name);
        expect(routes.length, name).toBeGreaterThan(0);
        for (const opp of routes) {
          const flash = flashOf(opp);
          expect([flash['kind'], flash['feePips']], name).toEqual([kind, feePips]);
          expect(BigInt(flash['fee'] as string), name).toBe(feeOn(opp, feePips));
          expect(BigInt(flash['fee'] as string) > 0n, name).toBe(true);
          expect(BigInt(opp['netProfit'] as string) < defaultNetProfit(opp), name).toBe(true);
        }
      }
    });
  });

  it('the default liquidity floor (1 WETH per side) leaves out the 3 thin pools, and with them every route through them', () => {
    const floored = json('floored') as ScanJson & { liquidityFloor: Record<string, unknown> };
    expect(floored.liquidityFloor).toEqual({ referenceToken: WETH, minDepth: String(10n ** 18n), excludedPools: 3 });
    expect(floored.pools).toBe(31);
    // Pools read from the file, independent of the floor's code: WETH/USDC.e at 0.43 WETH of WETH reserve.
    const all = json('full').opportunities;
    expect(all.every((opp) => (opp['pools'] as string[]).includes(THIN_USDC_E_POOL))).toBe(true);
    expect(floored.opportunities).toEqual([]);
    expect(runs['flooredTable']!.out).toMatch(/3 below the liquidity floor of 1 WETH per side, excluded/);
    expect(runs['flooredTable']!.out).toMatch(/no profitable cycle/);
  });

  it('the table: amounts with their token, gas and flash source, "gross" in the header without a gas price, full addresses with --wide', () => {
    const gross = runs['table']!.out.split('\n');
    expect(gross).toContainEqual(expect.stringMatching(/ranked by GROSS profit: gas not priced/));
    const header = gross.find((line) => line.startsWith('#'))!;
    for (const column of ['route', 'amount in', 'gross profit', 'flash source', 'gas units (unpriced)', 'gross of gas', 'pools']) expect(header).toContain(column);
    const rows = gross.filter((line) => /^[0-9]+ {2}/.test(line));
    expect(rows).toHaveLength(3);
    const top = json('full').opportunities[0]!;
    // The first row's amount in, in WETH units, from the JSON's base units (string arithmetic, not the formatter).
    const wei = (top['amountIn'] as string).padStart(19, '0');
    expect(rows[0]).toContain(`${wei.slice(0, -18).replace(/^0+(?=.)/, '')}.${wei.slice(-18, -12)}`);
    expect(rows[0]).toMatch(/WETH .*balancer|WETH .*v3 flash|WETH .*v2 flash swap/);
    expect(rows[0]).toMatch(/0x[0-9a-f]{4}…/);
    const net = runs['tableGas']!.out.split('\n');
    expect(net).toContainEqual(expect.stringMatching(/ranked by net profit: gas at 1000 wei per gas/));
    expect(net.find((line) => line.startsWith('#'))).toContain('net profit');
    expect(net.filter((line) => /^[0-9]+ {2}/.test(line)).every((row) => /0x[0-9a-f]{40}/.test(row) && !row.includes('…,'))).toBe(true);
  });

  it('--max-size caps the input of routes from that token', () => {
    const capped = json('capped').opportunities;
    const free = json('symbol').opportunities;
    expect(free.some((o) => BigInt(o['amountIn'] as string) > 10n ** 14n)).toBe(true);
    expect(capped.length).toBeGreaterThan(0);
    for (const opp of capped) expect(BigInt(opp['amountIn'] as string) <= 10n ** 14n).toBe(true);
  });

  it('orion bench scanner prints one JSON line with every figure numeric', () => {
    const run = runs['bench']!;
    expect(run.code, run.err).toBe(0);
    const lines = run.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const figures = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(figures).sort()).toEqual(['coldMs', 'coldTopMs', 'cpuCarriedBlocks', 'cpuP50Us', 'cpuP99Us', 'cycles', 'incrementalP50Us', 'incrementalP99Us', 'load1', 'pools', 'rssMb', 'startBlocks', 'startP50Us', 'startP99Us']);
    for (const value of Object.values(figures)) expect(typeof value === 'number' && Number.isFinite(value) && value >= 0).toBe(true);
    expect(figures['pools']).toBe(34);
    expect(figures['incrementalP99Us'] as number).toBeGreaterThanOrEqual(figures['incrementalP50Us'] as number);
    // The default warm-up (3,000 blocks) is long enough for the first 1,000 to be timed apart.
    expect(figures['startBlocks']).toBe(1000);
    expect(figures['startP99Us'] as number).toBeGreaterThanOrEqual(figures['startP50Us'] as number);
  });
});
