import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { BackupResult } from '../../ops/backup/index.ts';
import type { Store } from '../../store/types.ts';
import { actorOf } from '../audit-actor.ts';
import { ServiceUnavailable } from '../services.ts';
import { guarded } from '../schemas/common.ts';

/** Options of the operations routes. */
export interface OpsRoutesOptions {
  /** Takes a backup now (the platform's schedule, with its rotation, or one file into ORION_BACKUP_DIR). */
  backup?: (store: Store) => Promise<BackupResult>;
}

const BackupBody = Type.Object({
  file: Type.String(), bytes: Type.Integer(), tables: Type.Integer(), rows: Type.Integer(), schemaVersion: Type.String(), createdAt: Type.String(),
});

/**
 * `POST /ops/backup` (admin): the running server takes a backup (PGlite belongs to its process,
 * so `orion backup` cannot while it runs). Audited (`backup.taken`, or `backup.failed` with the
 * error); the answer names the file, its size and the manifest's counts.
 */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app, options) => {
  app.post(
    '/ops/backup',
    { config: { permission: 'ops.backup' }, schema: { tags: ['operations'], summary: 'Take a verified backup now, into ORION_BACKUP_DIR (rotation applies)', response: guarded({ 200: BackupBody }, 500) } },
    async (request) => {
      const { store, audit } = app.services.get();
      if (options.backup === undefined) throw new ServiceUnavailable('this server takes no backups (no backup folder configured)');
      let result: BackupResult;
      try {
        result = await options.backup(store);
      } catch (error) {
        await audit.append({ type: 'backup.failed', ...actorOf(request), details: { error: (error as Error).message } });
        throw error;
      }
      const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      await audit.append({ type: 'backup.taken', ...actorOf(request), details: { file: result.file, bytes: result.bytes, tables: result.manifest.tables.length, rows } });
      return { file: result.file, bytes: result.bytes, tables: result.manifest.tables.length, rows, schemaVersion: String(result.manifest.schemaVersion), createdAt: result.manifest.createdAt };
    },
  );
};
