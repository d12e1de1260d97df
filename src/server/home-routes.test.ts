import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noToEverything } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { createCourse, createScreening, listAudit } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { App } from './app-types.js';
import { buildServer } from './build-server.js';
import { pdfText } from './pdf-text.js';
import { isProblem, signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

const PALMS = findProtocol('tapwater-palms');
const ZONE = PALMS.zones.palms!;
const START = ZONE.titration!.start_mA.value;
const STEP_UP = ZONE.titration!.step_up_mA.value;
const ALL_STEPS = PALMS.pre_steps.map((s) => s.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const comfortable = { sensation: 'tingling', discomfort: 1, findings: [], engine_events: [] };

describe.each(TEST_BACKENDS)('home treatment routes on $name', (backend) => {
  let db: TestDatabase;
  let w: World;
  let app: App;
  let store: Store;
  const clock = { now: new Date('2026-10-25T09:00:00.000Z') };
  const as = {} as { patient: Signed; clinician: Signed; nurse: Signed; nurseB: Signed };
  let courseId: string;

  beforeEach(async () => {
    clock.now = new Date('2026-10-25T09:00:00.000Z');
    db = backend.fresh();
    w = await world(await db.open({ now: () => clock.now }));
    store = w.store;
    await w.app.close();
    app = await buildServer({ store, secureCookies: false, sessionSpeed: 'max' });
    await signAll();
    courseId = (
      await createCourse(store, {
        patient_id: w.patients.ownA.id,
        protocol: 'tapwater-palms',
        template: 'clinic',
        start_date: '2026-09-01',
        time_zone: 'Europe/Berlin',
      })
    ).course.id;
  });
  afterEach(async () => {
    await app.close();
    await db.dispose();
  });

  async function signAll(): Promise<void> {
    as.patient = await signIn(app, 'patient@a.test');
    as.clinician = await signIn(app, 'clinician@a.test');
    as.nurse = await signIn(app, 'nurse@a.test');
    as.nurseB = await signIn(app, 'nurse@b.test');
  }
  /** Moves the clock (sign-ins last 8 h of it, so everyone signs in again). */
  async function setNow(iso: string): Promise<void> {
    clock.now = new Date(iso);
    await signAll();
  }

  const call = (who: Signed, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(method === 'GET' ? { cookie: who.cookie } : who.headers), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const ok = (res: LightMyRequestResponse, status = 200) => {
    if (res.statusCode !== status) throw new Error(`${res.statusCode} ${res.body}`);
    return res.json() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const handOver = async (body: Record<string, unknown> = {}) =>
    ok(
      await call(as.clinician, 'POST', `/api/patients/${w.patients.ownA.id}/home-plan`, {
        course_id: courseId,
        ...body,
      }),
      201,
    );
  const session = (startedAt: string, target = START, extra: Record<string, unknown> = {}) => ({
    kind: 'session',
    client_id: randomUUID(),
    protocol: 'tapwater-palms',
    zone: 'palms',
    mode: 'dc',
    started_at: startedAt,
    ended_at: new Date(Date.parse(startedAt) + 20 * 60_000).toISOString(),
    status: 'completed',
    target_mA: target,
    delivered_mAmin: target * 20,
    report: {
      protocol: 'tapwater-palms',
      zone: 'palms',
      status: 'completed',
      target_mA: target,
      delivered_mAmin: target * 20,
    },
    ...extra,
  });
  const sync = (records: unknown[], who: Signed = as.patient) => call(who, 'POST', '/api/home/sync', { records });
  const count = async (table: 'sessions' | 'tolerance_records' | 'outcomes' | 'telemetry') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('hands a course over to home at the protocol maintenance interval and starts the current low', async () => {
    const plan = await handOver();
    expect(plan).toMatchObject({ status: 'active', zone: 'palms', mode: 'dc', interval_days: 14, pin_mA: null });
    expect(plan.warning_signs.length).toBeGreaterThan(0);
    const view = ok(await call(as.patient, 'GET', '/api/home'));
    expect(view.titration).toMatchObject({ current_mA: START, step: 'start', stopped: false });
    expect(view.follow_up.state).toBe('due');
    expect(view.protocol.pre_steps.map((s: { id: string }) => s.id)).toEqual(ALL_STEPS);
    expect(view.caps).toEqual({ per_day: 1, per_week: 5 });
    const actions = (await listAudit(store, { entity: 'patients', entity_id: w.patients.ownA.id })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['home_plan.create', 'home_plan.read']));
  });

  it('refuses a pin outside the zone range, an interval outside the maintenance range, and a patient handing over', async () => {
    const pin = await call(as.clinician, 'POST', `/api/patients/${w.patients.ownA.id}/home-plan`, {
      course_id: courseId,
      pin_mA: ZONE.current_mA.max + 1,
    });
    expect(pin.statusCode).toBe(400);
    expect(pin.json().detail).toContain('pin_mA');
    const interval = await call(as.clinician, 'POST', `/api/patients/${w.patients.ownA.id}/home-plan`, {
      course_id: courseId,
      interval_days: 60,
    });
    expect(interval.statusCode).toBe(400);
    expect(interval.json().detail).toContain('interval_days');
    const byPatient = await call(as.patient, 'POST', `/api/patients/${w.patients.ownA.id}/home-plan`, {
      course_id: courseId,
    });
    expect(byPatient.statusCode).toBe(403);
    expect(isProblem(byPatient)).toBe(true);
  });

  it("a patient cannot read another patient's home plan", async () => {
    await handOver();
    const { course } = await createCourse(store, {
      patient_id: w.patients.otherA.id,
      protocol: 'tapwater-palms',
      template: 'clinic',
      start_date: '2026-09-01',
      time_zone: 'Europe/Berlin',
    });
    ok(
      await call(as.clinician, 'POST', `/api/patients/${w.patients.otherA.id}/home-plan`, { course_id: course.id }),
      201,
    );
    const other = await call(as.patient, 'GET', `/api/patients/${w.patients.otherA.id}/home-plan`);
    expect(other.statusCode).toBe(404);
    expect(isProblem(other)).toBe(true);
    expect((await call(as.patient, 'GET', `/api/home?patient_id=${w.patients.otherA.id}`)).statusCode).toBe(404);
    expect((await call(as.patient, 'GET', `/api/home/summary?patient_id=${w.patients.otherA.id}`)).statusCode).toBe(
      404,
    );
    expect((await call(as.nurseB, 'GET', `/api/patients/${w.patients.ownA.id}/home-plan`)).statusCode).toBe(404);
    expect((await call(as.patient, 'GET', `/api/patients/${w.patients.ownA.id}/home-plan`)).statusCode).toBe(200);
    const denied = await listAudit(store, { entity: 'patients', entity_id: w.patients.otherA.id });
    expect(denied.map((e) => e.action)).toContain('patient.read_denied');
  });

  it('counts a session uploaded twice once, with its tolerance, diary day and telemetry', async () => {
    await handOver();
    await setNow('2026-11-03T09:00:00.000Z');
    const s = session('2026-11-02T17:00:00.000Z', START, {
      telemetry: [0, 1000, 2000].map((t) => ({ t_ms: t, phase: 'treat', setpoint: START, current: START, voltage: 9 })),
    });
    const batch = [
      { kind: 'diary', client_id: randomUUID(), date: '2026-11-02', dry: true },
      { kind: 'tolerance', client_id: randomUUID(), session_client_id: s.client_id, entry: comfortable },
      s,
    ];
    const first = ok(await sync(batch));
    const second = ok(await sync(batch));
    expect(first.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'created']);
    expect(second.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(second.results.map((r: { id: string }) => r.id)).toEqual(first.results.map((r: { id: string }) => r.id));
    expect([
      await count('sessions'),
      await count('tolerance_records'),
      await count('outcomes'),
      await count('telemetry'),
    ]).toEqual([1, 1, 1, 3]);
    expect(second.view.history).toHaveLength(1);
    expect(second.view.history[0]).toMatchObject({ client_id: s.client_id, target_mA: START, status: 'completed' });
    // One comfortable session at the start current: the next one steps up.
    expect(second.view.titration).toMatchObject({ step: 'step-up', current_mA: START + STEP_UP });
  });

  it('stores one row when two uploads of the same records race', async () => {
    await handOver();
    await setNow('2026-11-03T09:00:00.000Z');
    const batch = [
      session('2026-11-02T17:00:00.000Z'),
      { kind: 'diary', client_id: randomUUID(), date: '2026-11-02', dry: false },
    ];
    const [a, b] = await Promise.all([sync(batch), sync(batch)]);
    const statuses = [...ok(a).results, ...ok(b).results].map((r: { status: string }) => r.status).sort();
    expect(statuses).toEqual(['created', 'created', 'duplicate', 'duplicate']);
    expect([await count('sessions'), await count('outcomes')]).toEqual([1, 1]);
  });

  it('rejects a malformed or orphan record, says why, and stores the rest', async () => {
    await handOver();
    await setNow('2026-11-03T09:00:00.000Z');
    const res = ok(
      await sync([
        { kind: 'diary', client_id: randomUUID(), date: '2026-13-45', dry: true },
        { kind: 'tolerance', client_id: randomUUID(), session_client_id: randomUUID(), entry: comfortable },
        session('2026-11-02T17:00:00.000Z'),
      ]),
    );
    expect(res.results.map((r: { status: string }) => r.status)).toEqual(['rejected', 'rejected', 'created']);
    expect(res.results[0].error.detail).toContain('date');
    expect(res.results[1].error).toMatchObject({ code: 'ION_ERR_NOT_FOUND' });
    expect(res.results[1].error.detail).toContain('session_client_id');
    expect(await count('sessions')).toBe(1);
  });

  it('stops the home plan when a burn is recorded, refuses home sessions until a clinician reviews it', async () => {
    await handOver();
    await createScreening(store, {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      answers: noToEverything(35),
      result: 'allowed',
      reasons: [],
      answered_at: '2026-11-01T09:00:00.000Z',
    });
    await setNow('2026-11-03T09:00:00.000Z');
    const uploaded = ok(await sync([session('2026-11-02T17:00:00.000Z')])).results[0].id as string;
    const burn = await call(as.patient, 'POST', `/api/sessions/${uploaded}/tolerance`, {
      entry: { sensation: 'pain', discomfort: 6, findings: ['burn'] },
    });
    expect(burn.statusCode).toBe(201);
    expect(burn.json().assessment).toMatchObject({ stopCourse: true, reviewRequired: true });
    const stopped = ok(await call(as.patient, 'GET', '/api/home'));
    expect(stopped.plan.status).toBe('stopped');
    expect(stopped.plan.stopped_reason).toContain('burn');
    expect(stopped.titration.stopped).toBe(true);
    const refused = await call(as.patient, 'POST', '/api/home/sessions', { confirmed_steps: ALL_STEPS });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('ION_ERR_CONFLICT');
    // A second, different record for the session is a conflict.
    const again = await call(as.nurse, 'POST', `/api/sessions/${uploaded}/tolerance`, { entry: comfortable });
    expect(again.statusCode).toBe(409);

    const url = `/api/patients/${w.patients.ownA.id}/home-plan`;
    const etag = `"${stopped.plan.version}"`;
    const noNote = await call(as.clinician, 'PATCH', url, { status: 'active' }, { 'if-match': etag });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().detail).toContain('review_note');
    expect(
      (await call(as.nurse, 'PATCH', url, { status: 'active', review_note: 'healed' }, { 'if-match': etag }))
        .statusCode,
    ).toBe(403);
    const reviewed = ok(
      await call(
        as.clinician,
        'PATCH',
        url,
        { status: 'active', review_note: 'skin healed; continue lower' },
        { 'if-match': etag },
      ),
    );
    expect(reviewed).toMatchObject({
      status: 'active',
      stopped_reason: null,
      review_note: 'skin healed; continue lower',
    });

    const started = await call(as.patient, 'POST', '/api/home/sessions', { confirmed_steps: ALL_STEPS });
    expect(started.statusCode).toBe(201);
    const hosted = started.json();
    expect(hosted.patient_id).toBe(w.patients.ownA.id);
    for (let i = 0; i < 200; i++) {
      const s = ok(await call(as.patient, 'GET', `/api/sessions/${hosted.id}`));
      if (s.status !== 'running') break;
      await sleep(25);
    }
    const view = ok(await call(as.patient, 'GET', '/api/home'));
    expect(view.history.map((h: { session_id: string }) => h.session_id)).toContain(hosted.id);
    expect(view.history.find((h: { session_id: string }) => h.session_id === hosted.id).target_mA).toBe(
      hosted.titration.current_mA,
    );
    const audit = (await listAudit(store, { entity: 'patients', entity_id: w.patients.ownA.id, limit: 1000 })).map(
      (e) => e.action,
    );
    expect(audit).toEqual(
      expect.arrayContaining(['tolerance.create', 'home_plan.stop', 'home_plan.review', 'session.start']),
    );
  });

  it('the PDF summary lists the sessions and the relapse flag', async () => {
    await handOver();
    await setNow('2026-11-21T10:00:00.000Z');
    const diary = (from: number, to: number, dry: boolean) =>
      Array.from({ length: to - from + 1 }, (_, i) => ({
        kind: 'diary',
        client_id: randomUUID(),
        date: `2026-11-${String(from + i).padStart(2, '0')}`,
        dry,
      }));
    const s = session('2026-11-01T17:00:00.000Z');
    ok(
      await sync([
        s,
        {
          kind: 'tolerance',
          client_id: randomUUID(),
          session_client_id: s.client_id,
          entry: { ...comfortable, findings: ['dryness'] },
        },
        ...diary(2, 8, true),
        ...diary(14, 20, false),
      ]),
    );
    const summary = ok(await call(as.patient, 'GET', '/api/home/summary'));
    expect(summary.relapse).toMatchObject({ suggestion: 'extra-session' });
    expect(summary.sessions).toHaveLength(1);
    expect(summary.findings[0].advice.map((a: { code: string }) => a.code)).toContain('moisturiser');
    expect(summary.weeks.at(-1)).toMatchObject({ from: '2026-11-14', to: '2026-11-20', dry_days: 0, answered: 7 });

    const res = await call(as.nurse, 'GET', `/api/home/summary.pdf?patient_id=${w.patients.ownA.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = pdfText(res.rawPayload);
    expect(text).toContain('Home iontophoresis: summary for the clinic');
    expect(text).toContain(
      `2026-11-01  ${START} mA  ${START * 20} mA·min  completed  tingling, discomfort 1/10, dryness`,
    );
    expect(text).toContain('Relapse flag:');
    expect(text).toContain('2026-11-14 to 2026-11-20: 0 dry of 7 answered');
    expect(text).toContain(summary.warning_signs[0].slice(0, 40));
    expect((await call(as.nurse, 'GET', '/api/home/summary.pdf')).statusCode).toBe(400);
  });
});
