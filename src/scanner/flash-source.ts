import { InputError } from '../errors.ts';
import type { HexAddress } from '../market/snapshot.ts';
import type { CycleSet } from './cycles.ts';
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

/**
 * The cheapest valid flash source of every cycle, chosen once (it depends on the route and the
 * pools present, not on their state). A V2 first hop lends its own input as a flash swap,
 * whose fee is the hop's swap fee, already in the amounts. Otherwise the cheapest of Balancer,
 * Aave and a V3 pool's `flash` (its fee tier), preferred in that order on equal fees. A pool the
 * route swaps through is never the lender: the pool is locked during its flash callback, so
 * the swap would revert. With no lender at all the kind is 'none' (the executor's own funds).
 * Lender capacity is not modelled: the snapshot has no token balances.
 */
export class FlashSources {
  /** Per cycle: index into KINDS. */
  private readonly kind: Uint8Array;
  /** Per cycle: lending pool number, or -1. */
  private readonly lender: Int32Array;
  /** Per cycle: fee in pips. */
  readonly feePips: Int32Array;

  constructor(private readonly pools: PoolTable, cycles: CycleSet, options: FlashSourceOptions = {}) {
    const balancer = options.balancerFeePips === undefined ? 0 : options.balancerFeePips;
    const aave = options.aaveFeePips === undefined ? AAVE_FEE_PIPS : options.aaveFeePips;
    checkFee('Balancer flash fee', balancer);
    checkFee('Aave flash fee', aave);
    const v3Lenders = options.v3Flash === false ? new Map<number, number[]>() : this.v3LendersByToken();
    this.kind = new Uint8Array(cycles.count);
    this.lender = new Int32Array(cycles.count).fill(-1);
    this.feePips = new Int32Array(cycles.count);
    for (let c = 0; c < cycles.count; c++) {
      const first = cycles.pools[c * cycles.stride]!;
      if (pools.kind[first] === KIND_V2) {
        this.set(c, 'v2-flash-swap', first, 0);
        continue;
      }
      let kind: FlashSourceKind = 'none';
      let lender = -1;
      let fee = Infinity;
      if (balancer !== null) [kind, fee] = ['balancer', balancer];
      if (aave !== null && aave < fee) [kind, fee] = ['aave', aave];
      const onRoute = new Set<number>();
      for (let h = 0; h < cycles.length[c]!; h++) onRoute.add(cycles.pools[c * cycles.stride + h]!);
      for (const p of v3Lenders.get(cycles.base[c]!) ?? []) {
        if (pools.fee[p]! < fee && !onRoute.has(p)) [kind, lender, fee] = ['v3-flash', p, pools.fee[p]!];
      }
      this.set(c, kind, lender, kind === 'none' ? 0 : fee);
    }
  }

  /** The flash source of cycle `c`. */
  of(c: number): FlashSource {
    const lender = this.lender[c]!;
    return { kind: KINDS[this.kind[c]!]!, pool: lender < 0 ? null : this.pools.address[lender]!, feePips: this.feePips[c]! };
  }

  private set(c: number, kind: FlashSourceKind, lender: number, fee: number): void {
    this.kind[c] = KINDS.indexOf(kind);
    this.lender[c] = lender;
    this.feePips[c] = fee;
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
    for (const list of byToken.values()) list.sort((a, b) => pools.fee[a]! - pools.fee[b]! || a - b);
    return byToken;
  }
}
