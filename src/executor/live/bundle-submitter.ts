import { keccak256, stringToHex, type Hex } from 'viem';
import type { Store } from '../../store/types.ts';
import { WRITER_HOLDS, type Attempt, type IntentStore } from './intent-store.ts';
import type { BundleSent, BundleSimulation, RelayClient } from './relay-client.ts';

/**
 * Sends one committed attempt (its stored signed bytes, never re-signed) as a one-transaction
 * bundle to every relay for each block of a target range: `eth_callBundle` first on the head's
 * state, then `eth_sendBundle` per block unless the relay's simulation reverted. Every relay's
 * answer is stored with the attempt (`bundle_submissions`, migration 0010), so inclusion feedback
 * can say what the relay saw. Stored by the writer that holds the account (fenced by its epoch,
 * `IntentStore.fencedWrite`): a writer another process fenced out cannot overwrite the new
 * writer's record of the same attempt and block.
 */

/** What the relays said of one submission. */
export interface BundleSubmission {
  /** Relays that took the bundle for at least one block. */
  accepted: number;
  /** Each relay's simulation (url → outcome). */
  simulations: Map<string, BundleSimulation>;
}

/**
 * The intent's bundle's replacementUuid for `block`: derived from the hash of the intent's first
 * attempt (`intentKey`) and the block, whichever attempt the bundle carries. A re-send after a
 * restart replaces (never duplicates) what a relay holds, and a cancellation sent for a block
 * replaces the intent's execution bundle the relay still holds for it (one sent before a crash,
 * say), instead of competing with it for the nonce. UUID v4 layout, as relays expect a UUID.
 */
export function replacementUuidOf(txHash: Hex, block: bigint): string {
  const h = keccak256(stringToHex(`${txHash}:${block}`)).slice(2, 34);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Sends `attempt` to every relay for blocks `first..last`, simulated on `stateBlock`, as the
 * bundle of the intent whose first attempt's hash is `intentKey` (replacementUuidOf); each answer
 * recorded by `writer`.
 */
export async function submitBundle(writer: IntentStore, relays: readonly RelayClient[], attempt: Attempt, intentKey: Hex, first: bigint, last: bigint, stateBlock: bigint): Promise<BundleSubmission> {
  const simulations = new Map<string, BundleSimulation>();
  let accepted = 0;
  await Promise.all(relays.map(async (relay) => {
    const simulation = await relay.callBundle([attempt.rawTx], first, stateBlock);
    simulations.set(relay.url, simulation);
    let took = false;
    for (let block = first; block <= last; block++) {
      // A bundle the relay's own simulation reverts is not sent: it could only be dropped.
      const uuid = replacementUuidOf(intentKey, block);
      const sent = simulation.outcome === 'reverted' ? null : await relay.sendBundle([attempt.rawTx], block, uuid);
      if (sent?.ok === true) took = true;
      await recordSubmission(writer, attempt, { relay: relay.url, block, replacementUuid: uuid }, simulation, sent);
    }
    if (took) accepted += 1;
  }));
  return { accepted, simulations };
}

/**
 * Stores what `to.relay` said of `attempt` for `to.block` (sent as `to.replacementUuid`): its
 * simulation and its answer to the send (`sent` null: not sent, the simulation reverted). Fenced:
 * a WriterFencedError, nothing written, once another writer raised the account's epoch.
 */
export async function recordSubmission(
  writer: IntentStore, attempt: Attempt, to: { relay: string; block: bigint; replacementUuid: string }, simulation: BundleSimulation, sent: BundleSent | null,
): Promise<void> {
  await writer.fencedWrite([
    `insert into bundle_submissions (attempt_id, relay_url, replacement_uuid, target_block, simulation, simulation_error, bundle_hash, send_error)
     select $4::bigint, $5::text, $6::text, $7::numeric, $8::text, $9::text, $10::text, $11::text where ${WRITER_HOLDS}
     on conflict (attempt_id, relay_url, target_block) do update set simulation = excluded.simulation, simulation_error = excluded.simulation_error,
       bundle_hash = excluded.bundle_hash, send_error = excluded.send_error`,
  ], [attempt.id, to.relay, to.replacementUuid, to.block, simulation.outcome, 'error' in simulation ? simulation.error.slice(0, 2000) : null,
    sent?.ok === true ? sent.bundleHash : null, sent === null ? 'not sent: the relay simulation reverted' : sent.ok ? null : sent.error.slice(0, 2000)]);
}

/** What each relay said of `attempt` for `block`: its simulation (and error), and why it did not take the bundle (null = it did). */
export async function storedSimulations(store: Store, attemptId: bigint, block: bigint): Promise<{ relay: string; simulation: string; error: string | null; sendError: string | null }[]> {
  const { rows } = await store.query<{ relay_url: string; simulation: string; simulation_error: string | null; send_error: string | null }>(
    'select relay_url, simulation, simulation_error, send_error from bundle_submissions where attempt_id = $1 and target_block = $2 order by id', [attemptId, block],
  );
  return rows.map((r) => ({ relay: r.relay_url, simulation: r.simulation, error: r.simulation_error, sendError: r.send_error }));
}
