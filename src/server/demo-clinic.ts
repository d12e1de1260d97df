/**
 * The demo clinic `ionto serve` seeds into an empty database, so a first start has something to sign in to: a clinic
 * whose name says it is demo data, one user per role sharing a random password made at that start, a few invented
 * patients with a screening and a planned course each, and a registered simulated device.
 */
import { randomBytes } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import { planCourse } from '../clinic/course-plan.js';
import { screen } from '../clinic/screening.js';
import { noToEverything } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import {
  appendAudit,
  createClinic,
  createDevice,
  createPatient,
  createScreening,
  inTransaction,
  insertRow,
} from '../store/index.js';
import type { Clinic, DeviceRow, Patient, Role, Store, User } from '../store/index.js';
import { createUserWithPassword } from './passwords.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';

export const DEMO_CLINIC_NAME = 'Demo clinic (demo data)';

/** The demo users' addresses: `.test` is reserved (RFC 2606), so no mail can ever reach anyone. */
export const DEMO_EMAILS: Readonly<Record<Role, string>> = {
  admin: 'admin@demo-clinic.test',
  clinician: 'clinician@demo-clinic.test',
  nurse: 'nurse@demo-clinic.test',
  patient: 'patient@demo-clinic.test',
};

/** Invented people: name, birth date, the protocol of their course. The first is linked to the patient user. */
const DEMO_PATIENTS: readonly { name: string; birth_date: string; protocol: string }[] = [
  { name: 'Demo Patient Alex', birth_date: '1994-03-12', protocol: 'tapwater-palms' },
  { name: 'Demo Patient Sam', birth_date: '1987-09-30', protocol: 'tapwater-axillae' },
  { name: 'Demo Patient Robin', birth_date: '2001-06-05', protocol: 'tapwater-soles' },
  { name: 'Demo Patient Kim', birth_date: '1979-12-19', protocol: 'tapwater-palms-soles' },
];

export interface DemoClinic {
  clinic: Clinic;
  users: Record<Role, User>;
  /** The one password of every demo user, made at random when the clinic was seeded; shown once, never stored. */
  password: string;
  patients: Patient[];
  device: DeviceRow;
}

/** True when the database holds no clinic and no user: a first start. */
export async function isEmptyDatabase(store: Store): Promise<boolean> {
  const clinic = await store.db.selectFrom('clinics').select('id').limit(1).executeTakeFirst();
  const user = await store.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return clinic === undefined && user === undefined;
}

/** The machine's IANA zone when the store accepts it, else UTC. */
function localZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof zone === 'string' && IANAZone.isValidZone(zone) && /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone)
    ? zone
    : 'UTC';
}

/** A password of 16 URL-safe characters (96 random bits). */
export const newDemoPassword = (): string => randomBytes(12).toString('base64url');

/**
 * Seeds the demo clinic in one transaction (all of it or nothing) when the database is empty; returns undefined and
 * changes nothing otherwise. Patient rows are audited as created by `system`.
 */
export async function seedDemoClinic(
  store: Store,
  options: { password?: string; timeZone?: string } = {},
): Promise<DemoClinic | undefined> {
  if (!(await isEmptyDatabase(store))) return undefined;
  const password = options.password ?? newDemoPassword();
  const tz = options.timeZone ?? localZone();
  const now = store.now();
  const today = DateTime.fromJSDate(now, { zone: tz }).toISODate() ?? now.toISOString().slice(0, 10);
  return inTransaction(store, async (tx) => {
    // Checked again inside the transaction. Two servers started at the same moment on one PostgreSQL may both see it
    // empty; the second then fails on the users' unique emails and its transaction rolls back, so one demo stays.
    if (!(await isEmptyDatabase(tx))) return undefined;
    const clinic = await createClinic(tx, { name: DEMO_CLINIC_NAME, time_zone: tz });
    const user = (role: Role) =>
      createUserWithPassword(tx, { email: DEMO_EMAILS[role], password, role, clinic_id: clinic.id });
    const users: Record<Role, User> = {
      admin: await user('admin'),
      clinician: await user('clinician'),
      nurse: await user('nurse'),
      patient: await user('patient'),
    };
    const patients: Patient[] = [];
    for (const [k, spec] of DEMO_PATIENTS.entries()) {
      const p = await createPatient(tx, {
        clinic_id: clinic.id,
        name: spec.name,
        birth_date: spec.birth_date,
        time_zone: tz,
        user_id: k === 0 ? users.patient.id : null,
      });
      await appendAudit(tx, { actor: 'system', action: 'patient.create', entity: 'patients', entity_id: p.id });
      const protocol = findProtocol(spec.protocol);
      const age = Math.floor(DateTime.fromISO(today).diff(DateTime.fromISO(spec.birth_date), 'years').years);
      const answers = noToEverything(age);
      const screening = screen(protocol, answers);
      await createScreening(tx, {
        patient_id: p.id,
        protocol: protocol.id,
        answers,
        result: screening.result,
        reasons: screening.reasons,
        answered_at: now,
      });
      await appendAudit(tx, { actor: 'system', action: 'screening.create', entity: 'patients', entity_id: p.id });
      const plan = planCourse({ protocol, start: today, tz, now: now.toISOString() });
      // The course's rows straight through insertRow: createCourse opens a transaction of its own, and this one
      // is already open.
      const course = await insertRow(tx, 'courses', {
        patient_id: p.id,
        protocol: protocol.id,
        template: plan.timing.template,
        start_date: plan.firstDate,
        time_zone: tz,
      });
      for (const [i, s] of plan.sessions.entries()) {
        await insertRow(tx, 'planned_sessions', {
          course_id: course.id,
          seq: i + 1,
          phase: s.phase,
          local_date: s.date,
          starts_at: s.startsAt,
          status: s.status,
        });
      }
      await appendAudit(tx, { actor: 'system', action: 'course.create', entity: 'patients', entity_id: p.id });
      patients.push(p);
    }
    // The server hosts the simulated device in its own process, so nobody needs a token for it: only the hash of a
    // token that was never shown is stored.
    const device = await createDevice(tx, {
      clinic_id: clinic.id,
      kind: 'simulated',
      name: 'Demo simulated device',
      token_hash: hashSecretToken(newSecretToken('device')),
    });
    return { clinic, users, password, patients, device };
  });
}
