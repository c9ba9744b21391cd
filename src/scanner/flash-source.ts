import { InputError } from '../errors.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { CycleSet } from './cycles.ts';
import { routeGasUnits, type HopKind } from './gas-table.ts';
import { KIND_V2, KIND_V3, type PoolTable } from './pool-table.ts';

/** Flash source kinds, named as the executor's route codec names them (src/executor/route-codec.ts). */
export type FlashSourceKind = 'v2-flash-swap' | 'balancer' | 'aave' | 'v3-flash' | 'none';

/** The flash source an opportunity borrows its input from, and its fee rate. */
export interface FlashSource {
  kind: FlashSourceKind;
  /** The lending pool for 'v2-flash-swap' (the first hop) and 'v3-flash' (a pool off the route); null otherwise. */
  pool: HexAddress | null;
  /** Fee on the borrowed amount in pips (1e-6), charged rounded up; 0 for a V2 flash swap. */
  feePips: number;
}

/** Which lenders exist and what they charge; every field has a default. */
export interface FlashSourceOptions {
  /** Balancer V2 vault fee in pips (default 0, its fee on mainnet); null: no Balancer vault. */
  balancerFeePips?: number | null;
  /** Aave V3 `flashLoanSimple` premium in pips (default 500 = 5 bp); null: no Aave pool. */
  aaveFeePips?: number | null;
  /** Whether a V3 pool holding the start token may lend it through `flash` (default true). */
  v3Flash?: boolean;
}

/** Aave V3's default flash-loan premium: 5 bp. */
export const AAVE_FEE_PIPS = 500;

const KINDS: readonly FlashSourceKind[] = ['none', 'v2-flash-swap', 'balancer', 'aave', 'v3-flash'];

function checkFee(name: string, fee: number | null | undefined): void {
  if (fee === null || fee === undefined) return;
  if (!Number.isInteger(fee) || fee < 0 || fee >= 1_000_000) throw new InputError(`${name} must be an integer number of pips in [0, 999999], got ${fee}`);
}

/** Most candidates a cycle keeps: Balancer, its cheapest off-route V3 pool and Aave. */
export const MAX_CANDIDATES = 3;

/** A lender that could serve a cycle, before the dominated ones are dropped. */
interface Offer {
  kind: FlashSourceKind;
  lender: number;
  fee: number;
  gas: bigint;
}

/**
 * The flash sources that could serve each cycle, chosen once (they depend on the route and the
 * pools present, not on their state), each with its fee and the gas of the route through it
 * (gas-table.ts). Which one a cycle borrows from is decided by the scanner, by total cost, once
 * the cycle is sized (the fee depends on the amount, the gas cost on the gas price); here only
 * the sources that could win are kept: a source is dropped when another charges no more fee
 * and costs no more gas (it can never be cheaper in total). What is left, cheapest fee first,
 * is at most Balancer, one V3 pool and Aave.
 *
 * - A V2 first hop lends its own input as a flash swap, whose fee is the hop's swap fee,
 *   already in the amounts; it costs less gas than any lender on every shape (gas-table.ts,
 *   held by a test), so it is the only candidate.
 * - Otherwise: Balancer, Aave, and the V3 pool holding the start token with the lowest fee tier
 *   (then the lowest address; every V3 pool costs the same gas). A pool the route swaps
 *   through is never the lender: the pool is locked during its flash callback, so the swap
 *   would revert.
 * - With no lender at all the kind is 'none' (the executor's own funds). Own capital is never
 *   a candidate beside a lender, though it costs the least gas: the executor's balance is not
 *   modelled, so it could not be relied on for the amount.
 * - Lender capacity: a V3 lender's is modelled by the scanner from the pool's state (a lower
 *   bound of its balance, v3-lender-capacity.ts), which caps the amount sized against it.
 *   Balancer's and Aave's are not: their balances are not in the snapshot, and they are assumed
 *   to hold what a cycle borrows.
 */
