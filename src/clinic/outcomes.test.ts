import { describe, expect, it } from 'vitest';
import { IontoError } from '../errors/catalogue.js';
import { CLINIC_DAYS } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { dateOf, parseDate } from './local-calendar.js';
import type { OutcomeRecord } from './outcome-records.js';
import {
  AREA_NORMALISED_LIMITS,
  GRAVIMETRIC_THRESHOLDS,
  HDSS_SCALE,
  classifySweatRate,
  hdssGrade,
  hdssSevere,
  hdssWording,
  sweatRate,
} from './outcome-scales.js';
import type { GravimetricCriterion, HdssScore, OutcomeSite } from './outcome-scales.js';
import {
  assessmentsFrom,
  detectRelapses,
  diarySummary,
  nextMaintenance,
  parseOutcomeRecords,
  planWithOutcomes,
  readRecord,
  responderStatus,
} from './outcomes.js';

const TZ = 'Europe/Berlin';
const palms = findProtocol('tapwater-palms');
const hdss = (at: string, score: HdssScore, site?: OutcomeSite): OutcomeRecord => ({
  kind: 'hdss',
  at,
  score,
  ...(site ? { site } : {}),
});
const grav = (at: string, site: OutcomeSite, mgPerMin: number): OutcomeRecord => ({
  kind: 'gravimetry',
  at,
  site,
  mg: mgPerMin * 5,
  minutes: 5,
});
const diary = (date: string, dry: boolean): OutcomeRecord => ({ kind: 'diary', date, dry });

describe('HDSS [90]', () => {
  it.each([
    [1, 'never noticeable', 'never', false],
    [2, 'tolerable', 'sometimes', false],
    [3, 'barely tolerable', 'frequently', true],
    [4, 'intolerable', 'always', true],
  ] as const)('score %i: sweating %s, interferes %s; severe %s [91]', (score, sweating, interference, severe) => {
    expect(HDSS_SCALE[score]).toEqual({ sweating, interference });
    expect(hdssWording(score)).toBe(
      `My sweating is ${sweating} and ${interference} interferes with my daily activities`,
    );
    expect(hdssSevere(score)).toBe(severe);
  });

  it.each([
    [4, 1, 'excellent'],
    [4, 2, 'excellent'],
    [3, 2, 'good'],
    [4, 3, 'good'],
    [3, 3, 'none'],
    [2, 3, 'none'],
  ] as const)('[87] grade %i → %i is %s', (b, f, grade) => expect(hdssGrade(b, f)).toBe(grade));
});

describe('gravimetry: cut-offs per minute (clinical.md §0)', () => {
  it('100 mg in 5 min is 20 mg/min, the Thorlacius cut-off [41]', () => expect(sweatRate(100, 5)).toBe(20));

  it.each([
    // [site, mg/min, criterion, class, threshold]
    ['axillae', 51, 'site-specific', 'hyperhidrotic', 50],
    ['axillae', 50, 'site-specific', 'normal', 50],
    ['axillae', 30, 'site-specific', 'normal', 50],
    ['axillae', 30, 'thorlacius', 'hyperhidrotic', 20],
    ['palms', 21, 'site-specific', 'hyperhidrotic', 20],
    ['palms', 20, 'site-specific', 'normal', 20],
    ['palms', 20, 'thorlacius', 'normal', 20],
    ['soles', 80, 'site-specific', 'no-threshold', undefined],
    ['face', 80, 'thorlacius', 'no-threshold', undefined],
  ] as [OutcomeSite, number, GravimetricCriterion, string, number | undefined][])(
    '%s %i mg/min by %s is %s',
    (site, rate, criterion, cls, threshold) => {
      const c = classifySweatRate(site, rate, criterion);
      expect(c.class).toBe(cls);
      expect(c.thresholdMgPerMin).toBe(threshold);
      expect(c.source).toBe(GRAVIMETRIC_THRESHOLDS[criterion].source);
    },
  );

  it('keeps the area-normalised limits of [92] as published', () =>
    expect(AREA_NORMALISED_LIMITS).toEqual({ face: 49, palms: 46, axillae: 136, soles: 50 }));
});

