/**
 * Where the time of a block's send goes, step by step: each step's moment after the head was
 * heard of, in microseconds, over a bounded window of recent sends. `broadcast` is the figure
 * issue 11 sets a target for (head heard → signed transaction broadcast: the RPC or the relays
 * answered); the steps before it say which part of the path a miss comes from.
 */

/** The steps of a send, in order. */
export const SEND_STEPS = ['tracked', 'simulated', 'signed', 'committed', 'broadcast'] as const;
/**
 * tracked: the block's receipts tracking done, the simulation starts; simulated: its answer in
 * hand; signed: the chosen plan signed with its nonce; committed: intent and attempt committed;
 * broadcast: `eth_sendRawTransaction` (or the relays) answered.
 */
export type SendStep = (typeof SEND_STEPS)[number];

/** p50 and p99 (nearest rank) of a step over the window, and how many sends it holds. */
export interface StepPercentiles {
  n: number;
  p50: number;
  p99: number;
}

/** p50 and p99 (nearest rank) of `samples`; null when there are none. */
export function percentiles(samples: readonly number[]): StepPercentiles | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99) };
}

/** The moments (performance.now()) one send reached, filled in as it goes. */
export type SendMarks = Partial<Record<SendStep, number>>;

/** Recent sends' step moments after their head. */
export class SendTimeline {
  private readonly samples = new Map<SendStep, number[]>(SEND_STEPS.map((step) => [step, []]));

  constructor(private readonly window = 4096) {}

  /** Records one send that reached `broadcast`; steps it did not reach are left out. */
  record(headSeenAt: number, marks: SendMarks): void {
    for (const step of SEND_STEPS) {
      const at = marks[step];
      if (at === undefined) continue;
      const samples = this.samples.get(step)!;
      samples.push(Math.round((at - headSeenAt) * 1000));
      if (samples.length > this.window) samples.shift();
    }
  }

  /** Each step's percentiles (microseconds after the head was heard). */
  summary(): Record<SendStep, StepPercentiles | null> {
    return Object.fromEntries(SEND_STEPS.map((step) => [step, percentiles(this.samples.get(step)!)])) as Record<SendStep, StepPercentiles | null>;
  }
}
