import type { Store } from './open-store.js';

/** Runs `fn` in one transaction, with a store whose queries all go through it. */
export const inTransaction = <R>(store: Store, fn: (tx: Store) => Promise<R>): Promise<R> =>
  store.db.transaction().execute((trx) => fn({ ...store, db: trx }));