describe('responder status', () => {
  const start = '2025-03-03';
  const now = '2025-05-01T10:00:00Z';
  const status = (records: OutcomeRecord[]) => responderStatus(records, { tz: TZ, start, now });

  it.each([
    // [baseline HDSS, follow-up HDSS, HDSS status, overall]
    [4, 1, 'responder', 'responder'],
    [4, 2, 'responder', 'responder'],
    [3, 2, 'responder', 'responder'],
    [3, 1, 'responder', 'responder'],
    [4, 3, 'non-responder', 'non-responder'],
    [3, 3, 'non-responder', 'non-responder'],
    [3, 4, 'non-responder', 'non-responder'],
    [2, 1, 'not-applicable', 'not-evaluable'],
    [2, 2, 'not-applicable', 'not-evaluable'],
  ] as const)('HDSS %i → %i: %s', (b, f, hs, overall) => {
    const s = status([hdss('2025-03-03T08:30:00Z', b), hdss('2025-04-10T08:30:00Z', f)]);
    expect(s.hdss.status).toBe(hs);
    expect(s.overall).toBe(overall);
    expect(s.hdss.grade).toBe(hdssGrade(b, f));
  });

  it.each([
    // [site, baseline mg/min, follow-up mg/min, status]
    ['palms', 60, 30, 'responder'],
    ['palms', 60, 31, 'non-responder'],
    ['axillae', 120, 12, 'responder'],
    ['soles', 40, 25, 'non-responder'],
    ['palms', 0, 0, 'not-applicable'],
  ] as [OutcomeSite, number, number, string][])(
    'gravimetry %s %i → %i mg/min: %s (≥ 50 %% reduction)',
    (site, b, f, st) => {
      const s = status([grav('2025-03-01T09:00:00Z', site, b), grav('2025-04-10T09:00:00Z', site, f)]);
      expect(s.gravimetry).toEqual([
        expect.objectContaining({ site, status: st, baselineMgPerMin: b, latestMgPerMin: f }),
      ]);
    },
  );

  it('is a responder by either measure, and reports the class of the latest rate', () => {
    const s = status([
      hdss('2025-03-03T08:00:00Z', 3),
      hdss('2025-04-10T08:00:00Z', 3),
      grav('2025-03-03T08:00:00Z', 'palms', 60),
      grav('2025-04-10T08:00:00Z', 'palms', 18),
    ]);
    expect(s.hdss.status).toBe('non-responder');
    expect(s.gravimetry[0]).toMatchObject({ status: 'responder', latestClass: 'normal', thresholdMgPerMin: 20 });
    expect(s.overall).toBe('responder');
  });

  it('has no data without a baseline on or before the first-session day', () => {
    const s = status([hdss('2025-03-04T08:00:00Z', 4), hdss('2025-04-10T08:00:00Z', 1)]);
    expect(s.hdss.status).toBe('no-data');
    expect(s.overall).toBe('not-evaluable');
  });

  it('ignores records after now', () => {
    const s = status([hdss('2025-03-03T08:00:00Z', 4), hdss('2025-06-10T08:00:00Z', 1)]);
    expect(s.hdss.status).toBe('no-data');
  });

  it('reports the Minor grade per site without judging it', () => {
    const s = status([
      { kind: 'minor', at: '2025-03-03T08:00:00Z', site: 'palms', grade: 4 },
      { kind: 'minor', at: '2025-04-10T08:00:00Z', site: 'palms', grade: 1 },
    ]);
    expect(s.minor).toEqual([{ site: 'palms', baseline: 4, latest: 1 }]);
  });

  it('states its definitions with their sources', () => {
    const s = status([]);
    expect(s.definitions.map((d) => d.id)).toEqual([
      'hdss-responder',
      'gravimetric-responder',
      'treatment-failure',
      'relapse',
    ]);
  });
});

