import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IontoError } from '../errors/catalogue.js';
import { CLINIC_DAYS } from '../protocols/course-template.js';
import type { InductionTemplate } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import {
  INDUCTION_TEMPLATES,
  excludes,
  nextSession,
  planCourse,
  planPatientCourses,
  startWeekdaysKeepingTemplate,
} from './course-plan.js';
import type { CoursePlan, CoursePlanInput, PlannedSession } from './course-plan.js';
import { WEEKDAYS, dateOf, localDayOf, parseDate, weekdayOf } from './local-calendar.js';
import type { Weekday } from './local-calendar.js';

const palms = findProtocol('tapwater-palms');
const soles = findProtocol('tapwater-soles');
const axillae = findProtocol('tapwater-axillae');
const BERLIN = 'Europe/Berlin';
const MON_FRI: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

const plan = (over: Partial<CoursePlanInput> = {}) =>
  planCourse({ protocol: palms, start: '2025-03-03', tz: BERLIN, ...over });
const dates = (p: { sessions: readonly PlannedSession[] }, status?: PlannedSession['status']) =>
  p.sessions.filter((s) => status === undefined || s.status === status).map((s) => s.date);
const day = parseDate;
const offsetsFrom = (first: string, ds: readonly string[]) => ds.map((d) => day(d) - day(first));
const withCourse = (p: Protocol, course: Partial<Protocol['course']>): Protocol => ({
  ...p,
  course: { ...p.course, ...course },
});
const failsWith = (f: () => unknown, code: string, message: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an IontoError').toBeInstanceOf(IontoError);
  expect((err as IontoError).code).toBe(code);
  expect((err as IontoError).message).toMatch(message);
};

/** Every 7-day window and every day of the sessions that take place (done, planned, rescheduled) keep the caps. */
function expectCapsKept(p: CoursePlan, perDay = 1, perWeek = 5) {
  const days = p.sessions.filter((s) => s.status !== 'missed').map((s) => day(s.date));
  for (const d of days) {
    expect(days.filter((x) => x === d).length, `sessions on ${dateOf(d)}`).toBeLessThanOrEqual(perDay);
    expect(
      days.filter((x) => x >= d && x < d + 7).length,
      `sessions in the 7 days from ${dateOf(d)}`,
    ).toBeLessThanOrEqual(perWeek);
  }
}

describe('the clinic course on days 1, 2, 4, 7, 10, 15, 22 [73]', () => {
  it.each(WEEKDAYS.map((w, i) => [w, i] as const))(
    'starts on the next %s and keeps the template days from it',
    (weekday, i) => {
      // 2025-03-03 is a Monday: the first session is i days later.
      const p = plan({ startWeekday: weekday, maintenanceSessions: 0 });
      const first = dateOf(day('2025-03-03') + i);
      expect(p.firstDate).toBe(first);
      expect(p.sessions[0]!.weekday).toBe(weekday);
      expect(offsetsFrom(first, dates(p))).toEqual([...CLINIC_DAYS]);
      expect(p.sessions.map((s) => s.phase)).toEqual(Array(7).fill('induction'));
      expect(p.sessions.map((s) => `${s.phaseIndex}/${s.phaseSessions}`)).toEqual(
        [1, 2, 3, 4, 5, 6, 7].map((k) => `${k}/7`),
      );
      const moved = p.adjustments.filter((a) => a.rules.includes('start-weekday'));
      expect(moved.length).toBe(i === 0 ? 0 : 1);
      if (i > 0) expect(moved[0]!.reason).toMatch(/moved from 2025-03-03 \(Mon\)/);
    },
  );

  it('keeps every session on Monday to Friday only when it starts on a Tuesday', () => {
    expect(startWeekdaysKeepingTemplate('clinic', 7, MON_FRI)).toEqual(['tue']);
    const p = plan({ startWeekday: 'tue', weekdays: MON_FRI, maintenanceSessions: 0 });
    expect(p.sessions.map((s) => s.weekday)).toEqual(['tue', 'wed', 'fri', 'mon', 'thu', 'tue', 'tue']);
    expect(p.adjustments.map((a) => a.rules)).toEqual([['start-weekday']]);
  });

  it('moves a session off a closed weekday to the next open day, and says so', () => {
    const p = plan({ startWeekday: 'mon', weekdays: MON_FRI, maintenanceSessions: 0 });
    // Day 7 from a Monday is a Sunday: it moves to Monday (day 8); later sessions keep their template days.
    expect(dates(p)).toEqual([
      '2025-03-03',
      '2025-03-04',
      '2025-03-06',
      '2025-03-10',
      '2025-03-12',
      '2025-03-17',
      '2025-03-24',
    ]);
    expect(p.adjustments).toEqual([
      expect.objectContaining({ index: 4, from: '2025-03-09', to: '2025-03-10', rules: ['weekdays'] }),
    ]);
    expect(p.rules.map((r) => r.id)).toContain('weekdays');
  });

  it('refuses a start weekday on which the clinic is closed', () =>
    failsWith(() => plan({ startWeekday: 'sun', weekdays: MON_FRI }), 'ION_ERR_USAGE', /^startWeekday sun is not one/));

  it('continues weekly if more sessions are asked for, then maintenance at the protocol interval', () => {
    const p = plan({ inductionSessions: 9, maintenanceSessions: 2 });
    expect(offsetsFrom('2025-03-03', dates(p))).toEqual([...CLINIC_DAYS, 28, 35, 49, 63]);
    expect(p.sessions.map((s) => s.phase).slice(-3)).toEqual(['induction', 'maintenance', 'maintenance']);
    expect(p.maintenance).toMatchObject({ intervalDays: 14, minDays: 7, maxDays: 28 });
  });
});

