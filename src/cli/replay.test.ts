import { describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import { runCli } from '../../test/run-cli.ts';

const dir = sharedData('replay/ethereum-2024-01-05');

interface OpportunityJson { symbol: string; captured: boolean; profit: string; flashFee: string; gasCost: string; netProfit: string; route: string }

const replay = (...args: string[]): ReturnType<typeof runCli> => runCli(['replay', ...args]);

describe.skipIf(!dir)('orion replay', () => {
  it('--json: blocks, opportunities with route, amounts, profit, net profit and lifetime, totals and lifetimes', async () => {
    const { code, out, err } = await replay('--events', dir!, '--from', '18937910', '--to', '18937925', '--gas-price', '1000000000', '--json');
    expect(code).toBe(0);
    expect(err).toMatch(/replay blocks: 16 blocks, \d+ opportunities in/);
    const json = JSON.parse(out) as { model: string; opportunities: OpportunityJson[]; netProfit: Record<string, string>; lifetimes: Record<string, unknown> };
    expect(json).toMatchObject({ from: 18937910, to: 18937925, blocks: 16, gasPrice: '1000000000' });
    expect(json.model).toMatch(/within the tick-spacing range holding the current tick/);
    expect(json.opportunities.length).toBeGreaterThan(0);
    const first = json.opportunities[0]!;
    for (const key of ['block', 'route', 'pools', 'tokens', 'amounts', 'profit', 'netProfit', 'lifetime', 'closedBy']) expect(first).toHaveProperty(key);
    expect(first.route).toMatch(/^USDC →\[v[23] 0\.\d+% 0x[0-9a-f]{8}\]→ WETH →\[v[23] 0\.\d+% 0x[0-9a-f]{8}\]→ USDC$/);
    // Totals are the sums over the captured opportunities, in base units as decimal strings.
    const captured = json.opportunities.filter((o) => o.captured);
    expect(json.netProfit.USDC).toBe(String(captured.filter((o) => o.symbol === 'USDC').reduce((s, o) => s + BigInt(o.netProfit), 0n)));
    expect(BigInt(first.profit) - BigInt(first.flashFee) - BigInt(first.gasCost)).toBe(BigInt(first.netProfit));
    expect(Object.keys(json.lifetimes)).toEqual(['opportunities', 'closed', 'openAtEnd', 'within1', 'within2', 'within5', 'longest']);
  });

  it('bad input is one line and exit 2', async () => {
    const range = await replay('--events', dir!, '--from', '18937925', '--to', '18937910');
    expect(range).toMatchObject({ code: 2, out: '', err: 'orion: the block range 18937925–18937910 is empty\n' });
    expect((await replay('--events', dir!, '--gas-price', '-1')).err).toMatch(/--gas-price must be a non-negative integer/);
    expect((await replay('--events', `${dir}/missing`)).err).toMatch(/^orion: cannot read --events .*missing/);
  });
});
