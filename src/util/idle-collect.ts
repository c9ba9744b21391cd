import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Young-generation collections moved out of the blocks, into the time between them.
 *
 * A block's work allocates (the V3 sizing's BigInts and ladder rungs: ~135 KB a block on the
 * Arbitrum snapshot), and V8 collects its young generation when an allocation finds it full: in
 * the middle of whichever block that is, ~1.2 ms on these machines (a scavenge copies what is
 * still live), about one block in 90 there — so the 10th slowest of 1,000 blocks, the p99, was a
 * block that carried one (docs/BENCHMARKS.md, fourteenth session). Node runs no collection while
 * idle (it posts V8 no idle tasks), so the engine does: once a block's work is done, when the
 * young generation has less room left than a few blocks' worth of allocation, it is collected
 * now. As many collections as V8 would run anyway, each where no block waits for it.
 *
 * The collection is V8's own `gc({ type: 'minor' })`, reached without starting the process with
 * `--expose-gc`: the flag set at run time installs `gc` in contexts created afterwards, and a
 * fresh `vm` context hands it over; the main context's globals stay without it. Where that does
 * not work (another engine, a flag refused), nothing is collected early and V8 does as before.
 */
export interface IdleCollector {
  /** A block's work is done: collects the young generation now if the next block would likely fill it. True when it collected. */
  afterBlock(): boolean;
  /** Early collections so far, and the young-generation allocation of the largest recent block (bytes). */
  status(): { collections: number; blockBytes: number };
}

type MinorCollection = () => void;

let collector: MinorCollection | null | undefined;

/** V8's minor collection, or null where it cannot be reached. */
function minorCollection(): MinorCollection | null {
  if (collector !== undefined) return collector;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    collector = typeof gc === 'function' ? () => (gc as (options: { type: 'minor' }) => void)({ type: 'minor' }) : null;
  } catch {
    collector = null;
  }
  return collector;
}

/** Young-generation bytes in use and still free before V8 must collect. */
function youngGeneration(): { used: number; free: number } | undefined {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space === undefined ? undefined : { used: space.space_used_size, free: space.space_available_size };
}

/** Blocks' worth of allocation kept free: a block larger than the largest recent one still fits. */
const HEADROOM_BLOCKS = 3;
/** The largest recent block's allocation decays by this per block, so one odd block does not set the margin for good. */
const DECAY = 0.995;
/** Never less room than this (the first blocks, before any was measured). */
const MIN_MARGIN_BYTES = 256 * 1024;

export function createIdleCollector(): IdleCollector {
  const collect = minorCollection();
  let usedAfterLast: number | undefined;
  let blockBytes = 0;
  let collections = 0;
  return {
    afterBlock() {
      if (collect === null) return false;
      const young = youngGeneration();
      if (young === undefined) return false;
      // What this block allocated, unless V8 collected during it (the use fell: not measurable).
      if (usedAfterLast !== undefined && young.used >= usedAfterLast) blockBytes = Math.max(young.used - usedAfterLast, blockBytes * DECAY);
      else blockBytes *= DECAY;
      const margin = Math.max(MIN_MARGIN_BYTES, HEADROOM_BLOCKS * blockBytes);
      if (young.free >= margin) {
        usedAfterLast = young.used;
        return false;
      }
      collect();
      collections += 1;
      usedAfterLast = youngGeneration()?.used;
      return true;
    },
    status: () => ({ collections, blockBytes: Math.round(blockBytes) }),
  };
}