describe('treatment failure: no HDSS change after one month [91]', () => {
  const fail = (records: OutcomeRecord[], now: string, start = '2025-03-03') =>
    responderStatus(records, { tz: TZ, start, now }).treatmentFailure;

  it.each([
    // [baseline, score one month on, status]
    [3, 3, 'failure'],
    [4, 4, 'failure'],
    [3, 4, 'failure'],
    [4, 3, 'no-failure'],
    [3, 1, 'no-failure'],
  ] as const)('HDSS %i, then %i a month later: %s', (b, f, st) => {
    expect(
      fail([hdss('2025-03-03T08:00:00Z', b), hdss('2025-04-03T08:00:00Z', f)], '2025-04-05T08:00:00Z').status,
    ).toBe(st);
  });

  it('is too early before one calendar month, counted in the patient zone', () => {
    const r = [hdss('2025-01-31T08:00:00Z', 3), hdss('2025-02-20T08:00:00Z', 3)];
    const early = fail(r, '2025-02-27T12:00:00Z', '2025-01-31');
    expect(early).toMatchObject({ status: 'too-early', from: '2025-02-28' });
    // No HDSS since the month passed: awaiting an assessment.
    expect(fail(r, '2025-03-02T12:00:00Z', '2025-01-31').status).toBe('no-data');
  });

  it('an HDSS recorded before the month is up does not count', () => {
    expect(
      fail([hdss('2025-03-03T08:00:00Z', 3), hdss('2025-03-20T08:00:00Z', 3)], '2025-04-10T08:00:00Z').status,
    ).toBe('no-data');
  });

  it('a baseline of 1 cannot improve', () =>
    expect(fail([hdss('2025-03-03T08:00:00Z', 1)], '2025-04-10T08:00:00Z').status).toBe('not-applicable'));
});

describe('relapse: not dry again after a dry record', () => {
  it.each([
    ['HDSS back to 3 after 2', [hdss('2025-04-01T08:00:00Z', 2), hdss('2025-05-01T08:00:00Z', 3)], ['2025-05-01']],
    ['HDSS 4 never dry: no relapse', [hdss('2025-04-01T08:00:00Z', 4), hdss('2025-05-01T08:00:00Z', 4)], []],
    [
      'one relapse for a run of bad scores',
      [hdss('2025-04-01T08:00:00Z', 1), hdss('2025-05-01T08:00:00Z', 3), hdss('2025-05-08T08:00:00Z', 4)],
      ['2025-05-01'],
    ],
    [
      'two relapses with a dry record between',
      [
        hdss('2025-04-01T08:00:00Z', 2),
        hdss('2025-05-01T08:00:00Z', 3),
        hdss('2025-05-20T08:00:00Z', 2),
        hdss('2025-06-20T08:00:00Z', 3),
      ],
      ['2025-05-01', '2025-06-20'],
    ],
    [
      'palm rate back above 20 mg/min [40]',
      [grav('2025-04-01T08:00:00Z', 'palms', 15), grav('2025-05-01T08:00:00Z', 'palms', 25)],
      ['2025-05-01'],
    ],
    [
      'axilla rate 30 mg/min is still below 50 [40]',
      [grav('2025-04-01T08:00:00Z', 'axillae', 20), grav('2025-05-01T08:00:00Z', 'axillae', 30)],
      [],
    ],
    ['a diary dry day, then HDSS 3', [diary('2025-04-01', true), hdss('2025-04-10T08:00:00Z', 3)], ['2025-04-10']],
    ['a sweaty diary day is not a relapse', [hdss('2025-04-01T08:00:00Z', 2), diary('2025-04-10', false)], []],
    [
      'measures are followed apart: the first palm rate is not a relapse after a dry HDSS',
      [hdss('2025-04-01T08:00:00Z', 2), grav('2025-04-10T08:00:00Z', 'palms', 40)],
      [],
    ],
    [
      'the local date in the patient zone (23:30 UTC is the next day in Berlin)',
      [hdss('2025-04-01T08:00:00Z', 2), hdss('2025-04-30T23:30:00Z', 3)],
      ['2025-05-01'],
    ],
  ] as [string, OutcomeRecord[], string[]][])('%s', (_name, records, expected) => {
    expect(detectRelapses(records, { tz: TZ }).map((r) => r.date)).toEqual(expected);
  });

  it('judges a site without a cut-off against its baseline', () => {
    const records = [
      grav('2025-03-01T08:00:00Z', 'soles', 40),
      grav('2025-04-01T08:00:00Z', 'soles', 15),
      grav('2025-05-01T08:00:00Z', 'soles', 30),
    ];
    const r = detectRelapses(records, { tz: TZ, start: '2025-03-03' });
    expect(r).toEqual([expect.objectContaining({ date: '2025-05-01', measure: 'gravimetry:soles' })]);
    expect(r[0]!.basis).toMatch(/25 % below baseline/);
  });

  it('can use the Thorlacius cut-off [41] instead', () => {
    const records = [grav('2025-04-01T08:00:00Z', 'axillae', 15), grav('2025-05-01T08:00:00Z', 'axillae', 30)];
    expect(detectRelapses(records, { tz: TZ, criterion: 'thorlacius' })).toHaveLength(1);
  });

  it('turns records into dry / not-dry assessments for the planner', () => {
    expect(
      assessmentsFrom(
        [
          hdss('2025-04-01T08:00:00Z', 2),
          diary('2025-04-02', true),
          diary('2025-04-03', false),
          { kind: 'minor', at: '2025-04-04T08:00:00Z', site: 'palms', grade: 3 },
        ],
        { tz: TZ },
      ),
    ).toEqual([
      { at: '2025-04-01T08:00:00Z', dry: true, basis: 'HDSS 2' },
      { date: '2025-04-02', dry: true, basis: 'diary 2025-04-02: dry' },
    ]);
    expect(readRecord(hdss('2025-04-01T08:00:00Z', 3)).state).toBe('not-dry');
  });
});

