import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readEventsDir } from '../src/replay/event-files.ts';
import { runReplay } from '../src/replay/replay.ts';

// `npm run bench -- replay [--events DIR] [--gas-price WEI] [--from B] [--to B]`: issue 13's
// replay over the recorded day (blocks 18,937,382–18,944,480 by default); prints one JSON line
// with blocks/s, opportunities, profit, lifetimes, and the load average the run shared the machine with.
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: new URL('../../shared/data/replay/ethereum-2024-01-05', import.meta.url).pathname },
    'gas-price': { type: 'string', default: '0' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const loadBefore = loadavg();
const events = await readEventsDir(values.events);
const report = runReplay(events, {
  gasPrice: BigInt(values['gas-price']),
  ...(values.from === undefined ? {} : { from: Number(values.from) }),
  ...(values.to === undefined ? {} : { to: Number(values.to) }),
});
const { lifetimes } = report;
const result = {
  bench: 'replay',
  from: report.from,
  to: report.to,
  blocks: report.blocks,
  gasPrice: report.gasPrice,
  seconds: report.elapsedSeconds,
  blocksPerSecond: report.blocks / report.elapsedSeconds,
  opportunities: report.opportunities.length,
  captured: report.opportunities.filter((o) => o.captured).length,
  grossProfit: report.grossProfit,
  netProfit: report.netProfit,
  lifetimes: { ...lifetimes, longest: lifetimes.longest.map((o) => ({ block: o.block, pools: o.pools, netProfit: o.netProfit, symbol: o.symbol, lifetime: o.lifetime, closedBy: o.closedBy })) },
  loadAverage1m: { before: loadBefore[0], after: loadavg()[0] },
};
process.stdout.write(`${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
