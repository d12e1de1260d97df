import type { Generated } from 'kysely';

/**
 * The one `Database` type both backends share (SQLite embedded, PostgreSQL). Rows are stored without importing the
 * clinic layer: structured values (screening answers, session reports, outcome values) are JSON text columns.
 *
 * Every instant is a UTC ISO-8601 string (`2026-11-21T09:00:00.000Z`): it compares and sorts as text the same way in
 * both backends and round-trips exactly. Every clinic and patient carries an IANA time zone.
 */

/** Columns every mutable row has: a text id, UTC creation and update instants and a version for optimistic locking. */
export interface VersionedColumns {
  id: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export type Role = 'admin' | 'clinician' | 'nurse' | 'patient';
export const ROLES: readonly Role[] = ['admin', 'clinician', 'nurse', 'patient'];

export type StoredSessionStatus = 'running' | 'completed' | 'aborted' | 'fault' | 'interrupted';
export const SESSION_STATUSES: readonly StoredSessionStatus[] = [
  'running',
  'completed',
  'aborted',
  'fault',
  'interrupted',
];

export type OutcomeKind = 'hdss' | 'gravimetry' | 'minor' | 'diary';
export type DeviceKind = 'simulated' | 'serial';

export interface ClinicsTable extends VersionedColumns {
  name: string;
  time_zone: string;
}

export interface UsersTable extends VersionedColumns {
  clinic_id: string | null;
  email: string;
  password_hash: string | null;
  role: Role;
}

export interface PatientsTable extends VersionedColumns {
  clinic_id: string;
  name: string;
  /** Local calendar date, `YYYY-MM-DD`. */
  birth_date: string;
  time_zone: string;
  user_id: string | null;
  /** The name folded for search (no accents, lower case, single spaces); set by the store from `name`. */
  name_key: string | null;
}

export interface ScreeningsTable extends VersionedColumns {
  patient_id: string;
  protocol: string;
  /** JSON text. */
  answers: string;
  result: string;
  /** JSON text. */
  reasons: string;
  answered_at: string;
}

export interface CoursesTable extends VersionedColumns {
  patient_id: string;
  protocol: string;
  template: string;
  /** Local calendar date of the first session, `YYYY-MM-DD`, in `time_zone`. */
  start_date: string;
  time_zone: string;
}

export interface PlannedSessionsTable extends VersionedColumns {
  course_id: string;
  /** Position in the course, from 1. */
  seq: number;
  phase: string;
  /** Local calendar date in the course's zone, `YYYY-MM-DD`. */
  local_date: string;
  starts_at: string;
  status: string;
}

export interface SessionsTable extends VersionedColumns {
  patient_id: string;
  protocol: string;
  zone: string;
  device_id: string | null;
  status: StoredSessionStatus;
  started_at: string;
  ended_at: string | null;
  /** Delivered charge in mA·min. */
  delivered_mamin: number;
  /** JSON text of the engine's SessionReport, once finished. */
  report: string | null;
}

/** One telemetry sample; append-only, keyed by (session_id, t_ms) so a retried batch cannot duplicate a sample. */
export interface TelemetryTable {
  session_id: string;
  t_ms: number;
  phase: string;
  setpoint: number;
  /** Measured current (mA), null when no sample arrived. */
  current: number | null;
  voltage: number | null;
  created_at: string;
}

export interface OutcomesTable extends VersionedColumns {
  patient_id: string;
  kind: OutcomeKind;
  /** JSON text. */
  value: string;
  recorded_at: string;
}

export interface SweatTestsTable extends VersionedColumns {
  patient_id: string;
  status: string;
  /** JSON text. */
  data: string;
}

export interface DevicesTable extends VersionedColumns {
  clinic_id: string;
  kind: DeviceKind;
  name: string;
  token_hash: string;
}

/** A personal API token for scripts: only the SHA-256 of the token is stored; the token itself is shown once. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  /** UTC instant after which the token is refused; null for a token that does not expire. */
  expires_at: string | null;
}

/** The planner options a course was planned with (JSON text), kept so a reschedule re-plans with the same ones. */
export interface CourseOptionsTable {
  course_id: string;
  options: string;
}

/** Append-only: who did what to which entity, and when. Never patient data. */
export interface AuditLogTable {
  /** Generated sequence number: the order of appending. */
  seq: Generated<number>;
  actor: string;
  action: string;
  entity: string;
  entity_id: string;
  at: string;
}

export interface Database {
  clinics: ClinicsTable;
  users: UsersTable;
  patients: PatientsTable;
  screenings: ScreeningsTable;
  courses: CoursesTable;
  planned_sessions: PlannedSessionsTable;
  sessions: SessionsTable;
  telemetry: TelemetryTable;
  outcomes: OutcomesTable;
  sweat_tests: SweatTestsTable;
  devices: DevicesTable;
  audit_log: AuditLogTable;
  course_options: CourseOptionsTable;
  api_tokens: ApiTokensTable;
}
