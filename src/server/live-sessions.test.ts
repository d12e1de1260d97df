import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { noToEverything } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import {
  createCourse,
  createDevice,
  createScreening,
  listPlannedSessions,
  listTelemetry,
  deliveredFromTelemetry,
  getSession,
  startSession,
} from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { App } from './app-types.js';
import { buildServer } from './build-server.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';
import type { Signed, World } from './test-fixtures.js';
import { isProblem, signIn, world } from './test-fixtures.js';

const SPEED = 600;
const PALMS = findProtocol('tapwater-palms');
const ALL_STEPS = PALMS.pre_steps.map((s) => s.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Message {
  type: string;
  [k: string]: unknown;
}

describe.each(TEST_BACKENDS)('live sessions on $name', (backend) => {
  let db: TestDatabase;
  let w: World;
  let app: App;
  let nurse: Signed;

  beforeEach(async () => {
    db = backend.fresh();
    w = await world(await db.open());
    await w.app.close();
    app = await buildServer({ store: w.store, secureCookies: false, sessionSpeed: SPEED });
    await app.listen({ port: 0, host: '127.0.0.1' });
    nurse = await signIn(app, 'nurse@a.test');
  });
  afterEach(async () => {
    await app.close();
    await db.dispose();
  });

  const screenAllowed = (patientId: string, protocol = 'tapwater-palms', answeredAt = new Date()) =>
    createScreening(w.store, {
      patient_id: patientId,
      protocol,
      answers: noToEverything(35),
      result: 'allowed',
      reasons: [],
      answered_at: answeredAt,
    });

  const start = (body: Record<string, unknown>, as: Signed = nurse) =>
    app.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: as.headers,
      payload: { patient_id: w.patients.ownA.id, protocol: 'tapwater-palms', confirmed_steps: ALL_STEPS, ...body },
    });

  const get = (id: string, as: Signed = nurse) =>
    app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: { cookie: as.cookie } });

  async function waitEnded(id: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 400; i++) {
      const s = get(id);
      const body = (await s).json();
      if (body.status !== 'running') return body;
      await sleep(50);
    }
    throw new Error('session did not end');
  }

  async function openSocket(
    id: string,
    as: Signed,
  ): Promise<{ ws: WebSocket; messages: Message[]; closed: Promise<number> }> {
    const { port } = app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/sessions/${id}/live`, { headers: { cookie: as.cookie } });
    const messages: Message[] = [];
    ws.on('message', (data) => messages.push({ ...(JSON.parse(String(data)) as Message), at: performance.now() }));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return { ws, messages, closed };
  }

  it('runs a 20-minute session at ×600 to completion: stored, streamed at ≥ 10 Hz, planned session done', async () => {
    await screenAllowed(w.patients.ownA.id);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    await createCourse(
      w.store,
      {
        patient_id: w.patients.ownA.id,
        protocol: 'tapwater-palms',
        template: 'clinic',
        start_date: today,
        time_zone: 'Europe/Berlin',
      },
      [{ seq: 1, phase: 'induction', local_date: today, starts_at: new Date(), status: 'planned' }],
    );
    const res = await start({});
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    expect(res.json()).toMatchObject({ status: 'running', zone: 'palms', device_id: null });

    const { messages, closed } = await openSocket(id, nurse);
    expect(await closed).toBe(1000);
    expect(messages[0]?.type).toBe('state');
    const last = messages[messages.length - 1]!;
    expect(last.type).toBe('report');
    expect(last.status).toBe('completed');

    // ≥ 10 messages a wall second while the session streams (the server aims at 20).
    const t0 = messages[0]!.at as number;
    const t1 = last.at as number;
    expect(t1 - t0).toBeGreaterThan(1000);
    expect(messages.length / ((t1 - t0) / 1000)).toBeGreaterThanOrEqual(10);
    const rows = messages.filter((m) => m.type === 'rows');
    const t = rows.flatMap((m) => m.t as number[]);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]!);
    expect(Object.keys(rows[0]!).sort()).toEqual(
      ['at', 'current', 'delivered', 'impedance', 'phase', 'setpoint', 't', 'type', 'voltage'].sort(),
    );
    expect(messages.some((m) => m.type === 'event' && m.code === 'ION_EVT_COMPLETE')).toBe(true);

    const ended = await waitEnded(id);
    const report = ended.report as { delivered_mAmin: number; target_mAmin: number; status: string };
    expect(ended.status).toBe('completed');
    expect(report.delivered_mAmin).toBeGreaterThanOrEqual(report.target_mAmin * 0.99);
    expect(ended.delivered_mamin).toBeCloseTo(report.delivered_mAmin, 6);
    // Every trace row was stored, and the stored telemetry shows the dose the engine measured.
    const stored = await listTelemetry(w.store, id);
    // One row per 20 ms control period.
    expect(stored.length).toBe(Math.round((ended.report as { duration_s: number }).duration_s * 50));
    // The socket streamed every row from its subscription on, the same as stored.
    expect(stored.slice(-t.length).map((r) => r.t_ms)).toEqual(t);
    expect(await deliveredFromTelemetry(w.store, id)).toBeCloseTo(report.delivered_mAmin, 1);
    const [planned] = await listPlannedSessions(
      w.store,
      (await w.store.db.selectFrom('courses').select('id').executeTakeFirstOrThrow()).id,
    );
    expect(planned?.status).toBe('done');
  });

  it('pauses and resumes without a current step, and the timer stops in the pause', async () => {
    // Slower than the other tests: the pause must stay shorter than the protocol's pause timeout in session time.
    await app.close();
    app = await buildServer({ store: w.store, secureCookies: false, sessionSpeed: 100 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    nurse = await signIn(app, 'nurse@a.test');
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    const { ws, messages, closed } = await openSocket(id, nurse);
    const phases = () => messages.filter((m) => m.type === 'rows').flatMap((m) => m.phase as string[]);
    const waitFor = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 1000 && !ok(); i++) {
        if (messages.some((m) => m.type === 'report')) throw new Error(`ended before ${what}`);
        await sleep(10);
      }
      if (!ok()) throw new Error(`no ${what}`);
    };
    await waitFor('treatment', () => phases().includes('treat'));
    const pause = await app.inject({ method: 'POST', url: `/api/sessions/${id}/pause`, headers: nurse.headers });
    expect(pause.statusCode).toBe(202);
    await waitFor('pause', () => phases().includes('pause'));
    ws.send(JSON.stringify({ type: 'command', command: 'resume', csrf: nurse.csrf }));
    await waitFor('treatment after the pause', () => phases().lastIndexOf('treat') > phases().indexOf('pause'));
    ws.send(JSON.stringify({ type: 'command', command: 'abort', csrf: nurse.csrf }));
    await closed;
    expect(messages.filter((m) => m.type === 'ack').map((m) => m.command)).toEqual(['resume', 'abort']);
    const report = messages[messages.length - 1]!.report as {
      status: string;
      pauses: number;
      target_mA: number;
      duration_s: number;
      treated_s: number;
    };
    expect(report.status).toBe('aborted');
    expect(report.pauses).toBe(1);

    const rows = messages.filter((m) => m.type === 'rows');
    const setpoint = rows.flatMap((m) => m.setpoint as number[]);
    const phase = rows.flatMap((m) => m.phase as string[]);
    let step = 0;
    for (let i = 1; i < setpoint.length; i++) step = Math.max(step, Math.abs(setpoint[i]! - setpoint[i - 1]!));
    // No step anywhere: one control period never moves the set point by more than a small part of the target.
    expect(step).toBeLessThan(report.target_mA * 0.05);
    const resumedAt = phase.indexOf('ramp-up', phase.indexOf('pause'));
    expect(resumedAt).toBeGreaterThan(0);
    expect(setpoint[resumedAt - 1]).toBeLessThan(report.target_mA * 0.1);
    // The timer stood still while paused.
    const pausedS = phase.filter((p) => p === 'pause').length * 0.02;
    expect(report.duration_s - report.treated_s).toBeGreaterThanOrEqual(pausedS);
  });

  it('aborts with a ramp-down over the API, and a patient may stop their own session but not resume it', async () => {
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    const { messages, closed } = await openSocket(id, nurse);
    while (!messages.some((m) => m.type === 'rows' && (m.phase as string[]).includes('treat'))) await sleep(10);
    const patient = await signIn(app, 'patient@a.test');
    const resume = await app.inject({ method: 'POST', url: `/api/sessions/${id}/resume`, headers: patient.headers });
    expect(resume.statusCode).toBe(403);
    const abort = await app.inject({ method: 'POST', url: `/api/sessions/${id}/abort`, headers: patient.headers });
    expect(abort.statusCode).toBe(202);
    await closed;
    const rows = messages.filter((m) => m.type === 'rows');
    const setpoint = rows.flatMap((m) => m.setpoint as number[]);
    const phase = rows.flatMap((m) => m.phase as string[]);
    const down = phase.indexOf('ramp-down');
    expect(down).toBeGreaterThan(0);
    // The ramp-down takes many periods from the treatment current to zero.
    const downRows = phase.filter((p) => p === 'ramp-down').length;
    expect(downRows).toBeGreaterThan(10);
    expect(setpoint[setpoint.length - 1]).toBe(0);
    const ended = await waitEnded(id);
    expect(ended.status).toBe('aborted');
    expect((ended.report as { delivered_mAmin: number }).delivered_mAmin).toBeGreaterThan(0);
    const again = await app.inject({ method: 'POST', url: `/api/sessions/${id}/pause`, headers: nurse.headers });
    expect(again.statusCode).toBe(409);
  });

  it('closing the server stops a running session with a ramp-down and stores its end', async () => {
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    for (let i = 0; i < 500 && (await get(id)).json().live?.phase !== 'treat'; i++) await sleep(10);
    await app.close();
    const s = await getSession(w.store, id);
    expect(s.status).toBe('aborted');
    const report = s.report as { events: { code: string }[]; delivered_mAmin: number };
    expect(report.events.map((e) => e.code)).toContain('ION_EVT_ABORT');
    expect(s.delivered_mamin).toBeGreaterThan(0);
    const stored = await listTelemetry(w.store, id);
    expect(stored[stored.length - 1]?.setpoint).toBe(0);
  });

  it('refuses a refused, missing or outdated screening with 422 and stores no session', async () => {
    const count = async () => (await w.store.db.selectFrom('sessions').select('id').execute()).length;
    const missing = await start({});
    expect(missing.statusCode).toBe(422);
    expect(isProblem(missing)).toBe(true);
    expect(missing.json().code).toBe('ION_ERR_CONTRAINDICATED');

    await screenAllowed(w.patients.ownA.id, 'tapwater-palms', new Date(Date.now() - 400 * 86_400_000));
    const outdated = await start({});
    expect(outdated.statusCode).toBe(422);
    expect(outdated.json().detail).toMatch(/older than 180 days/);

    await createScreening(w.store, {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      answers: { ...noToEverything(35), pacemaker: true },
      result: 'refused',
      reasons: [],
      answered_at: new Date(),
    });
    const refused = await start({});
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('ION_ERR_CONTRAINDICATED');
    expect(refused.json().detail).toMatch(/pacemaker/);
    expect(await count()).toBe(0);
  });

  it('refuses a second session in the zone on the same local day and axillae on a hands day (409)', async () => {
    await screenAllowed(w.patients.ownA.id);
    await screenAllowed(w.patients.ownA.id, 'tapwater-axillae');
    const first = await start({});
    expect(first.statusCode).toBe(201);
    await waitEnded(first.json().id);
    const again = await start({});
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'ION_ERR_FREQUENCY_CAP' });
    expect(again.json().detail).toMatch(/at most 1 session/);
    const axillae = await start({
      protocol: 'tapwater-axillae',
      confirmed_steps: findProtocol('tapwater-axillae').pre_steps.map((s) => s.id),
    });
    expect(axillae.statusCode).toBe(409);
    expect(axillae.json().detail).toMatch(/not_with/);
    expect((await w.store.db.selectFrom('sessions').select('id').execute()).length).toBe(1);
  });

  it('counts five held sessions in the last seven local days against the weekly cap', async () => {
    await screenAllowed(w.patients.ownA.id);
    for (let d = 1; d <= 5; d++) {
      const s = await startSession(w.store, {
        patient_id: w.patients.ownA.id,
        protocol: 'tapwater-palms',
        zone: 'palms',
        started_at: new Date(Date.now() - d * 86_400_000),
      });
      await w.store.db
        .updateTable('sessions')
        .set({ status: 'completed', delivered_mamin: 200 })
        .where('id', '=', s.id)
        .execute();
    }
    const res = await start({});
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/at most 5 sessions in any 7 days/);
  });

  it('refuses unconfirmed pre-steps and another clinic, naming the field', async () => {
    await screenAllowed(w.patients.ownA.id);
    const res = await start({ confirmed_steps: ALL_STEPS.slice(1) });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/confirmed_steps.*remove-jewellery/);
    const nurseB = await signIn(app, 'nurse@b.test');
    expect((await start({}, nurseB)).statusCode).toBe(404);
    expect((await w.store.db.selectFrom('sessions').select('id').execute()).length).toBe(0);
  });

  it('hides a session from another clinic, over HTTP and over the socket', async () => {
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    const nurseB = await signIn(app, 'nurse@b.test');
    expect((await get(id, nurseB)).statusCode).toBe(404);
    await expect(openSocket(id, nurseB)).rejects.toThrow(/HTTP 404/);
    await waitEnded(id);
  });

  it('refuses a socket command without the CSRF token; a late subscriber gets the stored report', async () => {
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    const live = await openSocket(id, nurse);
    live.ws.send(JSON.stringify({ type: 'command', command: 'abort' }));
    live.ws.send('not json');
    await live.closed;
    const errors = live.messages.filter((m) => m.type === 'error').map((m) => m.code);
    expect(errors).toEqual(['ION_ERR_CSRF', 'ION_ERR_VALIDATION']);
    expect((await waitEnded(id)).status).toBe('completed');

    const late = await openSocket(id, nurse);
    await late.closed;
    expect(late.messages.map((m) => m.type)).toEqual(['state', 'report']);
    expect(late.messages[0]).toMatchObject({ status: 'completed' });
  });

  it('pages stored telemetry by t_ms and decimates it', async () => {
    await screenAllowed(w.patients.ownA.id);
    const id = (await start({})).json().id as string;
    await waitEnded(id);
    const all = await listTelemetry(w.store, id);
    const page = (q: string) =>
      app.inject({ method: 'GET', url: `/api/sessions/${id}/telemetry?${q}`, headers: { cookie: nurse.cookie } });
    const first = (await page('limit=100')).json();
    expect(first.items).toEqual(all.slice(0, 100));
    expect(first.next).toBe(all[99]!.t_ms);
    const second = (await page(`limit=100&after=${first.next}`)).json();
    expect(second.items[0]).toEqual(all[100]);
    const decimated: { t_ms: number }[] = [];
    let after: number | undefined;
    for (;;) {
      const p = (await page(`every=1000&limit=200${after === undefined ? '' : `&after=${after}`}`)).json();
      decimated.push(...p.items);
      if (p.next === undefined) break;
      after = p.next;
    }
    const buckets = decimated.map((r) => Math.floor(r.t_ms / 1000));
    expect(new Set(buckets).size).toBe(buckets.length);
    expect(buckets.length).toBe(new Set(all.map((r) => Math.floor(r.t_ms / 1000))).size);
    expect((await page('every=0')).statusCode).toBe(400);
  });

  it('ingests telemetry from a device agent idempotently, and only for its own session', async () => {
    const token = newSecretToken('device');
    const device = await createDevice(w.store, {
      clinic_id: w.patients.ownA.clinic_id,
      kind: 'serial',
      name: 'bench unit',
      token_hash: hashSecretToken(token),
    });
    const s = await startSession(w.store, {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      zone: 'palms',
      device_id: device.id,
    });
    const samples = Array.from({ length: 500 }, (_, i) => ({
      t_ms: (i + 1) * 20,
      phase: 'treat',
      setpoint: 10,
      current: 10,
      voltage: 20,
    }));
    const post = (id: string, body: unknown, auth = token) =>
      app.inject({
        method: 'POST',
        url: `/api/agent/sessions/${id}/telemetry`,
        headers: { authorization: `Bearer ${auth}` },
        payload: body as Record<string, unknown>,
      });
    expect((await post(s.id, { samples })).statusCode).toBe(202);
    expect((await post(s.id, { samples })).statusCode).toBe(202);
    expect((await listTelemetry(w.store, s.id)).length).toBe(500);
    expect((await post(s.id, { samples: [{ ...samples[0], current: 'x' }] })).statusCode).toBe(400);
    const other = await startSession(w.store, {
      patient_id: w.patients.otherA.id,
      protocol: 'tapwater-palms',
      zone: 'palms',
    });
    expect((await post(other.id, { samples })).statusCode).toBe(404);
    expect((await post(s.id, { samples }, newSecretToken('device'))).statusCode).toBe(401);
    const cookie = await app.inject({
      method: 'POST',
      url: `/api/agent/sessions/${s.id}/telemetry`,
      headers: nurse.headers,
      payload: { samples },
    });
    expect(cookie.statusCode).toBe(401);
  });
});
