import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findProtocol } from '../protocols/protocol-library.js';
import { capsAllow, earliestAllowed, homeFollowUp } from './home-follow-up.js';
import type { HomeFollowUpInput } from './home-follow-up.js';
import { dateOf, parseDate } from './local-calendar.js';
import type { DiaryRecord } from './outcome-records.js';
import { sessionCaps } from './session-caps.js';

const caps = sessionCaps(findProtocol('tapwater-palms'));
const tz = 'Europe/Berlin';
const D0 = parseDate('2026-03-02'); // a Monday
/** 09:00 local (CET, before the 29 March change) of day `d` after D0. */
const at = (d: number) => `${dateOf(D0 + d)}T08:00:00Z`;
const session = (d: number, status = 'completed') => ({ at: at(d), status });
/** Diary answers for days [from, to] (inclusive), dry unless the day is in `wet`. */
const diary = (from: number, to: number, wet: (d: number) => boolean = () => false): DiaryRecord[] => {
  const out: DiaryRecord[] = [];
  for (let d = from; d <= to; d++) out.push({ kind: 'diary', date: dateOf(D0 + d), dry: !wet(d) });
  return out;
};
const input = (over: Partial<HomeFollowUpInput>): HomeFollowUpInput => ({
  tz,
  now: at(0),
  intervalDays: 14,
  sessions: [],
  diary: [],
  caps,
  ...over,
});

describe('homeFollowUp: due and overdue', () => {
  it('is due at once with no session yet, and not due the day after a session', () => {
    expect(homeFollowUp(input({}))).toMatchObject({ state: 'due', nextDue: dateOf(D0), overdueDays: 0 });
    const r = homeFollowUp(input({ now: at(1), sessions: [session(0)] }));
    expect(r).toMatchObject({ state: 'not-due', nextDue: dateOf(D0 + 14), overdueDays: 0 });
  });

  it('is due on the interval day and overdue by the days after it', () => {
    expect(homeFollowUp(input({ now: at(14), sessions: [session(0)] })).state).toBe('due');
    expect(homeFollowUp(input({ now: at(17), sessions: [session(0)] }))).toMatchObject({
      state: 'overdue',
      overdueDays: 3,
    });
  });

  it('counts the interval from the last treated session, not from an aborted one, which still uses up its day', () => {
    const r = homeFollowUp(input({ now: at(17), sessions: [session(0), session(14, 'aborted')] }));
    // Due on day 14 by the interval; the aborted session that day takes the one session a day [74][D2].
    expect(r).toMatchObject({ state: 'overdue', nextDue: dateOf(D0 + 15), overdueDays: 2 });
  });

  it('moves the due day past the weekly cap when a short interval would break it', () => {
    // Five sessions on days 0–4 (5 a week [74][D2]): with a 1-day interval the next is allowed on day 7.
    const sessions = [0, 1, 2, 3, 4].map((d) => session(d));
    const r = homeFollowUp(input({ now: at(5), intervalDays: 1, sessions }));
    expect(r).toMatchObject({ state: 'not-due', nextDue: dateOf(D0 + 7) });
  });

  it('reports a stopped plan as stopped, with no relapse suggestion', () => {
    const r = homeFollowUp(
      input({ now: at(40), stopped: true, sessions: [session(0)], diary: diary(1, 39, (d) => d >= 30) }),
    );
    expect(r.state).toBe('stopped');
    expect(r.relapse).toBeUndefined();
  });

  it('refuses a fixed-offset zone and a bad interval, naming the field', () => {
    expect(() => homeFollowUp(input({ tz: '+01:00' }))).toThrow(/tz must be an IANA time zone/);
    expect(() => homeFollowUp(input({ intervalDays: 0 }))).toThrow(/intervalDays must be a whole number/);
  });
});

