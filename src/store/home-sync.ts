/**
 * Idempotent storage of records a home device made offline and uploads later, keyed by the client id the device gave
 * each one. The unique index decides: a record is looked up first, inserted in its own transaction otherwise, and an
 * insert that loses a race to a concurrent upload of the same client id fails on the index and answers 'duplicate'
 * with the row that won. Both backends' unique-violation errors are recognised.
 */
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import type { OutcomeRecord } from './outcomes.js';
import { getSession, insertUploadedSession } from './sessions.js';
import type { SessionRecord, UploadedSession } from './sessions.js';
import { toUtcInstant } from './store-time.js';
import { inTransaction } from './transaction.js';
import { insertRow } from './versioned-rows.js';

export type SyncStatus = 'created' | 'duplicate';

export interface Synced<R> {
  readonly status: SyncStatus;
  readonly row: R;
}

/** Whether `e` is a unique-index violation: PostgreSQL SQLSTATE 23505, or SQLite's SQLITE_CONSTRAINT_UNIQUE. */
export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Stores a record once: `find` looks for it by its unique key; `create` inserts it (and whatever must change with it)
 * in one transaction. A unique violation during `create` means a concurrent upload stored it first: the stored row is
 * answered as a duplicate. When `find` still finds nothing after a violation, another unique value clashed and the
 * error is passed on.
 */
export async function storeOnce<R>(
  store: Store,
  find: (s: Store) => Promise<R | undefined>,
  create: (tx: Store) => Promise<R>,
): Promise<Synced<R>> {
  const before = await find(store);
  if (before !== undefined) return { status: 'duplicate', row: before };
  try {
    return { status: 'created', row: await inTransaction(store, create) };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const winner = await find(store);
    if (winner === undefined) throw e;
    return { status: 'duplicate', row: winner };
  }
}

export async function findSessionByClientId(store: Store, clientId: string): Promise<SessionRecord | undefined> {
  const row = await store.db.selectFrom('sessions').select('id').where('client_id', '=', clientId).executeTakeFirst();
  return row === undefined ? undefined : getSession(store, row.id);
}

export async function findOutcomeByClientId(store: Store, clientId: string): Promise<OutcomeRecord | undefined> {
  const row = await store.db.selectFrom('outcomes').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  return row === undefined ? undefined : { ...row, value: fromJsonText(row.value) };
}

/**
 * Stores an uploaded, already ended session once per client id; `after` runs in the same transaction when it is new
 * (the audit entry, the planned session it completes). Its telemetry is appended separately with appendTelemetry,
 * which keeps a sample already stored, so a repeated upload also fills in telemetry a failed one left out.
 */
export const syncUploadedSession = (
  store: Store,
  input: UploadedSession,
  after?: (tx: Store, s: SessionRecord) => Promise<void>,
): Promise<Synced<SessionRecord>> =>
  storeOnce(
    store,
    (s) => findSessionByClientId(s, input.client_id),
    async (tx) => {
      const s = await insertUploadedSession(tx, input);
      if (after !== undefined) await after(tx, s);
      return s;
    },
  );

export interface UploadedDiaryEntry {
  patient_id: string;
  client_id: string;
  /** The diary record as the clinic layer defines it (kind 'diary', date, dry, site?). */
  value: unknown;
  recorded_at: Date | string;
}

/** Stores an uploaded diary entry (an outcome of kind 'diary') once per client id. */
export const syncDiaryEntry = (
  store: Store,
  input: UploadedDiaryEntry,
  after?: (tx: Store, o: OutcomeRecord) => Promise<void>,
): Promise<Synced<OutcomeRecord>> =>
  storeOnce(
    store,
    (s) => findOutcomeByClientId(s, input.client_id),
    async (tx) => {
      const row = await insertRow(tx, 'outcomes', {
        patient_id: input.patient_id,
        kind: 'diary',
        value: toJsonText(input.value),
        recorded_at: toUtcInstant(input.recorded_at),
        client_id: input.client_id,
      });
      const o: OutcomeRecord = { ...row, value: input.value };
      if (after !== undefined) await after(tx, o);
      return o;
    },
  );
