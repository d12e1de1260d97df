import { sql } from 'kysely';
import type { Store } from '../store/index.js';

const known = new WeakMap<Store['db'], Promise<string[]>>();

/** The store's tables (looked up once per database handle: migrations run before tests start). */
function tablesOf(store: Store): Promise<string[]> {
  let tables = known.get(store.db);
  if (tables === undefined) {
    tables = store.db.introspection.getTables().then((all) =>
      all
        .filter((t) => !t.isView && (store.schema === undefined || t.schema === store.schema))
        .map((t) => t.name)
        .filter((name) => name !== 'audit_log' && !name.startsWith('kysely_'))
        .sort(),
    );
    known.set(store.db, tables);
  }
  return tables;
}

/**
 * Every row of every table but the audit log (which may record a refusal), in a stable order: two snapshots are
 * equal when a request changed nothing. For tests; it reads whole tables.
 */
export async function tableSnapshot(store: Store): Promise<Record<string, unknown[]>> {
  const tables = await tablesOf(store);
  const out: Record<string, unknown[]> = {};
  for (const name of tables) {
    const rows = (await sql`select * from ${sql.table(name)}`.execute(store.db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}
