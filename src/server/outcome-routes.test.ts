import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPlannedSessions, updatePatient, updatePlannedSession } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { clockedWorld, disposeWorld, screened } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';

describe.each(TEST_BACKENDS)('outcome and follow-up routes on $name', (backend) => {
  let w: ClockedWorld;
  beforeEach(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterEach(async () => disposeWorld(w));

  const record = (body: unknown, who = w.as.nurseA, patient = w.patients.ownA.id) =>
    w.call(who, 'POST', `/api/patients/${patient}/outcomes`, body);
  const course = async (patient: string, start = '2026-03-02') => {
    await screened(w, patient, 'tapwater-palms');
    const res = await w.call(w.as.nurseA, 'POST', `/api/patients/${patient}/courses`, {
      protocol: 'tapwater-palms',
      template: 'clinic',
      start_date: start,
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string };
  };

  describe('outcomes', () => {
    it('records each kind, validated by the clinic rules, with the method and area beside', async () => {
      const hdss = await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 4 });
      expect(hdss.statusCode).toBe(201);
      expect(hdss.json()).toMatchObject({ kind: 'hdss', recorded_at: '2026-03-01T10:00:00.000Z', version: 1 });
      const grav = await record({
        kind: 'gravimetry',
        at: '2026-03-01T10:05:00+01:00',
        site: 'palms',
        mg: 250,
        minutes: 5,
        method: 'filter paper',
      });
      expect(grav.json()).toMatchObject({ recorded_at: '2026-03-01T09:05:00.000Z', value: { method: 'filter paper' } });
      const minor = await record({ kind: 'minor', at: '2026-03-01T10:10:00Z', site: 'palms', grade: 3, area_cm2: 80 });
      expect(minor.json().value).toMatchObject({ grade: 3, area_cm2: 80 });
      // A diary day is filed at local noon in the patient's zone (Berlin, CET).
      const diary = await record({ kind: 'diary', date: '2026-03-05', dry: false }, w.as.patientA);
      expect(diary.statusCode).toBe(201);
      expect(diary.json().recorded_at).toBe('2026-03-05T11:00:00.000Z');
      expect((await w.auditActions(w.patients.ownA.id)).filter((a) => a === 'outcome.create')).toHaveLength(4);
    });

    it('refuses bad values with a 400 naming the field, and a patient recording clinic measurements', async () => {
      const score = await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 5 });
      expect(score.statusCode).toBe(400);
      expect(score.json().errors[0].path).toBe('/body/score');
      const site = await record({ kind: 'gravimetry', at: '2026-03-01T10:00:00Z', mg: 10, minutes: 5 });
      expect(site.json().errors[0].path).toBe('/body/site');
      const minutes = await record({
        kind: 'gravimetry',
        at: '2026-03-01T10:00:00Z',
        site: 'palms',
        mg: 10,
        minutes: 0,
      });
      expect(minutes.json().errors[0].path).toBe('/body/minutes');
      const noZone = await record({ kind: 'hdss', at: '2026-03-01T10:00:00', score: 2 });
      expect(noZone.json().errors[0].path).toBe('/body/at');
      const extra = await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 2, mg: 3 });
      expect(extra.statusCode).toBe(400);
      const byPatient = await record(
        { kind: 'gravimetry', at: '2026-03-01T10:00:00Z', site: 'palms', mg: 10, minutes: 5 },
        w.as.patientA,
      );
      expect(byPatient.statusCode).toBe(403);
      const list = await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/outcomes`);
      expect(list.json().items).toEqual([]);
    });

    it('lists by kind and time window, in time order, a page at a time', async () => {
      for (const [at, score] of [
        ['2026-03-03T10:00:00Z', 3],
        ['2026-03-01T10:00:00Z', 4],
        ['2026-03-05T10:00:00Z', 2],
      ] as const) {
        await record({ kind: 'hdss', at, score });
      }
      await record({ kind: 'diary', date: '2026-03-04', dry: true });
      const url = `/api/patients/${w.patients.ownA.id}/outcomes`;
      const all = (await w.call(w.as.nurseA, 'GET', url)).json().items;
      expect(all.map((o: { kind: string }) => o.kind)).toEqual(['hdss', 'hdss', 'diary', 'hdss']);
      const hdss = (await w.call(w.as.nurseA, 'GET', `${url}?kind=hdss`)).json().items;
      expect(hdss.map((o: { value: { score: number } }) => o.value.score)).toEqual([4, 3, 2]);
      const window = await w.call(w.as.patientA, 'GET', `${url}?from=2026-03-02T00:00:00Z&to=2026-03-04T23:59:59Z`);
      expect(window.json().items.map((o: { kind: string }) => o.kind)).toEqual(['hdss', 'diary']);
      const p1 = (await w.call(w.as.nurseA, 'GET', `${url}?limit=3`)).json();
      const p2 = (await w.call(w.as.nurseA, 'GET', `${url}?limit=3&cursor=${p1.next}`)).json();
      expect([...p1.items, ...p2.items].map((o: { id: string }) => o.id)).toEqual(all.map((o: { id: string }) => o.id));
      expect(p2.next).toBeUndefined();
      expect((await w.call(w.as.nurseA, 'GET', `${url}?kind=sweat`)).statusCode).toBe(400);
      expect((await w.call(w.as.nurseA, 'GET', `${url}?cursor=zzz`)).statusCode).toBe(400);
    });

    it('corrects an outcome with If-Match; never its kind; 404 across clinics', async () => {
      const o = (await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 4 })).json();
      const url = `/api/outcomes/${o.id}`;
      const body = { kind: 'hdss', at: '2026-03-01T11:00:00Z', score: 3 };
      expect((await w.call(w.as.nurseA, 'PATCH', url, body)).statusCode).toBe(428);
      expect((await w.call(w.as.nurseA, 'PATCH', url, body, { 'if-match': '"9"' })).statusCode).toBe(412);
      const kind = await w.call(
        w.as.nurseA,
        'PATCH',
        url,
        { kind: 'diary', date: '2026-03-01', dry: true },
        { 'if-match': '"1"' },
      );
      expect(kind.statusCode).toBe(400);
      const ok = await w.call(w.as.nurseA, 'PATCH', url, body, { 'if-match': '"1"' });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers.etag).toBe('"2"');
      expect(ok.json()).toMatchObject({ value: { score: 3 }, recorded_at: '2026-03-01T11:00:00.000Z' });
      const read = await w.call(w.as.nurseA, 'GET', url);
      expect(read.headers.etag).toBe('"2"');
      const other = await w.call(w.as.nurseB, 'GET', url);
      expect(other.statusCode).toBe(404);
      expect(other.json().detail).toBe(`outcome ${o.id} not found`);
      expect((await w.call(w.as.nurseB, 'PATCH', url, body, { 'if-match': '"2"' })).statusCode).toBe(404);
      expect(await w.auditActions(w.patients.ownA.id)).toEqual([
        'outcome.create',
        'outcome.update',
        'outcome.read',
        'patient.read_denied',
        'patient.read_denied',
      ]);
    });
  });

  describe('follow-up', () => {
    it('names the rule that made the patient a responder, and the next sessions from the planner', async () => {
      await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 4 });
      await record({ kind: 'gravimetry', at: '2026-03-01T10:00:00Z', site: 'palms', mg: 250, minutes: 5 });
      const c = await course(w.patients.ownA.id);
      await record({ kind: 'hdss', at: '2026-03-20T10:00:00Z', score: 2 });
      await record({ kind: 'gravimetry', at: '2026-03-20T10:00:00Z', site: 'palms', mg: 50, minutes: 5 });
      const rows = await listPlannedSessions(w.store, c.id);
      for (const r of rows.filter((x) => x.seq <= 6)) {
        await updatePlannedSession(w.store, r.id, r.version, { status: 'done' });
      }
      await w.setNow('2026-03-21T10:00:00.000Z');
      const res = await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.ownA.id}/follow-up`);
      expect(res.body).toContain('"courses"');
      expect(res.statusCode).toBe(200);
      const f = res.json();
      expect(f.overdue).toEqual([]);
      const fc = f.courses[0];
      expect(fc.responder.status).toBe('responder');
      expect(fc.responder.decided_by).toEqual([
        {
          rule: 'hdss-responder',
          status: 'responder',
          basis: 'HDSS 4 → 2 (severe at baseline, 1–2 at follow-up); drop graded excellent [87]',
        },
        {
          rule: 'gravimetric-responder',
          site: 'palms',
          status: 'responder',
          basis: 'palms: 50 mg/min → 10 mg/min, 80 % below baseline (at least 50 %)',
        },
      ]);
      expect(fc.next_session).toMatchObject({ date: '2026-03-23', phase: 'induction' });
      expect(fc.next_maintenance).toMatchObject({ date: '2026-04-06' });
      expect(fc.maintenance_interval_days).toBe(14);
      expect(fc.relapse_signal).toBe(false);
      expect((await w.auditActions(w.patients.ownA.id)).at(-1)).toBe('followup.read');
    });

    it('a non-responder by HDSS, a relapse signal after a dry record, and not-evaluable without outcomes', async () => {
      const c = await course(w.patients.ownA.id);
      await w.setNow('2026-03-04T10:00:00.000Z');
      let f = (await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/follow-up`)).json();
      expect(f.courses[0].responder).toMatchObject({ status: 'not-evaluable', decided_by: [] });
      expect(f.courses[0].responder.missing).toMatch(/no HDSS or gravimetry/);
      expect(c.id).toBe(f.courses[0].course_id);
      await record({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 4 });
      await record({ kind: 'hdss', at: '2026-03-03T10:00:00Z', score: 2 });
      await record({ kind: 'hdss', at: '2026-03-04T09:00:00Z', score: 3 });
      f = (await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/follow-up`)).json();
      expect(f.courses[0].responder.status).toBe('non-responder');
      expect(f.courses[0].responder.decided_by[0]).toMatchObject({ rule: 'hdss-responder', status: 'non-responder' });
      expect(f.courses[0].relapses).toHaveLength(1);
      expect(f.courses[0].relapses[0]).toMatchObject({ date: '2026-03-04', measure: 'hdss' });
      expect(f.courses[0].relapse_signal).toBe(true);
    });

    it("counts a session overdue once its day has ended in the patient's own zone", async () => {
      await updatePatient(w.store, w.patients.otherA.id, 1, { time_zone: 'Pacific/Auckland' });
      await updatePatient(w.store, w.patients.ownA.id, 1, { time_zone: 'America/Los_Angeles' });
      const auckland = await course(w.patients.otherA.id, '2026-03-10');
      const la = await course(w.patients.ownA.id, '2026-03-10');
      const overdue = async (query = '') => (await w.call(w.as.nurseA, 'GET', `/api/follow-up/overdue${query}`)).json();

      // 11:30Z on 10 March: 00:30 on 11 March in Auckland (NZDT, +13), 04:30 on 10 March in Los Angeles (PDT).
      await w.setNow('2026-03-10T11:30:00.000Z');
      expect((await overdue()).items).toEqual([
        {
          course_id: auckland.id,
          patient_id: w.patients.otherA.id,
          patient_name: 'Otto Other',
          protocol: 'tapwater-palms',
          seq: 1,
          phase: 'induction',
          local_date: '2026-03-10',
          starts_at: '2026-03-09T20:00:00.000Z',
          overdue_since: '2026-03-10T11:00:00.000Z',
        },
      ]);
      const own = (await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.otherA.id}/follow-up`)).json();
      expect(own.overdue.map((o: { seq: number }) => o.seq)).toEqual([1]);
      expect(
        (await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/follow-up`)).json().overdue,
      ).toEqual([]);

      // Midnight in Los Angeles: its 10 March has ended too.
      await w.setNow('2026-03-11T07:00:00.000Z');
      const both = await overdue();
      expect(
        both.items.map((o: { course_id: string; overdue_since: string }) => [o.course_id, o.overdue_since]),
      ).toEqual(
        expect.arrayContaining([
          [auckland.id, '2026-03-10T11:00:00.000Z'],
          [la.id, '2026-03-11T07:00:00.000Z'],
        ]),
      );
      expect(both.items).toHaveLength(2);
      // A session done is not overdue.
      const first = (await listPlannedSessions(w.store, la.id))[0]!;
      await updatePlannedSession(w.store, first.id, first.version, { status: 'done' });
      expect((await overdue()).items.map((o: { course_id: string }) => o.course_id)).toEqual([auckland.id]);
    });

    it('the overdue dashboard is per clinic, paginated, staff only and audited per patient', async () => {
      const a = await course(w.patients.ownA.id, '2026-03-02');
      await w.setNow('2026-03-06T10:00:00.000Z');
      const p1 = (await w.call(w.as.nurseA, 'GET', '/api/follow-up/overdue?limit=2')).json();
      expect(p1.items.map((o: { local_date: string }) => o.local_date)).toEqual(['2026-03-02', '2026-03-03']);
      const p2 = (await w.call(w.as.nurseA, 'GET', `/api/follow-up/overdue?limit=2&cursor=${p1.next}`)).json();
      expect(p2.items.map((o: { local_date: string }) => o.local_date)).toEqual(['2026-03-05']);
      expect(p2.next).toBeUndefined();
      expect(p1.items[0].course_id).toBe(a.id);
      expect((await w.call(w.as.nurseB, 'GET', '/api/follow-up/overdue')).json().items).toEqual([]);
      expect((await w.call(w.as.patientA, 'GET', '/api/follow-up/overdue')).statusCode).toBe(403);
      expect((await w.auditActions(w.patients.ownA.id)).filter((x) => x === 'followup.overdue_list')).toHaveLength(2);
      const other = await w.call(w.as.nurseB, 'GET', `/api/patients/${w.patients.ownA.id}/follow-up`);
      expect(other.statusCode).toBe(404);
      const notMine = await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.otherA.id}/follow-up`);
      expect(notMine.statusCode).toBe(404);
    });
  });
});
