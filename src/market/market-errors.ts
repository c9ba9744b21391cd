import { RuntimeFault } from '../errors.ts';

/** A block's logs do not fit the market state (a block that does not extend it, an impossible burn). */
export class MarketStateError extends RuntimeFault {}
