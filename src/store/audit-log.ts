import { IontoError } from '../errors/catalogue.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';

/**
 * The audit log is append-only: this module has no update or delete, and the database refuses both (a trigger in
 * SQLite and in PostgreSQL). Entries name who did what to which entity; they never hold patient data.
 */
export interface AuditEntry {
  seq: number;
  /** User id, device id or 'system'. */
  actor: string;
  /** A verb such as 'patient.create' or 'session.abort'. */
  action: string;
  /** Table or resource name. */
  entity: string;
  entity_id: string;
  at: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'at'> & { at?: Date | string };

const IDENT = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The row of an entry, its fields checked; `at` is already canonical UTC text. */
function auditRow(entry: NewAuditEntry, at: string): Omit<AuditEntry, 'seq'> {
  for (const key of ['actor', 'action', 'entity', 'entity_id'] as const) {
    if (!IDENT.test(entry[key])) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `audit ${key} must be a short identifier`, { key });
    }
  }
  return { actor: entry.actor, action: entry.action, entity: entry.entity, entity_id: entry.entity_id, at };
}

/** Appends one entry. Fields are short identifiers, which keeps free text (and so patient data) out of the log. */
export async function appendAudit(store: Store, entry: NewAuditEntry): Promise<AuditEntry> {
  const row = auditRow(entry, toUtcInstant(entry.at ?? store.now()));
  const { seq } = await store.db.insertInto('audit_log').values(row).returning('seq').executeTakeFirstOrThrow();
  return { seq: Number(seq), ...row };
}

/** Rows per INSERT statement: 5 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const AUDIT_ROWS_PER_STATEMENT = 500;

/**
 * Appends several entries, one row each, in the order given, with one multi-row INSERT per 500 entries (a page of
 * patients listed is one statement, not one per patient). Every entry is checked before any is written, so a bad
 * one appends nothing. Run it inside a transaction when the entries must be written with other data.
 */
export async function appendAuditMany(store: Store, entries: readonly NewAuditEntry[]): Promise<void> {
  // One clock reading for the entries that give no time: converting it once per entry was most of the cost.
  const now = entries.some((e) => e.at === undefined) ? toUtcInstant(store.now()) : '';
  const rows = entries.map((e) => auditRow(e, e.at === undefined ? now : toUtcInstant(e.at)));
  for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_STATEMENT) {
    await store.db
      .insertInto('audit_log')
      .values(rows.slice(i, i + AUDIT_ROWS_PER_STATEMENT))
      .execute();
  }
}

/** Entries in the order they were appended, after `afterSeq`, at most `limit` (default 100). */
export async function listAudit(
  store: Store,
  options: { afterSeq?: number; limit?: number; entity?: string; entity_id?: string } = {},
): Promise<AuditEntry[]> {
  let q = store.db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq')
    .limit(options.limit ?? 100);
  if (options.afterSeq !== undefined) q = q.where('seq', '>', options.afterSeq);
  if (options.entity !== undefined) q = q.where('entity', '=', options.entity);
  if (options.entity_id !== undefined) q = q.where('entity_id', '=', options.entity_id);
  return (await q.execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
}