describe('the other templates', () => {
  it('every 2–3 days [F5]', () => {
    const p = plan({ template: 'every-2-3-days', inductionSessions: 6, maintenanceSessions: 0 });
    expect(offsetsFrom('2025-03-03', dates(p))).toEqual([0, 2, 5, 7, 10, 12]);
  });

  it('daily keeps to five in seven days', () => {
    const p = plan({ template: 'daily', inductionSessions: 10, maintenanceSessions: 0 });
    expect(offsetsFrom('2025-03-03', dates(p))).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11]);
    expectCapsKept(p);
  });

  it('single: one session, then maintenance', () => {
    const p = plan({ template: 'single', maintenanceSessions: 1 });
    expect(p.sessions.map((s) => [s.date, s.phase])).toEqual([
      ['2025-03-03', 'induction'],
      ['2025-03-17', 'maintenance'],
    ]);
    failsWith(
      () => plan({ template: 'single', inductionSessions: 3 }),
      'ION_ERR_OUT_OF_RANGE',
      /^inductionSessions must be 1/,
    );
  });

  it('refuses an unknown template, naming the known ones', () =>
    failsWith(
      () => plan({ template: 'hourly' as InductionTemplate }),
      'ION_ERR_USAGE',
      /^template must be one of clinic, every-2-3-days, daily, .*single, got "hourly"/,
    ));

  it('has no maintenance when the protocol has none', () => {
    const p = planCourse({ protocol: withCourse(palms, { maintenance: null }), start: '2025-03-03', tz: BERLIN });
    expect(p.maintenance).toBeNull();
    expect(p.sessions).toHaveLength(7);
    failsWith(
      () =>
        planCourse({
          protocol: withCourse(palms, { maintenance: null }),
          start: '2025-03-03',
          tz: BERLIN,
          maintenanceIntervalDays: 14,
        }),
      'ION_ERR_USAGE',
      /has no maintenance phase/,
    );
  });
});

