import type { Store } from '../store/index.ts';
import { GENESIS_HASH, rowHash, type AuditJson } from './canonical.ts';
import { headSignatureValid, type CheckpointKey } from './checkpoint-key.ts';

/** Outcome of checking the audit chain. */
export type AuditVerification =
  | { ok: true; rows: bigint; head: { seq: bigint; hash: string } | null }
  | { ok: false; rows: bigint; firstBadSeq: bigint; reason: string };

const PAGE = 1000;

/**
 * Walks the chain from seq 1: every seq present in order, every prev_hash the hash before it,
 * every hash recomputed from the row. Then the signed checkpoint: its signature valid and its
 * (seq, hash) the last row's — a checkpoint past the last row means the tail was cut. Returns
 * the first bad seq and why.
 */
export async function verifyAuditChain(store: Store, key: CheckpointKey): Promise<AuditVerification> {
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let rows = 0n;
  const bad = (firstBadSeq: bigint, reason: string): AuditVerification => ({ ok: false, rows, firstBadSeq, reason });
  for (;;) {
    const page = await store.query<{ seq: bigint; at: Date; type: string; actor: string | null; subject: string | null; details: Record<string, AuditJson>; prev_hash: string; hash: string }>(
      'select seq, at, type, actor, subject, details, prev_hash, hash from audit_log where seq >= $1 order by seq limit $2',
      [expectedSeq, PAGE],
      { bigint: ['seq'] },
    );
    for (const row of page.rows) {
      if (row.seq !== expectedSeq) return bad(expectedSeq, `row ${expectedSeq} is missing (the next row is ${row.seq})`);
      if (row.prev_hash !== prevHash) return bad(row.seq, `row ${row.seq} does not follow row ${row.seq - 1n} (prev_hash differs)`);
      if (rowHash(prevHash, row) !== row.hash) return bad(row.seq, `row ${row.seq} was changed (its hash does not match its content)`);
      prevHash = row.hash;
      expectedSeq += 1n;
      rows += 1n;
    }
    if (page.rows.length < PAGE) break;
  }
  const checkpoint = (
    await store.query<{ seq: bigint; hash: string; key_id: string; signature: string }>('select seq, hash, key_id, signature from audit_checkpoint', [], { bigint: ['seq'] })
  ).rows[0];
  const lastSeq = expectedSeq - 1n;
  if (checkpoint === undefined) {
    return rows === 0n ? { ok: true, rows, head: null } : bad(1n, 'the signed checkpoint is missing');
  }
  if (checkpoint.key_id !== key.keyId || !headSignatureValid(key, checkpoint.seq, checkpoint.hash, checkpoint.signature)) {
    return bad(checkpoint.seq, `the checkpoint at row ${checkpoint.seq} is not signed by audit key ${key.keyId}`);
  }
  if (checkpoint.seq > lastSeq) return bad(lastSeq + 1n, `rows ${lastSeq + 1n} to ${checkpoint.seq} were cut from the tail (the signed checkpoint is at ${checkpoint.seq})`);
  if (checkpoint.seq < lastSeq) return bad(checkpoint.seq + 1n, `rows after ${checkpoint.seq} were added without a signed checkpoint`);
  if (checkpoint.hash !== prevHash) return bad(checkpoint.seq, `row ${checkpoint.seq}'s hash is not the one the checkpoint signed`);
  return { ok: true, rows, head: { seq: lastSeq, hash: prevHash } };
}
