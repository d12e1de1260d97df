import { IontoError } from '../errors/catalogue.js';
import type { StoredSessionStatus } from './database.js';
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { deliveredFromTelemetry } from './telemetry.js';
import { toUtcInstant } from './store-time.js';
import { inTransaction } from './transaction.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';

/** A stored treatment session; `report` is the engine's SessionReport once the session has ended. */
export interface SessionRecord extends Omit<Row<'sessions'>, 'report'> {
  report: unknown;
}

export interface NewSession {
  patient_id: string;
  protocol: string;
  zone: string;
  device_id?: string | null;
  started_at?: Date | string;
  /** The home plan the session is held under. */
  home_plan_id?: string | null;
  /** The id a home device gave the session (unique). */
  client_id?: string | null;
}

/** A session a home device ran offline and uploads once it has ended. */
export interface UploadedSession {
  patient_id: string;
  protocol: string;
  zone: string;
  device_id?: string | null;
  home_plan_id?: string | null;
  client_id: string;
  status: FinalStatus;
  started_at: Date | string;
  ended_at: Date | string;
  delivered_mamin: number;
  report: unknown;
}

export type FinalStatus = Exclude<StoredSessionStatus, 'running' | 'interrupted'>;

export interface SessionEnd {
  status: FinalStatus;
  /** Delivered charge (mA·min); taken from `report.delivered_mAmin` when absent. */
  delivered_mamin?: number;
  /** The engine's SessionReport (stored as JSON). */
  report?: unknown;
  ended_at?: Date | string;
}

const decode = (row: Row<'sessions'>): SessionRecord => ({
  ...row,
  delivered_mamin: Number(row.delivered_mamin),
  report: row.report === null ? null : fromJsonText(row.report),
});

/** Records a session as running from now (or `started_at`). */
export const startSession = async (store: Store, input: NewSession): Promise<SessionRecord> =>
  decode(
    await insertRow(store, 'sessions', {
      patient_id: input.patient_id,
      protocol: input.protocol,
      zone: input.zone,
      device_id: input.device_id ?? null,
      status: 'running',
      started_at: toUtcInstant(input.started_at ?? store.now()),
      ended_at: null,
      delivered_mamin: 0,
      report: null,
      client_id: input.client_id ?? null,
      home_plan_id: input.home_plan_id ?? null,
    }),
  );

/**
 * Stores a session that has already ended (uploaded by an offline home device). Its `client_id` is unique: a second
 * insert of the same one fails with the backend's unique violation (see home-sync.ts).
 */
export async function insertUploadedSession(store: Store, input: UploadedSession): Promise<SessionRecord> {
  const started = toUtcInstant(input.started_at);
  const ended = toUtcInstant(input.ended_at);
  if (ended < started) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `ended_at (${ended}) is before started_at (${started})`, {
      field: 'ended_at',
    });
  }
  if (!Number.isFinite(input.delivered_mamin) || input.delivered_mamin < 0) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', 'delivered_mAmin must be a finite number ≥ 0', {
      field: 'delivered_mAmin',
    });
  }
  return decode(
    await insertRow(store, 'sessions', {
      patient_id: input.patient_id,
      protocol: input.protocol,
      zone: input.zone,
      device_id: input.device_id ?? null,
      status: input.status,
      started_at: started,
      ended_at: ended,
      delivered_mamin: input.delivered_mamin,
      report: toJsonText(input.report),
      client_id: input.client_id,
      home_plan_id: input.home_plan_id ?? null,
    }),
  );
}

export const getSession = async (store: Store, id: string): Promise<SessionRecord> =>
  decode(await getRow(store, 'sessions', id));

export const listSessions = async (
  store: Store,
  page?: PageRequest,
  filter: { patient_id?: string; status?: StoredSessionStatus } = {},
): Promise<Page<SessionRecord>> => {
  const p = await listRows(store, 'sessions', page, filter);
  return { items: p.items.map(decode), next: p.next };
};

export const updateSession = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: { protocol?: string; zone?: string; device_id?: string | null },
): Promise<SessionRecord> => decode(await updateRow(store, 'sessions', id, expectedVersion, patch));

async function runningSession(store: Store, id: string): Promise<SessionRecord> {
  const s = await getSession(store, id);
  if (s.status !== 'running') {
    throw new IontoError('ION_ERR_CONFLICT', `session ${id} has already ended (${s.status})`, {
      id,
      status: s.status,
    });
  }
  return s;
}

function reportedDose(report: unknown): number | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const d = (report as { delivered_mAmin?: unknown }).delivered_mAmin;
  return typeof d === 'number' && Number.isFinite(d) ? d : undefined;
}

/** Ends a running session with its final status, dose and report. An ended session cannot be finished again. */
export const finishSession = (store: Store, id: string, end: SessionEnd): Promise<SessionRecord> =>
  inTransaction(store, async (tx) => {
    const s = await runningSession(tx, id);
    const delivered = end.delivered_mamin ?? reportedDose(end.report) ?? (await deliveredFromTelemetry(tx, id));
    return decode(
      await updateRow(tx, 'sessions', id, s.version, {
        status: end.status,
        ended_at: toUtcInstant(end.ended_at ?? tx.now()),
        delivered_mamin: delivered,
        report: end.report === undefined ? null : toJsonText(end.report),
      }),
    );
  });

/**
 * Marks a running session interrupted (its process died): the delivered dose is the stored measured current
 * integrated over time, and it ends at its last stored sample (or now when none was stored).
 */
export const markInterrupted = (store: Store, id: string): Promise<SessionRecord> =>
  inTransaction(store, async (tx) => {
    const s = await runningSession(tx, id);
    const delivered = await deliveredFromTelemetry(tx, id);
    const last = await tx.db
      .selectFrom('telemetry')
      .select((eb) => eb.fn.max('t_ms').as('t'))
      .where('session_id', '=', id)
      .executeTakeFirst();
    const lastMs = last?.t === null || last?.t === undefined ? undefined : Number(last.t);
    const endedAt = lastMs === undefined ? tx.now() : new Date(Date.parse(s.started_at) + lastMs);
    return decode(
      await updateRow(tx, 'sessions', id, s.version, {
        status: 'interrupted',
        ended_at: toUtcInstant(endedAt),
        delivered_mamin: delivered,
      }),
    );
  });

/** On start-up: every session still marked running belongs to a dead process; mark each interrupted. */
export async function interruptRunningSessions(store: Store): Promise<SessionRecord[]> {
  const running = await store.db.selectFrom('sessions').select('id').where('status', '=', 'running').execute();
  const out: SessionRecord[] = [];
  for (const { id } of running) out.push(await markInterrupted(store, id));
  return out;
}