describe('frequency caps: one a day, five in any seven days [74][D2]', () => {
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'America/Santiago',
    'Asia/Beirut',
    'Australia/Lord_Howe',
    'Pacific/Apia',
    'UTC',
  ];
  const arbStart = fc.integer({ min: day('2010-01-01'), max: day('2037-12-31') }).map(dateOf);
  const arbWeekdays = fc.subarray([...WEEKDAYS], { minLength: 1 });

  it('are never broken, whatever the template, start, zone, open days, tighter caps and closed dates', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INDUCTION_TEMPLATES),
        fc.integer({ min: 1, max: 30 }),
        arbStart,
        fc.constantFrom(...zones),
        arbWeekdays,
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }),
        fc.constantFrom('00:00', '02:30', '09:00', '23:30'),
        (template, n, start, tz, weekdays, perWeek, closedOffsets, time) => {
          const sessions = template === 'single' ? 1 : n;
          const p = planCourse({
            protocol: palms,
            start,
            tz,
            template,
            inductionSessions: sessions,
            weekdays,
            caps: { perWeek },
            closed: closedOffsets.map((o) => dateOf(day(start) + o)),
            time,
            maintenanceSessions: 3,
          });
          expectCapsKept(p, 1, perWeek);
          const ds = p.sessions.map((s) => day(s.date));
          expect(ds.every((d, i) => i === 0 || d > ds[i - 1]!)).toBe(true);
          expect(ds[0]).toBeGreaterThanOrEqual(day(start));
          for (const s of p.sessions) {
            expect(weekdays).toContain(s.weekday);
            expect(p.timing.closed).not.toContain(s.date);
            // The UTC instant falls on the session's local date in the patient's zone.
            expect(dateOf(localDayOf(Date.parse(s.startsAt), tz))).toBe(s.date);
          }
          expect(p.sessions.filter((s) => s.phase === 'induction')).toHaveLength(sessions);
          // Each move is explained.
          for (const a of p.adjustments) expect(a.reason).toMatch(/^(moved from|the course starts)/);
        },
      ),
      { numRuns: 300, seed: 20250330 },
    );
  });

  it('a tighter cap moves sessions forward, and each move names the rule', () => {
    const p = plan({ template: 'daily', inductionSessions: 6, caps: { perWeek: 3 }, maintenanceSessions: 0 });
    expectCapsKept(p, 1, 3);
    expect(offsetsFrom('2025-03-03', dates(p))).toEqual([0, 1, 2, 7, 8, 9]);
    expect(p.adjustments.map((a) => [a.index, a.rules[0]])).toEqual([
      [4, 'per-week'],
      [5, 'in-order'],
      [6, 'in-order'],
    ]);
  });

  it('caps may only be tightened: more than five a week or one a day is refused, naming the rule', () => {
    failsWith(
      () => plan({ caps: { perWeek: 6 } }),
      'ION_ERR_OUT_OF_RANGE',
      /^caps\.perWeek 6 is above the limit of 5 sessions in any 7 days.*\[74\]\[D2\]/,
    );
    failsWith(() => plan({ caps: { perDay: 2 } }), 'ION_ERR_OUT_OF_RANGE', /^caps\.perDay 2 is above the limit of 1/);
  });

  it('a protocol that allows more is held to the hard caps', () => {
    const loose = withCourse(palms, {
      caps: { per_day: { value: 3, source: 'test' }, per_week: { value: 7, source: 'test' } },
    });
    const p = planCourse({
      protocol: loose,
      start: '2025-03-03',
      tz: BERLIN,
      template: 'daily',
      inductionSessions: 14,
    });
    expect(p.timing.caps).toEqual({ perDay: 1, perWeek: 5 });
    expectCapsKept(p);
  });

  it('a request no day can satisfy is an error naming the rules', () => {
    const closed = Array.from({ length: 400 }, (_, i) => dateOf(day('2025-03-03') + i));
    failsWith(
      () => plan({ closed, weekdays: MON_FRI }),
      'ION_ERR_OUT_OF_RANGE',
      /no day within 366 days .* can hold induction session 1 of 7: .*closed.*sessions only on mon/,
    );
  });
});

