import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { nameKey } from './name-key.js';

/** The SQL family a migration runs on; only the few guarded statements differ. */
export type DialectName = 'sqlite' | 'postgres';

// Migrations see the database as it was when they were written, not as `Database` is today.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** id, created_at, updated_at, version: the columns every mutable table starts with. */
const versioned = (db: AnyDb, table: string) =>
  db.schema
    .createTable(table)
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1));

const initial = (dialect: DialectName): Migration => ({
  async up(db: AnyDb) {
    await versioned(db, 'clinics')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .execute();
    await versioned(db, 'users')
      .addColumn('clinic_id', 'text', (c) => c.references('clinics.id'))
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'clinician', 'nurse', 'patient')`))
      .execute();
    await versioned(db, 'patients')
      .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('birth_date', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.references('users.id'))
      .execute();
    await db.schema.createIndex('patients_clinic').on('patients').columns(['clinic_id', 'id']).execute();
    await versioned(db, 'screenings')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('answers', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      .addColumn('reasons', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('screenings_patient').on('screenings').columns(['patient_id', 'id']).execute();
    await versioned(db, 'courses')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('start_date', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('courses_patient').on('courses').columns(['patient_id', 'id']).execute();
    await versioned(db, 'planned_sessions')
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('local_date', 'text', (c) => c.notNull())
      .addColumn('starts_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addUniqueConstraint('planned_sessions_course_seq', ['course_id', 'seq'])
      .execute();
    await versioned(db, 'devices')
      .addColumn('clinic_id', 'text', (c) => c.notNull().references('clinics.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('simulated', 'serial')`))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .execute();
    await versioned(db, 'sessions')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('zone', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.references('devices.id'))
      .addColumn('status', 'text', (c) =>
        c.notNull().check(sql`status in ('running', 'completed', 'aborted', 'fault', 'interrupted')`),
      )
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('delivered_mamin', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('report', 'text')
      .execute();
    await db.schema.createIndex('sessions_patient').on('sessions').columns(['patient_id', 'id']).execute();
    await db.schema.createIndex('sessions_status').on('sessions').column('status').execute();
    await db.schema
      .createTable('telemetry')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
      .addColumn('t_ms', 'integer', (c) => c.notNull())
      .addColumn('phase', 'text', (c) => c.notNull())
      .addColumn('setpoint', 'double precision', (c) => c.notNull())
      .addColumn('current', 'double precision')
      .addColumn('voltage', 'double precision')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('telemetry_pk', ['session_id', 't_ms'])
      .execute();
    await versioned(db, 'outcomes')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('hdss', 'gravimetry', 'minor', 'diary')`))
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .execute();
    await versioned(db, 'sweat_tests')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    // The audit log's sequence is the one dialect-specific column; its refusal of updates and deletes is a trigger.
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('entity', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    if (dialect === 'postgres') {
      await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
        begin raise exception 'audit_log is append-only'; end $$`.execute(db);
      await sql`create trigger audit_log_no_change before update or delete on audit_log
        for each row execute function audit_log_append_only()`.execute(db);
      // TRUNCATE fires no row triggers; refuse it with a statement trigger.
      await sql`create trigger audit_log_no_truncate before truncate on audit_log
        for each statement execute function audit_log_append_only()`.execute(db);
    } else {
      await sql`create trigger audit_log_no_update before update on audit_log
        begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
      await sql`create trigger audit_log_no_delete before delete on audit_log
        begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    }
  },
});

/** Personal API tokens for scripts: one row per token, looked up by the token's hash. */
const apiTokens: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('expires_at', 'text')
      .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id', 'id']).execute();
    // A device token is looked up by its hash on every agent request.
    await db.schema.createIndex('devices_token_hash').on('devices').column('token_hash').unique().execute();
  },
};

/** The planner options of each course (time of day, open weekdays, closed dates, …), one JSON row per course. */
const courseOptions: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('course_options')
      .addColumn('course_id', 'text', (c) => c.primaryKey().references('courses.id'))
      .addColumn('options', 'text', (c) => c.notNull())
      .execute();
    // The nurse's dashboard of overdue sessions and outcomes listed by time.
    await db.schema
      .createIndex('planned_sessions_status_date')
      .on('planned_sessions')
      .columns(['status', 'local_date'])
      .execute();
    await db.schema
      .createIndex('outcomes_patient_time')
      .on('outcomes')
      .columns(['patient_id', 'recorded_at', 'id'])
      .execute();
  },
};

