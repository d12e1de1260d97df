import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionReport } from '../engine/session-runner.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import { sweatTestScreeningItems, SWEAT_TEST_PROTOCOL_ID } from '../clinic/sweat-test.js';
import { finishSession, listAudit, startSession } from '../store/index.js';
import type { FinalStatus } from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { pdfText } from './pdf-text.js';
import { isProblem, signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const noAnswers = () => Object.fromEntries(sweatTestScreeningItems().map((i) => [i, false]));

describe.each(TEST_BACKENDS)('sweat-test API on $name', (backend) => {
  let db: TestDatabase;
  let w: World;
  let clock: number;
  let nurse: Signed;
  let clinician: Signed;
  const advance = (min: number) => void (clock += min * 60_000);
  const iso = (ms = clock) => new Date(ms).toISOString();

  beforeEach(async () => {
    clock = T0;
    db = backend.fresh();
    w = await world(await db.open({ now: () => new Date(clock) }));
    nurse = await signIn(w.app, 'nurse@a.test');
    clinician = await signIn(w.app, 'clinician@a.test');
  });
  afterEach(async () => {
    await w.app.close();
    await db.dispose();
  });

  /** Runs the engine for real on the virtual patient, and records the session as the live API would. */
  async function engineSession(
    patientId: string,
    opts: { seed?: number; status?: FinalStatus; protocol?: string; finish?: boolean } = {},
  ): Promise<{ id: string; report: SessionReport }> {
    const protocol = findProtocol(opts.protocol ?? SWEAT_TEST_PROTOCOL_ID);
    const prepared = prepareSimulatedSession({ protocol, choices: {}, seed: opts.seed ?? 3 });
    const report = prepared.run.runToEnd();
    const s = await startSession(w.store, {
      patient_id: patientId,
      protocol: protocol.id,
      zone: prepared.plan.zone,
      started_at: iso(),
    });
    clock += Math.ceil(report.duration_s) * 1000;
    if (opts.finish === false) return { id: s.id, report };
    await finishSession(w.store, s.id, { status: opts.status ?? report.status, report, ended_at: iso() });
    return { id: s.id, report };
  }

  const post = (who: Signed, url: string, payload: unknown, etag?: string) =>
    w.app.inject({
      method: 'POST',
      url,
      payload: payload as object,
      headers: { ...who.headers, ...(etag === undefined ? {} : { 'if-match': etag }) },
    });
  const get = (who: Signed, url: string) => w.app.inject({ method: 'GET', url, headers: who.headers });

  /** A test ordered and found eligible for patient ownA (an adult); returns its id and ETag. */
  async function eligibleTest(): Promise<{ id: string; etag: string }> {
    const order = await post(nurse, `/api/patients/${w.patients.ownA.id}/sweat-tests`, {
      indication: 'recurrent chest infections',
      requesting_physician: 'Dr. House',
    });
    expect(order.statusCode).toBe(201);
    const id = order.json().id as string;
    advance(1);
    const el = await post(
      nurse,
      `/api/sweat-tests/${id}/eligibility`,
      { weight_kg: 62, answers: noAnswers() },
      order.headers.etag as string,
    );
    expect(el.statusCode, el.body).toBe(200);
    return { id, etag: el.headers.etag as string };
  }

  async function stimulateBoth(id: string, etag: string): Promise<string> {
    for (const [side, seed] of [
      ['left', 3],
      ['right', 4],
    ] as const) {
      advance(2);
      const ses = await engineSession(w.patients.ownA.id, { seed });
      const res = await post(nurse, `/api/sweat-tests/${id}/stimulations`, { side, session_id: ses.id }, etag);
      expect(res.statusCode, res.body).toBe(200);
      etag = res.headers.etag as string;
    }
    return etag;
  }

  async function collectAndSample(
    id: string,
    etag: string,
    amounts: { left: number; right: number },
    method = 'macroduct',
  ) {
    const start = iso(clock + 60_000);
    advance(27);
    for (const side of ['left', 'right'] as const) {
      const c = await post(
        nurse,
        `/api/sweat-tests/${id}/collections`,
        { side, method, started_at: start, ended_at: iso(clock - 60_000) },
        etag,
      );
      expect(c.statusCode, c.body).toBe(200);
      etag = c.headers.etag as string;
      const amount = method === 'macroduct' ? { volume_ul: amounts[side] } : { weight_mg: amounts[side] };
      const s = await post(nurse, `/api/sweat-tests/${id}/samples`, { side, ...amount }, etag);
      expect(s.statusCode, s.body).toBe(200);
      etag = s.headers.etag as string;
    }
    return etag;
  }

  it('runs the whole workflow: order, eligibility, two engine stimulations, collection, samples, results, verification, PDF', async () => {
    const { id, etag: e1 } = await eligibleTest();
    const e2 = await stimulateBoth(id, e1);
    const one = await get(nurse, `/api/sweat-tests/${id}`);
    const left = one.json().data.sides.left.stimulation;
    expect(left.target_mA).toBe(1.5);
    expect(left.delivered_mAmin).toBeGreaterThanOrEqual(7.5 * 0.99);
    expect(left.delivered_mAmin).toBeLessThanOrEqual(7.5 * 1.01);
    let etag = await collectAndSample(id, e2, { left: 22.5, right: 19 });
    advance(5);
    const r1 = await post(nurse, `/api/sweat-tests/${id}/results`, { side: 'left', chloride_mmol_l: 42 }, etag);
    expect(r1.statusCode, r1.body).toBe(200);
    expect(r1.json().status).toBe('in_progress');
    const r2 = await post(
      nurse,
      `/api/sweat-tests/${id}/results`,
      { side: 'right', chloride_mmol_l: 38 },
      r1.headers.etag as string,
    );
    expect(r2.json().status).toBe('completed');
    expect(r2.json().data.conclusion.interpretation.band).toBe('intermediate');
    etag = r2.headers.etag as string;

    const byNurse = await post(nurse, `/api/sweat-tests/${id}/verification`, {}, etag);
    expect(byNurse.statusCode).toBe(403);
    const v = await post(clinician, `/api/sweat-tests/${id}/verification`, {}, etag);
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json().status).toBe('verified');

    const pdf = await get(nurse, `/api/sweat-tests/${id}/report.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['cache-control']).toBe('no-store');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf.rawPayload);
    for (const s of [
      'Ada Own',
      w.patients.ownA.id,
      '1990-04-01',
      'Dr. House',
      '42 mmol/L',
      '38 mmol/L',
      'Sweat chloride 42 mmol/L: intermediate',
      'Macroduct coil',
      '22.5 µL (minimum 15 µL)',
      'LOINC 2077-6',
      'Verified by clinician@a.test',
      'nurse@a.test',
      'Not for diagnosis on its own',
      'never pooled',
      '1.5 / ',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toContain(`${Math.round(left.delivered_mAmin * 1000) / 1000} / 7.5 mA·min over 5 cm²`);
    if (process.env.IONTO_WRITE_EXAMPLES === '1' && backend.name === 'sqlite' && pdf.rawPayload.length < 100_000) {
      writeFileSync('examples/sweat-test-report.pdf', pdf.rawPayload);
    }
  });

  it("lists the clinic's tests with the patient's name for the worklist, filtered by status, never another clinic's", async () => {
    const open = await eligibleTest();
    const ordered = await post(nurse, `/api/patients/${w.patients.otherA.id}/sweat-tests`, {
      indication: 'meconium ileus',
      requesting_physician: 'Dr. Quinn',
    });
    expect(ordered.statusCode).toBe(201);
    const all = await get(nurse, '/api/sweat-tests');
    expect(all.statusCode).toBe(200);
    const rows = all.json().items as { id: string; status: string; patient_name: string }[];
    expect(rows.map((r) => [r.id, r.status, r.patient_name]).sort()).toEqual(
      [
        [open.id, 'in_progress', w.patients.ownA.name],
        [ordered.json().id, 'ordered', w.patients.otherA.name],
      ].sort(),
    );
    const inProgress = await get(nurse, '/api/sweat-tests?status=in_progress');
    expect(inProgress.json().items.map((r: { id: string }) => r.id)).toEqual([open.id]);
    const paged = await get(nurse, '/api/sweat-tests?limit=1');
    expect(paged.json().items).toHaveLength(1);
    const rest = await get(nurse, `/api/sweat-tests?limit=1&cursor=${encodeURIComponent(paged.json().next)}`);
    expect(rest.json().items).toHaveLength(1);
    expect(rest.json().items[0].id).not.toBe(paged.json().items[0].id);
    // Clinic B sees none of clinic A's tests.
    const nurseB = await signIn(w.app, 'nurse@b.test');
    expect((await get(nurseB, '/api/sweat-tests')).json().items).toEqual([]);
    const bad = await get(nurse, '/api/sweat-tests?status=in_progress,lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toContain('/querystring/status');
  });

  it('every read and write leaves an audit entry on the patient', async () => {
    const before = (await listAudit(w.store, { limit: 10_000 })).length;
    const { id } = await eligibleTest();
    await get(nurse, `/api/sweat-tests/${id}`);
    await get(nurse, `/api/patients/${w.patients.ownA.id}/sweat-tests`);
    await get(nurse, `/api/sweat-tests/${id}/report.pdf`);
    const entries = (await listAudit(w.store, { limit: 10_000 })).slice(before);
    expect(entries.map((e) => e.action)).toEqual([
      'sweat_test.order',
      'sweat_test.eligibility',
      'sweat_test.read',
      'sweat_test.list',
      'sweat_test.report',
    ]);
    expect(new Set(entries.map((e) => e.entity_id))).toEqual(new Set([w.patients.ownA.id]));
  });

  it('If-Match: required (428), a stale ETag is refused (412) — two staff on one test', async () => {
    const { id, etag } = await eligibleTest();
    const ses = await engineSession(w.patients.ownA.id);
    const none = await post(nurse, `/api/sweat-tests/${id}/stimulations`, { side: 'left', session_id: ses.id });
    expect(none.statusCode).toBe(428);
    const first = await post(nurse, `/api/sweat-tests/${id}/stimulations`, { side: 'left', session_id: ses.id }, etag);
    expect(first.statusCode).toBe(200);
    const ses2 = await engineSession(w.patients.ownA.id, { seed: 9 });
    const second = await post(
      clinician,
      `/api/sweat-tests/${id}/stimulations`,
      { side: 'right', session_id: ses2.id },
      etag,
    );
    expect(second.statusCode).toBe(412);
    expect(second.json().code).toBe('ION_ERR_PRECONDITION');
    const again = await post(
      clinician,
      `/api/sweat-tests/${id}/stimulations`,
      { side: 'right', session_id: ses2.id },
      first.headers.etag as string,
    );
    expect(again.statusCode).toBe(200);
  });

  it('other clinics see no test (404, audited as denied); patients and unsigned requests are refused', async () => {
    const { id } = await eligibleTest();
    const nurseB = await signIn(w.app, 'nurse@b.test');
    const res = await get(nurseB, `/api/sweat-tests/${id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBe(`sweat test ${id} not found`);
    const audit = await listAudit(w.store, { limit: 10_000 });
    expect(audit.at(-1)).toMatchObject({
      action: 'patient.read_denied',
      entity_id: w.patients.ownA.id,
      actor: w.users.nurseB.id,
    });
    expect((await get(nurseB, `/api/sweat-tests/${id}/report.pdf`)).statusCode).toBe(404);
    expect((await post(nurseB, `/api/patients/${w.patients.ownA.id}/sweat-tests`, {})).statusCode).toBe(404);
    const patient = await signIn(w.app, 'patient@a.test');
    expect((await get(patient, `/api/sweat-tests/${id}`)).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: `/api/sweat-tests/${id}` })).statusCode).toBe(401);
    expect((await get(nurse, '/api/sweat-tests/does-not-exist')).statusCode).toBe(404);
  });

  describe('stimulation links only a completed sweat-test session of this patient, started after the order', () => {
    const link = async (id: string, etag: string, session_id: string) => {
      const res = await post(nurse, `/api/sweat-tests/${id}/stimulations`, { side: 'left', session_id }, etag);
      return { status: res.statusCode, code: res.json().code as string, detail: res.json().detail as string };
    };

    it('refuses a session before the order, of another patient, still running, aborted, or of another protocol', async () => {
      const early = await engineSession(w.patients.ownA.id);
      advance(1);
      const { id, etag } = await eligibleTest();
      expect(await link(id, etag, early.id)).toMatchObject({
        status: 422,
        code: 'ION_ERR_SWEAT_STIMULATION',
        detail: expect.stringMatching(/before the test was ordered/),
      });
      const other = await engineSession(w.patients.otherA.id);
      expect(await link(id, etag, other.id)).toMatchObject({
        status: 422,
        detail: expect.stringMatching(/not a session of this patient/),
      });
      const running = await engineSession(w.patients.ownA.id, { finish: false });
      expect(await link(id, etag, running.id)).toMatchObject({
        status: 422,
        detail: expect.stringMatching(/running, not completed/),
      });
      const aborted = await engineSession(w.patients.ownA.id, { status: 'aborted' });
      expect(await link(id, etag, aborted.id)).toMatchObject({ status: 422, detail: expect.stringMatching(/aborted/) });
      const twi = await engineSession(w.patients.ownA.id, { protocol: 'tapwater-palms' });
      expect(await link(id, etag, twi.id)).toMatchObject({
        status: 422,
        detail: expect.stringMatching(/ran protocol tapwater-palms/),
      });
      expect(await link(id, etag, 'no-such-session')).toMatchObject({ status: 422 });
      const current = await get(nurse, `/api/sweat-tests/${id}`);
      expect(current.headers.etag).toBe(etag);
    });

    it('refuses a session already linked, on this test or another', async () => {
      const a = await eligibleTest();
      const ses = await engineSession(w.patients.ownA.id);
      const ok = await post(
        nurse,
        `/api/sweat-tests/${a.id}/stimulations`,
        { side: 'left', session_id: ses.id },
        a.etag,
      );
      expect(ok.statusCode).toBe(200);
      const right = await post(
        nurse,
        `/api/sweat-tests/${a.id}/stimulations`,
        { side: 'right', session_id: ses.id },
        ok.headers.etag as string,
      );
      expect(right.json().detail).toMatch(/already linked/);
      const b = await eligibleTest();
      expect(await link(b.id, b.etag, ses.id)).toMatchObject({
        status: 422,
        detail: expect.stringMatching(/already linked/),
      });
    });
  });

  it('QNS: a pooled result is refused (409) and nothing changes; the QNS side has no result and the report says repeat', async () => {
    const { id, etag: e1 } = await eligibleTest();
    const e2 = await stimulateBoth(id, e1);
    const etag = await collectAndSample(id, e2, { left: 60, right: 50 }, 'gauze');
    const state = await get(nurse, `/api/sweat-tests/${id}`);
    expect(state.json().data.sides.left.sample.qns).toBe(true);
    const pooled = await post(nurse, `/api/sweat-tests/${id}/results`, { side: 'pooled', chloride_mmol_l: 70 }, etag);
    expect(pooled.statusCode).toBe(409);
    expect(pooled.json().code).toBe('ION_ERR_SWEAT_QNS');
    const leftResult = await post(nurse, `/api/sweat-tests/${id}/results`, { side: 'left', chloride_mmol_l: 70 }, etag);
    expect(leftResult.json().code).toBe('ION_ERR_SWEAT_QNS');
    const after = await get(nurse, `/api/sweat-tests/${id}`);
    expect(after.headers.etag).toBe(etag);
    expect(after.json().data.pooled_result).toBeNull();
    expect(after.json().status).toBe('completed');
    expect(after.json().data.conclusion.repeat_required).toBe(true);
    const text = pdfText((await get(nurse, `/api/sweat-tests/${id}/report.pdf`)).rawPayload);
    expect(text).toContain('QNS - NOT ANALYSED, REPEAT');
    expect(text).toContain('60 mg (minimum 75 mg)');
    expect(text).toContain('No chloride result.');
    expect(text).toContain('NOT VERIFIED');
  });

  it('bad input is a 400 naming the field and changes nothing; impossible steps are 409', async () => {
    const { id, etag } = await eligibleTest();
    const unknown = await post(
      nurse,
      `/api/sweat-tests/${id}/samples`,
      { side: 'left', volume_ul: 20, colour: 'red' },
      etag,
    );
    expect(unknown.statusCode).toBe(400);
    expect(isProblem(unknown)).toBe(true);
    const early = await post(nurse, `/api/sweat-tests/${id}/samples`, { side: 'left', volume_ul: 20 }, etag);
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('ION_ERR_SWEAT_TEST_STATE');
    const badSide = await post(nurse, `/api/sweat-tests/${id}/results`, { side: 'middle', chloride_mmol_l: 20 }, etag);
    expect(badSide.statusCode).toBe(400);
    expect(JSON.stringify(badSide.json().errors)).toContain('/body/side');
    const again = await post(
      nurse,
      `/api/sweat-tests/${id}/eligibility`,
      { weight_kg: 62, answers: noAnswers() },
      etag,
    );
    expect(again.statusCode).toBe(409);
    expect((await get(nurse, `/api/sweat-tests/${id}`)).headers.etag).toBe(etag);
  });

  it('eligibility refuses an infant under 10 days and names missing answers', async () => {
    const baby = await w.app.inject({
      method: 'POST',
      url: '/api/patients',
      headers: nurse.headers,
      payload: { name: 'Baby Test', birth_date: '2026-02-25', time_zone: 'Europe/Berlin' },
    });
    const order = await post(nurse, `/api/patients/${baby.json().id}/sweat-tests`, {});
    const { pacemaker: _p, ...partial } = noAnswers();
    const missing = await post(
      nurse,
      `/api/sweat-tests/${order.json().id}/eligibility`,
      { weight_kg: 3.2, gestational_age_at_birth_weeks: 39, answers: partial },
      order.headers.etag as string,
    );
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().errors)).toContain('pacemaker');
    const noGa = await post(
      nurse,
      `/api/sweat-tests/${order.json().id}/eligibility`,
      { weight_kg: 3.2, answers: noAnswers() },
      order.headers.etag as string,
    );
    expect(noGa.statusCode).toBe(400);
    expect(noGa.json().detail).toMatch(/^gestational_age_at_birth_weeks/);
    const res = await post(
      nurse,
      `/api/sweat-tests/${order.json().id}/eligibility`,
      { weight_kg: 3.2, gestational_age_at_birth_weeks: 39, answers: noAnswers() },
      order.headers.etag as string,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ineligible');
    expect(res.json().data.eligibility.reasons[0].item).toBe('age');
  });

  it('shows the collection timer while it runs', async () => {
    const { id, etag: e1 } = await eligibleTest();
    const e2 = await stimulateBoth(id, e1);
    advance(1);
    const start = await post(
      nurse,
      `/api/sweat-tests/${id}/collections`,
      { side: 'left', method: 'macroduct', started_at: iso() },
      e2,
    );
    expect(start.json().data.sides.left.status).toBe('collecting');
    advance(12);
    const now = await get(nurse, `/api/sweat-tests/${id}`);
    expect(now.json().collection_minutes_left).toEqual({ left: 18, right: null });
  });

  it('lists a patient’s tests and documents the routes in OpenAPI', async () => {
    await eligibleTest();
    await eligibleTest();
    const list = await get(nurse, `/api/patients/${w.patients.ownA.id}/sweat-tests?limit=1`);
    expect(list.json().items).toHaveLength(1);
    expect(list.json().next).toBeDefined();
    const doc = (await w.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/sweat-tests/{id}/results',
        '/api/sweat-tests/{id}/report.pdf',
        '/api/patients/{id}/sweat-tests',
      ]),
    );
  });
});