describe('time zones: local dates, UTC instants, DST', () => {
  const daily = (tz: string, start: string, time = '09:00') =>
    planCourse({ protocol: palms, start, tz, template: 'daily', inductionSessions: 5, time, maintenanceSessions: 0 })
      .sessions;

  it('Europe/Berlin spring forward: 09:00 local every day, 08:00Z before and 07:00Z after', () => {
    const s = daily(BERLIN, '2025-03-28'); // Fri … Sun 30 March (02:00 → 03:00) … Tue
    expect(s.map((x) => x.date)).toEqual(['2025-03-28', '2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01']);
    expect(s.map((x) => x.localTime)).toEqual(Array(5).fill('09:00'));
    expect(s.map((x) => x.startsAt)).toEqual([
      '2025-03-28T08:00:00Z',
      '2025-03-29T08:00:00Z',
      '2025-03-30T07:00:00Z',
      '2025-03-31T07:00:00Z',
      '2025-04-01T07:00:00Z',
    ]);
  });

  it('Europe/Berlin fall back: 07:00Z before and 08:00Z after 26 October', () => {
    const s = daily(BERLIN, '2025-10-24');
    expect(s.map((x) => x.startsAt)).toEqual([
      '2025-10-24T07:00:00Z',
      '2025-10-25T07:00:00Z',
      '2025-10-26T08:00:00Z',
      '2025-10-27T08:00:00Z',
      '2025-10-28T08:00:00Z',
    ]);
  });

  it('Europe/Berlin 02:30 on the spring-forward day does not exist: 03:30 CEST, same date, with a note', () => {
    const s = daily(BERLIN, '2025-03-29', '02:30');
    expect(s[1]).toMatchObject({ date: '2025-03-30', localTime: '03:30', startsAt: '2025-03-30T01:30:00Z' });
    expect(s[1]!.timeNote).toMatch(/does not exist/);
    expect(s[2]).toMatchObject({ date: '2025-03-31', localTime: '02:30', startsAt: '2025-03-31T00:30:00Z' });
  });

  it('America/New_York: 14:00Z in EST, 13:00Z in EDT, across 9 March and 2 November', () => {
    expect(daily('America/New_York', '2025-03-07').map((x) => x.startsAt.slice(11, 16))).toEqual([
      '14:00',
      '14:00',
      '13:00',
      '13:00',
      '13:00',
    ]);
    expect(daily('America/New_York', '2025-10-31').map((x) => x.startsAt.slice(11, 16))).toEqual([
      '13:00',
      '13:00',
      '14:00',
      '14:00',
      '14:00',
    ]);
  });

  it('America/Santiago: midnight does not exist on 8 September 2024; the session stays on its date at 01:00', () => {
    const s = daily('America/Santiago', '2024-09-06', '00:00');
    expect(s.map((x) => x.date)).toEqual(['2024-09-06', '2024-09-07', '2024-09-08', '2024-09-09', '2024-09-10']);
    expect(s[2]).toMatchObject({ localTime: '01:00', startsAt: '2024-09-08T04:00:00Z' });
    expect(s[2]!.timeNote).toMatch(/does not exist/);
    expect(s[1]).toMatchObject({ localTime: '00:00', startsAt: '2024-09-07T04:00:00Z' });
    expect(s[3]).toMatchObject({ localTime: '00:00', startsAt: '2024-09-09T03:00:00Z' });
  });

  it('Asia/Beirut: midnight does not exist on 30 March 2025; no crash, no date shift', () => {
    const s = daily('Asia/Beirut', '2025-03-28', '00:00');
    expect(s.map((x) => x.date)).toEqual(['2025-03-28', '2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01']);
    expect(s[2]).toMatchObject({ localTime: '01:00', startsAt: '2025-03-29T22:00:00Z' });
  });

  it('Pacific/Apia skipped 30 December 2011: no session on a date that does not exist', () => {
    const s = daily('Pacific/Apia', '2011-12-29');
    expect(s.map((x) => x.date)).not.toContain('2011-12-30');
  });

  it('computes "today" from the instant in the patient zone, not in UTC', () => {
    // 23:30 UTC on 2 March is already 3 March in Berlin, still 2 March in New York.
    expect(plan({ now: '2025-03-02T23:30:00Z' }).today).toBe('2025-03-03');
    expect(
      planCourse({ protocol: palms, start: '2025-03-01', tz: 'America/New_York', now: '2025-03-02T23:30:00Z' }).today,
    ).toBe('2025-03-02');
  });

  it.each([
    [{ tz: 'UTC+1' }, /^tz must be an IANA time zone/],
    [{ tz: 'Europe/Berlinn' }, /^tz must be an IANA time zone/],
    [{ start: '2025-02-29' }, /^start must be a calendar date YYYY-MM-DD/],
    [{ start: '03/03/2025' }, /^start must be a calendar date/],
    [{ time: '9am' }, /^time must be a local time HH:MM/],
    [{ now: '2025-03-03 09:00' }, /^now must be an ISO 8601 instant/],
    [{ closed: ['2025-13-01'] }, /^closed\[0\] must be a calendar date/],
    [{ history: { sessions: [{ status: 'done', date: '2025-3-4' }] } }, /^history\.sessions\[0\]\.date/],
  ] as [Partial<CoursePlanInput>, RegExp][])('refuses %j naming the field', (over, message) =>
    failsWith(() => plan(over), 'ION_ERR_USAGE', message),
  );
});

