import { runInProcess } from './run-in-process.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLINIC_DAYS } from '../protocols/course-template.js';

/** `ionto plan …` in-process, with the clock fixed at 2025-03-20 10:00 UTC. */
const plan = (...argv: string[]) => runInProcess(['plan', ...argv], { now: () => new Date('2025-03-20T10:00:00Z') });

const dir = mkdtempSync(join(tmpdir(), 'ionto-plan-'));
const file = (name: string, doc: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return p;
};
const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

describe('ionto plan', () => {
  it('prints a calendar with weekday, local time, UTC instant, phase and status, then the rules', async () => {
    const r = await plan('tapwater-palms', '--start', '2025-03-03', '--tz', 'Europe/Berlin', '--weekday', 'tue');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Course plan · Europe\/Berlin · sessions at 09:00 local time/);
    expect(r.out).toMatch(/clinic induction, 7 session\(s\) on days 1, 2, 4, 7, 10, 15, 22, until dry/);
    expect(r.out).toMatch(/maintenance every 14 days \(7–28\)/);
    expect(r.out).toMatch(/── March 2025/);
    expect(r.out).toMatch(/1 +2025-03-04 {2}Tue {2}09:00 {2}2025-03-04T08:00:00Z {2}induction 1\/7 +planned/);
    expect(r.out).toMatch(/8 +2025-04-08 {2}Tue {2}09:00 {2}2025-04-08T07:00:00Z {2}maintenance 1 +planned/);
    expect(r.out).toMatch(
      /Moved:\n {2}#1 the course starts on a Tue: moved from 2025-03-03 \(Mon\) to 2025-03-04 \(Tue\)/,
    );
    expect(r.out).toMatch(
      /Rules applied:[\s\S]*per-week +at most 5 sessions in any 7 consecutive days.* — \[74\]\[D2\]/,
    );
  });

  it('prints JSON with sessions[] {date, phase, …} and the rules applied', async () => {
    const r = await plan('tapwater-palms', '--start', '2025-03-03', '--tz', 'America/New_York', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sessions.slice(0, 7).map((s: { date: string }) => day(s.date) - day('2025-03-03'))).toEqual([
      ...CLINIC_DAYS,
    ]);
    expect(j.sessions[0]).toMatchObject({
      date: '2025-03-03',
      weekday: 'mon',
      localTime: '09:00',
      startsAt: '2025-03-03T14:00:00Z',
      phase: 'induction',
      status: 'planned',
    });
    // After the change to daylight saving time on 9 March, 09:00 is 13:00 UTC.
    expect(j.sessions[3]).toMatchObject({ date: '2025-03-09', startsAt: '2025-03-09T13:00:00Z' });
    expect(j.rules.map((x: { id: string }) => x.id)).toEqual(
      expect.arrayContaining(['per-day', 'per-week', 'template', 'local-time']),
    );
    expect(j.timing).toMatchObject({ template: 'clinic', caps: { perDay: 1, perWeek: 5 } });
  });

  it('plans palms and axillae together without sharing a day', async () => {
    const r = await plan(
      'tapwater-palms',
      'tapwater-axillae',
      '--start',
      '2025-03-04',
      '--tz',
      'Europe/Berlin',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    const byDay = new Map<string, string[]>();
    for (const s of j.sessions) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s.protocol]);
    for (const [d, ps] of byDay) expect(ps, d).toHaveLength(1);
    expect(j.adjustments[0]).toMatchObject({ protocol: 'tapwater-axillae', rules: ['not-with'] });
    expect(j.courses).toHaveLength(2);
    const text = await plan('tapwater-palms', 'tapwater-axillae', '--start', '2025-03-04', '--tz', 'Europe/Berlin');
    expect(text.out).toMatch(/tapwater-axillae #1 moved from 2025-03-04 \(Tue\) to 2025-03-06 \(Thu\)/);
  });

  it('takes the template, sessions, time, open days, closed dates and maintenance from options', async () => {
    const r = await plan(
      'tapwater-soles',
      ...['--start', '2025-03-03', '--tz', 'Europe/Berlin', '--template', 'daily', '--sessions', '6'],
      ...['--time', '17:30', '--days', 'mon-fri', '--closed', '2025-03-05', '--interval', '21', '--maintenance', '1'],
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.sessions.map((s: { date: string }) => s.date)).toEqual([
      '2025-03-03',
      '2025-03-04',
      '2025-03-06',
      '2025-03-07',
      '2025-03-10',
      '2025-03-11',
      '2025-04-01',
    ]);
    expect(j.sessions.every((s: { localTime: string }) => s.localTime === '17:30')).toBe(true);
    expect(j.maintenance.intervalDays).toBe(21);
  });

  it('replans from a history file: done, missed, outcomes, and today', async () => {
    const h = file('history.json', {
      sessions: [
        { date: '2025-03-03', status: 'done' },
        { date: '2025-03-04', status: 'done' },
        { date: '2025-03-06', status: 'missed' },
      ],
      outcomes: [{ kind: 'hdss', at: '2025-03-03T08:00:00Z', score: 4 }],
    });
    const r = await plan(
      'tapwater-palms',
      '--start',
      '2025-03-03',
      '--tz',
      'Europe/Berlin',
      '--history',
      h,
      '--today',
      '2025-03-10',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/today 2025-03-10/);
    expect(r.out).toMatch(/3 +2025-03-06 {2}Thu .* missed/);
    expect(r.out).toMatch(/3 +2025-03-10 {2}Mon .* rescheduled \(was 2025-03-06\)/);
    // Without --today, today is the (injected) clock: 20 March.
    const j = JSON.parse(
      (await plan('tapwater-palms', '--start', '2025-03-03', '--tz', 'Europe/Berlin', '--history', h, '--json')).out,
    );
    expect(j.today).toBe('2025-03-20');
  });

  it('marks a local time that does not exist on a DST day', async () => {
    const r = await plan(
      ...['tapwater-palms', '--start', '2025-03-29', '--tz', 'Europe/Berlin', '--template', 'daily', '--time', '02:30'],
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2025-03-30 {2}Sun {2}03:30 {2}2025-03-30T01:30:00Z .* \*/);
    expect(r.out).toMatch(/Local time:\n {2}\* 2025-03-30: 02:30 does not exist/);
  });
});

