import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedData } from '../../test/shared-data.ts';
import type { PoolSnapshot, Snapshot, TickEntry, V3PoolSnapshot } from '../market/snapshot.ts';
import { Scanner } from '../scanner/scanner.ts';
import type { Opportunity } from '../scanner/types.ts';
import { readEventsDir, type RecordedEvents } from './event-files.ts';
import { replayScannerOptions, runReplay } from './replay.ts';

const DATA = 'replay/ethereum-2024-01-05';
const V2_FILE = 'uniswap-v2-usdc-weth-0xb4e16d01-reserves-per-block.csv';
const V3_500 = 'uniswap-v3-usdc-weth-500-0x88e6a0c2';
const V3_3000 = 'uniswap-v3-usdc-weth-3000-0x8ad599c3';
const dir = sharedData(DATA);
const USDC = { address: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', symbol: 'USDC', decimals: 6 } as const;
const WETH = { address: '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2', symbol: 'WETH', decimals: 18 } as const;
const POOL = { v2: '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc', v3_500: '0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640', v3_3000: '0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8' } as const;

interface DecodedRow { block: number; type: string; tx: string; logIndex: number; liquidity: bigint; sqrtPriceX96: bigint; tick: number; lower: number; upper: number; amount: bigint }

// The test's own reading of the recorded data: the *decoded* CSVs (not the raw logs the replay
// decodes) and the reserves file, split by hand.
function decoded(name: string): DecodedRow[] {
  return readFileSync(join(dir!, `${name}-decoded.csv`), 'utf8').trim().split('\n').slice(1).map((line) => {
    const c = line.split(',');
    return {
      block: Number(c[0]), type: c[2]!, tx: c[3]!, logIndex: Number(c[5]), liquidity: BigInt(c[10]!), sqrtPriceX96: BigInt(c[12]!),
      tick: Number(c[13]), lower: Number(c[14] || 0), upper: Number(c[15] || 0), amount: c[16] ? BigInt(c[16]) : 0n,
    };
  });
}

function reserveRows(): { block: number; reserve0: bigint; reserve1: bigint }[] {
  return readFileSync(join(dir!, V2_FILE), 'utf8').trim().split('\n').slice(1).map((line) => {
    const [b, r0, r1] = line.replaceAll('"', '').split(',');
    return { block: Number(b), reserve0: BigInt(r0!), reserve1: BigInt(r1!) };
  });
}

/** A V3 pool's state after every row up to `block`: price, tick and liquidity from its last Swap, Mint/Burn in range applied after it. */
function v3At(rows: readonly DecodedRow[], block: number, spacing: number, fee: number, address: string): PoolSnapshot | undefined {
  let state: { sqrtPriceX96: bigint; tick: number; liquidity: bigint } | undefined;
  for (const r of rows) {
    if (r.block > block) break;
    if (r.type === 'SWAP') state = { sqrtPriceX96: r.sqrtPriceX96, tick: r.tick, liquidity: r.liquidity };
    else if (state !== undefined && (r.type === 'MINT' || r.type === 'BURN') && r.lower <= state.tick && state.tick < r.upper) {
      state.liquidity += r.type === 'MINT' ? r.amount : -r.amount;
    }
  }
  if (state === undefined) return undefined;
  const lower = Math.floor(state.tick / spacing) * spacing;
  const ticks = state.liquidity === 0n ? [] : [{ tick: lower, liquidityNet: state.liquidity }, { tick: lower + spacing, liquidityNet: -state.liquidity }];
  return { protocol: 'uniswap-v3', address: address as `0x${string}`, fee, tickSpacing: spacing, token0: USDC, token1: WETH, ...state, ticks };
}

/**
 * An opportunity without its scanner-internal fields: `cycle` (a number within one scanner) and
 * `block`, the block its cycle was last evaluated at, which an incremental scanner leaves at the
 * block its pools last changed (the state, hence every amount, is the same).
 */
type Comparable = Omit<Opportunity, 'cycle' | 'block'>;
const comparable = ({ cycle: _cycle, block: _block, ...rest }: Opportunity): Comparable => rest;

/** Every opportunity of a fresh scanner on the state of `block`, built from the test's own reading. */
function scanDirectly(block: number, reserves: ReturnType<typeof reserveRows>, rows500: DecodedRow[], rows3000: DecodedRow[], gasPrice: bigint, ticks500?: TickEntry[]): Comparable[] {
  const v2 = reserves.findLast((r) => r.block <= block)!;
  const pools: PoolSnapshot[] = [{ protocol: 'uniswap-v2', address: POOL.v2, fee: 3000, token0: USDC, token1: WETH, reserve0: v2.reserve0, reserve1: v2.reserve1 }];
  // Pools in the order the replay lists them (file names sorted): V2, the 0.30 %, the 0.05 %.
  const v500 = v3At(rows500, block, 10, 500, POOL.v3_500);
  for (const pool of [v3At(rows3000, block, 60, 3000, POOL.v3_3000), v500 && ticks500 ? { ...v500, ticks: ticks500 } : v500]) if (pool !== undefined) pools.push(pool);
  const snapshot: Snapshot = { format: 'orion.pools/v1', chainId: 1, block: BigInt(block), pools };
  const scanner = new Scanner(snapshot, replayScannerOptions(gasPrice));
  scanner.scanAll(false);
  return scanner.top(Number.MAX_SAFE_INTEGER).map(comparable);
}

const tmp = mkdtempSync(join(tmpdir(), 'orion-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!dir)('replay on recorded Ethereum blocks of 2024-01-05', () => {
  let events: RecordedEvents;
  const load = async (): Promise<RecordedEvents> => (events ??= await readEventsDir(dir!));

  it('names the three pools from the file names, at their CREATE2 addresses', async () => {
    const { pools, skipped } = await load();
    expect(pools.map((p) => [p.address, p.protocol, p.fee, p.tickSpacing])).toEqual([
      [POOL.v2, 'uniswap-v2', 3000, 0], [POOL.v3_3000, 'uniswap-v3', 3000, 60], [POOL.v3_500, 'uniswap-v3', 500, 10],
    ]);
    expect(skipped).toEqual([`${V3_3000}-decoded.csv`, `${V3_500}-decoded.csv`]);
  });

  // Two ranges: one where the 0.30 % pool joins (its first event is at 18,937,547), one with opportunities.
  for (const [from, to, gasPrice] of [[18_937_540, 18_937_560, 0n], [18_937_810, 18_937_925, 0n], [18_937_900, 18_937_925, 2_000_000_000n]] as const) {
    it(`equals scanning each block's state directly, blocks ${from}–${to} at gas price ${gasPrice}`, async () => {
      const reserves = reserveRows();
      const rows500 = decoded(V3_500);
      const rows3000 = decoded(V3_3000);
      const seen: [number, Comparable[]][] = [];
      const report = runReplay(await load(), { from, to, gasPrice, onBlock: (block, found) => seen.push([block, found.map(comparable)]) });
      expect(seen.map(([b]) => b)).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
      for (const [block, found] of seen) expect(found, `block ${block}`).toEqual(scanDirectly(block, reserves, rows500, rows3000, gasPrice));
      if (from === 18_937_540) expect(report.pools.find((p) => p.address === POOL.v3_3000)!.joinedAt).toBe(18_937_547);
      if (from === 18_937_810) expect(seen.some(([, found]) => found.length > 0)).toBe(true);
    });
  }

  it('--snapshot: a V3 pool starts from its tick map, which Mint and Burn then keep current', async () => {
    const reserves = reserveRows();
    const rows500 = decoded(V3_500);
    const rows3000 = decoded(V3_3000);
    // The state after block S, the 0.05 % pool given liquidity over the full tick range.
    const S = 18_937_790;
    const v2 = reserves.find((r) => r.block === S)!;
    const start = v3At(rows500, S, 10, 500, POOL.v3_500) as V3PoolSnapshot;
    const wide = new Map([[-887_270, start.liquidity], [887_270, -start.liquidity]]);
    const snapshot: Snapshot = {
      format: 'orion.pools/v1', chainId: 1, block: BigInt(S),
      pools: [{ protocol: 'uniswap-v2', address: POOL.v2, fee: 3000, token0: USDC, token1: WETH, reserve0: v2.reserve0, reserve1: v2.reserve1 }, { ...start, ticks: [...wide].map(([tick, liquidityNet]) => ({ tick, liquidityNet })) }],
    };
    const seen: [number, Comparable[]][] = [];
    const report = runReplay(await load(), { snapshot, to: S + 140, onBlock: (block, found) => seen.push([block, found.map(comparable)]) });
    expect(report.from).toBe(S + 1);
    expect(report.pools.find((p) => p.address === POOL.v3_500)!.liquidity).toBe('tick map');
    // The test's own tick map at each block: the snapshot's, plus every Mint/Burn after S.
    const mapAt = (block: number): TickEntry[] => {
      const ticks = new Map(wide);
      for (const r of rows500) {
        if (r.block <= S || r.block > block || (r.type !== 'MINT' && r.type !== 'BURN')) continue;
        const delta = r.type === 'MINT' ? r.amount : -r.amount;
        ticks.set(r.lower, (ticks.get(r.lower) ?? 0n) + delta);
        ticks.set(r.upper, (ticks.get(r.upper) ?? 0n) - delta);
      }
      return [...ticks].filter(([, net]) => net !== 0n).sort((a, b) => a[0] - b[0]).map(([tick, liquidityNet]) => ({ tick, liquidityNet }));
    };
    expect(mapAt(S + 140).length).toBeGreaterThan(2); // positions were minted in the range
    expect(seen.some(([, found]) => found.length > 0)).toBe(true);
    for (const [block, found] of seen) expect(found, `block ${block}`).toEqual(scanDirectly(block, reserves, rows500, rows3000, 0n, mapAt(block)));
    expect(() => runReplay(events, { snapshot, from: S })).toThrow(`--from ${S} must be after the snapshot's block ${S}`);
  });

  it('an opportunity opened on purpose is closed by the recorded transaction that moves the price across it', async () => {
    const rows500 = decoded(V3_500);
    const rows3000 = decoded(V3_3000);
    // A block whose only 0.05 % pool event is one Swap moving the price ≥ 0.01 %, with neither
    // pool moving in the 3 blocks before it: the quiet blocks where our gap stays open.
    const quiet = (rows: DecodedRow[], lo: number, hi: number): boolean => !rows.some((r) => r.block >= lo && r.block <= hi);
    const index = rows500.findIndex((r, i) =>
      r.block > 18_938_000 && r.type === 'SWAP' && rows500[i + 1]?.block !== r.block && rows500[i - 1]!.block < r.block - 3 &&
      quiet(rows3000, r.block - 3, r.block) && Math.abs(Number(r.sqrtPriceX96 - rows500.findLast((p, j) => j < i && p.type === 'SWAP')!.sqrtPriceX96)) / Number(r.sqrtPriceX96) > 5e-5);
    expect(index).toBeGreaterThan(0);
    const closer = rows500[index]!;
    const before = rows500.findLast((p, j) => j < index && p.type === 'SWAP')!;
    const opensAt = closer.block - 3;
    // USDC base units per WETH base unit, from √P (WETH per USDC) × 2^96.
    const price = (sqrtPriceX96: bigint): number => 2 ** 192 / Number(sqrtPriceX96) ** 2;
    const [pb, pa] = [price(before.sqrtPriceX96), price(closer.sqrtPriceX96)];
    const k = 0.997 * 0.9995; // both hops' fees
    // The V2 price between the two V3 prices net of fees: a gap before the swap, none after it.
    const target = pa > pb ? Math.sqrt(pb * pa) / k : Math.sqrt(pb * pa) * k;
    const recorded = reserveRows();
    const reserve1 = recorded.find((r) => r.block === opensAt)!.reserve1;
    const reserve0 = BigInt(Math.round(Number(reserve1) * target));
    const lines = ['blockNumber,reserve0,reserve1', ...recorded.filter((r) => r.block <= closer.block).map((r) => (r.block < opensAt ? `${r.block},"${r.reserve0}","${r.reserve1}"` : `${r.block},"${reserve0}","${reserve1}"`))];
    const folder = mkdtempSync(join(tmp, 'gap-'));
    writeFileSync(join(folder, V2_FILE), `${lines.join('\n')}\n`);
    for (const name of [V3_500, V3_3000]) copyFileSync(join(dir!, `${name}-logs.csv`), join(folder, `${name}-logs.csv`));

    const report = runReplay(await readEventsDir(folder), { from: opensAt - 2, to: closer.block });
    const ours = report.opportunities.filter((o) => o.pools.includes(POOL.v2) && o.pools.includes(POOL.v3_500));
    expect(ours.length).toBeGreaterThan(0);
    for (const o of ours) {
      expect(o.block).toBe(opensAt);
      expect(o.closedAt).toBe(closer.block);
      expect(o.lifetime).toBe(3);
      expect(o.closedBy).toEqual({ by: 'transaction', tx: closer.tx, pool: POOL.v3_500 });
    }
    expect(report.lifetimes.within5).toBe(1);
  });
});

describe('recorded files', () => {
  it('a malformed row is an error naming the file and line', async () => {
    const folder = mkdtempSync(join(tmp, 'bad-'));
    writeFileSync(join(folder, V2_FILE), 'blockNumber,reserve0,reserve1\n1,"2","3"\n2,"x","3"\n');
    await expect(readEventsDir(folder)).rejects.toThrow(`${join(folder, V2_FILE)} line 3: expected blockNumber,reserve0,reserve1`);
    writeFileSync(join(folder, V2_FILE), 'blockNumber,reserve0,reserve1\n5,"2","3"\n4,"2","3"\n');
    await expect(readEventsDir(folder)).rejects.toThrow(/line 3: block 4 is not after 5/);
  });

  it('a file naming a pool whose address does not match its prefix is refused', async () => {
    const folder = mkdtempSync(join(tmp, 'prefix-'));
    writeFileSync(join(folder, 'uniswap-v3-usdc-weth-500-0x8ad599c3-logs.csv'), 'header\n');
    await expect(readEventsDir(folder)).rejects.toThrow(/is 0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640, not 0x8ad599c3…/);
  });

  it('a folder without recorded pools is refused', async () => {
    await expect(readEventsDir(mkdtempSync(join(tmp, 'empty-')))).rejects.toThrow(/holds no recorded pool file/);
  });
});