describe('missed sessions: the rest moves forward, keeping the caps and the template spacing', () => {
  const history = {
    sessions: [
      { status: 'done' as const, date: '2025-03-04' },
      { status: 'done' as const, date: '2025-03-05' },
      { status: 'missed' as const, date: '2025-03-07' },
    ],
  };

  it('records done and missed, and moves the rest from today together', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-04',
      tz: BERLIN,
      history,
      now: '2025-03-10T08:00:00Z',
      maintenanceSessions: 1,
    });
    expect(p.sessions.map((s) => [s.index, s.date, s.status, s.originalDate ?? ''])).toEqual([
      [1, '2025-03-04', 'done', ''],
      [2, '2025-03-05', 'done', ''],
      [3, '2025-03-07', 'missed', ''],
      [3, '2025-03-10', 'rescheduled', '2025-03-07'],
      [4, '2025-03-13', 'rescheduled', '2025-03-10'],
      [5, '2025-03-16', 'rescheduled', '2025-03-13'],
      [6, '2025-03-21', 'rescheduled', '2025-03-18'],
      [7, '2025-03-28', 'rescheduled', '2025-03-25'],
      [8, '2025-04-11', 'planned', ''],
    ]);
    // Template spacing kept after the catch-up: 3, 3, 5, 7 days as in days 4, 7, 10, 15, 22.
    const rest = p.sessions.filter((s) => s.status === 'rescheduled').map((s) => day(s.date));
    expect(rest.slice(1).map((d, i) => d - rest[i]!)).toEqual([3, 3, 5, 7]);
    expectCapsKept(p);
    expect(nextSession(p)).toMatchObject({ date: '2025-03-10', index: 3 });
  });

  it('the day after a missed session when nothing says what today is', () => {
    const p = planCourse({ protocol: palms, start: '2025-03-04', tz: BERLIN, history, maintenanceSessions: 0 });
    expect(dates(p, 'rescheduled')[0]).toBe('2025-03-08');
  });

  it('keeps the caps when catching up a daily course', () => {
    const h = {
      sessions: [0, 1, 2].map((o) => ({ status: 'done' as const, date: dateOf(day('2025-03-03') + o) })),
    };
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      template: 'daily',
      inductionSessions: 10,
      history: { sessions: [...h.sessions, { status: 'missed', date: '2025-03-06' }] },
      now: '2025-03-07T06:00:00Z',
      maintenanceSessions: 0,
    });
    expectCapsKept(p);
    expect(p.sessions.filter((s) => s.status !== 'missed')).toHaveLength(10);
    // The rest moves one day (Thursday was missed) and keeps the template's spacing, two free days included.
    expect(dates(p).filter((d) => d >= '2025-03-07')).toEqual([
      '2025-03-07',
      '2025-03-08',
      '2025-03-11',
      '2025-03-12',
      '2025-03-13',
      '2025-03-14',
      '2025-03-15',
    ]);
  });

  it('sessions without a record by today are rescheduled from today', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      now: '2025-03-12T12:00:00Z',
      maintenanceSessions: 0,
    });
    expect(p.sessions[0]).toMatchObject({ date: '2025-03-12', status: 'rescheduled', originalDate: '2025-03-03' });
    expect(offsetsFrom('2025-03-12', dates(p))).toEqual([...CLINIC_DAYS]);
  });

  it('a late session shifts the rest by the template spacing after it', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: {
        sessions: [
          { status: 'done', date: '2025-03-03' },
          { status: 'done', date: '2025-03-06' },
        ],
      },
      maintenanceSessions: 0,
    });
    // Session 2 came on day 4 instead of day 2: session 3 keeps its 2-day gap (day 6), and so on.
    expect(offsetsFrom('2025-03-03', dates(p))).toEqual([0, 3, 5, 8, 11, 16, 23]);
  });

  it('an overdue maintenance session is due today', () => {
    const done = CLINIC_DAYS.map((o) => ({ status: 'done' as const, date: dateOf(day('2025-03-03') + o) }));
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: { sessions: done },
      now: '2025-04-20T10:00:00Z',
      maintenanceSessions: 2,
    });
    const next = nextSession(p)!;
    expect(next).toMatchObject({
      phase: 'maintenance',
      date: '2025-04-20',
      status: 'rescheduled',
      originalDate: '2025-04-07',
    });
    expect(p.sessions.at(-1)).toMatchObject({ date: '2025-05-04', status: 'planned' });
  });

  it('refuses a history in the future or before the course start', () => {
    failsWith(
      () =>
        planCourse({
          protocol: palms,
          start: '2025-03-03',
          tz: BERLIN,
          history: { sessions: [{ status: 'done', date: '2025-03-20' }] },
          now: '2025-03-10T10:00:00Z',
        }),
      'ION_ERR_OUT_OF_RANGE',
      /^history\.sessions\[0\] 2025-03-20 is after today/,
    );
    failsWith(
      () =>
        planCourse({
          protocol: palms,
          start: '2025-03-03',
          tz: BERLIN,
          history: { sessions: [{ status: 'done', at: '2025-03-01T10:00:00Z' }] },
        }),
      'ION_ERR_OUT_OF_RANGE',
      /^history\.sessions\[0\] 2025-03-01 is before the course start/,
    );
  });

  it('keeps the recorded instant of a done session, shown in local time', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: 'America/New_York',
      history: { sessions: [{ status: 'done', at: '2025-03-04T01:30:00Z' }] },
      maintenanceSessions: 0,
    });
    expect(p.sessions[0]).toMatchObject({
      date: '2025-03-03',
      localTime: '20:30',
      startsAt: '2025-03-04T01:30:00Z',
      status: 'done',
    });
  });

  it('warns when the record itself breaks a cap', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: {
        sessions: [0, 1, 2, 3, 4, 5].map((o) => ({ status: 'done' as const, date: dateOf(day('2025-03-03') + o) })),
      },
      maintenanceSessions: 0,
    });
    expect(p.warnings.join(' ')).toMatch(/recorded sessions break the caps/);
  });
});

