import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { forEachBackend } from '../store/test-store.ts';
import { createAuditLog, type AuditLog } from './audit-log.ts';
import { canonicalJson } from './canonical.ts';
import { generateCheckpointKey } from './checkpoint-key.ts';

const key = generateCheckpointKey().key;

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

forEachBackend('audit log', (ctx) => {
  let audit: AuditLog;
  beforeEach(async () => {
    await ctx.store.exec('delete from audit_personal; delete from audit_log; delete from audit_checkpoint;');
    audit = createAuditLog(ctx.store, key);
    for (let i = 1; i <= 6; i++) {
      await audit.append({ type: 'auth.login.ok', actor: `p${i % 2}`, details: { n: i, route: '/x' }, actorData: { username: `user${i % 2}`, ip: '127.0.0.1' } });
    }
  });

  it('chains each row to the previous one by SHA-256(prev hash ‖ canonical row)', async () => {
    const rows = await ctx.store.query<{ seq: bigint; at: Date; type: string; actor: string; details: unknown; prev_hash: string; hash: string }>(
      'select seq, at, type, actor, details, prev_hash, hash from audit_log order by seq',
      [],
      { bigint: ['seq'] },
    );
    expect(rows.rows.map((r) => r.seq)).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    let prev = '0'.repeat(64);
    for (const row of rows.rows) {
      // Independent recomputation: the row's fields written out by hand in sorted-key order.
      const text = `{"actor":${JSON.stringify(row.actor)},"at":"${row.at.toISOString()}","details":{"n":${Number(row.seq)},"route":"/x"},"seq":"${row.seq}","subject":null,"type":"auth.login.ok"}`;
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toBe(createHash('sha256').update(prev + text).digest('hex'));
      prev = row.hash;
    }
    expect(await audit.verify()).toEqual({ ok: true, rows: 6n, head: { seq: 6n, hash: prev } });
  });

  it('names the edited row', async () => {
    await ctx.store.query(`update audit_log set details = '{"n": 99, "route": "/x"}'::jsonb where seq = 3`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3n });
  });

  it('names a deleted row', async () => {
    await ctx.store.query('delete from audit_log where seq = 4');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4n });
  });

  it('names the first of two reordered rows', async () => {
    await ctx.store.exec('update audit_log set seq = 1000 where seq = 2; update audit_log set seq = 2 where seq = 3; update audit_log set seq = 3 where seq = 1000;');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2n });
  });

  it('catches a cut tail through the signed checkpoint', async () => {
    await ctx.store.query('delete from audit_log where seq >= 5');
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 5n });
  });

  it('refuses a checkpoint re-pointed without the key', async () => {
    await ctx.store.query('delete from audit_log where seq >= 5');
    await ctx.store.query(`update audit_checkpoint set seq = 4, hash = (select hash from audit_log where seq = 4)`);
    expect(await audit.verify()).toMatchObject({ ok: false, firstBadSeq: 4n });
    const otherKey = generateCheckpointKey().key;
    expect(await createAuditLog(ctx.store, otherKey).verify()).toMatchObject({ ok: false });
  });

  it('erasing personal data keeps the chain valid and the rows', async () => {
    const before = await audit.forParty('p1');
    expect(before).toHaveLength(3);
    expect(before[0]?.personal['p1']).toEqual({ username: 'user1', ip: '127.0.0.1' });
    expect(await audit.erasePersonal('p1')).toBe(3);
    const after = await audit.forParty('p1');
    expect(after.map((r) => r.hash)).toEqual(before.map((r) => r.hash));
    expect(after.every((r) => Object.keys(r.personal).length === 0)).toBe(true);
    expect((await audit.forParty('p0'))[0]?.personal['p0']).toEqual({ username: 'user0', ip: '127.0.0.1' });
    expect(await audit.verify()).toMatchObject({ ok: true, rows: 6n });
  });

  it('lists newest first with filters and a cursor', async () => {
    const first = await audit.list({ party: 'p0', limit: 2 });
    expect(first.rows.map((r) => r.seq)).toEqual([6n, 4n]);
    expect(first.nextCursor).toBe(4n);
    const second = await audit.list({ party: 'p0', limit: 2, before: 4n });
    expect(second.rows.map((r) => r.seq)).toEqual([2n]);
    expect(second.nextCursor).toBeNull();
    expect((await audit.list({ type: 'nothing', limit: 5 })).rows).toEqual([]);
  });

  it('appends concurrently without gaps or forks', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => audit.append({ type: 'test.burst', details: { i } })));
    expect(await audit.verify()).toMatchObject({ ok: true, rows: 14n });
  });
});
