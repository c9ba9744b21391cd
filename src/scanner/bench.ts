import { getAmountOut } from '../amm/uniswap-v2.ts';
import { readSnapshotFile } from '../market/snapshot.ts';
import { AmmError } from '../amm/errors.ts';
import { swap } from '../amm/uniswap-v3/pool.ts';
import { KIND_V3 } from './pool-table.ts';
import { Scanner } from './scanner.ts';
import type { ScannerOptions } from './types.ts';
import type { V3State } from './v3-pools.ts';
import { createRng } from '../util/seeded-random.ts';

/** Figures of one scanner benchmark run (issue 6); times in ms / µs, memory in MiB. */
export interface ScannerBenchResult {
  pools: number;
  cycles: number;
  coldMs: number;
  incrementalP50Us: number;
  incrementalP99Us: number;
  rssMb: number;
}

/** Parameters of the benchmark. */
export interface ScannerBenchOptions {
  snapshot: string;
  /** Pools perturbed per simulated block (default 50). */
  changed?: number;
  /** Simulated blocks (default 1,000). */
  rounds?: number;
  /** RNG seed, so two runs perturb the same pools the same way (default 1). */
  seed?: number;
  /** Opportunities re-ranked and sized exactly per block (default 10, what the engine asks for). */
  top?: number;
  /** Blocks run before the timed ones, untimed (default 100): JIT tier-up, not the steady state. */
  warmup?: number;
  scanner?: ScannerOptions;
}

/** State of V3 pool `p` after a swap, or 'unchanged' when the pool refuses it (price at its limit). */
function v3Swap(scanner: Scanner, p: number, zeroForOne: boolean, amountIn: bigint): V3State | 'unchanged' {
  try {
    const moved = swap(scanner.v3State(p), zeroForOne, amountIn);
    return { sqrtPriceX96: moved.sqrtPriceX96, tick: moved.tick, liquidity: moved.liquidity };
  } catch (error) {
    if (error instanceof AmmError) return 'unchanged';
    throw error;
  }
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** The cold part in its own frame, so the parsed snapshot is garbage once the scanner is built. */
async function coldScan(path: string, options: ScannerOptions | undefined, top: number): Promise<Scanner> {
  const { snapshot } = await readSnapshotFile(path);
  const scanner = new Scanner(snapshot, options);
  scanner.scanAll();
  scanner.top(top);
  return scanner;
}

/**
 * Cold: read the snapshot, build the graph and the index, size every cycle. Then `rounds`
 * blocks: `changed` random live pools each take a swap (log-uniform between 1e-6 and 1 % of
 * the input reserve, or of a V3 pool's in-range virtual reserve, exact amounts through the AMM
 * math), and the timed part is what the engine does per block: hand the new reserves to the
 * scanner, refresh (re-evaluate and re-rank the cycles touched) and take the top `top`
 * opportunities (exact integer sizing of every cycle that could reach them, per-hop amounts).
 * `warmup` blocks of the same kind run first, untimed: the figure is the steady state of an
 * engine that has been following the chain, not V8 compiling the hot paths.
 */
export async function runScannerBench(options: ScannerBenchOptions): Promise<ScannerBenchResult> {
  const changed = options.changed ?? 50;
  const rounds = options.rounds ?? 1000;
  const top = options.top ?? 10;
  const warmup = options.warmup ?? 100;
  const random = createRng(options.seed ?? 1);
  const start = performance.now();
  const scanner = await coldScan(options.snapshot, options.scanner, top);
  const coldMs = performance.now() - start;

  const { pools } = scanner;
  const live: number[] = [];
  for (let p = 0; p < pools.size; p++) if (pools.reserve0[p]! > 0n && pools.reserve1[p]! > 0n) live.push(p);
  const picked = new Int32Array(changed);
  const next0: bigint[] = new Array<bigint>(changed).fill(0n);
  const next1: bigint[] = new Array<bigint>(changed).fill(0n);
  const nextV3: (V3State | 'unchanged' | undefined)[] = new Array<V3State | 'unchanged' | undefined>(changed).fill(undefined);
  const times = new Float64Array(rounds);
  let block = scanner.block ?? 0n;
  for (let round = -warmup; round < rounds; round++) {
    // The chain's side (not timed): which pools swapped and their reserves after the swap.
    for (let k = 0; k < changed; k++) {
      const p = live[Math.floor(random() * live.length)]!;
      picked[k] = p;
      const zeroForOne = random() < 0.5;
      const r0 = pools.reserve0[p]!;
      const r1 = pools.reserve1[p]!;
      const reserveIn = zeroForOne ? r0 : r1;
      const fraction = 10 ** (-6 + 4 * random());
      const amountIn = BigInt(Math.floor(Number(reserveIn) * fraction)) + 1n;
      if (pools.kind[p] === KIND_V3) {
        // A V3 pool's table reserves are the current range's virtual ones, far deeper than what
        // the range holds: a thousandth of the V2 fraction keeps the swap a realistic one.
        nextV3[k] = v3Swap(scanner, p, zeroForOne, amountIn / 1000n + 1n);
        continue;
      }
      nextV3[k] = undefined;
      const out = getAmountOut(amountIn, reserveIn, zeroForOne ? r1 : r0, pools.fee[p]!);
      next0[k] = zeroForOne ? r0 + amountIn : r0 - out;
      next1[k] = zeroForOne ? r1 - out : r1 + amountIn;
    }
    block++;
    const t0 = performance.now();
    for (let k = 0; k < changed; k++) {
      const v3 = nextV3[k];
      if (v3 === undefined) scanner.setReserves(picked[k]!, next0[k]!, next1[k]!);
      else if (v3 !== 'unchanged') scanner.setV3State(picked[k]!, v3);
    }
    scanner.refresh(block);
    scanner.top(top);
    if (round >= 0) times[round] = (performance.now() - t0) * 1000;
  }
  times.sort();
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    pools: pools.size,
    cycles: scanner.cycles.count,
    coldMs: round2(coldMs),
    incrementalP50Us: round2(percentile(times, 0.5)),
    incrementalP99Us: round2(percentile(times, 0.99)),
    // Peak resident set of the process (the JSON parse of the snapshot included), in MiB.
    rssMb: round2(process.resourceUsage().maxRSS / 1024),
  };
}
