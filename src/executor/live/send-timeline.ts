import { SampleRing, type SamplePercentiles } from '../../util/sample-ring.ts';

/**
 * Where the time of a block's send goes, step by step: each step's moment after the head was
 * heard of, in microseconds, over a bounded window of recent sends. `broadcast` is the figure
 * issue 11 sets a target for (head heard → signed transaction broadcast: the RPC or the relays
 * answered); the steps before it say which part of the path a miss comes from.
 */

/** The steps of a send, in their usual order (`written` is public submission only). */
export const SEND_STEPS = ['handed', 'tracked', 'signed', 'simulated', 'committed', 'written', 'broadcast'] as const;
/**
 * handed: the executor was handed the block's plans (their first simulation request leaves);
 * tracked: the open intents' receipts read (the account known free or busy; the tracking's
 * writes come after the send); signed: the chosen plan signed with its nonce; simulated: the
 * sent plan's simulation answered;
 * committed: intent and attempt committed; written: public submission only, the
 * `eth_sendRawTransaction` request handed to the RPC pool (on a WebSocket endpoint, written to
 * the socket); broadcast: `eth_sendRawTransaction` (or the relays) answered.
 */
export type SendStep = (typeof SEND_STEPS)[number];

/** The moments (performance.now()) one send reached, filled in as it goes. */
export type SendMarks = Partial<Record<SendStep, number>>;

/** Recent sends' step moments after their head. */
export class SendTimeline {
  private readonly rings = new Map<SendStep, SampleRing>(SEND_STEPS.map((step) => [step, new SampleRing()]));

  /** Records one send that reached `broadcast`; steps it did not reach are left out. */
  record(headSeenAt: number, marks: SendMarks): void {
    for (const step of SEND_STEPS) {
      const at = marks[step];
      if (at !== undefined) this.rings.get(step)!.record(Math.round((at - headSeenAt) * 1000));
    }
  }

  /** Each step's percentiles (microseconds after the head was heard). */
  summary(): Record<SendStep, SamplePercentiles | null> {
    return Object.fromEntries(SEND_STEPS.map((step) => [step, this.rings.get(step)!.summary()])) as Record<SendStep, SamplePercentiles | null>;
  }
}
