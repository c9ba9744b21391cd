import type { Address, Hex } from 'viem';
import type { RpcPool } from '../chain/rpc-pool.ts';
import type { BlockRef } from '../chain/types.ts';
import { toQuantity } from '../chain/types.ts';
import { encodeCall, SELECTORS, wordAt } from './abi-words.ts';

/**
 * Unsafe-token detection by a simulated transfer: in one `eth_simulateV1` block (nothing is
 * sent), the holder — a pool that holds the token — transfers a tenth of its balance to a fresh
 * address, and the balances before and after are compared. A fee-on-transfer token delivers
 * less than was sent; a rebasing or taxing one debits more; a paused or blacklisting one
 * reverts or returns false. Any of these breaks exact arbitrage math: the token is excluded and
 * the reason is kept.
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

const balanceOf = (token: Address, who: Address): { to: Address; data: Hex } => ({ to: token, data: encodeCall(SELECTORS.balanceOf, who) });

/** Checks each token with one simulated block of 6 calls; probes run as one JSON-RPC batch. */
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
                { from: p.holder, ...balanceOf(p.token, RECIPIENT) },
                { from: p.holder, ...balanceOf(p.token, p.holder) },
                { from: p.holder, to: p.token, data: encodeCall(SELECTORS.transfer, RECIPIENT, amounts[i] as bigint) },
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
    if (calls.length !== 5) return { token, safe: false, reason: `transfer simulation returned ${calls.length} results, expected 5` };
    const failed = calls.findIndex((c) => c.status !== '0x1');
    if (failed >= 0) {
      const what = failed === 2 ? `transfer of ${amount} reverted` : `balanceOf reverted`;
      return { token, safe: false, reason: `${what}${calls[failed]?.error?.message ? `: ${calls[failed]?.error?.message}` : ''}` };
    }
    const word = (k: number): bigint => wordAt((calls[k] as SimulatedCall).returnData, 0);
    const transferData = (calls[2] as SimulatedCall).returnData;
    // Tokens that return nothing from transfer (USDT) are fine; one that returns false is not.
    if (transferData.length >= 66 && wordAt(transferData, 0) === 0n) return { token, safe: false, reason: `transfer of ${amount} returned false` };
    const received = word(3) - word(0);
    const debited = word(1) - word(4);
    if (received !== amount) return { token, safe: false, reason: `fee on transfer: sending ${amount} delivered ${received}` };
    if (debited !== amount) return { token, safe: false, reason: `sending ${amount} debited the sender ${debited}` };
    return { token, safe: true };
  });
}
