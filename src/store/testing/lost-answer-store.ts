import type { Store } from '../types.ts';

/**
 * TEST CODE — a fault injector in front of a real store: the next statement whose SQL contains
 * `match` fails the way a dropped connection leaves its caller, `after` the database ran it (the
 * commit happened, its answer was lost) or `before` (it never reached the database). Several
 * faults can be armed at once (each for its own `match`, used once). Everything else goes to the
 * real database untouched.
 */
export interface LostAnswerStore extends Store {
  loseNext(match: string, when: 'before' | 'after'): void;
}

/** Wraps `store`. */
export function lostAnswerStore(store: Store): LostAnswerStore {
  const armed: { match: string; when: 'before' | 'after' }[] = [];
  return {
    backend: store.backend,
    location: store.location,
    transaction: (fn) => store.transaction(fn),
    close: () => store.close(),
    exec: (sql) => store.exec(sql),
    loseNext(match, when) {
      armed.push({ match, when });
    },
    async query(sql, params, options) {
      const index = armed.findIndex((fault) => sql.includes(fault.match));
      if (index < 0) return store.query(sql, params, options);
      const [fault] = armed.splice(index, 1) as [{ match: string; when: 'before' | 'after' }];
      if (fault.when === 'after') await store.query(sql, params, options);
      throw new Error(`connection terminated unexpectedly (injected ${fault.when} the statement ran)`);
    },
  } as LostAnswerStore;
}
