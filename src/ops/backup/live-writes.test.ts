import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../audit/audit-log.ts';
import { generateCheckpointKey } from '../../audit/checkpoint-key.ts';
import { createLedgerWriter } from '../../ledger/ledger-writer.ts';
import { enterModeSession } from '../../ledger/mode-session.ts';
import { recordSample } from '../../ledger/testing/sample-records.ts';
import { openTestStore, testBackends, type TestStore } from '../../store/test-store.ts';
import { restoreBackup, verifyBackupFile, writeBackup } from './index.ts';

const at = new Date('2026-12-01T12:00:00Z');
const folder = mkdtempSync(join(tmpdir(), 'orion-backup-live-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// A backup taken while the engine writes (the ledger writer's flushes, audit appends) must be
// one instant of the database: a child row without its parent, or an audit log longer than the
// manifest's head, makes the file unrestorable while it passes its own checksums.
describe.each(testBackends())('backup while the engine writes (%s)', (backend) => {
  let source: TestStore;
  let target: TestStore;
  beforeAll(async () => {
    source = await openTestStore(backend);
    target = await openTestStore(backend, { migrate: false });
  });
  afterAll(async () => {
    await source?.cleanup();
    await target?.cleanup();
  });

  it('restores: every foreign key and the audit head hold in the file', async () => {
    const session = await enterModeSession(source.store, 'sim', 31337);
    const writer = createLedgerWriter({ store: source.store, session });
    const audit = createAuditLog(source.store, generateCheckpointKey().key);
    let n = 0;
    const write = async (): Promise<void> => {
      recordSample(writer, n, n % 2 === 0, at);
      n += 1;
      await writer.flush();
      await audit.append({ type: 'auth.login.ok', actor: 'p1', details: { n } });
    };
    for (let i = 0; i < 20; i += 1) await write(); // rows before the backup starts

    const file = join(folder, `live-${backend}.jsonl`);
    const backup = writeBackup(source.store, file);
    let done = false;
    void backup.finally(() => (done = true)).catch(() => undefined);
    // Writes race the backup's reads: bounded by count, not by time.
    for (let i = 0; i < 40 && !done; i += 1) await write();
    const result = await backup;
    await writer.close();

    await verifyBackupFile(file);
    // On PostgreSQL the target is a schema of the shared test database (other sessions connected).
    await expect(restoreBackup(target.store, file, { allowOtherSessions: true })).resolves.toMatchObject({ manifest: { auditHead: result.manifest.auditHead } });
    expect(result.manifest.auditHead).not.toBeNull();
  });
});
