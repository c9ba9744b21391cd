import { decodeErrorResult, type Address, type Hex } from 'viem';
import type { RpcPool } from '../chain/rpc-pool.ts';
import type { BlockRef } from '../chain/types.ts';
import { toQuantity } from '../chain/types.ts';
import { encodeCall, SELECTORS, wordAt } from './abi-words.ts';

/**
 * Unsafe-token detection by a simulated round trip: in one `eth_simulateV1` block (nothing is
 * sent), the holder — a pool that holds the token — transfers a tenth of its balance to a fresh
 * address (the token's side of a buy), and that address sends it back to the holder (the
 * token's side of a sell: into the pool), balances read around both. A fee-on-transfer token
 * delivers less than was sent; a rebasing or taxing one debits more; a paused or blacklisting
 * one reverts or returns false; a honeypot lets the buy through and reverts (or taxes) the
 * sell. Checking the buy alone passed every token that only misbehaves on the way into its
 * pool. A pool's AMM quote for a sell is computed from what the pool receives, so a sell that
 * delivers exactly what was sent is one the exact quote holds for. Any of these breaks exact
 * arbitrage math: the token is excluded and the reason is kept.
 */

/** A token to check and an address known to hold it (e.g. one of its pools). */
export interface SafetyProbe {
  token: Address;
  holder: Address;
}

/** The verdict for one token. */
export type TokenSafety = { token: Address; safe: true } | { token: Address; safe: false; reason: string };

// A fixed address nobody holds keys for: the recipient starts with a zero balance in practice.
const RECIPIENT = '0x00000000000000000000000000000000000d00d1' as Address;

interface SimulatedCall {
  status: Hex;
  returnData: Hex;
  error?: { message?: string };
}

/** Calls per simulated block, and where the buy and the sell transfers are among them. */
const SIMULATED_CALLS = 8;
const BUY = 2;
const SELL = 5;

const balanceOf = (token: Address, who: Address): { to: Address; data: Hex } => ({ to: token, data: encodeCall(SELECTORS.balanceOf, who) });

/** A revert's Error(string) or Panic(uint256), as `"reason"`; null when the data is neither. */
function revertReason(data: Hex): string | null {
  try {
    const decoded = decodeErrorResult({ abi: [], data });
    return `${decoded.errorName}(${(decoded.args ?? []).map((a) => JSON.stringify(typeof a === 'bigint' ? a.toString() : a)).join(', ')})`;
  } catch {
    return null;
  }
}

/** Checks each token with one simulated block of 8 calls (buy, then sell); probes run as one JSON-RPC batch. */
export async function checkTokenSafety(rpc: RpcPool, at: BlockRef, probes: readonly SafetyProbe[]): Promise<TokenSafety[]> {
  const balances = await rpc.batch(probes.map((p) => ({ method: 'eth_call', params: [balanceOf(p.token, p.holder), { blockHash: at.hash }] })));
  const amounts = balances.map((b) => (b.ok && typeof b.result === 'string' && b.result.length >= 66 ? wordAt(b.result as Hex, 0) / 10n : 0n));
  const simulations = await rpc.batch(
    probes.map((p, i) => ({
      method: 'eth_simulateV1',
      params: [
        {
          blockStateCalls: [
            {
              calls: [
                // The buy: the holder (pool) sends `amount` out.
                { from: p.holder, ...balanceOf(p.token, RECIPIENT) },
                { from: p.holder, ...balanceOf(p.token, p.holder) },
                { from: p.holder, to: p.token, data: encodeCall(SELECTORS.transfer, RECIPIENT, amounts[i] as bigint) },
                { from: p.holder, ...balanceOf(p.token, RECIPIENT) },
                { from: p.holder, ...balanceOf(p.token, p.holder) },
                // The sell: the buyer sends it back into the holder (pool).
                { from: RECIPIENT, to: p.token, data: encodeCall(SELECTORS.transfer, p.holder, amounts[i] as bigint) },
                { from: p.holder, ...balanceOf(p.token, RECIPIENT) },
                { from: p.holder, ...balanceOf(p.token, p.holder) },
              ],
            },
          ],
          validation: false,
        },
        toQuantity(at.number),
      ],
    })),
  );
  return probes.map((p, i): TokenSafety => {
    const token = p.token.toLowerCase() as Address;
    const amount = amounts[i] as bigint;
    if (amount === 0n) return { token, safe: false, reason: `cannot test a transfer: holder ${p.holder} has no balance (or balanceOf failed)` };
    const sim = simulations[i];
    if (sim === undefined || !sim.ok) return { token, safe: false, reason: `transfer simulation failed: ${sim && !sim.ok ? sim.error.rpcMessage : 'no answer'}` };
    const calls = ((sim.result as { calls?: SimulatedCall[] }[])[0]?.calls ?? []) as SimulatedCall[];
    if (calls.length !== SIMULATED_CALLS) return { token, safe: false, reason: `transfer simulation returned ${calls.length} results, expected ${SIMULATED_CALLS}` };
    const failed = calls.findIndex((c) => c.status !== '0x1');
    const word = (k: number): bigint => wordAt((calls[k] as SimulatedCall).returnData, 0);
    const returnedFalse = (k: number): boolean => (calls[k] as SimulatedCall).returnData.length >= 66 && word(k) === 0n;
    const errorOf = (k: number): string => {
      const call = calls[k] as SimulatedCall;
      const reason = revertReason(call.returnData);
      return `${call.error?.message ? `: ${call.error.message}` : ''}${reason === null ? '' : ` (${reason})`}`;
    };
    // The buy leg first: its verdict stands as before (a sell after a short delivery proves nothing more).
    if (failed >= 0 && failed < SELL) return { token, safe: false, reason: `${failed === BUY ? `transfer of ${amount} reverted` : 'balanceOf reverted'}${errorOf(failed)}` };
    // Tokens that return nothing from transfer (USDT) are fine; one that returns false is not.
    if (returnedFalse(BUY)) return { token, safe: false, reason: `transfer of ${amount} returned false` };
    const received = word(3) - word(0);
    const debited = word(1) - word(4);
    if (received !== amount) return { token, safe: false, reason: `fee on transfer: sending ${amount} delivered ${received}` };
    if (debited !== amount) return { token, safe: false, reason: `sending ${amount} debited the sender ${debited}` };
    if (failed === SELL) return { token, safe: false, reason: `sell blocked: sending ${amount} back to ${p.holder} reverted${errorOf(SELL)}` };
    if (failed >= 0) return { token, safe: false, reason: `balanceOf reverted after the sell${errorOf(failed)}` };
    if (returnedFalse(SELL)) return { token, safe: false, reason: `sell blocked: sending ${amount} back to ${p.holder} returned false` };
    const sellDelivered = word(7) - word(4);
    const sellDebited = word(3) - word(6);
    if (sellDelivered !== amount) return { token, safe: false, reason: `fee on sell: sending ${amount} back to ${p.holder} delivered ${sellDelivered}` };
    if (sellDebited !== amount) return { token, safe: false, reason: `selling ${amount} back to ${p.holder} debited the seller ${sellDebited}` };
    return { token, safe: true };
  });
}
