/**
 * Float slack of `DominatingPools.key`: each hop's rate is a handful of float operations from
 * exact reserves (relative error < 1e-15 each, < 1e-14 summed over 4 hops); the log excess is
 * raised by 100 times that, the result by 1e-9 relative and ABSOLUTE_SLACK units.
 *
 * The key must not fall below the exact bigint bound, which rounds up at each of its steps: over
 * 40,720 V3-bound cycles (400 seeded runs of v3-bound.test.ts's deep cycles) that bound sat up to
 * 1.95 units above the float bound with its relative slack, and a slack of one unit let the key
 * fall 0.07–0.11 below it on about 1 seed in 50 (path-groups.test.ts, v3-bound.test.ts). Four
 * units is twice the worst seen; a key a few wei high only costs the walk a look.
 */
const LOG_SLACK = 1e-12;
const RELATIVE_SLACK = 1e-9;
const ABSOLUTE_SLACK = 4;

/**
 * A route of fee-free constant-product pools, each given by its output reserve R and its
 * marginal rate r (input reserve R/r), composed in floats into a ranking key never below its
 * profit bound: the float twin of `composeV2` + `profitUpperBound` for the dominating pools of
 * path-bound.ts and the V3 bound pools of v3-bound.ts (a block re-bounds every cycle and path
 * group through a changed pool, and the bigint passes were most of that on V3-heavy universes).
 *
 * Composition: a hop r·y / (1 + y·r/R) after the route so far ρ·x / (1 + x/β) gives
 * ρ' = ρ·r and 1/β' = 1/β + ρ·r/R (no product of reserves, so no overflow); ln ρ is summed from
 * the rates. Bound: β·k·(√(ρ/k) − 1)², or at a cap m below the optimum β·(√(ρ/k) − 1),
 * m·k·(ρ/(k·(1 + m/β)) − 1), both through expm1 of ln(ρ/k) (no cancellation).
 */
export class DominatingPools {
  private lnRho = 0;
  private rho = 1;
  private inverseBeta = 0;

  reset(): this {
    this.lnRho = 0;
    this.rho = 1;
    this.inverseBeta = 0;
    return this;
  }

  /** Appends a hop with output reserve `most` > 0 and marginal rate `rate` > 0. */
  add(most: number, rate: number): void {
    this.lnRho += Math.log(rate);
    this.inverseBeta += (this.rho * rate) / most;
    this.rho *= rate;
  }

  /** The key (≥ the route's profit bound at this flash fee and cap); 0 when nothing can profit, undefined when a float leaves its range. */
  key(flashFeePips: number, maxIn: number): number | undefined {
    const k = 1 + flashFeePips / 1e6;
    const excess = this.lnRho - Math.log1p(flashFeePips / 1e6) + LOG_SLACK;
    if (!(excess > 0)) return Number.isNaN(excess) ? undefined : 0;
    const beta = 1 / this.inverseBeta;
    const root = Math.expm1(excess / 2);
    // The cap as a float may sit an ulp below the real one: raised above it (the profit rises up to the optimum).
    const cap = maxIn * (1 + 1e-15);
    const bound = beta * root <= cap ? beta * k * root * root : cap * k * Math.expm1(excess - Math.log1p(cap / beta));
    const key = bound * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK;
    return Number.isFinite(key) && key > 0 ? key : undefined;
  }
}
