import { IontoError } from '../errors/catalogue.js';
import type { OutcomeKind } from './database.js';
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import type { OutcomeRecord } from './outcomes.js';
import type { ScreeningRecord } from './screenings.js';
import { assertLocalDate, toUtcInstant } from './store-time.js';
import { pageLimit } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';

/**
 * The queries of course follow-up that the plain repositories do not answer: a course's planner options, the latest
 * screening of a protocol, outcomes in a time window, and planned sessions still open before a date. Pages here are
 * keyset pages in time order (the cursor names the last row's time and id), so every row appears on exactly one page.
 */

/** A course with its patient, in one query (the access check needs the patient of every course read). */
export async function findCourseWithPatient(
  store: Store,
  id: string,
): Promise<{ course: Row<'courses'>; patient: Row<'patients'> } | undefined> {
  const r = await store.db
    .selectFrom('courses as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .selectAll('c')
    .select([
      'p.clinic_id as p_clinic_id',
      'p.name as p_name',
      'p.birth_date as p_birth_date',
      'p.time_zone as p_time_zone',
      'p.user_id as p_user_id',
      'p.name_key as p_name_key',
      'p.version as p_version',
      'p.created_at as p_created_at',
      'p.updated_at as p_updated_at',
    ])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (r === undefined) return undefined;
  const {
    p_clinic_id,
    p_name,
    p_birth_date,
    p_time_zone,
    p_user_id,
    p_name_key,
    p_version,
    p_created_at,
    p_updated_at,
    ...course
  } = r;
  return {
    course,
    patient: {
      id: course.patient_id,
      clinic_id: p_clinic_id,
      name: p_name,
      birth_date: p_birth_date,
      time_zone: p_time_zone,
      user_id: p_user_id,
      name_key: p_name_key,
      version: p_version,
      created_at: p_created_at,
      updated_at: p_updated_at,
    },
  };
}

/** Keeps the planner options a course was planned with (JSON), so later re-plans use the same ones. */
export async function saveCourseOptions(store: Store, courseId: string, options: unknown): Promise<void> {
  await store.db
    .insertInto('course_options')
    .values({ course_id: courseId, options: toJsonText(options) })
    .execute();
}

/** The planner options of a course, or undefined for a course stored without them. */
export async function findCourseOptions(store: Store, courseId: string): Promise<unknown> {
  const row = await store.db
    .selectFrom('course_options')
    .select('options')
    .where('course_id', '=', courseId)
    .executeTakeFirst();
  return row === undefined ? undefined : fromJsonText(row.options);
}

/** The patient's latest screening for a protocol (by the time it was answered), or undefined if there is none. */
export async function latestScreening(
  store: Store,
  patientId: string,
  protocol: string,
): Promise<ScreeningRecord | undefined> {
  const row = await store.db
    .selectFrom('screenings')
    .selectAll()
    .where('patient_id', '=', patientId)
    .where('protocol', '=', protocol)
    .orderBy('answered_at', 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { ...row, answers: fromJsonText(row.answers), reasons: fromJsonText(row.reasons) };
}

const encodeKey = (a: string, id: string): string => Buffer.from(JSON.stringify([a, id]), 'utf8').toString('base64url');

function decodeKey(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // falls through to the refusal
  }
  throw new IontoError('ION_ERR_OUT_OF_RANGE', 'the cursor is not one this list issued', { field: 'cursor' });
}

export interface OutcomeWindow {
  patient_id: string;
  kind?: OutcomeKind;
  /** Instants, inclusive: recorded at or after `from`, at or before `to`. */
  from?: Date | string;
  to?: Date | string;
}

/** A patient's outcomes in time order (recorded_at, then id), optionally of one kind and within a time window. */
export async function listOutcomesInWindow(
  store: Store,
  window: OutcomeWindow,
  page: PageRequest = {},
): Promise<Page<OutcomeRecord>> {
  const limit = pageLimit(page.limit);
  let q = store.db
    .selectFrom('outcomes')
    .selectAll()
    .where('patient_id', '=', window.patient_id)
    .orderBy('recorded_at')
    .orderBy('id')
    .limit(limit + 1);
  if (window.kind !== undefined) q = q.where('kind', '=', window.kind);
  if (window.from !== undefined) q = q.where('recorded_at', '>=', toUtcInstant(window.from));
  if (window.to !== undefined) q = q.where('recorded_at', '<=', toUtcInstant(window.to));
  if (page.cursor !== undefined) {
    const [at, id] = decodeKey(page.cursor);
    q = q.where((eb) => eb.or([eb('recorded_at', '>', at), eb.and([eb('recorded_at', '=', at), eb('id', '>', id)])]));
  }
  const rows = await q.execute();
  const items = rows.slice(0, limit).map((r) => ({ ...r, value: fromJsonText(r.value) }));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeKey(last.recorded_at, last.id) : undefined };
}

