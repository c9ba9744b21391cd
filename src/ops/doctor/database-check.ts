import { migrationStatus, StoreLockedError } from '../../store/index.ts';
import { fail, ok, warn, type DoctorCheck } from './check.ts';

/** The database answers and every migration of this build is applied (none unknown or edited). */
export const databaseCheck: DoctorCheck = {
  name: 'database',
  async run({ store, storeProblem }) {
    if (store === undefined) {
      if (storeProblem instanceof StoreLockedError) {
        return warn(`PGlite ${storeProblem.folder} is held by the running server (pid ${storeProblem.holderPid}): its /readyz reports the database; stop it to check from here`);
      }
      return fail(storeProblem?.message ?? 'not opened');
    }
    let states;
    try {
      states = await migrationStatus(store);
    } catch (error) {
      return fail(`${store.backend} at ${store.location}: ${(error as Error).message}`);
    }
    const pending = states.filter((m) => m.appliedAt === undefined);
    if (pending.length > 0) return fail(`${store.backend} at ${store.location}: ${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}): run orion migrate`);
    return ok(`${store.backend} at ${store.location}: reachable, migrations current (version ${states.at(-1)?.version ?? 0})`);
  },
};
