import { BackupFileError } from './errors.ts';
import { BACKUP_FORMAT, readBackupLines, TableDigest, type Manifest } from './format.ts';

/**
 * Checks a backup file against its own manifest without touching any database: the format,
 * every table's row count and SHA-256, and that the sections are exactly the manifest's tables
 * in its order. Returns the manifest; a mismatch is a BackupFileError naming the table.
 */
export async function verifyBackupFile(file: string): Promise<Manifest> {
  const digests = new Map<string, TableDigest>();
  const order: string[] = [];
  let current: TableDigest | undefined;
  let manifest: Manifest | undefined;
  for await (const line of readBackupLines(file)) {
    if (line.kind === 'table') {
      if (digests.has(line.name)) throw new BackupFileError(`backup ${file}: table ${line.name} appears twice: the file is damaged`, { details: { table: line.name } });
      current = new TableDigest();
      digests.set(line.name, current);
      order.push(line.name);
    } else if (line.kind === 'row') {
      current?.add(line.line);
    } else {
      manifest = line.manifest;
    }
  }
  if (manifest === undefined) throw new BackupFileError(`backup ${file} has no manifest: refused`);
  if (manifest.format !== BACKUP_FORMAT || !Array.isArray(manifest.tables) || !Array.isArray(manifest.migrations)) {
    throw new BackupFileError(`backup ${file}: the manifest is not ${BACKUP_FORMAT}: the file is damaged`);
  }
  for (const table of manifest.tables) {
    const digest = digests.get(table.name);
    if (digest === undefined) throw new BackupFileError(`backup ${file}: table ${table.name} is in the manifest but not in the file: refused`, { details: { table: table.name } });
    const rows = digest.rows;
    const sha256 = digest.hex();
    if (rows !== table.rows) {
      throw new BackupFileError(`backup ${file}: table ${table.name} holds ${rows} rows, the manifest says ${table.rows}: the file is damaged, refused`, { details: { table: table.name } });
    }
    if (sha256 !== table.sha256) {
      throw new BackupFileError(`backup ${file}: table ${table.name} fails its SHA-256 check (file ${sha256.slice(0, 12)}, manifest ${String(table.sha256).slice(0, 12)}): the file is damaged, refused`, {
        details: { table: table.name },
      });
    }
  }
  const listed = manifest.tables.map((t) => t.name);
  const extra = order.filter((name) => !listed.includes(name));
  if (extra.length > 0) throw new BackupFileError(`backup ${file}: table ${extra[0]} is in the file but not in the manifest: refused`, { details: { table: extra[0] } });
  if (listed.join('\n') !== order.join('\n')) throw new BackupFileError(`backup ${file}: the tables are not in the manifest's order: the file is damaged`);
  return manifest;
}