/** A planned session with what a worklist or the dashboard needs to show it: its course's protocol and zone, and the patient. */
export interface OpenPlannedSession extends Row<'planned_sessions'> {
  protocol: string;
  /** The course's zone, the one its local dates are in (the patient's when the course was planned). */
  time_zone: string;
  patient_id: string;
  /** The patient's name, for lists staff read (the dashboard). */
  patient_name: string;
}

/** Planned sessions joined to their course (protocol, zone) and patient (id, name): the rows of the lists below. */
const plannedWithCourse = (store: Store) =>
  store.db
    .selectFrom('planned_sessions as ps')
    .innerJoin('courses as c', 'c.id', 'ps.course_id')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .selectAll('ps')
    .select(['c.protocol as protocol', 'c.time_zone as time_zone', 'p.id as patient_id', 'p.name as patient_name']);

export interface OpenSessionFilter {
  /** Status of the planned sessions ('planned' for the ones not yet done, missed or cancelled). */
  status: string;
  /** Local dates on or before this one. */
  onOrBefore: string;
  clinic_id?: string;
  patient_id?: string;
}

/**
 * Planned sessions of a status on or before a local date, in date order (local_date, then id), with their course's
 * protocol and zone; for one patient or every patient of a clinic.
 */
export async function listOpenPlannedSessions(
  store: Store,
  filter: OpenSessionFilter,
  page: PageRequest = {},
): Promise<Page<OpenPlannedSession>> {
  const limit = pageLimit(page.limit);
  let q = plannedWithCourse(store)
    .where('ps.status', '=', filter.status)
    .where('ps.local_date', '<=', assertLocalDate(filter.onOrBefore))
    .orderBy('ps.local_date')
    .orderBy('ps.id')
    .limit(limit + 1);
  if (filter.clinic_id !== undefined) q = q.where('p.clinic_id', '=', filter.clinic_id);
  if (filter.patient_id !== undefined) q = q.where('p.id', '=', filter.patient_id);
  if (page.cursor !== undefined) {
    const [date, id] = decodeKey(page.cursor);
    q = q.where((eb) =>
      eb.or([eb('ps.local_date', '>', date), eb.and([eb('ps.local_date', '=', date), eb('ps.id', '>', id)])]),
    );
  }
  const rows = await q.execute();
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeKey(last.local_date, last.id) : undefined };
}

/**
 * One page of a clinic's planned sessions, any status, whose local date lies in [from, to], by start instant then id
 * (keyset paging: each row on exactly one page).
 */
export async function listClinicPlannedSessionsInRange(
  store: Store,
  clinicId: string,
  range: { from: string; to: string },
  page: PageRequest = {},
): Promise<Page<OpenPlannedSession>> {
  const limit = pageLimit(page.limit);
  let q = plannedWithCourse(store)
    .where('p.clinic_id', '=', clinicId)
    .where('ps.local_date', '>=', assertLocalDate(range.from))
    .where('ps.local_date', '<=', assertLocalDate(range.to))
    .orderBy('ps.starts_at')
    .orderBy('ps.id')
    .limit(limit + 1);
  if (page.cursor !== undefined) {
    const [at, id] = decodeKey(page.cursor);
    q = q.where((eb) =>
      eb.or([eb('ps.starts_at', '>', at), eb.and([eb('ps.starts_at', '=', at), eb('ps.id', '>', id)])]),
    );
  }
  const rows = await q.execute();
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeKey(last.starts_at, last.id) : undefined };
}

/** Every planned session of every course of a patient, in date order. */
export async function listPatientPlannedSessions(
  store: Store,
  patientId: string,
): Promise<(Row<'planned_sessions'> & { protocol: string })[]> {
  return store.db
    .selectFrom('planned_sessions as ps')
    .innerJoin('courses as c', 'c.id', 'ps.course_id')
    .selectAll('ps')
    .select('c.protocol as protocol')
    .where('c.patient_id', '=', patientId)
    .orderBy('ps.local_date')
    .orderBy('ps.seq')
    .execute();
}
