import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../../store/test-store.ts';
import { BACKUP_ORDER_FILE, backupFileName, listBackups, newestBackupTime, startBackupSchedule, verifyBackupFile } from './index.ts';
import { fillAwkwardRows } from './testing/awkward-table.ts';

let db: TestStore;
const root = mkdtempSync(join(tmpdir(), 'orion-schedule-test-'));
beforeAll(async () => {
  db = await openTestStore('pglite');
  await fillAwkwardRows(db.store, 0);
});
afterAll(async () => {
  await db.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('scheduled backups', () => {
  it('rotation keeps exactly N, the newest, and leaves other files alone', async () => {
    const dir = join(root, 'rotation');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'operator file');
    const schedule = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 3 });
    const taken: string[] = [];
    for (let i = 0; i < 5; i += 1) taken.push((await schedule.runNow()).file);
    await schedule.stop();
    expect(new Set(taken).size).toBe(5);
    expect(readdirSync(dir).sort()).toEqual([...taken.slice(2).map((f) => basename(f)), 'notes.txt', BACKUP_ORDER_FILE].sort());
    expect(schedule.status().failures).toBe(0);
  });

  it('a record cut by a crash mid-append (order file ending in part of a line) does not cost the next backup', async () => {
    const dir = join(root, 'cut-record');
    const schedule = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 3 });
    const kept = [(await schedule.runNow()).file, (await schedule.runNow()).file, (await schedule.runNow()).file];
    // The next record's append stopped part-way (a crash, a full disk): no newline after it.
    appendFileSync(join(dir, BACKUP_ORDER_FILE), '{"file":"orion-backup-20');
    const next = await schedule.runNow();
    await schedule.stop();
    // Glued to the cut bytes, its own line would be unreadable: unrecorded, it ranked below the
    // three recorded ones and rotation deleted the backup just written.
    expect(existsSync(next.file)).toBe(true);
    expect(schedule.status().last!.file).toBe(next.file);
    expect(await listBackups(dir)).toEqual([next.file, kept[2], kept[1]]);
  });

  it('after the clock stepped back, the backup just written is kept, and the ones from the "future" go first', async () => {
    const dir = join(root, 'clock');
    mkdirSync(dir);
    const ahead = [1, 2, 3].map((minute) => join(dir, backupFileName(new Date(Date.now() + 3 * 3600_000 + minute * 60_000))));
    for (const file of ahead) writeFileSync(file, 'taken before the clock stepped back');
    const schedule = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 3 });
    const first = await schedule.runNow();
    expect(existsSync(first.file)).toBe(true);
    expect(schedule.status().last!.file).toBe(first.file);
    const second = await schedule.runNow();
    const third = await schedule.runNow();
    await schedule.stop();
    expect((await listBackups(dir)).sort()).toEqual([first.file, second.file, third.file].sort());
  });

  it('after a restart, a backup named in the future neither shows as the last backup nor outlives the real ones', async () => {
    const dir = join(root, 'restart');
    const before = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 3 });
    const real = [(await before.runNow()).file, (await before.runNow()).file];
    await before.stop();
    // A whole, valid backup copied in under a name a day ahead (as a clock that later stepped
    // back, or an operator's copy, would leave): it verifies, but it is not the newest.
    const ahead = join(dir, backupFileName(new Date(Date.now() + 24 * 3600_000)));
    copyFileSync(real[0]!, ahead);
    await verifyBackupFile(ahead);

    const after = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 3 });
    expect(after.status().last!.file).toBe(real[1]);
    expect((await newestBackupTime(dir))!.file).toBe(real[1]);
    const taken = [(await after.runNow()).file, (await after.runNow()).file];
    await after.stop();
    // The three newest real backups stay; the copy from the "future" goes before any of them.
    expect((await listBackups(dir)).sort()).toEqual([real[1], ...taken].sort());
  });

  it('without an order file (backups of an older build), names from the future rank last', async () => {
    const dir = join(root, 'unrecorded');
    mkdirSync(dir);
    const source = await startBackupSchedule({ store: db.store, dir: join(root, 'unrecorded-source'), intervalSeconds: 0, keep: 1 });
    const made = (await source.runNow()).file;
    await source.stop();
    const past = join(dir, backupFileName(new Date(Date.now() - 3600_000)));
    const future = join(dir, backupFileName(new Date(Date.now() + 3600_000)));
    copyFileSync(made, past);
    copyFileSync(made, future);
    expect(await listBackups(dir)).toEqual([past, future]);
  });

  it('reports the last backup and its age, also from the files found at start', async () => {
    const dir = join(root, 'age');
    const first = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 5 });
    expect(first.status().last).toBeNull();
    const result = await first.runNow();
    await first.stop();
    const again = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0, keep: 5 });
    const at = new Date(again.status().last!.at);
    expect(again.status().last!.file).toBe(result.file);
    expect(again.status(new Date(at.getTime() + 90_000)).last!.ageSeconds).toBe(90);
    await again.stop();
  });

  it('the timer takes backups on its own', async () => {
    const dir = join(root, 'timer');
    let resolveFirst: (file: string) => void = () => undefined;
    const firstTaken = new Promise<string>((resolve) => (resolveFirst = resolve));
    const schedule = await startBackupSchedule({ store: db.store, dir, intervalSeconds: 0.05, keep: 2, onSuccess: (result) => resolveFirst(result.file) });
    const file = await firstTaken;
    await schedule.stop();
    expect(await listBackups(dir)).toContain(file);
    await verifyBackupFile(file);
  });
});

// A real full disk: a 1 MiB tmpfs (root only, as on CI and the dev machines).
describe('disk full during a backup', () => {
  const mountPoint = join(root, 'tmpfs');
  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a tmpfs and must run as root (as CI does)');
    mkdirSync(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
  });
  afterAll(() => {
    execFileSync('umount', [mountPoint]);
  });

  it('fails with a clear error, counts it, and keeps the older backups whole', async () => {
    const failures: Error[] = [];
    const schedule = await startBackupSchedule({ store: db.store, dir: mountPoint, intervalSeconds: 0, keep: 5, onFailure: (error) => failures.push(error) });
    const older = await schedule.runNow();
    // Fill the disk: the next backup cannot write its first block.
    const free = statfsSync(mountPoint).bavail * statfsSync(mountPoint).bsize;
    writeFileSync(join(mountPoint, 'filler'), Buffer.alloc(free));
    await expect(schedule.runNow()).rejects.toThrow(/no space left on device \(ENOSPC\).*older backups are kept/);
    await schedule.stop();
    expect(failures).toHaveLength(1);
    expect(schedule.status().failures).toBe(1);
    expect(schedule.status().lastError).toMatch(/ENOSPC/);
    expect(schedule.status().last!.file).toBe(older.file);
    expect(readdirSync(mountPoint).sort()).toEqual([basename(older.file), 'filler', BACKUP_ORDER_FILE].sort()); // no temp file left behind
    expect((await verifyBackupFile(older.file)).tables.length).toBeGreaterThan(0);
  });
});