describe('ionto plan refuses doubtful input with exit 2 and a clear message', () => {
  const refused = async (argv: string[], message: RegExp) => {
    const r = await plan(...argv);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  };
  const base = ['--start', '2025-03-03', '--tz', 'Europe/Berlin'];

  it('an unknown protocol, listing the known ones', () =>
    refused(['tapwater-ears', ...base], /unknown protocol "tapwater-ears"; known protocols: .*tapwater-palms/));
  it('an unknown template, listing the known ones', () =>
    refused(
      ['tapwater-palms', ...base, '--template', 'hourly'],
      /--template must be one of clinic, .*single, got "hourly"/,
    ));
  it('a bad date', () =>
    refused(
      ['tapwater-palms', '--start', '2025-02-30', '--tz', 'Europe/Berlin'],
      /--start must be a calendar date YYYY-MM-DD, got "2025-02-30"/,
    ));
  it('a fixed offset instead of a zone', () =>
    refused(['tapwater-palms', '--start', '2025-03-03', '--tz', 'UTC+1'], /--tz must be an IANA time zone/));
  it('an unknown zone', () =>
    refused(['tapwater-palms', '--start', '2025-03-03', '--tz', 'Europe/Atlantis'], /--tz must be an IANA time zone/));
  it('a bad time', () => refused(['tapwater-palms', ...base, '--time', '25:00'], /time must be a local time HH:MM/));
  it('a bad weekday', () =>
    refused(['tapwater-palms', ...base, '--weekday', 'someday'], /--weekday must be a weekday/));
  it('sessions that are not a number', () =>
    refused(['tapwater-palms', ...base, '--sessions', 'seven'], /--sessions must be a number, got "seven"/));
  it('an interval outside the protocol range', () =>
    refused(['tapwater-palms', ...base, '--interval', '60'], /--interval 60 days is outside the protocol's 7–28 days/));
  it('a start weekday the clinic is closed on', () =>
    refused(
      ['tapwater-palms', ...base, '--weekday', 'sat', '--days', 'mon-fri'],
      /--weekday sat is not one of the open weekdays/,
    ));
  it('a missing --tz', () =>
    refused(['tapwater-palms', '--start', '2025-03-03'], /required option '--tz <zone>' not specified/));
  it('a missing history file', () =>
    refused(
      ['tapwater-palms', ...base, '--history', join(dir, 'none.json')],
      /--history .*none\.json: cannot read the file/,
    ));
  it('a malformed outcome in the history file, naming the field', () =>
    refused(
      [
        'tapwater-palms',
        ...base,
        '--history',
        file('bad.json', { outcomes: [{ kind: 'hdss', at: '2025-03-03T08:00:00Z', score: 7 }] }),
      ],
      /outcomes\[0\]\.score/,
    ));
  it('a history that needs the protocol when several are planned', () =>
    refused(
      [
        'tapwater-palms',
        'tapwater-axillae',
        ...base,
        '--history',
        file('multi.json', { sessions: [{ date: '2025-03-03', status: 'done' }] }),
      ],
      /sessions\[0\] needs "protocol"/,
    ));
});