describe('maintenance adapts to relapses and dry spells', () => {
  /** Seven induction sessions from Monday 3 March 2025 (last on 24 March), then maintenance sessions on the days given. */
  const course = (maintenanceDays: string[], extra: Partial<CoursePlanInput['history']> = {}, now?: string) =>
    planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      maintenanceSessions: 2,
      ...(now ? { now } : {}),
      history: {
        sessions: [
          ...CLINIC_DAYS.map((o) => ({ status: 'done' as const, date: dateOf(day('2025-03-03') + o) })),
          ...maintenanceDays.map((date) => ({ status: 'done' as const, date })),
        ],
        ...extra,
      },
    });

  it('plans maintenance every 14 days after the induction (value within 7–28 [F5][77])', () => {
    const p = course([]);
    expect(dates(p, 'planned')).toEqual(['2025-04-07', '2025-04-21']);
    expect(p.rules.find((r) => r.id === 'maintenance-interval')!.source).toMatch(/\[F5\].*\[77\]/);
  });

  it('a relapse sooner than the interval shortens it and starts a re-induction', () => {
    // Maintenance on 7 April; sweating back on 17 April, 10 days later (< 14).
    const p = course(['2025-04-07'], { relapses: [{ date: '2025-04-17' }] }, '2025-04-17T12:00:00Z');
    expect(p.maintenance!.intervalDays).toBe(7);
    expect(p.maintenance!.changes).toEqual([
      expect.objectContaining({ date: '2025-04-17', fromDays: 14, toDays: 7, rule: 'relapse-early' }),
    ]);
    const re = p.sessions.filter((s) => s.phase === 're-induction');
    expect(re).toHaveLength(7);
    expect(re[0]).toMatchObject({ date: '2025-04-17', cycle: 1, phaseIndex: 1, status: 'planned' });
    expect(
      offsetsFrom(
        '2025-04-17',
        re.map((s) => s.date),
      ),
    ).toEqual([...CLINIC_DAYS]);
    // Maintenance after the re-induction runs at the shortened interval.
    const m = p.sessions.filter((s) => s.phase === 'maintenance' && s.cycle === 1).map((s) => s.date);
    expect(offsetsFrom(re[6]!.date, m)).toEqual([7, 14]);
    expect(p.rules.map((r) => r.id)).toContain('re-induction');
  });

  it('a relapse after a late maintenance session (later than the interval) keeps the interval', () => {
    const p = course([], { relapses: [{ date: '2025-04-12' }] }); // 19 days after 24 March
    expect(p.maintenance!.intervalDays).toBe(14);
    expect(p.sessions.some((s) => s.phase === 're-induction')).toBe(true);
  });

  it('two dry maintenance intervals in a row lengthen it a week, up to 28 days', () => {
    const dry = (d: string) => ({ date: d, dry: true });
    const p = course(
      ['2025-04-07', '2025-04-21', '2025-05-12', '2025-06-02', '2025-06-30', '2025-07-28', '2025-08-25'],
      {
        assessments: [
          '2025-04-07',
          '2025-04-21',
          '2025-05-12',
          '2025-06-02',
          '2025-06-30',
          '2025-07-28',
          '2025-08-25',
        ].map(dry),
      },
    );
    expect(p.maintenance!.changes.map((c) => [c.date, c.fromDays, c.toDays, c.rule])).toEqual([
      ['2025-04-21', 14, 21, 'dry-streak'],
      ['2025-06-02', 21, 28, 'dry-streak'],
    ]);
    expect(p.maintenance!.intervalDays).toBe(28);
    expect(dates(p, 'planned')[0]).toBe('2025-09-22');
  });

  it('a recorded dry spell a week longer than the interval lengthens it at once', () => {
    // Maintenance came 24 days after the last induction session, and the patient was recorded dry on day 21.
    const p = course(['2025-04-17'], { assessments: [{ date: '2025-04-14', dry: true }] });
    expect(p.maintenance!.changes).toEqual([
      expect.objectContaining({ rule: 'long-dry-spell', fromDays: 14, toDays: 21 }),
    ]);
  });

  it('no record of dryness, no lengthening', () => {
    const p = course(['2025-04-07', '2025-04-21', '2025-05-05']);
    expect(p.maintenance!.intervalDays).toBe(14);
    expect(p.maintenance!.changes).toEqual([]);
  });

  it('a relapse during the induction does not stop it', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: { sessions: [{ status: 'done', date: '2025-03-03' }], relapses: [{ date: '2025-03-04' }] },
    });
    expect(p.sessions.every((s) => s.phase !== 're-induction')).toBe(true);
    expect(p.warnings.join(' ')).toMatch(/relapse on 2025-03-04 during induction/);
  });

  it('the starting interval may be chosen within the protocol range only', () => {
    expect(plan({ maintenanceIntervalDays: 21 }).maintenance!.intervalDays).toBe(21);
    failsWith(
      () => plan({ maintenanceIntervalDays: 35 }),
      'ION_ERR_OUT_OF_RANGE',
      /^maintenanceIntervalDays 35 days is outside the protocol's 7–28 days/,
    );
  });
});

