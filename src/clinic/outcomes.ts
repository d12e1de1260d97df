import { DateTime } from 'luxon';
import { IontoError } from '../errors/catalogue.js';
import type { AssessmentRecord, CourseHistory, RelapseRecord } from './course-history.js';
import { nextSession, planCourse } from './course-plan.js';
import type { CoursePlan, CoursePlanInput, PlannedSession } from './course-plan.js';
import { checkZone, dateOf, localDayOf, localInstant, parseDate, parseInstant } from './local-calendar.js';
import { outcomeRecordsSchema } from './outcome-records.js';
import type { DiaryRecord, GravimetryRecord, HdssRecord, MinorRecord, OutcomeRecord } from './outcome-records.js';
import {
  GRAVIMETRIC_RESPONSE_REDUCTION,
  OUTCOME_SITES,
  classifySweatRate,
  gravimetricReduction,
  hdssGrade,
  sweatRate,
} from './outcome-scales.js';
import type { GravimetricClass, GravimetricCriterion, HdssGrade, HdssScore, OutcomeSite } from './outcome-scales.js';

/**
 * What recorded outcomes say about a course: responder status, treatment failure, relapses, dry days, and (through
 * the course planner) when the next session is due.
 *
 * Definitions (each stated once, here):
 * - Baseline: the latest record of a measure (per site) on or before the local date of the first session.
 *   Follow-up: the latest record after that date, up to `now`.
 * - HDSS responder: baseline 3–4 (severe [91]) and follow-up 1–2. A baseline of 1–2 cannot respond by this
 *   definition ('not-applicable'); the [87] grade (≥ 2-point drop "excellent", 1 point "good") is given beside.
 * - Gravimetric responder: follow-up rate at least 50 % below the baseline rate at the same site (the convention of
 *   hyperhidrosis trials; a design decision, no source in clinical.md). The rate is also classed against the
 *   published cut-offs (axilla > 50, palm > 20 mg/min [40], or 100 mg/5 min [41]).
 * - Overall responder: a responder by HDSS or by gravimetry at any site.
 * - Treatment failure [91]: no HDSS change after one month: the latest HDSS recorded one calendar month or more after
 *   the first session is not below the baseline.
 * - Dry (controlled) at a record: HDSS 1–2; a gravimetric rate at or below its site's cut-off (or, at a site without
 *   one, at least 50 % below baseline); a diary day marked dry. Not dry: HDSS 3–4, a rate above the cut-off (or less
 *   than 50 % below baseline). A diary day marked not dry is not evidence either way (one sweaty day is not a
 *   relapse); nor is the Minor grade, which has no cut-off.
 * - Relapse: the first not-dry record of a measure after a dry record of the same measure (HDSS, or gravimetry at
 *   one site; a diary dry day counts as dry for every measure). A later relapse needs a dry record first.
 */

export interface OutcomeScope {
  /** The patient's IANA zone (diary days and "one month" are local). */
  readonly tz: string;
  /** Only these sites (a protocol's zones); records without a site (a patient-level HDSS) always count. */
  readonly sites?: readonly OutcomeSite[];
  /** Gravimetric cut-off: 'site-specific' [40] (default) or 'thorlacius' [41]. */
  readonly criterion?: GravimetricCriterion;
}

/** Validate outcome records (e.g. a server request body); an IontoError names the first bad field. */
export function parseOutcomeRecords(raw: unknown, field = 'records'): OutcomeRecord[] {
  const r = outcomeRecordsSchema.safeParse(raw);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const path = field + i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw new IontoError('ION_ERR_USAGE', `${path}: ${i.message}`, { field: path });
}

interface Timed<T extends OutcomeRecord = OutcomeRecord> {
  readonly record: T;
  /** Instant (a diary day: local noon). */
  readonly t: number;
  readonly day: number;
  readonly order: number;
}