export class FlashSources {
  /** Per cycle: how many candidates it keeps (1..MAX_CANDIDATES), at `slot(c, 0 .. count - 1)`. */
  readonly count: Uint8Array;
  /**
   * Per cycle: its first slot. Slots are packed, each cycle taking only as many as it keeps: an
   * all-V2 cycle keeps one, so per-slot arrays of bigints (the scanner's sizes and profits) hold
   * one entry per cycle instead of MAX_CANDIDATES (at 100k V2 pools ~490k entries each instead of
   * ~1.46M, filled at start-up).
   */
  private readonly slotStart: Int32Array;
  /** Slots in use: the length per-slot arrays need. */
  readonly slots: number;
  /** Per slot: index into KINDS. */
  private readonly kind: Uint8Array;
  /** Per slot: lending pool number, or -1. */
  private readonly lender: Int32Array;
  /** Per slot: fee in pips (ascending within a cycle). */
  readonly feePips: Int32Array;
  /** Per slot: gas units of the cycle's route through that source (descending within a cycle). */
  readonly gasUnits: BigInt64Array;

  constructor(private readonly pools: PoolTable, private readonly cycles: CycleSet, options: FlashSourceOptions = {}) {
    const balancer = options.balancerFeePips === undefined ? 0 : options.balancerFeePips;
    const aave = options.aaveFeePips === undefined ? AAVE_FEE_PIPS : options.aaveFeePips;
    checkFee('Balancer flash fee', balancer);
    checkFee('Aave flash fee', aave);
    const v3Lenders = options.v3Flash === false ? new Map<number, number[]>() : this.v3LendersByToken();
    this.count = new Uint8Array(cycles.count);
    this.slotStart = new Int32Array(cycles.count);
    this.kind = new Uint8Array(cycles.count * MAX_CANDIDATES);
    this.lender = new Int32Array(cycles.count * MAX_CANDIDATES).fill(-1);
    this.feePips = new Int32Array(cycles.count * MAX_CANDIDATES);
    this.gasUnits = new BigInt64Array(cycles.count * MAX_CANDIDATES);
    // Gas by route shape and source: a few distinct shapes serve every cycle (488k of them at
    // 100k pools), so the memo is keyed by a number (a string key built per cycle cost ~0.3 s there).
    const gasMemo = new Map<number, bigint>();
    const gasOf = (c: number, shape: number, kind: FlashSourceKind): bigint => {
      const key = shape * KINDS.length + KINDS.indexOf(kind);
      let gas = gasMemo.get(key);
      if (gas === undefined) gasMemo.set(key, (gas = routeGasUnits(this.shape(c), kind)));
      return gas;
    };
    const v2FlashSwap = KINDS.indexOf('v2-flash-swap');
    // Cycle c's slots follow the previous cycle's (its count is set by the end of its pass).
    let slots = 0;
    for (let c = 0; c < cycles.count; slots += this.count[c]!, c++) {
      this.slotStart[c] = slots;
      const shape = this.shapeCode(c);
      const first = cycles.pools[c * cycles.stride]!;
      if (pools.kind[first] === KIND_V2) {
        // The flash swap alone (what keep() stores for one offer), without the sort.
        const s = this.slot(c, 0);
        this.kind[s] = v2FlashSwap;
        this.lender[s] = first;
        this.gasUnits[s] = gasOf(c, shape, 'v2-flash-swap');
        this.count[c] = 1;
        continue;
      }
      const offer = (kind: FlashSourceKind, lender: number, fee: number): Offer => ({ kind, lender, fee, gas: gasOf(c, shape, kind) });
      const offers: Offer[] = [];
      if (balancer !== null) offers.push(offer('balancer', -1, balancer));
      if (aave !== null) offers.push(offer('aave', -1, aave));
      const onRoute = new Set<number>();
      for (let h = 0; h < cycles.length[c]!; h++) onRoute.add(cycles.pools[c * cycles.stride + h]!);
      // Fixed for the scanner's life while what the pool holds moves with its state: the scanner
      // caps the size borrowed from it at its capacity (v3-lender-capacity.ts) rather than
      // switching pools (another pool's fee tier would need its own sizing).
      const v3 = (v3Lenders.get(cycles.base[c]!) ?? []).find((p) => !onRoute.has(p));
      if (v3 !== undefined) offers.push(offer('v3-flash', v3, pools.fee[v3]!));
      this.keep(c, offers.length === 0 ? [offer('none', -1, 0)] : offers);
    }
    this.slots = slots;
  }

