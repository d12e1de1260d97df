/**
 * Who may call which route. Every route the built server registers must have a row below, and every row a route:
 * a new route without a row fails this suite, so adding a route means deciding, in one line, who may call it.
 *
 * A row is `[route, outcomes, request]`. `outcomes` lists, in the order of PRINCIPALS, what each principal gets:
 * `ok` for any 2xx, otherwise the exact status. `request` builds the request (url, body, extra headers); the
 * principal's credentials are added by the suite. For a refused write (any method but GET), the suite also checks
 * that no table changed (the audit log aside, which may record the refusal).
 */
import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessTolerance } from '../clinic/tolerance.js';
import { sweatTestScreeningItems } from '../clinic/sweat-test.js';
import {
  createApiToken,
  createDevice,
  createUser,
  currentHomePlan,
  findRow,
  insertUploadedSession,
  recordTolerance,
  startSession,
} from '../store/index.js';
import type { Role, User } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { answers } from './follow-up-fixtures.js';
import { hashPassword } from './passwords.js';
import { registeredRoutes } from './route-table.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';
import { adminWorld, bearer, issueToken, PASSWORD, signIn } from './security-fixtures.js';
import type { AdminWorld } from './security-fixtures.js';
import { tableSnapshot } from './table-snapshot.js';
import type { Signed } from './test-fixtures.js';

/**
 * Anonymous; patient, nurse, clinician and admin of clinic A; the installation admin (no clinic); clinic B's admin and
 * nurse (another clinic's staff); a device of clinic A (its token); a script token of clinic A's admin.
 */
const PRINCIPALS = [
  'anon',
  'patient',
  'nurse',
  'clinician',
  'admin',
  'install',
  'otherAdmin',
  'otherNurse',
  'device',
  'script',
] as const;
type Principal = (typeof PRINCIPALS)[number];

/** What a request builder gets: the world, the principal's user (none for anon and device) and helpers. */
interface Fx {
  w: AdminWorld;
  user: User | undefined;
  clinicA: string;
  clinicB: string;
  /** A new user of clinic A, for routes that change or disable the user they name. */
  freshUser(role?: Role): Promise<User>;
  /** A new device of clinic A, for routes that rotate its token. */
  freshDevice(): Promise<string>;
  /** A new script token of `userId`, for routes that revoke it; its row id. */
  freshTokenId(userId: string): Promise<string>;
  /** The current ETag of a row. */
  etag(table: 'patients' | 'clinics' | 'users' | 'outcomes' | 'courses', id: string): Promise<string>;
  unique(): string;
  /** Rows of patient ownA (clinic A) made by nurse A before the rows run, for the routes that name them. */
  ids: { screening: string; course: string; outcome: string; sweatTest: string; session: string };
  /** The next planned session of the fixture course (1, 2, 3, …), with If-Match of its current version. */
  plannedSession(): Promise<Req>;
  /** A new sweat test of ownA, ordered by nurse A, for routes that move it on. */
  freshSweatTest(): Promise<string>;
}
/** A request; `ws` opens a WebSocket (an upgrade) instead of a plain HTTP request. */
type Req = Pick<InjectOptions, 'url' | 'payload'> & { headers?: Record<string, string>; ws?: boolean };
type Row = [route: string, outcomes: string, request: (f: Fx) => Req | Promise<Req>];

const U = (url: string) => () => ({ url });