function timeline(records: readonly OutcomeRecord[], scope: OutcomeScope): Timed[] {
  const tz = checkZone(scope.tz, 'tz');
  return records
    .filter((r) => r.site === undefined || scope.sites === undefined || scope.sites.includes(r.site))
    .map((record, order) => {
      if (record.kind === 'diary') {
        const day = parseDate(record.date, `records[${order}].date`);
        const t = localInstant(day, 12 * 60, tz)?.epochMs ?? day * 86_400_000;
        return { record, t, day, order };
      }
      const t = parseInstant(record.at, `records[${order}].at`);
      return { record, t, day: localDayOf(t, tz), order };
    })
    .sort((a, b) => a.t - b.t || a.order - b.order);
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const rateOf = (r: GravimetryRecord) => sweatRate(r.mg, r.minutes);
const fmtRate = (x: number) => `${Number(x.toFixed(1))} mg/min`;

// ---------------------------------------------------------------------------------------------------------------
// Dry or not at one record.

export type RecordState = 'dry' | 'not-dry' | 'no-evidence';

export interface RecordReading {
  readonly state: RecordState;
  /** Which measure the state belongs to ('hdss', 'gravimetry:palms', 'diary'). */
  readonly measure: string;
  readonly basis: string;
}

/** Whether one record shows the patient dry; `baselineRate` is the site's baseline for sites without a cut-off. */
export function readRecord(
  r: OutcomeRecord,
  criterion: GravimetricCriterion = 'site-specific',
  baselineRate?: number,
): RecordReading {
  switch (r.kind) {
    case 'hdss':
      return {
        state: r.score <= 2 ? 'dry' : 'not-dry',
        measure: 'hdss',
        basis: `HDSS ${r.score}${r.site ? ` (${r.site})` : ''}`,
      };
    case 'gravimetry': {
      const rate = rateOf(r);
      const c = classifySweatRate(r.site, rate, criterion);
      const measure = `gravimetry:${r.site}`;
      if (c.class !== 'no-threshold') {
        return {
          state: c.class === 'normal' ? 'dry' : 'not-dry',
          measure,
          basis: `${r.site} ${fmtRate(rate)} ${c.class === 'normal' ? '≤' : '>'} ${c.thresholdMgPerMin} mg/min ${c.source}`,
        };
      }
      if (baselineRate === undefined || baselineRate <= 0) {
        return { state: 'no-evidence', measure, basis: `${r.site} ${fmtRate(rate)}: no cut-off and no baseline` };
      }
      const red = gravimetricReduction(baselineRate, rate);
      return {
        state: red >= GRAVIMETRIC_RESPONSE_REDUCTION ? 'dry' : 'not-dry',
        measure,
        basis: `${r.site} ${fmtRate(rate)}, ${Math.round(red * 100)} % below baseline (no cut-off for ${r.site})`,
      };
    }
    case 'diary':
      return r.dry
        ? { state: 'dry', measure: 'diary', basis: `diary ${r.date}: dry` }
        : { state: 'no-evidence', measure: 'diary', basis: `diary ${r.date}: not dry (one day is not a relapse)` };
    case 'minor':
      return { state: 'no-evidence', measure: `minor:${r.site}`, basis: `Minor grade ${r.grade} (no cut-off)` };
  }
}

/** Baseline gravimetric rate per site: the latest on or before the first-session day, else undefined. */
function baselineRates(tl: readonly Timed[], startDay: number | undefined): Map<OutcomeSite, number> {
  const out = new Map<OutcomeSite, number>();
  for (const x of tl) {
    if (x.record.kind !== 'gravimetry') continue;
    if (startDay !== undefined && x.day > startDay) continue;
    if (startDay === undefined && out.has(x.record.site)) continue;
    out.set(x.record.site, rateOf(x.record));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Relapses

export interface Relapse {
  /** UTC instant of the record that showed the relapse. */
  readonly at: string;
  /** Its local date. */
  readonly date: string;
  readonly measure: string;
  readonly basis: string;
  /** The dry record it follows. */
  readonly after: { readonly at: string; readonly basis: string };
}

/**
 * Relapses in recorded outcomes (definition at the top of this file). `start` (local date of the first session)
 * fixes the gravimetric baseline for sites without a cut-off.
 */
export function detectRelapses(
  records: readonly OutcomeRecord[],
  scope: OutcomeScope & { readonly start?: string },
): Relapse[] {
  const tz = checkZone(scope.tz, 'tz');
  const tl = timeline(records, scope);
  const startDay = scope.start === undefined ? undefined : parseDate(scope.start, 'start');
  const base = baselineRates(tl, startDay);
  const lastDry = new Map<string, { t: number; basis: string }>();
  const measures = new Set([
    'hdss',
    ...tl.flatMap((x) => (x.record.kind === 'gravimetry' ? [`gravimetry:${x.record.site}`] : [])),
  ]);
  const out: Relapse[] = [];
  for (const x of tl) {
    const baseline = x.record.kind === 'gravimetry' ? base.get(x.record.site) : undefined;
    const r = readRecord(x.record, scope.criterion, baseline);
    if (r.state === 'dry') {
      if (r.measure === 'diary') {
        for (const m of measures) lastDry.set(m, { t: x.t, basis: r.basis });
      } else lastDry.set(r.measure, { t: x.t, basis: r.basis });
    } else if (r.state === 'not-dry') {
      const prev = lastDry.get(r.measure);
      if (prev) {
        out.push({
          at: iso(x.t),
          date: dateOf(localDayOf(x.t, tz)),
          measure: r.measure,
          basis: r.basis,
          after: { at: iso(prev.t), basis: prev.basis },
        });
        // A relapse ends every dry run: the next relapse needs a new dry record.
        lastDry.clear();
      }
    }
  }
  return out;
}

/** Dry / not-dry assessments for the course planner (lengthening the interval, induction until dry). */
export function assessmentsFrom(
  records: readonly OutcomeRecord[],
  scope: OutcomeScope & { readonly start?: string },
): AssessmentRecord[] {
  const tl = timeline(records, scope);
  const startDay = scope.start === undefined ? undefined : parseDate(scope.start, 'start');
  const base = baselineRates(tl, startDay);
  return tl.flatMap((x) => {
    const r = readRecord(
      x.record,
      scope.criterion,
      x.record.kind === 'gravimetry' ? base.get(x.record.site) : undefined,
    );
    if (r.state === 'no-evidence') return [];
    return [
      x.record.kind === 'diary'
        ? { date: x.record.date, dry: r.state === 'dry', basis: r.basis }
        : { at: iso(x.t), dry: r.state === 'dry', basis: r.basis },
    ];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Responder status and treatment failure

export type ResponseStatus = 'responder' | 'non-responder' | 'not-applicable' | 'no-data';

export interface HdssResponse {
  readonly status: ResponseStatus;
  readonly baseline?: { readonly score: HdssScore; readonly at: string };
  readonly latest?: { readonly score: HdssScore; readonly at: string };
  /** [87] grade of the change. */
  readonly grade?: HdssGrade;
}

export interface GravimetricResponse {
  readonly site: OutcomeSite;
  readonly status: ResponseStatus;
  readonly baselineMgPerMin?: number;
  readonly latestMgPerMin?: number;
  /** Fraction below baseline (0.6 = 60 % less sweat). */
  readonly reduction?: number;
  /** The latest rate against the cut-off. */
  readonly latestClass?: GravimetricClass;
  readonly thresholdMgPerMin?: number;
}

export interface MinorChange {
  readonly site: OutcomeSite;
  readonly baseline?: number;
  readonly latest?: number;
}

export type FailureStatus = 'failure' | 'no-failure' | 'too-early' | 'no-data' | 'not-applicable';

export interface ResponderStatus {
  readonly overall: 'responder' | 'non-responder' | 'not-evaluable';
  readonly hdss: HdssResponse;
  readonly gravimetry: readonly GravimetricResponse[];
  readonly minor: readonly MinorChange[];
  readonly treatmentFailure: {
    readonly status: FailureStatus;
    /** From this local date on, an unchanged HDSS means failure (one month after the first session). */
    readonly from: string;
    readonly reason: string;
  };
  readonly definitions: readonly { readonly id: string; readonly text: string; readonly source: string }[];
}

export const RESPONSE_DEFINITIONS = Object.freeze([
  {
    id: 'hdss-responder',
    text: 'HDSS 3–4 at baseline and 1–2 at follow-up',
    source: 'scale [90]; 3–4 severe [91]; grades ≥ 2 points excellent, 1 point good [87]',
  },
  {
    id: 'gravimetric-responder',
    text: 'sweat rate at least 50 % below baseline at the same site',
    source: 'trial convention (design decision; no source in clinical.md)',
  },
  {
    id: 'treatment-failure',
    text: 'no HDSS change one month after the first session',
    source: '[91]',
  },
  {
    id: 'relapse',
    text: 'after a dry record (HDSS 1–2, rate at or below the cut-off, diary dry day), HDSS back to 3–4 or the rate back above the cut-off',
    source: 'cut-offs [40] ([41] optional); design decision',
  },
]);

export interface ResponderInput extends OutcomeScope {
  /** Local date of the first session of the course. */
  readonly start: string;
  /** The present, a UTC instant. */
  readonly now: string;
}

/** Responder status and treatment failure as of `now` (definitions at the top of this file). */
export function responderStatus(records: readonly OutcomeRecord[], input: ResponderInput): ResponderStatus {
  const tz = checkZone(input.tz, 'tz');
  const startDay = parseDate(input.start, 'start');
  const now = parseInstant(input.now, 'now');
  const tl = timeline(records, input).filter((x) => x.t <= now);
  const before = tl.filter((x) => x.day <= startDay);
  const after = tl.filter((x) => x.day > startDay);
  const last = <T extends OutcomeRecord>(xs: readonly Timed[], f: (r: OutcomeRecord) => r is T) =>
    [...xs].reverse().find((x) => f(x.record)) as Timed<T> | undefined;
  const isHdss = (r: OutcomeRecord): r is HdssRecord => r.kind === 'hdss';

  // HDSS
  const hb = last(before, isHdss);
  const hf = last(after, isHdss);
  let hdss: HdssResponse;
  if (!hb || !hf) {
    hdss = {
      status: 'no-data',
      ...(hb ? { baseline: { score: hb.record.score, at: iso(hb.t) } } : {}),
      ...(hf ? { latest: { score: hf.record.score, at: iso(hf.t) } } : {}),
    };
  } else {
    const severe = hb.record.score >= 3;
    hdss = {
      status: !severe ? 'not-applicable' : hf.record.score <= 2 ? 'responder' : 'non-responder',
      baseline: { score: hb.record.score, at: iso(hb.t) },
      latest: { score: hf.record.score, at: iso(hf.t) },
      grade: hdssGrade(hb.record.score, hf.record.score),
    };
  }

  // Gravimetry, per site
  const sites = [...new Set(tl.flatMap((x) => (x.record.kind === 'gravimetry' ? [x.record.site] : [])))];
  const gravimetry = sites.map((site): GravimetricResponse => {
    const isSite = (r: OutcomeRecord): r is GravimetryRecord => r.kind === 'gravimetry' && r.site === site;
    const gb = last(before, isSite);
    const gf = last(after, isSite);
    const latest = gf ?? gb;
    const c = latest ? classifySweatRate(site, rateOf(latest.record), input.criterion) : undefined;
    const cls = c
      ? {
          latestClass: c.class,
          ...(c.thresholdMgPerMin === undefined ? {} : { thresholdMgPerMin: c.thresholdMgPerMin }),
        }
      : {};
    if (!gb || !gf) {
      return {
        site,
        status: 'no-data',
        ...(gb ? { baselineMgPerMin: rateOf(gb.record) } : {}),
        ...(gf ? { latestMgPerMin: rateOf(gf.record) } : {}),
        ...cls,
      };
    }
    const b = rateOf(gb.record);
    const f = rateOf(gf.record);
    const reduction = gravimetricReduction(b, f);
    return {
      site,
      status: b <= 0 ? 'not-applicable' : reduction >= GRAVIMETRIC_RESPONSE_REDUCTION ? 'responder' : 'non-responder',
      baselineMgPerMin: b,
      latestMgPerMin: f,
      reduction,
      ...cls,
    };
  });

  // Minor grade, per site (reported, not judged)
  const minorSites = [...new Set(tl.flatMap((x) => (x.record.kind === 'minor' ? [x.record.site] : [])))];
  const minor = minorSites.map((site): MinorChange => {
    const isSite = (r: OutcomeRecord): r is MinorRecord => r.kind === 'minor' && r.site === site;
    const mb = last(before, isSite);
    const mf = last(after, isSite);
    return {
      site,
      ...(mb ? { baseline: mb.record.grade } : {}),
      ...(mf ? { latest: mf.record.grade } : {}),
    };
  });

  const statuses = [hdss.status, ...gravimetry.map((g) => g.status)];
  const overall = statuses.includes('responder')
    ? 'responder'
    : statuses.includes('non-responder')
      ? 'non-responder'
      : 'not-evaluable';

  // Treatment failure [91]
  const fromDt = DateTime.fromISO(dateOf(startDay), { zone: tz }).plus({ months: 1 });
  const fromDay = parseDate(fromDt.toISODate());
  const today = localDayOf(now, tz);
  const hm = last(
    tl.filter((x) => x.day >= fromDay),
    isHdss,
  );
  let treatmentFailure: ResponderStatus['treatmentFailure'];
  const from = dateOf(fromDay);
  if (!hb) {
    treatmentFailure = { status: 'no-data', from, reason: 'no baseline HDSS on or before the first session' };
  } else if (hb.record.score === 1) {
    treatmentFailure = { status: 'not-applicable', from, reason: 'baseline HDSS 1 cannot improve' };
  } else if (today < fromDay) {
    treatmentFailure = { status: 'too-early', from, reason: `one month after the first session is ${from}` };
  } else if (!hm) {
    treatmentFailure = { status: 'no-data', from, reason: `no HDSS recorded since ${from}` };
  } else if (hm.record.score >= hb.record.score) {
    treatmentFailure = {
      status: 'failure',
      from,
      reason: `HDSS ${hm.record.score} on ${dateOf(hm.day)}, not below the baseline ${hb.record.score}, one month after the first session [91]`,
    };
  } else {
    treatmentFailure = {
      status: 'no-failure',
      from,
      reason: `HDSS ${hb.record.score} → ${hm.record.score} by ${dateOf(hm.day)}`,
    };
  }
  return { overall, hdss, gravimetry, minor, treatmentFailure, definitions: RESPONSE_DEFINITIONS };
}

// ---------------------------------------------------------------------------------------------------------------
// Diary of dry days

export interface DiarySummary {
  readonly days: number;
  readonly dryDays: number;
  /** Dry days / days recorded; undefined with no entries. */
  readonly dryFraction?: number;
  /** Longest run of consecutive calendar days marked dry (a day without an entry breaks it). */
  readonly longestDrySpell: number;
  /** The run of dry days that ends on the last entry. */
  readonly currentDrySpell: number;
  readonly first?: string;
  readonly last?: string;
}

/** Summary of diary entries between two local dates (inclusive); one entry per day, the later one wins. */
export function diarySummary(
  records: readonly OutcomeRecord[],
  opts: { readonly from?: string; readonly to?: string; readonly site?: OutcomeSite } = {},
): DiarySummary {
  const from = opts.from === undefined ? -Infinity : parseDate(opts.from, 'from');
  const to = opts.to === undefined ? Infinity : parseDate(opts.to, 'to');
  const byDay = new Map<number, boolean>();
  records.forEach((r, i) => {
    if (r.kind !== 'diary') return;
    if (opts.site !== undefined && r.site !== undefined && r.site !== opts.site) return;
    const d = parseDate((r as DiaryRecord).date, `records[${i}].date`);
    if (d >= from && d <= to) byDay.set(d, r.dry);
  });
  const days = [...byDay.keys()].sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  let prev: number | undefined;
  for (const d of days) {
    run = byDay.get(d) ? (prev === d - 1 && run > 0 ? run + 1 : 1) : 0;
    longest = Math.max(longest, run);
    prev = d;
  }
  const dryDays = days.filter((d) => byDay.get(d)).length;
  return {
    days: days.length,
    dryDays,
    ...(days.length > 0 ? { dryFraction: dryDays / days.length } : {}),
    longestDrySpell: longest,
    currentDrySpell: run,
    ...(days.length > 0 ? { first: dateOf(days[0]!), last: dateOf(days[days.length - 1]!) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Planning from outcomes

export interface OutcomePlanInput extends CoursePlanInput {
  readonly records: readonly OutcomeRecord[];
  readonly criterion?: GravimetricCriterion;
}

/**
 * A course history completed with what the outcomes say: the relapses, and the dry / not-dry assessments, of the
 * records that belong to the protocol's sites (or to no site).
 */
export function historyWithOutcomes(
  input: Pick<OutcomePlanInput, 'protocol' | 'start' | 'tz' | 'history' | 'records' | 'criterion'>,
): { readonly history: CourseHistory; readonly relapses: readonly Relapse[] } {
  const sites = OUTCOME_SITES.filter((z) => z in input.protocol.zones);
  const scope = { tz: input.tz, sites, start: input.start, ...(input.criterion ? { criterion: input.criterion } : {}) };
  const relapses = detectRelapses(input.records, scope);
  const found: RelapseRecord[] = relapses.map((r) => ({ at: r.at, note: r.basis }));
  return {
    history: {
      sessions: input.history?.sessions ?? [],
      relapses: [...(input.history?.relapses ?? []), ...found],
      assessments: [...(input.history?.assessments ?? []), ...assessmentsFrom(input.records, scope)],
    },
    relapses,
  };
}

/**
 * Plan a course with what the outcomes say: relapses (re-induction, shorter interval), dry records (longer interval),
 * not-dry records after the induction (one more induction session while until_dry).
 */
export function planWithOutcomes(input: OutcomePlanInput): {
  readonly plan: CoursePlan;
  readonly relapses: readonly Relapse[];
} {
  const { history, relapses } = historyWithOutcomes(input);
  return { plan: planCourse({ ...input, history }), relapses };
}

export interface NextStep {
  /** The next session to attend, if the plan has one. */
  readonly session?: PlannedSession;
  /** Current maintenance interval, days (after adaptation), or undefined without maintenance. */
  readonly intervalDays?: number;
  readonly reason: string;
}

/** The next maintenance date, through the planner: or the next induction session, when one is due first. */
export function nextMaintenance(input: OutcomePlanInput): NextStep {
  const { plan, relapses } = planWithOutcomes(input);
  const session = nextSession(plan);
  const interval = plan.maintenance?.intervalDays;
  const lastChange = plan.maintenance?.changes.at(-1);
  let reason: string;
  if (!session) reason = 'nothing left to plan';
  else if (session.phase === 'maintenance') {
    reason = `maintenance every ${interval} days` + (lastChange ? ` (${lastChange.reason})` : '');
  } else if (session.phase === 're-induction') {
    const r = relapses.at(-1);
    reason = `re-induction after a relapse${r ? ` on ${r.date}: ${r.basis}` : ''}`;
  } else {
    reason = `induction session ${session.phaseIndex} of ${session.phaseSessions} comes first`;
  }
  return { ...(session ? { session } : {}), ...(interval === undefined ? {} : { intervalDays: interval }), reason };
}