  /** Slot of candidate `i` of cycle `c` in the per-slot arrays. */
  slot(c: number, i: number): number {
    return this.slotStart[c]! + i;
  }

  /** Candidate `i` (default 0: the cheapest fee) of cycle `c`. */
  of(c: number, i = 0): FlashSource {
    if (!(i >= 0 && i < this.count[c]!)) throw new RangeError(`cycle ${c} has ${this.count[c]} flash source candidates, asked for #${i}`);
    const s = this.slot(c, i);
    const lender = this.lender[s]!;
    return { kind: KINDS[this.kind[s]!]!, pool: lender < 0 ? null : this.pools.address[lender]!, feePips: this.feePips[s]! };
  }

  /** Kind of the source at `slot`. */
  kindAt(slot: number): FlashSourceKind {
    return KINDS[this.kind[slot]!]!;
  }

  /** Lending pool number of the source at `slot` (the V2 first hop or the V3 lender), or -1. */
  lenderAt(slot: number): number {
    return this.lender[slot]!;
  }

  /**
   * Stores the offers no other offer dominates, cheapest fee first: on equal fees the one with
   * less gas (then the earlier offer), and after it only offers that save gas for their fee.
   */
  private keep(c: number, offers: Offer[]): void {
    const sorted = offers.map((o, order) => ({ ...o, order })).sort((a, b) => a.fee - b.fee || (a.gas < b.gas ? -1 : a.gas > b.gas ? 1 : 0) || a.order - b.order);
    let n = 0;
    for (const o of sorted) {
      if (n > 0 && o.gas >= this.gasUnits[this.slot(c, n - 1)]!) continue;
      const s = this.slot(c, n++);
      this.kind[s] = KINDS.indexOf(o.kind);
      this.lender[s] = o.lender;
      this.feePips[s] = o.fee;
      this.gasUnits[s] = o.gas;
    }
    this.count[c] = n;
  }

  /** Cycle `c`'s shape as a number: its hop count, and one bit per V3 hop above it (what `shape` spells out). */
  private shapeCode(c: number): number {
    const { cycles, pools } = this;
    const hops = cycles.length[c]!;
    let code = hops;
    for (let h = 0; h < hops; h++) if (pools.kind[cycles.pools[c * cycles.stride + h]!] !== KIND_V2) code |= 8 << h;
    return code;
  }

  /** Hop kinds of cycle `c`, the key of the gas table. */
  private shape(c: number): HopKind[] {
    const { cycles, pools } = this;
    const kinds: HopKind[] = [];
    for (let h = 0; h < cycles.length[c]!; h++) kinds.push(pools.kind[cycles.pools[c * cycles.stride + h]!] === KIND_V2 ? 'v2' : 'v3');
    return kinds;
  }

  /** V3 pools with liquidity by token they hold, cheapest fee tier first (then pool number). */
  private v3LendersByToken(): Map<number, number[]> {
    const { pools } = this;
    const byToken = new Map<number, number[]>();
    for (let p = 0; p < pools.size; p++) {
      if (pools.kind[p] !== KIND_V3 || pools.reserve0[p]! <= 0n) continue;
      for (const t of [pools.token0[p]!, pools.token1[p]!]) {
        const list = byToken.get(t) ?? [];
        list.push(p);
        byToken.set(t, list);
      }
    }
    // Ties on the fee go to the lower address, not the lower pool number: the pool numbers follow
    // the snapshot's order, and since what a lender holds caps the size, two scanners of one
    // market read in another order must pick the same lender.
    for (const list of byToken.values()) list.sort((a, b) => pools.fee[a]! - pools.fee[b]! || (pools.address[a]!.toLowerCase() < pools.address[b]!.toLowerCase() ? -1 : 1));
    return byToken;
  }
}
