import type { Queryable, Store, Transaction } from '../types.ts';

/**
 * TEST CODE — a fault injector in front of a real store: the next statement whose SQL contains
 * `match` fails the way a dropped connection leaves its caller, `after` the database ran it (the
 * commit happened, its answer was lost) or `before` (it never reached the database). Several
 * faults can be armed at once (each for its own `match`, used once). A statement inside a
 * transaction is matched too: its fault fails the transaction, rolled back whether `after` or
 * `before`. Everything else goes to the real database untouched.
 */
export interface LostAnswerStore extends Store {
  loseNext(match: string, when: 'before' | 'after'): void;
}

/** Wraps `store`. */
export function lostAnswerStore(store: Store): LostAnswerStore {
  const armed: { match: string; when: 'before' | 'after' }[] = [];
  const faulty = (db: Queryable): Queryable['query'] => async (sql, params, options) => {
    const index = armed.findIndex((fault) => sql.includes(fault.match));
    if (index < 0) return db.query(sql, params, options);
    const [fault] = armed.splice(index, 1) as [{ match: string; when: 'before' | 'after' }];
    if (fault.when === 'after') await db.query(sql, params, options);
    throw new Error(`connection terminated unexpectedly (injected ${fault.when} the statement ran)`);
  };
  return {
    backend: store.backend,
    location: store.location,
    transaction: (fn) => store.transaction((tx) => fn({ query: faulty(tx), exec: (sql) => tx.exec(sql), lost: tx.lost } as Transaction)),
    close: () => store.close(),
    exec: (sql) => store.exec(sql),
    loseNext(match, when) {
      armed.push({ match, when });
    },
    query: faulty(store),
  } as LostAnswerStore;
}