describe('induction until dry', () => {
  const done = CLINIC_DAYS.map((o) => ({ status: 'done' as const, date: dateOf(day('2025-03-03') + o) }));

  it('adds one induction session, a week on, while the patient is recorded not dry after the seventh', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: { sessions: done, assessments: [{ date: '2025-03-24', dry: false, basis: 'HDSS 3' }] },
      now: '2025-03-25T09:00:00Z',
      maintenanceSessions: 1,
    });
    const next = nextSession(p)!;
    expect(next).toMatchObject({ phase: 'induction', phaseIndex: 8, phaseSessions: 8, date: '2025-03-31' });
    expect(p.rules.map((r) => r.id)).toContain('until-dry');
  });

  it('goes to maintenance once the patient is recorded dry', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      history: { sessions: done, assessments: [{ date: '2025-03-24', dry: true }] },
      maintenanceSessions: 1,
    });
    expect(nextSession(p)).toMatchObject({ phase: 'maintenance', date: '2025-04-07' });
  });

  it('stops at the ceiling and asks for a review', () => {
    const p = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: BERLIN,
      maxInductionSessions: 7,
      history: { sessions: done, assessments: [{ date: '2025-03-24', dry: false }] },
    });
    expect(nextSession(p)!.phase).toBe('maintenance');
    expect(p.warnings.join(' ')).toMatch(/reached 7 sessions .* not dry .* review/);
  });
});