describe('diary of dry days', () => {
  it('counts dry days and spells of consecutive dry days', () => {
    const records = [
      diary('2025-04-01', true),
      diary('2025-04-02', true),
      diary('2025-04-03', false),
      diary('2025-04-04', true),
      diary('2025-04-05', true),
      diary('2025-04-06', true),
      // 7 April not recorded: it breaks the spell
      diary('2025-04-08', true),
    ];
    expect(diarySummary(records)).toEqual({
      days: 7,
      dryDays: 6,
      dryFraction: 6 / 7,
      longestDrySpell: 3,
      currentDrySpell: 1,
      first: '2025-04-01',
      last: '2025-04-08',
    });
    expect(diarySummary(records, { from: '2025-04-04', to: '2025-04-06' })).toMatchObject({
      days: 3,
      currentDrySpell: 3,
    });
    expect(diarySummary([])).toEqual({ days: 0, dryDays: 0, longestDrySpell: 0, currentDrySpell: 0 });
  });
});

describe('outcome records are validated for a server', () => {
  it('accepts each kind of record', () => {
    const r = parseOutcomeRecords([
      { kind: 'hdss', at: '2025-04-01T08:00:00+02:00', score: 2 },
      { kind: 'gravimetry', at: '2025-04-01T08:00:00Z', site: 'palms', mg: 85, minutes: 5 },
      { kind: 'minor', at: '2025-04-01T08:00:00Z', site: 'axillae', grade: 0 },
      { kind: 'diary', date: '2025-04-01', dry: true, site: 'palms' },
    ]);
    expect(r).toHaveLength(4);
  });

  it.each([
    [[{ kind: 'hdss', at: '2025-04-01T08:00:00Z', score: 5 }], /^records\[0\]\.score/],
    [[{ kind: 'hdss', at: '2025-04-01 08:00', score: 2 }], /^records\[0\]\.at/],
    [[{ kind: 'hdss', at: '2025-04-01T08:00:00', score: 2 }], /^records\[0\]\.at/],
    [[{ kind: 'gravimetry', at: '2025-04-01T08:00:00Z', site: 'knees', mg: 1, minutes: 5 }], /^records\[0\]\.site/],
    [[{ kind: 'gravimetry', at: '2025-04-01T08:00:00Z', site: 'palms', mg: 1, minutes: 0 }], /^records\[0\]\.minutes/],
    [[{ kind: 'minor', at: '2025-04-01T08:00:00Z', site: 'palms', grade: 6 }], /^records\[0\]\.grade/],
    [[{ kind: 'diary', date: '2025-02-30', dry: true }], /^records\[0\]\.date/],
    [[{ kind: 'weight', at: '2025-04-01T08:00:00Z' }], /^records\[0\]\.kind/],
  ])('refuses %j naming the field', (raw, message) => {
    expect(() => parseOutcomeRecords(raw)).toThrow(IontoError);
    expect(() => parseOutcomeRecords(raw)).toThrow(message);
  });
});