/**
 * Lookups that scanned a whole table: a patient user's own patient row (every list a patient makes; a full scan at
 * 100,000 patients in the server benchmark) and a patient's sweat tests.
 */
const lookupIndexes: Migration = {
  async up(db: AnyDb) {
    await db.schema.createIndex('patients_user').on('patients').columns(['user_id', 'id']).execute();
    await db.schema.createIndex('sweat_tests_patient').on('sweat_tests').columns(['patient_id', 'id']).execute();
  },
};

/**
 * Patients searchable by name whatever their accents and case, the same way on SQLite and PostgreSQL: a folded copy
 * of the name (see nameKey), filled in for the patients already stored.
 */
const patientNameKey: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('patients').addColumn('name_key', 'text').execute();
    const rows = (await db.selectFrom('patients').select(['id', 'name']).execute()) as { id: string; name: string }[];
    for (const r of rows) {
      await db
        .updateTable('patients')
        .set({ name_key: nameKey(r.name) })
        .where('id', '=', r.id)
        .execute();
    }
  },
};

/** A serial device the server itself drives names its port on the server's computer. */
const devicePort: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('devices').addColumn('port', 'text').execute();
  },
};

/**
 * Home treatment (issue 8): the clinician's home plans, a tolerance record per session, and the client ids that make
 * uploads from an offline home device idempotent. A unique index on a nullable column allows any number of NULLs on
 * both SQLite and PostgreSQL, so only the uploaded rows are keyed; SQLite cannot add a UNIQUE column, so each key is
 * a column plus a unique index.
 */
const homeTreatment: Migration = {
  async up(db: AnyDb) {
    await versioned(db, 'home_plans')
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('course_id', 'text', (c) => c.notNull().references('courses.id'))
      .addColumn('device_id', 'text', (c) => c.references('devices.id'))
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('zone', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('interval_days', 'integer', (c) => c.notNull())
      .addColumn('pin_ma', 'double precision')
      .addColumn('cap_ma', 'double precision')
      .addColumn('warning_signs', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'stopped', 'ended')`))
      .addColumn('stopped_reason', 'text')
      .addColumn('review_note', 'text')
      .addColumn('reviewed_at', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('home_plans_patient').on('home_plans').columns(['patient_id', 'created_at']).execute();
    await versioned(db, 'tolerance_records')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id'))
      .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
      .addColumn('home_plan_id', 'text', (c) => c.references('home_plans.id'))
      .addColumn('entry', 'text', (c) => c.notNull())
      .addColumn('assessment', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .execute();
    await db.schema
      .createIndex('tolerance_records_session')
      .on('tolerance_records')
      .column('session_id')
      .unique()
      .execute();
    await db.schema
      .createIndex('tolerance_records_client')
      .on('tolerance_records')
      .column('client_id')
      .unique()
      .execute();
    await db.schema
      .createIndex('tolerance_records_patient')
      .on('tolerance_records')
      .columns(['patient_id', 'recorded_at'])
      .execute();
    await db.schema.alterTable('sessions').addColumn('client_id', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('home_plan_id', 'text').execute();
    await db.schema.createIndex('sessions_client').on('sessions').column('client_id').unique().execute();
    await db.schema.createIndex('sessions_home_plan').on('sessions').columns(['home_plan_id', 'started_at']).execute();
    await db.schema.alterTable('outcomes').addColumn('client_id', 'text').execute();
    await db.schema.createIndex('outcomes_client').on('outcomes').column('client_id').unique().execute();
  },
};

/** Every migration, in order, keyed by a name that sorts in that order. */
export const migrationsFor = (dialect: DialectName): Record<string, Migration> => ({
  '0001-initial': initial(dialect),
  '0002-api-tokens': apiTokens,
  '0003-course-options': courseOptions,
  '0004-lookup-indexes': lookupIndexes,
  '0005-patient-name-key': patientNameKey,
  '0006-device-port': devicePort,
  '0007-home-treatment': homeTreatment,
});

/** The in-code provider the Kysely Migrator reads. */
export const migrationProvider = (dialect: DialectName): MigrationProvider => ({
  getMigrations: async () => migrationsFor(dialect),
});
