/**
 * Tolerance records: how a session was tolerated, one per session. The entry and its assessment are the clinic layer's
 * (stored as JSON, the store does not read them); a finding that stops the course stops the patient's active home plan
 * in the same transaction.
 */
import { IontoError } from '../errors/catalogue.js';
import { stopActiveHomePlan } from './home-plans.js';
import type { HomePlanRecord } from './home-plans.js';
import { storeOnce } from './home-sync.js';
import type { SyncStatus } from './home-sync.js';
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';
import { insertRow } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';
import { decodeCursor, encodeCursor, pageLimit } from './versioned-rows.js';

export interface ToleranceRecordRow extends Omit<Row<'tolerance_records'>, 'entry' | 'assessment'> {
  entry: unknown;
  assessment: unknown;
}

export interface NewToleranceRecord {
  session_id: string;
  patient_id: string;
  home_plan_id?: string | null;
  entry: unknown;
  assessment: unknown;
  recorded_by: string;
  recorded_at: Date | string;
  client_id?: string | null;
  /** Set when the assessment stops the course: the patient's active home plan stops with this reason. */
  stop_reason?: string;
}

export interface RecordedTolerance {
  readonly status: SyncStatus;
  readonly record: ToleranceRecordRow;
  /** The plan this record stopped (only when it was created now). */
  readonly stoppedPlan?: HomePlanRecord;
}

const decode = (row: Row<'tolerance_records'>): ToleranceRecordRow => ({
  ...row,
  entry: fromJsonText(row.entry),
  assessment: fromJsonText(row.assessment),
});

const findBy = async (
  store: Store,
  column: 'client_id' | 'session_id' | 'id',
  value: string,
): Promise<ToleranceRecordRow | undefined> => {
  const row = await store.db.selectFrom('tolerance_records').selectAll().where(column, '=', value).executeTakeFirst();
  return row === undefined ? undefined : decode(row);
};

export const findToleranceByClientId = (store: Store, clientId: string) => findBy(store, 'client_id', clientId);
export const findToleranceBySession = (store: Store, sessionId: string) => findBy(store, 'session_id', sessionId);

/**
 * Stores a session's tolerance record once. A record with the same client id stored before answers 'duplicate'; a
 * session that already has another record (no client id, or a different one) is ION_ERR_CONFLICT. When the record
 * is new and `stop_reason` is set, the patient's active home plan stops in the same transaction; `after` runs in it
 * too (the audit entry).
 */
export async function recordTolerance(
  store: Store,
  input: NewToleranceRecord,
  after?: (tx: Store, r: ToleranceRecordRow) => Promise<void>,
): Promise<RecordedTolerance> {
  let stoppedPlan: HomePlanRecord | undefined;
  const clientId = input.client_id ?? null;
  const found = await storeOnce<ToleranceRecordRow>(
    store,
    async (s) => (clientId === null ? undefined : findToleranceByClientId(s, clientId)),
    async (tx) => {
      const row = decode(
        await insertRow(tx, 'tolerance_records', {
          session_id: input.session_id,
          patient_id: input.patient_id,
          home_plan_id: input.home_plan_id ?? null,
          entry: toJsonText(input.entry),
          assessment: toJsonText(input.assessment),
          recorded_by: input.recorded_by,
          recorded_at: toUtcInstant(input.recorded_at),
          client_id: clientId,
        }),
      );
      if (input.stop_reason !== undefined)
        stoppedPlan = await stopActiveHomePlan(tx, input.patient_id, input.stop_reason);
      if (after !== undefined) await after(tx, row);
      return row;
    },
  ).catch(async (e: unknown) => {
    const other = await findToleranceBySession(store, input.session_id);
    if (other !== undefined) {
      throw new IontoError(
        'ION_ERR_CONFLICT',
        `session ${input.session_id} already has a tolerance record (${other.id}); a session has one`,
        { field: 'session_id', existing: other.id },
      );
    }
    throw e;
  });
  if (found.status === 'duplicate' && found.row.session_id !== input.session_id) {
    throw new IontoError(
      'ION_ERR_CONFLICT',
      `client_id ${clientId ?? ''} is already stored for another session's tolerance record`,
      { field: 'client_id', existing: found.row.id },
    );
  }
  return { status: found.status, record: found.row, ...(stoppedPlan === undefined ? {} : { stoppedPlan }) };
}

/** A patient's tolerance records, newest first (by recorded_at, then id). */
export async function listToleranceRecords(
  store: Store,
  patientId: string,
  page: PageRequest = {},
): Promise<Page<ToleranceRecordRow>> {
  const limit = pageLimit(page.limit);
  let q = store.db
    .selectFrom('tolerance_records')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('recorded_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (page.cursor !== undefined) {
    const [at, id] = decodeCursor(page.cursor).split('|');
    if (at !== undefined && id !== undefined) {
      q = q.where((eb) => eb.or([eb('recorded_at', '<', at), eb.and([eb('recorded_at', '=', at), eb('id', '<', id)])]));
    }
  }
  const rows = (await q.execute()).map(decode);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > limit && last !== undefined ? encodeCursor(`${last.recorded_at}|${last.id}`) : undefined,
  };
}

/** The tolerance records of the given sessions, by session id. */
export async function toleranceOfSessions(
  store: Store,
  sessionIds: readonly string[],
): Promise<Map<string, ToleranceRecordRow>> {
  const out = new Map<string, ToleranceRecordRow>();
  if (sessionIds.length === 0) return out;
  const rows = await store.db
    .selectFrom('tolerance_records')
    .selectAll()
    .where('session_id', 'in', sessionIds)
    .execute();
  for (const r of rows) out.set(r.session_id, decode(r));
  return out;
}
