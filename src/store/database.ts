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
  /** The id an offline home device gave a session it uploaded (unique); null for a session the server started. */
  client_id: string | null;
  /** The home plan the session was held under, if any. */
  home_plan_id: string | null;
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
  /**
   * The id an offline home device gave an uploaded record (unique); null otherwise. Optional on insert: an outcome
   * recorded at the server has none.
   */
  client_id?: string | null;
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
  /** A serial device's port on the server's computer (for example /dev/ttyUSB0), when the server drives it. */
  port: string | null;
}

export type HomePlanStatus = 'active' | 'stopped' | 'ended';
export const HOME_PLAN_STATUSES: readonly HomePlanStatus[] = ['active', 'stopped', 'ended'];

/** A course's maintenance phase handed over to the patient's home: one protocol zone at an interval. */
export interface HomePlansTable extends VersionedColumns {
  patient_id: string;
  course_id: string;
  device_id: string | null;
  protocol: string;
  zone: string;
  mode: string;
  interval_days: number;
  /** A clinician's pin / cap on the titrated current (mA). */
  pin_ma: number | null;
  cap_ma: number | null;
  /** JSON text: string[]. */
  warning_signs: string;
  /** 'stopped': refused sessions until a clinician's review (burn, vesicles); 'ended': replaced or closed. */
  status: HomePlanStatus;
  stopped_reason: string | null;
  /** The clinician's note when a stopped plan was made active again, and when. */
  review_note: string | null;
  reviewed_at: string | null;
  created_by: string;
}

/** How a session was tolerated: one per session (unique), as the operator or patient recorded it. */
export interface ToleranceRecordsTable extends VersionedColumns {
  session_id: string;
  patient_id: string;
  home_plan_id: string | null;
  /** JSON text of the clinic layer's ToleranceEntry. */
  entry: string;
  /** JSON text of the ToleranceAssessment made when it was recorded. */
  assessment: string;
  recorded_by: string;
  recorded_at: string;
  /** The id an offline home device gave the record (unique); null otherwise. */
  client_id: string | null;
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
  home_plans: HomePlansTable;
  tolerance_records: ToleranceRecordsTable;
}
