import { InputError } from '../errors.ts';

/**
 * A swap the pool contract itself would refuse (zero input, not enough liquidity, a price
 * limit on the wrong side). It is bad input to the math, so the CLI maps it to exit code 2;
 * `reason` carries the contract's own revert string so callers can branch without parsing.
 */
export class AmmError extends InputError {
  /** The revert reason the contract would give, e.g. 'INSUFFICIENT_LIQUIDITY' or 'SPL'. */
  readonly reason: string;

  constructor(reason: string, message: string, details: Record<string, unknown> = {}) {
    super(message, { details: { reason, ...details } });
    this.reason = reason;
  }
}
