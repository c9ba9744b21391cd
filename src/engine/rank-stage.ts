import { Scanner } from '../scanner/scanner.ts';
import { withFlashLender, type FlashLenderAddresses } from '../scanner/flash-lender.ts';
import type { ScannerOptions } from '../scanner/types.ts';
import type { MarketEvent, RankedEvent } from './events.ts';

/**
 * Stage ③: the scanner behind `market` events. It is built from the start event's market and
 * then takes each event's changed pools, re-ranks only the cycles through them at the event's
 * gas price, and hands on the best, each with its flash lender's address. No I/O.
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
  rank(event: MarketEvent): RankedEvent;
}

/** Builds the scanner on the start event's market (the gas price goes in at construction, so an unpriceable base fails here, loudly). */
export function createRankStage(start: MarketEvent, options: RankStageOptions): RankStage {
  if (start.market === undefined) throw new Error('the rank stage starts from the market stage\'s start event (it carries the whole market)');
  const scanner = new Scanner(start.market, { ...options.scanner, gasPrice: start.fee.gasPrice });
  // Bound every cycle, size exactly only what the ranking reaches (same results as sizing all).
  scanner.scanAll(false);
  let gasPrice = start.fee.gasPrice;
  return {
    scanner,
    rank(event) {
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
      const opportunities = scanner.top(options.topCount).map((opportunity) => withFlashLender(opportunity, options.lenders));
      event.clock.rankedAt = performance.now();
      return { type: 'ranked', header: event.header, fee: event.fee, freshness: event.freshness, opportunities, clock: event.clock };
    },
  };
}
