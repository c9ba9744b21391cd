import { Scanner } from '../scanner/scanner.ts';
import { withFlashLender, type FlashLenderAddresses } from '../scanner/flash-lender.ts';
import type { ScannerOptions } from '../scanner/types.ts';
import type { MarketEvent, RankedEvent } from './events.ts';

/**
 * Stage ③: the scanner behind `market` events. It is built from the start event's market and
 * then takes each event's changed pools, re-ranks only the cycles through them at the event's
 * gas price, and hands on the best, each with its flash lender's address, in two steps: the
 * block's best alone first (what the executor is most likely to send), then its top `topCount`.
 * No I/O.
 */

/** Settings of the rank stage. */
export interface RankStageOptions {
  scanner: Omit<ScannerOptions, 'gasPrice'>;
  lenders: FlashLenderAddresses;
  /** How many of the best opportunities to hand on per block. */
  topCount: number;
}

/** The rank stage. */
export interface RankStage {
  scanner: Scanner;
  /**
   * Applies the event's changes and hands on the block's best opportunity alone (the scanner's
   * top 1, the first of its top `topCount`): the engine decides it and hands its plan to the
   * executor before the rest of the block is ranked. Sets the clock's `rankedAt`.
   */
  rankBest(event: MarketEvent): RankedEvent;
  /**
   * The block's top `topCount` at the state `rankBest` applied (its best among them, first), for
   * the rest of the block's decisions and the ledger. Off the path to the first plan: the clock
   * is left as `rankBest` set it. Call before the next event's `rankBest`.
   */
  rankAll(event: MarketEvent): RankedEvent;
}

/** Builds the scanner on the start event's market (the gas price goes in at construction, so an unpriceable base fails here, loudly). */
export function createRankStage(start: MarketEvent, options: RankStageOptions): RankStage {
  if (start.market === undefined) throw new Error('the rank stage starts from the market stage\'s start event (it carries the whole market)');
  const scanner = new Scanner(start.market, { ...options.scanner, gasPrice: start.fee.gasPrice });
  // Bound every cycle, size exactly only what the ranking reaches (same results as sizing all).
  scanner.scanAll(false);
  let gasPrice = start.fee.gasPrice;
  const ranked = (event: MarketEvent, limit: number): RankedEvent => ({
    type: 'ranked', header: event.header, fee: event.fee, freshness: event.freshness, clock: event.clock,
    opportunities: scanner.top(limit).map((opportunity) => withFlashLender(opportunity, options.lenders)),
  });
  return {
    scanner,
    rankBest(event) {
      for (const change of event.changes) {
        const index = scanner.poolIndex(change.address);
        if (change.protocol === 'uniswap-v3') scanner.setV3State(index, change.state);
        else scanner.setReserves(index, change.reserve0, change.reserve1);
      }
      if (event.fee.gasPrice !== gasPrice) {
        scanner.setGasPrice(event.fee.gasPrice);
        gasPrice = event.fee.gasPrice;
      }
      scanner.refresh(event.header.number);
      // The walk stops at the first cycle no other can beat; what it sized stays sized for rankAll.
      const best = ranked(event, Math.min(1, options.topCount));
      event.clock.rankedAt = performance.now();
      return best;
    },
    rankAll: (event) => ranked(event, options.topCount),
  };
}