describe('axillae never on the same day as hands or feet (course.not_with)', () => {
  it('reads the exclusion from either protocol', () => {
    expect(excludes(axillae, palms)).toBe(true);
    expect(excludes(palms, axillae)).toBe(true);
    expect(excludes(palms, soles)).toBe(false);
  });

  it('moves the later course off the days of the earlier one, and says so', () => {
    const r = planPatientCourses({
      tz: BERLIN,
      courses: [
        { protocol: palms, start: '2025-03-04' },
        { protocol: axillae, start: '2025-03-04' },
      ],
    });
    const [p, a] = r.courses;
    expect(offsetsFrom('2025-03-04', dates(p!))).toEqual([...CLINIC_DAYS, 35, 49, 63]);
    expect(p!.adjustments).toEqual([]);
    const palmDays = new Set(dates(p!));
    expect(dates(a!).filter((d) => palmDays.has(d))).toEqual([]);
    expect(a!.adjustments.length).toBeGreaterThan(0);
    expect(a!.adjustments[0]).toMatchObject({ index: 1, from: '2025-03-04', rules: ['not-with'] });
    expect(a!.adjustments[0]!.reason).toMatch(/tapwater-axillae is never given on the same day as tapwater-palms/);
    expect(a!.rules.map((x) => x.id)).toContain('not-with');
    expectCapsKept(a!);
    // One list of every session, in time order.
    expect(r.sessions.map((s) => s.startsAt)).toEqual([...r.sessions.map((s) => s.startsAt)].sort());
  });

  it('lets palms and soles share days', () => {
    const r = planPatientCourses({
      tz: BERLIN,
      courses: [
        { protocol: palms, start: '2025-03-04' },
        { protocol: soles, start: '2025-03-04' },
      ],
    });
    expect(dates(r.courses[1]!)).toEqual(dates(r.courses[0]!));
  });

  it('moves an earlier course off the recorded sessions of a later one', () => {
    const r = planPatientCourses({
      tz: BERLIN,
      now: '2025-03-05T06:00:00Z',
      courses: [
        { protocol: palms, start: '2025-03-05' },
        { protocol: axillae, start: '2025-03-04', history: { sessions: [{ status: 'done', date: '2025-03-04' }] } },
      ],
    });
    expect(dates(r.courses[0]!)).not.toContain('2025-03-04');
    expect(dates(r.courses[1]!)).not.toContain('2025-03-05');
  });

  it('never puts two excluding courses on one day (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(palms, soles),
        fc.integer({ min: 0, max: 20 }),
        fc.constantFrom(...INDUCTION_TEMPLATES),
        fc.constantFrom(...INDUCTION_TEMPLATES),
        fc.constantFrom('Europe/Berlin', 'America/New_York', 'Asia/Beirut'),
        fc.subarray([...WEEKDAYS], { minLength: 2 }),
        (hands, lag, t1, t2, tz, weekdays) => {
          const r = planPatientCourses({
            tz,
            weekdays,
            courses: [
              { protocol: hands, start: '2025-06-02', template: t1 },
              { protocol: axillae, start: dateOf(day('2025-06-02') + lag), template: t2 },
              { protocol: hands === palms ? soles : palms, start: '2025-06-02', template: t1 },
            ],
          });
          const ax = new Set(dates(r.courses[1]!));
          for (const c of [r.courses[0]!, r.courses[2]!]) expect(dates(c).filter((d) => ax.has(d))).toEqual([]);
          for (const c of r.courses) expectCapsKept(c);
        },
      ),
      { numRuns: 150, seed: 4901 },
    );
  });

  it('names the course in an error', () =>
    failsWith(
      () =>
        planPatientCourses({
          tz: BERLIN,
          courses: [
            { protocol: palms, start: '2025-03-04' },
            { protocol: axillae, start: 'soon' },
          ],
        }),
      'ION_ERR_USAGE',
      /^courses\[1\]\.start must be a calendar date/,
    ));
});

describe('the plan is ready for a FHIR CarePlan export', () => {
  it('states its timing and the rules it applied, each with a source', () => {
    const p = plan({ startWeekday: 'tue', weekdays: MON_FRI });
    expect(p.timing).toMatchObject({
      template: 'clinic',
      inductionSessions: 7,
      inductionDays: CLINIC_DAYS,
      untilDry: true,
    });
    for (const r of p.rules) expect(r.source.length, r.id).toBeGreaterThan(2);
    expect(p.rules.map((r) => r.id)).toEqual(
      expect.arrayContaining(['per-day', 'per-week', 'template', 'local-time', 'start-weekday', 'weekdays']),
    );
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
    expect(weekdayOf(day(p.sessions[0]!.date))).toBe('tue');
  });
});
