import type { CycleSet } from './cycles.ts';
import type { FlashSources } from './flash-source.ts';

/** The ranking groups of a scanner's cycles (ranking.ts): one per base token and least gas. */
export interface RankingGroups {
  /** Group of each cycle. */
  readonly of: Int32Array;
  /** Per group: its base token and the gas units of its cycles' least-gas flash source. */
  readonly base: Int32Array;
  readonly gasUnits: readonly bigint[];
}

/**
 * Groups cycles by base token and the gas of their least-gas flash source candidate (the last,
 * flash-source.ts), which fix how gas enters the ranking score: every cycle of a group pays the
 * same gas in the same token, so a moving gas price or pricing pool shifts the group's scores
 * together. Both are fixed for the scanner's life; a market has a few dozen groups at most.
 */
export function rankingGroups(cycles: CycleSet, flash: FlashSources): RankingGroups {
  const of = new Int32Array(cycles.count);
  const index = new Map<string, number>();
  const base: number[] = [];
  const gasUnits: bigint[] = [];
  for (let c = 0; c < cycles.count; c++) {
    const gas = flash.gasUnits[flash.slot(c, flash.count[c]! - 1)]!;
    const key = `${cycles.base[c]} ${gas}`;
    let g = index.get(key);
    if (g === undefined) {
      index.set(key, (g = base.length));
      base.push(cycles.base[c]!);
      gasUnits.push(gas);
    }
    of[c] = g;
  }
  return { of, base: Int32Array.from(base), gasUnits };
}
