import { RpcCallError } from '../../../chain/rpc-errors.ts';
import type { LiveRpc } from '../live-executor.ts';

/**
 * TEST CODE — a fault injector in front of a real RPC pool: the next `eth_sendRawTransaction`
 * fails the way a 429, a 500 or a timeout leaves a sender, in one of two ways: `lost-request`
 * (the node never saw it) or `lost-answer` (the node took it and the answer never came back).
 * Either way the caller cannot know. The next simulation (`eth_simulateV1`) can fail too, as when
 * every endpoint is down. Receipt reads can answer with the node's error (a JSON-RPC error such as
 * "request timed out", handed back per call, not failed over). The pool can be hidden (a private
 * RPC's null for a pending transaction). Everything else goes to the real node untouched.
 */

export type SendFault = 'lost-request' | 'lost-answer';

/** The wrapped RPC and the switch that arms the next send's fault. */
export interface FaultySendRpc extends LiveRpc {
  failNextSend(fault: SendFault): void;
  /** The next batch holding an `eth_simulateV1` fails (never reaches the node). */
  failNextSimulation(): void;
  /** While on, every `eth_getTransactionReceipt` in a batch answers with a node's error instead. */
  failReceiptReads(on: boolean): void;
  /**
   * While on, `eth_getTransactionByHash` answers null, as a private or sequencer RPC does for a
   * pending transaction it holds (it does not show its pool); mined transactions too (tracking
   * reads receipts for those).
   */
  hidePool(on: boolean): void;
  /** Sends that reached the node, by raw transaction. */
  readonly forwardedSends: string[];
}

/** Wraps `rpc`. */
export function faultySendRpc(rpc: LiveRpc): FaultySendRpc {
  let armed: SendFault | null = null;
  let simulationArmed = false;
  let receiptsFail = false;
  let poolHidden = false;
  const forwardedSends: string[] = [];
  return {
    forwardedSends,
    failNextSend(fault) {
      armed = fault;
    },
    failNextSimulation() {
      simulationArmed = true;
    },
    failReceiptReads(on) {
      receiptsFail = on;
    },
    hidePool(on) {
      poolHidden = on;
    },
    async request(method, params) {
      if (poolHidden && method === 'eth_getTransactionByHash') return null;
      if (method !== 'eth_sendRawTransaction' || armed === null) {
        if (method === 'eth_sendRawTransaction') forwardedSends.push(String(params[0]));
        return rpc.request(method, params);
      }
      const fault = armed;
      armed = null;
      if (fault === 'lost-answer') {
        forwardedSends.push(String(params[0]));
        await rpc.request(method, params);
        throw new Error('eth_sendRawTransaction: 500 internal error (injected after the node took the transaction)');
      }
      throw new Error('eth_sendRawTransaction: 429 rate limited (injected: the node never saw it)');
    },
    async batch(calls) {
      if (simulationArmed && calls.some((call) => call.method === 'eth_simulateV1')) {
        simulationArmed = false;
        throw new Error('batch of eth_simulateV1: every RPC endpoint failed (injected)');
      }
      const answers = (await rpc.batch(calls)).map((answer, i) => (poolHidden && calls[i]!.method === 'eth_getTransactionByHash' ? { ok: true as const, result: null } : answer));
      if (!receiptsFail) return answers;
      return answers.map((answer, i) => (calls[i]!.method !== 'eth_getTransactionReceipt' ? answer
        : { ok: false as const, error: new RpcCallError('eth_getTransactionReceipt', -32000, 'request timed out (injected)', null, 'injected') }));
    },
  };
}
