import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertUploadedSession, listAudit, startSession } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { isProblem, signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

const entry = (over: Record<string, unknown> = {}) => ({ sensation: 'tingling', discomfort: 1, findings: [], ...over });

describe.each(TEST_BACKENDS)('tolerance routes on $name', (backend) => {
  let db: TestDatabase;
  let w: World;
  let patient: Signed;
  let nurse: Signed;

  beforeEach(async () => {
    db = backend.fresh();
    w = await world(await db.open());
    patient = await signIn(w.app, 'patient@a.test');
    nurse = await signIn(w.app, 'nurse@a.test');
  });
  afterEach(async () => {
    await w.app.close();
    await db.dispose();
  });

  const ended = (patientId: string, startedAt = '2026-11-20T17:00:00.000Z') =>
    insertUploadedSession(w.store, {
      patient_id: patientId,
      protocol: 'tapwater-palms',
      zone: 'palms',
      client_id: randomUUID(),
      status: 'completed',
      started_at: startedAt,
      ended_at: new Date(Date.parse(startedAt) + 20 * 60_000),
      delivered_mamin: 240,
      report: { target_mA: 12, delivered_mAmin: 240 },
    });
  const post = (who: Signed, sessionId: string, body: unknown) =>
    w.app.inject({
      method: 'POST',
      url: `/api/sessions/${sessionId}/tolerance`,
      headers: who.headers,
      payload: body as object,
    });

  it('records the assessment with its advice, and answers the stored record for a repeated client_id', async () => {
    const s = await ended(w.patients.ownA.id);
    const clientId = randomUUID();
    const body = { entry: entry({ findings: ['dryness', 'waterline-irritation'] }), client_id: clientId };
    const first = await post(patient, s.id, body);
    expect(first.statusCode).toBe(201);
    const codes = first.json().assessment.advice.map((a: { code: string }) => a.code);
    expect(codes).toEqual(expect.arrayContaining(['moisturiser', 'petroleum-jelly-waterline']));
    const again = await post(patient, s.id, body);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    expect(first.json()).toMatchObject({ session_id: s.id, patient_id: w.patients.ownA.id, client_id: clientId });
    const actions = (await listAudit(w.store, { entity: 'patients', entity_id: w.patients.ownA.id })).map(
      (e) => e.action,
    );
    expect(actions.filter((a) => a === 'tolerance.create')).toHaveLength(1);
  });

  it("reads a session's record back (after a reload, the form shows what was sent), 404 before one exists", async () => {
    const s = await ended(w.patients.ownA.id);
    const read = () =>
      w.app.inject({ method: 'GET', url: `/api/sessions/${s.id}/tolerance`, headers: { cookie: patient.cookie } });
    expect((await read()).statusCode).toBe(404);
    const sent = await post(patient, s.id, { entry: entry({ findings: ['dryness'] }) });
    const back = await read();
    expect(back.statusCode).toBe(200);
    expect(back.json()).toEqual(sent.json());
  });

  it("refuses a record while the session runs, and hides another patient's session", async () => {
    const running = await startSession(w.store, {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      zone: 'palms',
    });
    const res = await post(nurse, running.id, { entry: entry() });
    expect(res.statusCode).toBe(409);
    expect(isProblem(res)).toBe(true);
    const other = await ended(w.patients.otherA.id);
    const hidden = await post(patient, other.id, { entry: entry() });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().detail).toBe(`session ${other.id} not found`);
    expect((await post(nurse, other.id, { entry: entry({ discomfort: 11 }) })).statusCode).toBe(400);
  });

  it("lists a patient's records newest first, to the patient and the clinic's staff only", async () => {
    for (const day of ['18', '19', '20']) {
      const s = await ended(w.patients.ownA.id, `2026-11-${day}T17:00:00.000Z`);
      expect((await post(nurse, s.id, { entry: entry({ note: day }) })).statusCode).toBe(201);
    }
    const url = `/api/patients/${w.patients.ownA.id}/tolerance?limit=2`;
    const page = await w.app.inject({ method: 'GET', url, headers: { cookie: patient.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(2);
    const nurseB = await signIn(w.app, 'nurse@b.test');
    expect((await w.app.inject({ method: 'GET', url, headers: { cookie: nurseB.cookie } })).statusCode).toBe(404);
    const next = await w.app.inject({
      method: 'GET',
      url: `${url}&cursor=${page.json().next}`,
      headers: { cookie: nurse.cookie },
    });
    expect(next.json().items).toHaveLength(1);
    expect(next.json().next).toBeUndefined();
  });
});
