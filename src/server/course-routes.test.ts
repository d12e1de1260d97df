import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planCourse } from '../clinic/course-plan.js';
import { parseDate } from '../clinic/local-calendar.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { listPlannedSessions, updatePlannedSession } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { clockedWorld, disposeWorld, screened } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';

interface Planned {
  id: string;
  seq: number;
  phase: string;
  local_date: string;
  starts_at: string;
  status: string;
  version: number;
}

/** No day holds two sessions, and no seven consecutive days hold more than five [74][D2]. */
function expectCapsKept(sessions: readonly Planned[]): void {
  const days = sessions
    .filter((s) => s.status === 'planned' || s.status === 'done')
    .map((s) => parseDate(s.local_date));
  expect(new Set(days).size).toBe(days.length);
  for (const d of days) expect(days.filter((x) => x > d - 7 && x <= d).length).toBeLessThanOrEqual(5);
}

describe.each(TEST_BACKENDS)('course routes on $name', (backend) => {
  let w: ClockedWorld;
  beforeEach(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterEach(async () => disposeWorld(w));

  const plan = (body: Record<string, unknown>, who = w.as.nurseA, patient = w.patients.ownA.id) =>
    w.call(who, 'POST', `/api/patients/${patient}/courses`, {
      protocol: 'tapwater-palms',
      template: 'clinic',
      start_date: '2026-03-02',
      ...body,
    });

  describe('screening before a course', () => {
    it('refuses a course when the patient was never screened for the protocol', async () => {
      await screened(w, w.patients.ownA.id, 'tapwater-soles');
      const res = await plan({});
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'ION_ERR_CONTRAINDICATED' });
      expect(res.json().detail).toMatch(/no screening for tapwater-palms/);
      const list = await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/courses`);
      expect(list.json().items).toEqual([]);
    });

    it('refuses when the latest screening refused, with every reason and its source; a later allowed one opens it', async () => {
      await screened(w, w.patients.ownA.id, 'tapwater-palms');
      await w.setNow('2026-03-02T09:00:00.000Z');
      await screened(w, w.patients.ownA.id, 'tapwater-palms', { pacemaker: true });
      const refused = await plan({});
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe('ION_ERR_CONTRAINDICATED');
      expect(refused.json().detail).toMatch(/refused tapwater-palms: pacemaker: .*\[.+\]/);
      await w.setNow('2026-03-02T10:00:00.000Z');
      await screened(w, w.patients.ownA.id, 'tapwater-palms');
      expect((await plan({})).statusCode).toBe(201);
    });
  });

  describe('planning', () => {
    beforeEach(async () => {
      await screened(w, w.patients.ownA.id, 'tapwater-palms');
    });

    it('stores the planner’s course: clinic days 1, 2, 4, 7, 10, 15, 22 then maintenance, at 09:00 Berlin', async () => {
      const res = await plan({});
      expect(res.statusCode).toBe(201);
      const c = res.json();
      expect(c).toMatchObject({ protocol: 'tapwater-palms', template: 'clinic', start_date: '2026-03-02' });
      expect(c.time_zone).toBe('Europe/Berlin');
      expect(c.planned_sessions.map((s: Planned) => [s.seq, s.phase, s.local_date, s.status])).toEqual([
        [1, 'induction', '2026-03-02', 'planned'],
        [2, 'induction', '2026-03-03', 'planned'],
        [3, 'induction', '2026-03-05', 'planned'],
        [4, 'induction', '2026-03-08', 'planned'],
        [5, 'induction', '2026-03-11', 'planned'],
        [6, 'induction', '2026-03-16', 'planned'],
        [7, 'induction', '2026-03-23', 'planned'],
        [8, 'maintenance', '2026-04-06', 'planned'],
        [9, 'maintenance', '2026-04-20', 'planned'],
        [10, 'maintenance', '2026-05-04', 'planned'],
      ]);
      expect(c.planning.rules.map((r: { id: string }) => r.id)).toEqual(
        expect.arrayContaining(['per-day', 'per-week']),
      );
      const got = await w.call(w.as.patientA, 'GET', `/api/courses/${c.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.headers.etag).toBe('"1"');
      expect(got.json().planned_sessions).toEqual(c.planned_sessions);
      expect(await w.auditActions(w.patients.ownA.id)).toEqual(['screening.create', 'course.create', 'course.read']);
    });

    it('plans a week across the spring DST change on local days: 09:00 is 08:00Z before and 07:00Z after', async () => {
      const res = await plan({
        template: 'daily',
        induction_sessions: 10,
        start_date: '2026-03-26',
        maintenance_sessions: 0,
      });
      expect(res.statusCode).toBe(201);
      const s: Planned[] = res.json().planned_sessions;
      expect(s.map((x) => [x.local_date, x.starts_at])).toEqual([
        ['2026-03-26', '2026-03-26T08:00:00.000Z'],
        ['2026-03-27', '2026-03-27T08:00:00.000Z'],
        ['2026-03-28', '2026-03-28T08:00:00.000Z'],
        ['2026-03-29', '2026-03-29T07:00:00.000Z'],
        ['2026-03-30', '2026-03-30T07:00:00.000Z'],
        ['2026-04-02', '2026-04-02T07:00:00.000Z'],
        ['2026-04-03', '2026-04-03T07:00:00.000Z'],
        ['2026-04-04', '2026-04-04T07:00:00.000Z'],
        ['2026-04-05', '2026-04-05T07:00:00.000Z'],
        ['2026-04-06', '2026-04-06T07:00:00.000Z'],
      ]);
      expectCapsKept(s);
    });

    it('keeps the caps of 1 a day and 5 in any 7 days, and refuses to loosen them, naming the field', async () => {
      const ok = await plan({
        template: 'daily',
        induction_sessions: 20,
        weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      });
      expectCapsKept(ok.json().planned_sessions);
      const loose = await plan({ caps: { per_week: 6 } });
      expect(loose.statusCode).toBe(400);
      expect(loose.json().detail).toMatch(/^caps\.per_week 6 is above the limit of 5/);
      const bad = await plan({ template: 'hourly' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].path).toBe('/body/template');
      const interval = await plan({ maintenance_interval_days: 60 });
      expect(interval.json().detail).toMatch(/^maintenance_interval_days 60 days is outside/);
    });

    it('never puts axillae on a day with hands or feet: the later course moves off the earlier one’s days', async () => {
      await screened(w, w.patients.ownA.id, 'tapwater-axillae');
      const palms: Planned[] = (await plan({})).json().planned_sessions;
      const res = await plan({ protocol: 'tapwater-axillae' });
      expect(res.statusCode).toBe(201);
      const axillae: Planned[] = res.json().planned_sessions;
      const palmDays = new Set(palms.map((s) => s.local_date));
      expect(axillae.filter((s) => palmDays.has(s.local_date))).toEqual([]);
      expect(res.json().planning.shared_days_refused).toContainEqual({
        date: '2026-03-02',
        protocol: 'tapwater-palms',
      });
      expect(axillae[0]!.local_date).toBe('2026-03-04');
    });

    it('plans a protocol without maintenance, and a patient reads only their own courses', async () => {
      await screened(w, w.patients.ownA.id, 'dexamethasone');
      const res = await plan({ protocol: 'dexamethasone', template: 'weekly', induction_sessions: 4 });
      expect(res.statusCode).toBe(201);
      const s: Planned[] = res.json().planned_sessions;
      expect(s.map((x) => x.local_date)).toEqual(['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23']);
      expect(s.every((x) => x.phase === 'induction')).toBe(true);
      const mine = await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.ownA.id}/courses`);
      expect(mine.json().items.map((c: { id: string }) => c.id)).toEqual([res.json().id]);
      expect((await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.otherA.id}/courses`)).statusCode).toBe(
        404,
      );
      expect((await plan({}, w.as.patientA)).statusCode).toBe(403);
    });

    it('weekdays and closed dates are kept and used again when the course is re-planned', async () => {
      const res = await plan({ weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], closed: ['2026-03-03'], time: '14:30' });
      const s: Planned[] = res.json().planned_sessions;
      expect(s.map((x) => x.local_date)).not.toContain('2026-03-03');
      for (const x of s) expect([0, 6]).not.toContain(new Date(`${x.local_date}T12:00:00Z`).getUTCDay());
      expect(s[0]!.starts_at).toBe('2026-03-02T13:30:00.000Z');
      expect(res.json().options).toEqual({
        weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'],
        closed: ['2026-03-03'],
        time: '14:30',
      });
    });
  });

  describe('missed and cancelled sessions', () => {
    let courseId: string;
    beforeEach(async () => {
      await screened(w, w.patients.ownA.id, 'tapwater-palms');
      courseId = (await plan({})).json().id;
      // The first session took place (the live session marks it done).
      const first = (await listPlannedSessions(w.store, courseId))[0]!;
      await updatePlannedSession(w.store, first.id, first.version, { status: 'done' });
    });
    const patch = (seq: number, status: string, ifMatch?: string, who = w.as.nurseA) =>
      w.call(
        who,
        'PATCH',
        `/api/courses/${courseId}/planned-sessions/${seq}`,
        { status },
        ifMatch === undefined ? {} : { 'if-match': ifMatch },
      );

    it('marks a session missed and moves the rest with the planner’s missed-session rule', async () => {
      await w.setNow('2026-03-04T10:00:00.000Z');
      const res = await patch(2, 'missed', '"1"');
      expect(res.statusCode).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      const s: Planned[] = res.json().planned_sessions;
      expect(s.find((x) => x.seq === 2)).toMatchObject({ status: 'missed', local_date: '2026-03-03' });
      const expected = planCourse({
        protocol: findProtocol('tapwater-palms'),
        start: '2026-03-02',
        tz: 'Europe/Berlin',
        now: '2026-03-04T10:00:00.000Z',
        history: {
          sessions: [
            { status: 'done', date: '2026-03-02' },
            { status: 'missed', date: '2026-03-03' },
          ],
        },
      });
      const toCome = expected.sessions.filter((x) => x.status === 'planned' || x.status === 'rescheduled');
      const open = s.filter((x) => x.status === 'planned').sort((a, b) => a.local_date.localeCompare(b.local_date));
      expect(open.map((x) => [x.phase, x.local_date])).toEqual(toCome.map((x) => [x.phase, x.date]));
      expect(open[0]!.local_date).toBe('2026-03-04');
      // A replacement: seven induction sessions not missed, as prescribed.
      expect(s.filter((x) => x.phase === 'induction' && x.status !== 'missed')).toHaveLength(7);
      expect(Math.max(...s.map((x) => x.seq))).toBe(11);
      expectCapsKept(s);
      expect((await w.auditActions(w.patients.ownA.id)).at(-1)).toBe('course.session_update');
    });

    it('a cancelled future session closes its day; the course goes on around it', async () => {
      const res = await patch(5, 'cancelled', '"1"');
      expect(res.statusCode).toBe(200);
      const s: Planned[] = res.json().planned_sessions;
      expect(s.find((x) => x.seq === 5)!.status).toBe('cancelled');
      expect(s.filter((x) => x.status === 'planned' && x.local_date === '2026-03-11')).toEqual([]);
      expect(s.filter((x) => x.phase === 'induction' && x.status !== 'cancelled')).toHaveLength(7);
      expectCapsKept(s);
    });

    it('needs If-Match (428), refuses a stale one (412), a session not yet due as missed (409), and patients (403)', async () => {
      expect((await patch(2, 'missed')).statusCode).toBe(428);
      expect((await patch(2, 'missed', '"7"')).statusCode).toBe(412);
      const early = await patch(3, 'missed', '"1"');
      expect(early.statusCode).toBe(409);
      expect(early.json().detail).toMatch(/cannot be missed yet; cancel it instead/);
      expect((await patch(1, 'missed', '"2"')).statusCode).toBe(409);
      expect((await patch(2, 'missed', '"1"', w.as.patientA)).statusCode).toBe(403);
      expect((await patch(2, 'late', '"1"')).statusCode).toBe(400);
      expect((await patch(99, 'missed', '"1"')).statusCode).toBe(404);
      const rows = await listPlannedSessions(w.store, courseId);
      expect(rows.filter((r) => r.status === 'missed' || r.status === 'cancelled')).toEqual([]);
    });

    it("answers 404 for another clinic's course without naming its patient", async () => {
      const res = await w.call(w.as.nurseB, 'GET', `/api/courses/${courseId}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().detail).toBe(`course ${courseId} not found`);
      expect((await patch(2, 'missed', '"1"', w.as.nurseB)).statusCode).toBe(404);
      expect((await plan({}, w.as.nurseB)).statusCode).toBe(404);
      expect((await w.call(w.as.nurseB, 'GET', `/api/patients/${w.patients.ownA.id}/courses`)).statusCode).toBe(404);
      const denied = (await w.auditActions(w.patients.ownA.id)).filter((a) => a === 'patient.read_denied');
      expect(denied).toHaveLength(4);
    });
  });
});