describe('the next maintenance date, through the planner', () => {
  const start = '2025-03-03';
  const sessions = CLINIC_DAYS.map((o) => ({ status: 'done' as const, date: dateOf(parseDate(start) + o) }));

  it('is the protocol interval after the induction when the patient is dry', () => {
    const n = nextMaintenance({
      protocol: palms,
      start,
      tz: TZ,
      now: '2025-03-26T08:00:00Z',
      history: { sessions },
      records: [hdss('2025-03-03T08:00:00Z', 4), hdss('2025-03-24T08:00:00Z', 2)],
    });
    expect(n.session).toMatchObject({
      phase: 'maintenance',
      date: '2025-04-07',
      localTime: '09:00',
      startsAt: '2025-04-07T07:00:00Z',
    });
    expect(n.intervalDays).toBe(14);
  });

  it('a relapse sooner than the interval starts a re-induction and shortens the interval', () => {
    const { plan, relapses } = planWithOutcomes({
      protocol: palms,
      start,
      tz: TZ,
      now: '2025-04-17T10:00:00Z',
      history: { sessions: [...sessions, { status: 'done', date: '2025-04-07' }] },
      records: [
        hdss('2025-03-03T08:00:00Z', 4),
        hdss('2025-03-24T08:00:00Z', 2),
        hdss('2025-04-07T07:00:00Z', 1),
        hdss('2025-04-17T07:00:00Z', 3),
      ],
    });
    expect(relapses.map((r) => r.date)).toEqual(['2025-04-17']);
    expect(plan.maintenance).toMatchObject({ intervalDays: 7 });
    const n = nextMaintenance({
      protocol: palms,
      start,
      tz: TZ,
      now: '2025-04-17T10:00:00Z',
      history: { sessions: [...sessions, { status: 'done', date: '2025-04-07' }] },
      records: [hdss('2025-03-24T08:00:00Z', 2), hdss('2025-04-17T07:00:00Z', 3)],
    });
    expect(n.session).toMatchObject({ phase: 're-induction', date: '2025-04-17' });
    expect(n.reason).toMatch(/re-induction after a relapse on 2025-04-17: HDSS 3/);
  });

  it('only outcomes of the protocol sites count', () => {
    const { relapses } = planWithOutcomes({
      protocol: palms,
      start,
      tz: TZ,
      history: { sessions },
      records: [grav('2025-03-24T08:00:00Z', 'axillae', 20), grav('2025-04-01T08:00:00Z', 'axillae', 80)],
    });
    expect(relapses).toEqual([]);
  });

  it('one more induction session while not dry after the seventh (until dry)', () => {
    const n = nextMaintenance({
      protocol: palms,
      start,
      tz: TZ,
      now: '2025-03-25T08:00:00Z',
      history: { sessions },
      records: [hdss('2025-03-03T08:00:00Z', 4), hdss('2025-03-24T08:00:00Z', 3)],
    });
    expect(n.session).toMatchObject({ phase: 'induction', phaseIndex: 8 });
    expect(n.reason).toMatch(/induction session 8 of 8 comes first/);
  });
});