// One line per route; prettier leaves this table alone so each row stays one line.
//   outcomes, in PRINCIPALS order: anon patient nurse clinician admin install otherAdmin otherNurse device script
// prettier-ignore
const ROWS: Row[] = [
  ['GET /api/health',                ' ok  ok  ok  ok  ok  ok  ok  ok  ok  ok', U('/api/health')],
  ['GET /api/openapi.json',          ' ok  ok  ok  ok  ok  ok  ok  ok  ok  ok', U('/api/openapi.json')],
  // sign-in
  ['POST /api/auth/sign-in',         ' ok  ok  ok  ok  ok  ok  ok  ok  ok  ok', async (f) => ({ url: '/api/auth/sign-in', payload: { email: (await f.freshUser()).email, password: PASSWORD } })],
  ['POST /api/auth/sign-out',        '401  ok  ok  ok  ok  ok  ok  ok 401 403', U('/api/auth/sign-out')],
  ['GET /api/auth/me',               '401  ok  ok  ok  ok  ok  ok  ok 401 403', U('/api/auth/me')],
  // patients
  ['GET /api/patients',              '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/patients')],
  ['POST /api/patients',             '401 403  ok  ok  ok 403  ok  ok 401  ok', () => ({ url: '/api/patients', payload: { name: 'Matrix Patient', birth_date: '1980-01-01', time_zone: 'Europe/Berlin' } })],
  ['GET /api/patients/:id',          '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}` })],
  ['PATCH /api/patients/:id',        '401 403  ok  ok  ok 404 404 404 401  ok', async (f) => ({ url: `/api/patients/${f.w.patients.otherA.id}`, headers: { 'if-match': await f.etag('patients', f.w.patients.otherA.id) }, payload: { name: 'Otto Other' } })],
  // clinics
  ['GET /api/clinics',               '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/clinics')],
  ['POST /api/clinics',              '401 403 403 403 403  ok 403 403 401 403', () => ({ url: '/api/clinics', payload: { name: 'Matrix Clinic', time_zone: 'Europe/Paris' } })],
  ['GET /api/clinics/:id',           '401  ok  ok  ok  ok  ok 404 404 401  ok', (f) => ({ url: `/api/clinics/${f.clinicA}` })],
  ['PATCH /api/clinics/:id',         '401 403 403 403  ok  ok 404 404 401  ok', async (f) => ({ url: `/api/clinics/${f.clinicA}`, headers: { 'if-match': await f.etag('clinics', f.clinicA) }, payload: { name: 'Clinic A' } })],
  // users (admins)
  ['GET /api/users',                 '401 403 403 403  ok  ok  ok 403 401  ok', U('/api/users')],
  ['POST /api/users',                '401 403 403 403  ok  ok 404 403 401  ok', (f) => ({ url: '/api/users', payload: { email: `${f.unique()}@a.test`, password: PASSWORD, role: 'nurse', clinic_id: f.clinicA } })],
  ['GET /api/users/:id',             '401 403 403 403  ok  ok 404 403 401  ok', (f) => ({ url: `/api/users/${f.w.users.nurseA.id}` })],
  ['PATCH /api/users/:id',           '401 403 403 403  ok  ok 404 403 401  ok', async (f) => ({ url: `/api/users/${(await f.freshUser()).id}`, headers: { 'if-match': '"1"' }, payload: { role: 'clinician' } })],
  ['POST /api/users/:id/disable',    '401 403 403 403  ok  ok 404 403 401  ok', async (f) => ({ url: `/api/users/${(await f.freshUser()).id}/disable` })],
  ['POST /api/users/:id/password',   '401 403 403 403  ok  ok 404 403 401  ok', async (f) => ({ url: `/api/users/${(await f.freshUser()).id}/password`, payload: { password: 'a brand new passphrase' } })],
  // own account
  ['GET /api/account',               '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/account')],
  ['POST /api/account/password',     '401  ok  ok  ok  ok  ok  ok  ok 401 403', () => ({ url: '/api/account/password', payload: { current_password: PASSWORD, new_password: PASSWORD } })],
  ['GET /api/account/tokens',        '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/account/tokens')],
  ['POST /api/account/tokens',       '401  ok  ok  ok  ok  ok  ok  ok 401 403', () => ({ url: '/api/account/tokens', payload: { name: 'matrix' } })],
  ['DELETE /api/account/tokens/:id', '401  ok  ok  ok  ok  ok  ok  ok 401  ok', async (f) => ({ url: `/api/account/tokens/${await f.freshTokenId(f.user?.id ?? f.w.admins.a.id)}` })],
  // devices
  ['GET /api/devices',               '401 403  ok  ok  ok 403  ok  ok 401  ok', U('/api/devices')],
  ['POST /api/devices',              '401 403 403 403  ok 403  ok 403 401  ok', () => ({ url: '/api/devices', payload: { kind: 'simulated', name: 'Matrix tray' } })],
  ['GET /api/devices/self',          '401 401 401 401 401 401 401 401  ok 401', U('/api/devices/self')],
  ['GET /api/devices/:id',           '401 403  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/devices/${f.w.device.row.id}` })],
  ['POST /api/devices/:id/token',    '401 403 403 403  ok 404 404 403 401  ok', async (f) => ({ url: `/api/devices/${await f.freshDevice()}/token` })],
  ['PATCH /api/devices/:id',         '401 403 403 403  ok 404 404 403 401  ok', async (f) => ({ url: `/api/devices/${await f.freshDevice()}`, headers: { 'if-match': '"1"' }, payload: { name: 'Matrix unit' } })],
  // audit log
  ['GET /api/audit',                 '401 403 403 403  ok  ok  ok 403 401  ok', U('/api/audit')],
  // screenings
  ['POST /api/patients/:id/screenings', '401 403  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/screenings`, payload: { protocol: 'tapwater-palms', answers: answers() } })],
  ['GET /api/patients/:id/screenings',  '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/screenings` })],
  ['GET /api/screenings/:id',           '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/screenings/${f.ids.screening}` })],
  // courses
  ['POST /api/patients/:id/courses',    '401 403  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/courses`, payload: { protocol: 'tapwater-palms', template: 'clinic', start_date: today() } })],
  ['GET /api/patients/:id/courses',     '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/courses` })],
  ['GET /api/courses/:id',              '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/courses/${f.ids.course}` })],
  ['PATCH /api/courses/:id/planned-sessions/:seq', '401 403  ok  ok  ok 404 404 404 401  ok', async (f) => ({ ...(await f.plannedSession()), payload: { status: 'cancelled' } })],
  // outcomes and follow-up
  ['POST /api/patients/:id/outcomes',   '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/outcomes`, payload: { kind: 'hdss', at: new Date().toISOString(), score: 3 } })],
  ['GET /api/patients/:id/outcomes',    '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/outcomes` })],
  ['GET /api/outcomes/:id',             '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/outcomes/${f.ids.outcome}` })],
  ['PATCH /api/outcomes/:id',           '401  ok  ok  ok  ok 404 404 404 401  ok', async (f) => ({ url: `/api/outcomes/${f.ids.outcome}`, headers: { 'if-match': await f.etag('outcomes', f.ids.outcome) }, payload: { kind: 'hdss', at: '2026-01-01T10:00:00Z', score: 2 } })],
  ['GET /api/patients/:id/follow-up',   '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/follow-up` })],
  ['GET /api/follow-up/overdue',        '401 403  ok  ok  ok  ok  ok  ok 401  ok', U('/api/follow-up/overdue')],
  // sessions
  ['POST /api/sessions',                '401 403 422 422 422 404 404 404 401 422', (f) => ({ url: '/api/sessions', payload: { patient_id: f.w.patients.otherA.id, protocol: 'tapwater-palms', confirmed_steps: TAPWATER_STEPS } })],
  ['GET /api/sessions',                 '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/sessions?patient_id=${f.w.patients.ownA.id}` })],
  ['GET /api/sessions/:id',             '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/sessions/${f.ids.session}` })],
  ['GET /api/sessions/:id/telemetry',   '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/sessions/${f.ids.session}/telemetry` })],
  ['GET /api/sessions/:id/live',        '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/sessions/${f.ids.session}/live`, ws: true })],
  ['POST /api/sessions/:id/pause',      '401 409 409 409 409 404 404 404 401 409', (f) => ({ url: `/api/sessions/${f.ids.session}/pause` })],
  ['POST /api/sessions/:id/resume',     '401 403 409 409 409 404 404 404 401 409', (f) => ({ url: `/api/sessions/${f.ids.session}/resume` })],
  ['POST /api/sessions/:id/abort',      '401 409 409 409 409 404 404 404 401 409', (f) => ({ url: `/api/sessions/${f.ids.session}/abort` })],
  ['POST /api/agent/sessions/:id/telemetry', '401 401 401 401 401 401 401 401  ok 401', (f) => ({ url: `/api/agent/sessions/${f.ids.session}/telemetry`, payload: { samples: [{ t_ms: Number(f.unique().replace(/\D/g, '')), phase: 'treat', setpoint: 1, current: 1, voltage: 10 }] } })],
  // CF sweat tests (laboratory roles)
  ['POST /api/patients/:id/sweat-tests', '401 403  ok  ok 403 403 403 404 401 403', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/sweat-tests`, payload: {} })],
  ['GET /api/patients/:id/sweat-tests',  '401 403  ok  ok 403 403 403 404 401 403', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/sweat-tests` })],
  ['GET /api/sweat-tests',               '401 403  ok  ok 403 403 403  ok 401 403', () => ({ url: '/api/sweat-tests?status=ordered,in_progress' })],
  ['GET /api/sweat-tests/:id',           '401 403  ok  ok 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}` })],
  ['POST /api/sweat-tests/:id/eligibility', '401 403  ok  ok 403 403 403 404 401 403', async (f) => ({ url: `/api/sweat-tests/${await f.freshSweatTest()}/eligibility`, headers: { 'if-match': '"1"' }, payload: { weight_kg: 20, answers: Object.fromEntries(sweatTestScreeningItems().map((i) => [i, false])) } })],
  ['POST /api/sweat-tests/:id/stimulations', '401 403 409 409 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/stimulations`, headers: { 'if-match': '"1"' }, payload: { side: 'left', session_id: f.ids.session } })],
  ['POST /api/sweat-tests/:id/collections',  '401 403 409 409 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/collections`, headers: { 'if-match': '"1"' }, payload: { side: 'left', method: 'macroduct', started_at: '2026-01-01T10:00:00Z' } })],
  ['POST /api/sweat-tests/:id/samples',      '401 403 409 409 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/samples`, headers: { 'if-match': '"1"' }, payload: { side: 'left', volume_ul: 20 } })],
  ['POST /api/sweat-tests/:id/results',      '401 403 409 409 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/results`, headers: { 'if-match': '"1"' }, payload: { side: 'left', chloride_mmol_l: 20 } })],
  ['POST /api/sweat-tests/:id/verification', '401 403 403 409 403 403 403 403 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/verification`, headers: { 'if-match': '"1"' }, payload: {} })],
  ['GET /api/sweat-tests/:id/report.pdf',    '401 403  ok  ok 403 403 403 404 401 403', (f) => ({ url: `/api/sweat-tests/${f.ids.sweatTest}/report.pdf` })],
  // protocols, screening questionnaire (reference data), the clinic's planned sessions
  ['GET /api/protocols',                '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/protocols')],
  ['GET /api/protocols/:id',            '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/protocols/tapwater-palms')],
  ['GET /api/screening/questionnaire',  '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/screening/questionnaire')],
  ['GET /api/planned-sessions',         '401 403  ok  ok  ok  ok  ok  ok 401  ok', () => ({ url: `/api/planned-sessions?from=${today()}&to=${today()}` })],
  // drug-delivery simulator (a model, no patient data)
  ['GET /api/simulations/drugs',        '401  ok  ok  ok  ok  ok  ok  ok 401  ok', U('/api/simulations/drugs')],
  ['POST /api/simulations/drug-delivery', '401  ok  ok  ok  ok  ok  ok  ok 401  ok', () => ({ url: '/api/simulations/drug-delivery', payload: { drug: 'lidocaine', current_mA: 1, minutes: 1 } })],
  // home treatment (issue 8): the plan, the home view, hosted home sessions, offline sync, summary, tolerance
  ['POST /api/patients/:id/home-plan',  '401 403 403  ok  ok 404 404 403 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/home-plan`, payload: { course_id: f.ids.course } })],
  ['GET /api/patients/:id/home-plan',   '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/home-plan` })],
  ['PATCH /api/patients/:id/home-plan', '401 403 403  ok  ok 404 404 403 401  ok', async (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/home-plan`, headers: { 'if-match': `"${(await currentHomePlan(f.w.store, f.w.patients.ownA.id))!.version}"` }, payload: { interval_days: 14 } })],
  ['GET /api/home',                     '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/home?patient_id=${f.w.patients.ownA.id}` })],
  ['POST /api/home/sessions',           '401 400 400 400 400 404 404 404 401 400', (f) => ({ url: '/api/home/sessions', payload: { patient_id: f.w.patients.ownA.id, confirmed_steps: [] } })],
  ['POST /api/home/sync',               '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: '/api/home/sync', payload: { patient_id: f.w.patients.ownA.id, records: [{ kind: 'diary', client_id: randomUUID(), date: today(), dry: true }] } })],
  ['GET /api/home/summary',             '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/home/summary?patient_id=${f.w.patients.ownA.id}` })],
  ['GET /api/home/summary.pdf',         '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/home/summary.pdf?patient_id=${f.w.patients.ownA.id}` })],
  ['POST /api/sessions/:id/tolerance',  '401  ok  ok  ok  ok 404 404 404 401  ok', async (f) => ({ url: `/api/sessions/${(await endedSession(f)).id}/tolerance`, payload: { entry: { sensation: 'tingling', discomfort: 1, findings: [] } } })],
  ['GET /api/sessions/:id/tolerance',   '401  ok  ok  ok  ok 404 404 404 401  ok', async (f) => ({ url: `/api/sessions/${await toleratedSession(f)}/tolerance` })],
  ['GET /api/patients/:id/tolerance',   '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/api/patients/${f.w.patients.ownA.id}/tolerance` })],
  // FHIR export
  ['GET /fhir/Patient/:id/$everything', '401  ok  ok  ok  ok 404 404 404 401  ok', (f) => ({ url: `/fhir/Patient/${f.w.patients.ownA.id}/$everything` })],
];

/** An ended (uploaded) session of patient ownA, for routes that record after a session. */
const endedSession = (f: Fx) =>
  insertUploadedSession(f.w.store, {
    patient_id: f.w.patients.ownA.id,
    protocol: 'tapwater-palms',
    zone: 'palms',
    client_id: randomUUID(),
    status: 'completed',
    started_at: new Date(Date.now() - 30 * 60_000),
    ended_at: new Date(Date.now() - 10 * 60_000),
    delivered_mamin: 200,
    report: { target_mA: 10, delivered_mAmin: 200 },
  });

/** An ended session with its tolerance record. */
async function toleratedSession(f: Fx): Promise<string> {
  const s = await endedSession(f);
  const entry = { sensation: 'tingling' as const, discomfort: 1, findings: [], engine_events: [] };
  await recordTolerance(f.w.store, {
    session_id: s.id,
    patient_id: s.patient_id,
    entry,
    assessment: assessTolerance(entry),
    recorded_by: f.w.users.nurseA.id,
    recorded_at: new Date(),
  });
  return s.id;
}

/** The pre-steps of tapwater-palms, all confirmed. */
const TAPWATER_STEPS = ['remove-jewellery', 'cover-cuts', 'cleanse-skin', 'water-level'];

/** Today's UTC calendar date, YYYY-MM-DD. */
const today = () => new Date().toISOString().slice(0, 10);

const method = (route: string) => route.slice(0, route.indexOf(' '));

describe.each(TEST_BACKENDS)('authorization matrix on $name', (backend) => {
  let db: TestDatabase;
  let w: AdminWorld;
  let fx: Omit<Fx, 'user'>;
  const sessions = new Map<Principal, Signed>();
  let scriptToken: string;
  const emails: Partial<Record<Principal, string>> = {
    patient: 'patient@a.test',
    nurse: 'nurse@a.test',
    clinician: 'clinician@a.test',
    admin: 'admin@a.test',
    install: 'root@install.test',
    otherAdmin: 'admin@b.test',
    otherNurse: 'nurse@b.test',
  };
  const userOf = (p: Principal): User | undefined =>
    ({
      patient: w.users.patientA,
      nurse: w.users.nurseA,
      clinician: w.users.clinicianA,
      admin: w.admins.a,
      install: w.admins.installation,
      otherAdmin: w.admins.b,
      otherNurse: w.users.nurseB,
      script: w.admins.a,
    })[p as string] as User | undefined;

  beforeAll(async () => {
    db = backend.fresh();
    w = await adminWorld(await db.open());
    for (const [p, email] of Object.entries(emails)) sessions.set(p as Principal, await signIn(w.app, email));
    scriptToken = await issueToken(w.app, sessions.get('admin')!, 'matrix script');
    const passwordHash = await hashPassword(PASSWORD);
    let n = 0;
    let seq = 0;
    const unique = () => `matrix-${++n}`;
    const clinicA = w.admins.a.clinic_id!;
    const ids = await patientRows();
    fx = {
      w,
      clinicA,
      clinicB: w.admins.b.clinic_id!,
      unique,
      freshUser: (role = 'nurse') =>
        createUser(w.store, { email: `${unique()}@a.test`, role, clinic_id: clinicA, password_hash: passwordHash }),
      freshDevice: async () =>
        (
          await createDevice(w.store, {
            clinic_id: clinicA,
            kind: 'simulated',
            name: unique(),
            token_hash: hashSecretToken(newSecretToken('device')),
          })
        ).id,
      freshTokenId: async (userId) =>
        (
          await createApiToken(w.store, {
            user_id: userId,
            name: unique(),
            token_hash: hashSecretToken(newSecretToken('user')),
            expires_at: null,
          })
        ).id,
      etag: async (table, id) => `"${(await findRow(w.store, table, id))!.version}"`,
      ids,
      plannedSession: async () => {
        const n = ++seq;
        const row = await w.store.db
          .selectFrom('planned_sessions')
          .select('version')
          .where('course_id', '=', ids.course)
          .where('seq', '=', n)
          .executeTakeFirstOrThrow();
        return { url: `/api/courses/${ids.course}/planned-sessions/${n}`, headers: { 'if-match': `"${row.version}"` } };
      },
      freshSweatTest: () => made(`/api/patients/${w.patients.ownA.id}/sweat-tests`, {}),
    };
  });

  /** POSTs as nurse A and answers the new row's id. */
  async function made(url: string, payload: unknown): Promise<string> {
    const res = await w.app.inject({
      method: 'POST',
      url,
      headers: sessions.get('nurse')!.headers,
      payload: payload as object,
    });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  }

  /** A screening, a course, an outcome, a sweat test and a session of patient ownA. */
  async function patientRows(): Promise<Fx['ids']> {
    const p = `/api/patients/${w.patients.ownA.id}`;
    const screening = await made(`${p}/screenings`, { protocol: 'tapwater-palms', answers: answers() });
    const course = await made(`${p}/courses`, { protocol: 'tapwater-palms', template: 'clinic', start_date: today() });
    const outcome = await made(`${p}/outcomes`, { kind: 'hdss', at: new Date().toISOString(), score: 3 });
    const sweatTest = await made(`${p}/sweat-tests`, {});
    // A session row as an agent's device would have it, without a hosted run behind it.
    const session = (
      await startSession(w.store, {
        patient_id: w.patients.ownA.id,
        protocol: 'tapwater-palms',
        zone: 'palms',
        device_id: w.device.row.id,
      })
    ).id;
    return { screening, course, outcome, sweatTest, session };
  }
  afterAll(async () => {
    await w.app.close();
    await db.dispose();
  });

  const credentials = (p: Principal): Record<string, string> => {
    if (p === 'anon') return {};
    if (p === 'device') return bearer(w.device.token);
    if (p === 'script') return bearer(scriptToken);
    return sessions.get(p)!.headers;
  };

  /** Routes such as sign-out end a principal's session: sign in again before the next row. */
  async function keepSignedIn(): Promise<void> {
    for (const [p, email] of Object.entries(emails)) {
      const s = sessions.get(p as Principal)!;
      const me = await w.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: s.cookie } });
      if (me.statusCode === 401) sessions.set(p as Principal, await signIn(w.app, email));
    }
  }

  /** Opens a WebSocket: 'ok' when the server upgrades, otherwise the status it refused the upgrade with. */
  async function upgrade(url: string, headers: Record<string, string>): Promise<string> {
    const app = w.app as unknown as {
      injectWS(path: string, context: { headers: Record<string, string> }): Promise<{ terminate(): void }>;
    };
    try {
      (await app.injectWS(url, { headers })).terminate();
      return 'ok';
    } catch (e) {
      const m = /Unexpected server response: (\d+)/.exec(String(e));
      if (m === null) throw e;
      return m[1]!;
    }
  }

  it('has one row for every route the server registers, and no row for a route it does not', async () => {
    await w.app.ready();
    const registered = registeredRoutes(w.app);
    expect(registered.length).toBeGreaterThan(10);
    const rows = ROWS.map(([route]) => route).sort();
    expect(new Set(rows).size).toBe(rows.length);
    expect(
      registered.filter((r) => !rows.includes(r)),
      'routes without a row in the matrix',
    ).toEqual([]);
    expect(
      rows.filter((r) => !registered.includes(r)),
      'rows for routes the server does not have',
    ).toEqual([]);
  });

  it.each(ROWS)('%s answers each principal as the table says', async (route, outcomes, build) => {
    const expected = outcomes.trim().split(/\s+/);
    expect(expected, 'one outcome per principal').toHaveLength(PRINCIPALS.length);
    const write = method(route) !== 'GET';
    const got: string[] = [];
    const unchanged: string[] = [];
    for (const [i, p] of PRINCIPALS.entries()) {
      const req = await build({ ...fx, user: userOf(p) });
      const before = write ? await tableSnapshot(w.store) : undefined;
      if (req.ws === true) {
        got.push(await upgrade(String(req.url), { ...req.headers, ...credentials(p) }));
        continue;
      }
      const res = await w.app.inject({
        method: method(route) as InjectOptions['method'],
        url: req.url,
        ...(req.payload === undefined ? {} : { payload: req.payload }),
        headers: { ...req.headers, ...credentials(p) },
      });
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      got.push(ok ? 'ok' : String(res.statusCode));
      if (!ok) {
        // FHIR routes answer with an OperationOutcome, the rest with problem+json.
        expect(String(res.headers['content-type']), `${p}: refusals are problem+json`).toMatch(
          route.includes(' /fhir/') ? /^application\/fhir\+json/ : /^application\/problem\+json/,
        );
        if (before !== undefined && expected[i] !== 'ok') {
          const after = await tableSnapshot(w.store);
          if (JSON.stringify(after) !== JSON.stringify(before)) unchanged.push(p);
        }
      }
    }
    await keepSignedIn();
    expect(Object.fromEntries(PRINCIPALS.map((p, i) => [p, got[i]]))).toEqual(
      Object.fromEntries(PRINCIPALS.map((p, i) => [p, expected[i]])),
    );
    expect(unchanged, 'principals whose refused write changed a table').toEqual([]);
  });
});