describe('homeFollowUp: weekly diary', () => {
  it('prompts for the diary when the last 7 local days have no answer, and not when one is there', () => {
    expect(homeFollowUp(input({ now: at(10), sessions: [session(0)] })).diaryPrompt).toBe(true);
    expect(homeFollowUp(input({ now: at(10), sessions: [session(0)], diary: diary(2, 2) })).diaryPrompt).toBe(true);
    expect(homeFollowUp(input({ now: at(10), sessions: [session(0)], diary: diary(4, 4) })).diaryPrompt).toBe(false);
  });

  it('counts the dry days and answers of the last full week (the 7 days before today)', () => {
    const r = homeFollowUp(
      input({ now: at(14), sessions: [session(0)], diary: diary(1, 13, (d) => d === 9 || d === 12) }),
    );
    expect(r.week).toEqual({ from: dateOf(D0 + 7), to: dateOf(D0 + 13), dryDays: 5, answered: 7 });
  });
});

describe('homeFollowUp: relapse from the diary', () => {
  it('does not call one or two sweaty days a relapse', () => {
    const r = homeFollowUp(
      input({ now: at(20), sessions: [session(0)], diary: diary(1, 19, (d) => d === 17 || d === 19) }),
    );
    expect(r.relapse).toBeUndefined();
  });

  it('suggests an extra session on the earliest day the caps allow when sweating is back for three days', () => {
    const r = homeFollowUp(input({ now: at(20), sessions: [session(0)], diary: diary(1, 19, (d) => d >= 17) }));
    expect(r.relapse).toMatchObject({ suggestion: 'extra-session', earliest: dateOf(D0 + 20) });
    expect(r.relapse!.basis).toMatch(/3 of 7 diary day\(s\) not dry/);
    expect(r.relapse!.source).toMatch(/\[83\].*\[87\].*\[74\]\[D2\]/);
  });

  it('puts the extra session after a session held today (never two a day)', () => {
    const r = homeFollowUp(
      input({
        now: `${dateOf(D0 + 20)}T18:00:00Z`,
        sessions: [session(0), session(20, 'fault')],
        diary: diary(1, 19, (d) => d >= 17),
      }),
    );
    // The fault session today counts against the caps; the window ending yesterday still shows the relapse.
    expect(r.relapse?.earliest).toBe(dateOf(D0 + 21));
  });

  it('does not flag a patient who never had a dry week (no relapse without remission)', () => {
    const r = homeFollowUp(input({ now: at(20), sessions: [session(0)], diary: diary(1, 19, (d) => d % 2 === 0) }));
    expect(r.relapse).toBeUndefined();
  });

  it('waits a week after the extra session, then suggests re-induction if sweating is still back', () => {
    const wet = (d: number) => d >= 17;
    const sessions = [session(0), session(20)];
    // Three days after the extra session, still sweating: wait for the week.
    expect(homeFollowUp(input({ now: at(24), sessions, diary: diary(1, 23, wet) })).relapse).toBeUndefined();
    const r = homeFollowUp(input({ now: at(28), sessions, diary: diary(1, 27, wet) }));
    expect(r.relapse).toMatchObject({ suggestion: 're-induction', earliest: dateOf(D0 + 28) });
    expect(r.relapse!.basis).toMatch(/still back a week after the session of/);
  });

  it('suggests an extra session again for a new relapse after dryness came back', () => {
    const wet = (d: number) => (d >= 17 && d <= 19) || d >= 35;
    const r = homeFollowUp(input({ now: at(38), sessions: [session(0), session(20)], diary: diary(1, 37, wet) }));
    expect(r.relapse).toMatchObject({ suggestion: 'extra-session' });
  });

  it('property: the earliest suggested day never breaks 1 a day or 5 a week [74][D2]', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 27 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 27 }),
        (days, today) => {
          const held = new Map<number, number>();
          for (const d of days) held.set(d, 1);
          const e = earliestAllowed(held, today, caps);
          expect(e).toBeGreaterThanOrEqual(today);
          expect(held.get(e) ?? 0).toBe(0);
          for (let start = e - 6; start <= e; start++) {
            let n = 1;
            for (let d = start; d < start + 7; d++) n += held.get(d) ?? 0;
            expect(n).toBeLessThanOrEqual(5);
          }
          for (let d = today; d < e; d++) expect(capsAllow(held, d, caps)).toBe(false);
        },
      ),
    );
  });
});
