import { IontoError } from '../errors/catalogue.js';
import { INDUCTION_TEMPLATES, inductionDays, isInductionTemplate } from '../protocols/course-template.js';
import type { InductionTemplate } from '../protocols/course-template.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { placeHistory } from './course-history.js';
import { HARD_CAPS, sessionCaps } from './session-caps.js';
import type { SessionCaps } from './session-caps.js';
import type { CourseHistory, DatedFact, SessionRecord } from './course-history.js';
import {
  WEEKDAYS,
  WEEKDAY_LABEL,
  checkZone,
  dateOf,
  localDayOf,
  localInstant,
  parseDate,
  parseInstant,
  parseTimeOfDay,
  parseWeekday,
  weekdayOf,
} from './local-calendar.js';
import type { Weekday } from './local-calendar.js';
import { MAINTENANCE_RULE, afterMaintenanceSession, afterRelapse, initialInterval } from './maintenance-interval.js';
import type { IntervalBounds, IntervalChange, IntervalState } from './maintenance-interval.js';

/**
 * Course planning: where the sessions of a course fall on the patient's calendar.
 *
 * Pure functions: the time ("now") is passed in, there is no clock inside. Dates are local calendar dates in the
 * patient's IANA zone; each session also carries its UTC instant (DESIGN.md: times are stored as UTC instants,
 * schedules are computed in the patient's zone). The shape maps onto a FHIR R4 CarePlan (software.md §3): the plan
 * is the CarePlan, `timing` its `activity.detail.scheduledTiming`, each session an activity occurrence with
 * `scheduledPeriod.start = startsAt`, `status` planned/rescheduled → scheduled, done → completed, missed → not-done.
 */

export type Phase = 'induction' | 'maintenance' | 're-induction';
export type SessionStatus = 'planned' | 'done' | 'missed' | 'rescheduled';

/** The induction templates, by name (for messages and choices): the protocols layer's list, not a copy. */
export { INDUCTION_TEMPLATES };
const isTemplate = isInductionTemplate;

/** The hard caps of a treatment course, and the caps a protocol keeps to (`session-caps.ts`). */
export { HARD_CAPS };
export const DEFAULT_TIME = '09:00';
/** How many maintenance sessions a plan shows ahead (a horizon, not a prescription). */
export const DEFAULT_MAINTENANCE_SESSIONS = 3;
/**
 * Ceiling of an induction that goes on "until dry": 12 sessions (about 12 initial sessions [R3]; euhidrosis after
 * 10–12 sessions [79][H7][81]). Reaching it without dryness is flagged for review, not extended further.
 */
export const DEFAULT_MAX_INDUCTION_SESSIONS = 12;
/** How far forward a session may be moved to find a day that keeps every rule, before the request is refused. */
export const SEARCH_LIMIT_DAYS = 366;

export type RuleId =
  | 'per-day'
  | 'per-week'
  | 'template'
  | 'start-weekday'
  | 'weekdays'
  | 'closed'
  | 'in-order'
  | 'not-with'
  | 'nonexistent-date'
  | 'local-time'
  | 'catch-up'
  | 'until-dry'
  | 'maintenance-interval'
  | 'adaptive-interval'
  | 're-induction';

export interface AppliedRule {
  readonly id: RuleId;
  readonly text: string;
  readonly source: string;
}

export interface Adjustment {
  /** Session index (1-based, as in `sessions`). */
  readonly index: number;
  readonly phase: Phase;
  readonly from: string;
  readonly to: string;
  /** The rules that kept the session off the days in between, first the one that blocked `from`. */
  readonly rules: readonly RuleId[];
  readonly reason: string;
}

export interface PlannedSession {
  readonly protocol: string;
  /**
   * Position in the course, 1-based. A missed session carries the index of the session it was meant to be; the
   * session that replaces it carries the same index.
   */
  readonly index: number;
  readonly phase: Phase;
  /** 0 for the first induction and its maintenance, +1 after each relapse. */
  readonly cycle: number;
  /** Position within the phase (induction 3 of 7), 1-based. */
  readonly phaseIndex: number;
  /** Sessions in this induction or re-induction; undefined for maintenance, which runs on. */
  phaseSessions?: number;
  /** Local calendar date in the course's zone. */
  readonly date: string;
  readonly weekday: Weekday;
  /** Local wall-clock time, HH:MM. */
  readonly localTime: string;
  /** UTC instant, ISO 8601 with Z. */
  readonly startsAt: string;
  readonly status: SessionStatus;
  /** For a rescheduled session: the date it had before a missed session or the passing of time moved it. */
  readonly originalDate?: string;
  /** Why the local time is not the one asked for (DST gap) or which of two instants was taken (DST overlap). */
  readonly timeNote?: string;
}

export interface CoursePlan {
  readonly protocol: string;
  readonly title: string;
  readonly tz: string;
  /** Requested local time of day, HH:MM. */
  readonly time: string;
  /** Requested start date and the date of the first session (after a start-weekday move). */
  readonly start: string;
  readonly firstDate: string;
  /** Local date of `now`, when given. */
  readonly today?: string;
  readonly timing: {
    readonly template: InductionTemplate;
    /** Induction sessions prescribed (the course may extend them "until dry"). */
    readonly inductionSessions: number;
    /** Day offsets of the template from the first session (course-template.ts). */
    readonly inductionDays: readonly number[];
    readonly untilDry: boolean;
    readonly startWeekday?: Weekday;
    readonly weekdays: readonly Weekday[];
    readonly closed: readonly string[];
    readonly caps: { readonly perDay: number; readonly perWeek: number };
  };
  /** Current maintenance interval and how it got there; null when the protocol has no maintenance. */
  readonly maintenance: {
    readonly intervalDays: number;
    readonly baseDays: number;
    readonly minDays: number;
    readonly maxDays: number;
    readonly stepDays: number;
    readonly changes: readonly IntervalChange[];
  } | null;
  /** Every session, done, missed and to come, in date order. */
  readonly sessions: readonly PlannedSession[];
  readonly adjustments: readonly Adjustment[];
  readonly rules: readonly AppliedRule[];
  readonly warnings: readonly string[];
}

export interface CalendarOptions {
  /** Local time of day of the sessions, HH:MM (default 09:00). */
  readonly time?: string;
  /** Weekdays on which sessions may fall (clinic open days); default every day. */
  readonly weekdays?: readonly Weekday[];
  /** Local dates without sessions (holidays, clinic closed). */
  readonly closed?: readonly string[];
  /** The present, a UTC instant (ISO 8601 with Z or an offset). Nothing is planned before its local date. */
  readonly now?: string;
}

export interface CoursePlanInput extends CalendarOptions {
  readonly protocol: Protocol;
  /** Local date the course may start, YYYY-MM-DD. */
  readonly start: string;
  /** The patient's IANA time zone. */
  readonly tz: string;
  /** Induction template, overriding the protocol's. */
  readonly template?: InductionTemplate;
  /** Induction sessions, overriding the protocol's (1 for `single`). */
  readonly inductionSessions?: number;
  /** The first session falls on this weekday: a start on another day moves to the next one. */
  readonly startWeekday?: Weekday;
  /** Caps may only be tightened below the protocol's and the hard ones. */
  readonly caps?: { readonly perDay?: number; readonly perWeek?: number };
  /** Starting maintenance interval, days, within the protocol's min–max. */
  readonly maintenanceIntervalDays?: number;
  /** Maintenance sessions to show ahead (default 3). */
  readonly maintenanceSessions?: number;
  /** Ceiling of an induction extended until dry (default 12). */
  readonly maxInductionSessions?: number;
  readonly history?: CourseHistory;
}

// ---------------------------------------------------------------------------------------------------------------
// Settings: every input checked once, each error naming its field.

interface Settings {
  readonly protocol: Protocol;
  readonly tz: string;
  readonly time: string;
  readonly minute: number;
  readonly start: number;
  readonly firstDay: number;
  readonly today?: number;
  readonly template: InductionTemplate;
  readonly inductionSessions: number;
  readonly startWeekday?: Weekday;
  readonly perDay: number;
  readonly perWeek: number;
  /** The caps and their sources: the hard caps of a treatment, or a diagnostic protocol's own (`sessionCaps`). */
  readonly caps: SessionCaps;
  readonly allowed: readonly Weekday[];
  readonly closed: ReadonlySet<number>;
  readonly bounds?: IntervalBounds;
  readonly maintenanceSessions: number;
  readonly maxInduction: number;
  readonly untilDry: boolean;
}

const usage = (field: string, message: string) => new IontoError('ION_ERR_USAGE', `${field} ${message}`, { field });
const range = (field: string, message: string) =>
  new IontoError('ION_ERR_OUT_OF_RANGE', `${field} ${message}`, { field });

function wholeNumber(field: string, x: unknown, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw usage(field, `must be a whole number, got ${String(x)}`);
  if (x < min || x > max) throw range(field, `must be from ${min} to ${max}, got ${x}`);
  return x;
}

function resolveSettings(input: CoursePlanInput): Settings {
  const protocol = input.protocol;
  const course = protocol.course;
  const tz = checkZone(input.tz, 'tz');
  const start = parseDate(input.start, 'start');
  const time = input.time ?? DEFAULT_TIME;
  const minute = parseTimeOfDay(time, 'time');
  const today = input.now === undefined ? undefined : localDayOf(parseInstant(input.now, 'now'), tz);

  const template = input.template ?? course.induction.template;
  if (!isTemplate(template)) {
    throw usage('template', `must be one of ${INDUCTION_TEMPLATES.join(', ')}, got "${String(template)}"`);
  }
  const defaultSessions = template === 'single' ? 1 : course.induction.sessions.value;
  const inductionSessions = wholeNumber('inductionSessions', input.inductionSessions ?? defaultSessions, 1, 365);
  if (template === 'single' && inductionSessions !== 1) {
    throw range('inductionSessions', `must be 1 for the single template, got ${inductionSessions}`);
  }
  const maxInduction = wholeNumber(
    'maxInductionSessions',
    input.maxInductionSessions ?? Math.max(DEFAULT_MAX_INDUCTION_SESSIONS, inductionSessions),
    inductionSessions,
    365,
  );

  const startWeekday = input.startWeekday === undefined ? undefined : parseWeekday(input.startWeekday, 'startWeekday');
  const allowed = (input.weekdays ?? WEEKDAYS).map((w, i) => parseWeekday(w, `weekdays[${i}]`));
  if (allowed.length === 0) throw usage('weekdays', 'must name at least one weekday on which sessions may fall');
  if (startWeekday !== undefined && !allowed.includes(startWeekday)) {
    throw usage('startWeekday', `${startWeekday} is not one of the open weekdays (${allowed.join(', ')})`);
  }
  const closed = new Set((input.closed ?? []).map((d, i) => parseDate(d, `closed[${i}]`)));

  const caps = sessionCaps(protocol);
  const cap = (field: string, x: number | undefined, limit: number, what: string): number => {
    if (x === undefined) return limit;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1)
      throw usage(field, `must be a whole number ≥ 1, got ${x}`);
    if (x > limit) {
      throw range(
        field,
        `${x} is above the limit of ${limit} ${what} (${protocol.id}; ${caps.source}): caps may only be tightened`,
      );
    }
    return x;
  };
  const perDay = cap('caps.perDay', input.caps?.perDay, caps.perDay, 'session(s) a day');
  const perWeek = cap('caps.perWeek', input.caps?.perWeek, caps.perWeek, 'sessions in any 7 days');

  let bounds: IntervalBounds | undefined;
  const m = course.maintenance;
  if (m) {
    const { min, max } = m.interval_days;
    const value = input.maintenanceIntervalDays ?? m.interval_days.value;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw usage('maintenanceIntervalDays', `must be a whole number of days, got ${String(value)}`);
    }
    if (value < min || value > max) {
      throw range(
        'maintenanceIntervalDays',
        `${value} days is outside the protocol's ${min}–${max} days (${m.interval_days.source})`,
      );
    }
    bounds = { value, min, max };
  } else if (input.maintenanceIntervalDays !== undefined) {
    throw usage('maintenanceIntervalDays', `: protocol ${protocol.id} has no maintenance phase`);
  }
  const maintenanceSessions = wholeNumber(
    'maintenanceSessions',
    input.maintenanceSessions ?? DEFAULT_MAINTENANCE_SESSIONS,
    0,
    100,
  );

  let firstDay = start;
  if (startWeekday !== undefined) while (weekdayOf(firstDay) !== startWeekday) firstDay++;
  return {
    protocol,
    tz,
    time,
    minute,
    start,
    firstDay,
    ...(today === undefined ? {} : { today }),
    template,
    inductionSessions,
    ...(startWeekday === undefined ? {} : { startWeekday }),
    perDay,
    perWeek,
    caps,
    allowed,
    closed,
    ...(bounds === undefined ? {} : { bounds }),
    maintenanceSessions,
    maxInduction,
    untilDry: course.induction.until_dry,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar of one course: which days already hold a session, and which rule keeps a day free.

const fmt = (day: number) => `${dateOf(day)} (${WEEKDAY_LABEL[weekdayOf(day)]})`;

class CourseCalendar {
  private readonly counts = new Map<number, number>();

  constructor(
    private readonly s: Settings,
    /** Days taken by a course this one may not share a day with, and by which protocol. */
    private readonly blocked: ReadonlyMap<number, string>,
  ) {}

  add(day: number): void {
    this.counts.set(day, (this.counts.get(day) ?? 0) + 1);
  }

  count(from: number, to: number): number {
    let n = 0;
    for (let d = from; d <= to; d++) n += this.counts.get(d) ?? 0;
    return n;
  }

  /** The rule that keeps `day` from holding one more session, or undefined if it may. */
  blockedBy(day: number): RuleId | undefined {
    if (!this.s.allowed.includes(weekdayOf(day))) return 'weekdays';
    if (this.s.closed.has(day)) return 'closed';
    if (this.blocked.has(day)) return 'not-with';
    if (localInstant(day, this.s.minute, this.s.tz) === undefined) return 'nonexistent-date';
    if ((this.counts.get(day) ?? 0) >= this.s.perDay) return 'per-day';
    for (let w = day - 6; w <= day; w++) if (this.count(w, w + 6) >= this.s.perWeek) return 'per-week';
    return undefined;
  }

  explain(rule: RuleId, day: number): string {
    switch (rule) {
      case 'weekdays':
        return `sessions only on ${this.s.allowed.join(', ')}`;
      case 'closed':
        return `${dateOf(day)} is closed`;
      case 'not-with':
        return `${this.s.protocol.id} is never given on the same day as ${this.blocked.get(day)} (not_with)`;
      case 'nonexistent-date':
        return `${dateOf(day)} does not exist in ${this.s.tz}`;
      case 'per-day':
        return `at most ${this.s.perDay} session a day (${this.s.caps.source})`;
      case 'per-week':
        return `at most ${this.s.perWeek} sessions in any 7 days (${this.s.caps.source})`;
      default:
        return rule;
    }
  }

  /** The first day from `target` on that keeps every rule; an IontoError naming the rules if there is none. */
  find(target: number, what: string): { day: number; hits: { rule: RuleId; day: number }[] } {
    const hits: { rule: RuleId; day: number }[] = [];
    for (let d = target; d <= target + SEARCH_LIMIT_DAYS; d++) {
      const rule = this.blockedBy(d);
      if (rule === undefined) return { day: d, hits };
      if (!hits.some((h) => h.rule === rule)) hits.push({ rule, day: d });
    }
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `no day within ${SEARCH_LIMIT_DAYS} days from ${fmt(target)} can hold ${what}: ` +
        hits.map((h) => this.explain(h.rule, h.day)).join('; '),
      { rules: hits.map((h) => h.rule) },
    );
  }

  clone(): CourseCalendar {
    const c = new CourseCalendar(this.s, this.blocked);
    for (const [d, n] of this.counts) c.counts.set(d, n);
    return c;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks: an induction or re-induction (template slots) or a maintenance phase (one interval after another).

interface Block {
  readonly phase: Phase;
  readonly cycle: number;
  /** Template day offsets (induction kinds); empty for maintenance. */
  offsets: number[];
  /** Day of offset 0. */
  readonly anchor: number;
  /** Slots done so far. */
  filled: number;
  lastDone?: { day: number; offset: number };
}

const inductionBlock = (s: Settings, phase: Phase, cycle: number, anchor: number): Block => ({
  phase,
  cycle,
  offsets: inductionDays(s.template, s.inductionSessions),
  anchor,
  filled: 0,
});

/** Plan one course. */
export function planCourse(input: CoursePlanInput): CoursePlan {
  return planOne(resolveSettings(input), input.history, new Map());
}

function planOne(s: Settings, history: CourseHistory | undefined, blocked: ReadonlyMap<number, string>): CoursePlan {
  const id = s.protocol.id;
  const h = placeHistory(history, s.tz);
  const cal = new CourseCalendar(s, blocked);
  const sessions: PlannedSession[] = [];
  const blockOf = new Map<PlannedSession, Block>();
  const adjustments: Adjustment[] = [];
  const warnings: string[] = [];
  const changes: IntervalChange[] = [];
  const used = new Set<RuleId>();

  // History that cannot be right is refused: before the course start, or in the future.
  for (const list of [h.sessions, h.relapses, h.assessments] as DatedFact<unknown>[][]) {
    for (const f of list) {
      if (f.day < s.start) throw range(f.field, `${dateOf(f.day)} is before the course start ${dateOf(s.start)}`);
      if (s.today !== undefined && f.day > s.today) {
        throw range(f.field, `${dateOf(f.day)} is after today (${dateOf(s.today)} in ${s.tz})`);
      }
    }
  }

  let block = inductionBlock(s, 'induction', 0, s.firstDay);
  let interval: IntervalState | undefined = s.bounds ? initialInterval(s.bounds) : undefined;
  let index = 0;
  let maintenanceCount = 0;
  let lastSession: number | undefined;
  let lastHistory: number | undefined;
  let reviewWarned = false;

  const latestAssessment = (from: number, to: number) => {
    let out: (typeof h.assessments)[number] | undefined;
    for (const a of h.assessments) if (a.day >= from && a.day <= to) out = a;
    return out;
  };
  const lastDryDay = (after: number, upTo: number): number | undefined => {
    let out: number | undefined;
    for (const a of h.assessments) if (a.day > after && a.day <= upTo && a.record.dry) out = a.day;
    return out;
  };

  /**
   * The block the next session belongs to, as of `day`: a full induction is extended by one session while the
   * patient is recorded not dry (until_dry), otherwise it gives way to maintenance.
   */
  const advance = (day: number): void => {
    if (block.phase === 'maintenance' || block.filled < block.offsets.length) return;
    if (s.untilDry) {
      // Evidence about the state after the last session of the induction, not before it.
      const a = latestAssessment(lastSession ?? block.anchor, day);
      if (a !== undefined && !a.record.dry) {
        if (block.offsets.length < s.maxInduction) {
          block.offsets = inductionDays(s.template, block.offsets.length + 1);
          used.add('until-dry');
          return;
        }
        if (!reviewWarned) {
          warnings.push(
            `${block.phase} reached ${block.offsets.length} sessions and the patient is still recorded not dry ` +
              `(${dateOf(a.day)}): review the treatment rather than extend it`,
          );
          reviewWarned = true;
        }
      }
    }
    if (s.bounds) {
      block = { phase: 'maintenance', cycle: block.cycle, offsets: [], anchor: day, filled: 0 };
      maintenanceCount = 0;
    }
  };

  const emit = (
    day: number,
    status: SessionStatus,
    extra: { epochMs?: number; originalDate?: string; index?: number } = {},
  ): PlannedSession => {
    const inst =
      extra.epochMs !== undefined
        ? undefined
        : (localInstant(day, s.minute, s.tz) ?? raise(range('date', `${dateOf(day)} does not exist in ${s.tz}`)));
    const epochMs = extra.epochMs ?? inst!.epochMs;
    const utc = new Date(epochMs).toISOString().replace('.000Z', 'Z');
    const inductionKind = block.phase !== 'maintenance';
    const localTime =
      inst?.localTime ??
      new Intl.DateTimeFormat('en-GB', { timeZone: s.tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        epochMs,
      );
    const session: PlannedSession = {
      protocol: id,
      index: extra.index ?? index,
      phase: block.phase,
      cycle: block.cycle,
      phaseIndex: inductionKind ? Math.min(block.filled + 1, block.offsets.length) : maintenanceCount + 1,
      date: dateOf(day),
      weekday: weekdayOf(day),
      localTime,
      startsAt: utc,
      status,
      ...(extra.originalDate === undefined ? {} : { originalDate: extra.originalDate }),
      ...(inst?.note === undefined ? {} : { timeNote: inst.note }),
    };
    if (inst?.note !== undefined) used.add('local-time');
    sessions.push(session);
    blockOf.set(session, block);
    return session;
  };

  // 1. Replay the history: relapses before the sessions of the same day (a relapse found at a visit makes that
  //    day's session the first of the re-induction).
  type Ev = { kind: 'relapse'; fact: DatedFact<unknown> } | { kind: 'session'; fact: DatedFact<SessionRecord> };
  const events: Ev[] = [
    ...h.relapses.map((fact) => ({ kind: 'relapse' as const, fact })),
    ...h.sessions.map((fact) => ({ kind: 'session' as const, fact })),
  ].sort((a, b) => a.fact.day - b.fact.day || (a.kind === 'relapse' ? -1 : 0) - (b.kind === 'relapse' ? -1 : 0));

  for (const ev of events) {
    const day = ev.fact.day;
    if (ev.kind === 'relapse') {
      advance(day);
      const complete = block.phase === 'maintenance' || block.filled >= block.offsets.length;
      if (!complete || lastSession === undefined) {
        warnings.push(
          `${ev.fact.field}: relapse on ${dateOf(day)} during ${block.phase}: not yet controlled, ` +
            `the ${block.phase} goes on`,
        );
        continue;
      }
      if (interval && s.bounds) {
        const r = afterRelapse(interval, s.bounds, day - lastSession, dateOf(day));
        interval = r.state;
        if (r.change) changes.push(r.change);
      }
      used.add('re-induction');
      block = inductionBlock(s, 're-induction', block.cycle + 1, day);
      continue;
    }
    const rec = ev.fact.record;
    lastHistory = Math.max(lastHistory ?? day, day);
    advance(day);
    if (rec.status === 'missed') {
      emit(day, 'missed', { index: index + 1 });
      continue;
    }
    if (block.phase === 'maintenance' && lastSession !== undefined && interval && s.bounds) {
      const dry = lastDryDay(lastSession, day);
      const r = afterMaintenanceSession(
        interval,
        s.bounds,
        dry === undefined ? undefined : dry - lastSession,
        dateOf(day),
      );
      interval = r.state;
      if (r.change) changes.push(r.change);
    }
    index++;
    if (block.phase !== 'maintenance' && block.filled >= block.offsets.length) {
      warnings.push(`${ev.fact.field}: session on ${dateOf(day)} is beyond the planned course`);
    }
    emit(day, 'done', ev.fact.epochMs === undefined ? {} : { epochMs: ev.fact.epochMs });
    if (block.phase !== 'maintenance') {
      block.lastDone = { day, offset: block.offsets[Math.min(block.filled, block.offsets.length - 1)]! };
      block.filled++;
    } else {
      maintenanceCount++;
    }
    cal.add(day);
    lastSession = day;
    if (blocked.has(day)) {
      warnings.push(`${ev.fact.field}: recorded on ${dateOf(day)}, the same day as ${blocked.get(day)} (not_with)`);
    }
  }
  for (let i = 0; i < h.sessions.length; i++) {
    const d = h.sessions[i]!.day;
    if (h.sessions[i]!.record.status !== 'done') continue;
    const sameDay = h.sessions.filter((x) => x.record.status === 'done' && x.day === d).length;
    const week = h.sessions.filter((x) => x.record.status === 'done' && x.day > d - 7 && x.day <= d).length;
    if (sameDay > s.perDay || week > s.perWeek) {
      warnings.push(
        `recorded sessions break the caps around ${dateOf(d)} (${sameDay} that day, ${week} in 7 days; ` +
          `at most ${s.perDay} and ${s.perWeek}; ${s.caps.source})`,
      );
      break;
    }
  }

  // 2. Plan what is left. Nothing before the first day, today, or the day after the last recorded session.
  const earliest = Math.max(
    s.firstDay,
    s.today ?? s.firstDay,
    lastHistory === undefined ? s.firstDay : lastHistory + 1,
  );
  if (s.today !== undefined || h.sessions.length > 0) used.add('catch-up');
  let prevPlaced = lastSession;

  /**
   * Put a session on the first day from `target` that keeps every rule, after the session before it (`after`).
   * A dry run (on a copy of the calendar) records nothing.
   */
  const place = (target: number, after: number | undefined, what: string, dryRun?: CourseCalendar): number => {
    const c = dryRun ?? cal;
    const start = after !== undefined && target <= after ? after + 1 : target;
    const { day, hits } = c.find(start, what);
    c.add(day);
    if (!dryRun && day !== target) {
      const all = start !== target ? [{ rule: 'in-order' as const, day: target }, ...hits] : hits;
      all.forEach((h) => used.add(h.rule));
      adjustments.push({
        index,
        phase: block.phase,
        from: dateOf(target),
        to: dateOf(day),
        rules: all.map((h) => h.rule),
        reason:
          `moved from ${fmt(target)} to ${fmt(day)}: ` +
          all
            .map((h) =>
              h.rule === 'in-order'
                ? `sessions keep their order (the one before is on ${fmt(after!)})`
                : cal.explain(h.rule, h.day),
            )
            .join('; '),
      });
    }
    return day;
  };

  /**
   * Template days of the remaining slots of an induction block: from its anchor, and never closer to the last
   * session done than the template's spacing; all moved `delta` days later.
   */
  const inductionTargets = (b: Block, delta: number): number[] =>
    b.offsets.slice(b.filled).map((off) => {
      const t = b.anchor + off;
      return (b.lastDone ? Math.max(t, b.lastDone.day + off - b.lastDone.offset) : t) + delta;
    });

  /** Where sessions would go from `targets` (for `originalDate`), on a copy of the calendar. */
  const planDry = (targets: number[]): number[] => {
    const c = cal.clone();
    let prev = prevPlaced;
    return targets.map((t) => (prev = place(t, prev, 'session', c)));
  };

  let firstPlanned = true;
  const planned = (day: number, original: number | undefined) =>
    original !== undefined && original !== day
      ? emit(day, 'rescheduled', { originalDate: dateOf(original) })
      : emit(day, 'planned');

  /** The rest of an induction, moved together so that the first is not before `earliest`. */
  const planInductionRest = () => {
    if (block.phase === 'maintenance' || block.filled >= block.offsets.length) return;
    const plain = inductionTargets(block, 0);
    const delta = Math.max(0, earliest - plain[0]!);
    const before = delta > 0 ? planDry(plain) : undefined;
    const targets = inductionTargets(block, delta);
    for (let k = 0; k < targets.length; k++) {
      index++;
      const day = place(
        targets[k]!,
        prevPlaced,
        `${block.phase} session ${block.filled + 1} of ${block.offsets.length}`,
      );
      planned(day, before?.[k]);
      block.filled++;
      block.lastDone = undefined;
      prevPlaced = day;
      firstPlanned = false;
    }
  };

  if (block.phase !== 'maintenance' && block.filled >= block.offsets.length) {
    // Every induction session is done: until_dry adds one more while the patient is last recorded not dry.
    advance(Math.max(earliest, s.today ?? earliest));
  }
  planInductionRest();
  if (block.phase !== 'maintenance' && block.filled >= block.offsets.length && s.bounds) {
    block = { phase: 'maintenance', cycle: block.cycle, offsets: [], anchor: prevPlaced ?? earliest, filled: 0 };
    maintenanceCount = 0;
  }
  if (block.phase === 'maintenance' && interval && prevPlaced !== undefined) {
    for (let k = 0; k < s.maintenanceSessions; k++) {
      const plain = prevPlaced + interval.intervalDays;
      const before = firstPlanned && plain < earliest ? planDry([plain])[0] : undefined;
      index++;
      const day = place(Math.max(plain, earliest), prevPlaced, `maintenance session ${maintenanceCount + 1}`);
      planned(day, before);
      maintenanceCount++;
      prevPlaced = day;
      firstPlanned = false;
    }
  }
  for (const [session, b] of blockOf) if (b.phase !== 'maintenance') session.phaseSessions = b.offsets.length;

  const startMoved = s.firstDay !== s.start;
  if (startMoved) {
    used.add('start-weekday');
    adjustments.unshift({
      index: 1,
      phase: 'induction',
      from: dateOf(s.start),
      to: dateOf(s.firstDay),
      rules: ['start-weekday'],
      reason: `the course starts on a ${WEEKDAY_LABEL[s.startWeekday!]}: moved from ${fmt(s.start)} to ${fmt(s.firstDay)}`,
    });
  }
  sessions.sort((a, b) => a.date.localeCompare(b.date) || a.index - b.index);

  return {
    protocol: id,
    title: s.protocol.title,
    tz: s.tz,
    time: s.time,
    start: dateOf(s.start),
    firstDate: dateOf(s.firstDay),
    ...(s.today === undefined ? {} : { today: dateOf(s.today) }),
    timing: {
      template: s.template,
      inductionSessions: s.inductionSessions,
      inductionDays: inductionDays(s.template, s.inductionSessions),
      untilDry: s.untilDry,
      ...(s.startWeekday === undefined ? {} : { startWeekday: s.startWeekday }),
      weekdays: s.allowed,
      closed: [...s.closed].sort((a, b) => a - b).map(dateOf),
      caps: { perDay: s.perDay, perWeek: s.perWeek },
    },
    maintenance:
      s.bounds && interval
        ? {
            intervalDays: interval.intervalDays,
            baseDays: s.bounds.value,
            minDays: s.bounds.min,
            maxDays: s.bounds.max,
            stepDays: MAINTENANCE_RULE.stepDays,
            changes,
          }
        : null,
    sessions,
    adjustments,
    rules: rulesFor(s, used),
    warnings,
  };
}

function raise(e: Error): never {
  throw e;
}

function rulesFor(s: Settings, used: ReadonlySet<RuleId>): AppliedRule[] {
  const c = s.protocol.course;
  const out: AppliedRule[] = [
    {
      id: 'per-day',
      text: `at most ${s.perDay} session a day`,
      source: s.caps.perDaySource,
    },
    {
      id: 'per-week',
      text: `at most ${s.perWeek} sessions in any 7 consecutive days; a session that would break a cap moves forward`,
      source: s.caps.perWeekSource,
    },
    {
      id: 'template',
      text:
        `${s.template} induction of ${s.inductionSessions} session(s) on days ` +
        inductionDays(s.template, s.inductionSessions)
          .map((d) => d + 1)
          .join(', '),
      source: s.template === c.induction.template ? c.induction.source : 'template chosen by the prescriber',
    },
    {
      id: 'local-time',
      text:
        `sessions at ${s.time} local time in ${s.tz}; a time that does not exist (DST gap) moves forward by the gap, ` +
        'a time that occurs twice is the earlier instant',
      source: 'DESIGN.md (UTC instants, IANA zones); software.md (luxon, never fixed offsets)',
    },
  ];
  if (s.startWeekday) {
    out.push({
      id: 'start-weekday',
      text: `the first session falls on a ${WEEKDAY_LABEL[s.startWeekday]}: a start on another day moves to the next one`,
      source: 'prescriber / clinic rule',
    });
  }
  if (s.allowed.length < 7) {
    out.push({
      id: 'weekdays',
      text: `sessions only on ${s.allowed.join(', ')}; a session on another day moves to the next open day`,
      source: 'clinic opening days',
    });
  }
  if (s.closed.size > 0) out.push({ id: 'closed', text: 'no sessions on closed dates', source: 'clinic calendar' });
  if (s.untilDry) {
    out.push({
      id: 'until-dry',
      text:
        `induction goes on one session at a time while the patient is recorded not dry, up to ${s.maxInduction} ` +
        'sessions',
      source: `${c.induction.source}; ceiling: about 12 initial sessions [R3], euhidrosis after 10–12 [79][H7]`,
    });
  }
  if (s.bounds) {
    out.push({
      id: 'maintenance-interval',
      text: `maintenance every ${s.bounds.value} days, within ${s.bounds.min}–${s.bounds.max}`,
      source: c.maintenance!.interval_days.source,
    });
    out.push({
      id: 'adaptive-interval',
      text:
        `a relapse sooner than the interval shortens it by ${MAINTENANCE_RULE.stepDays}-day steps below the dry ` +
        `spell (not below ${s.bounds.min}); ${MAINTENANCE_RULE.extendAfter} dry intervals in a row, or a recorded ` +
        `dry spell a step longer than the interval, lengthen it by one step (not above ${s.bounds.max})`,
      source: 'design decision (treat-and-extend) within the protocol range',
    });
  }
  if (used.has('re-induction')) {
    out.push({
      id: 're-induction',
      text: 'a relapse in maintenance starts a re-induction on the relapse day, with the induction template',
      source: 'relapse defined in outcomes.ts; re-induction is the course design of [F5][77]',
    });
  }
  if (used.has('catch-up')) {
    out.push({
      id: 'catch-up',
      text:
        'sessions not done by today, or after a missed one, move forward together, keeping the template spacing ' +
        'after the last session done',
      source: 'design decision',
    });
  }
  if (used.has('in-order')) {
    out.push({
      id: 'in-order',
      text: 'sessions keep their order: one moved forward pushes the next to the day after it at least',
      source: 'design decision',
    });
  }
  if (used.has('nonexistent-date')) {
    out.push({
      id: 'nonexistent-date',
      text: `a local date that the zone skips holds no session`,
      source: 'IANA time zone database (luxon)',
    });
  }
  if (used.has('not-with')) {
    out.push({
      id: 'not-with',
      text: 'courses that exclude each other (course.not_with) never share a day; the later course moves',
      source: 'protocol course.not_with',
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Several courses of one patient.

export interface PatientCourse extends Omit<CoursePlanInput, 'tz' | 'now' | 'time' | 'weekdays' | 'closed'> {
  /** Overrides of the shared calendar options for this course. */
  readonly time?: string;
}

export interface PatientPlanInput extends CalendarOptions {
  readonly tz: string;
  /** In priority order: an earlier course keeps its days, a later one moves off them. */
  readonly courses: readonly PatientCourse[];
}

export interface PatientPlan {
  readonly tz: string;
  readonly courses: readonly CoursePlan[];
  /** Every session of every course, in time order. */
  readonly sessions: readonly PlannedSession[];
}

/** Whether two protocols may not share a session (either lists the other's id or one of its zones in not_with). */
export function excludes(a: Protocol, b: Protocol): boolean {
  const lists = (x: Protocol, y: Protocol) =>
    x.course.not_with.includes(y.id) || Object.keys(y.zones).some((z) => x.course.not_with.includes(z));
  return a.id !== b.id && (lists(a, b) || lists(b, a));
}

/**
 * Plan several courses of one patient so that no day holds two sessions that exclude each other ("axillae never in
 * the same session as hands and feet"). Courses are planned in the order given; a later course moves off the days
 * of an earlier one it excludes, and off the recorded sessions of any course it excludes. Each move is an
 * adjustment with the rule 'not-with'.
 */
export function planPatientCourses(input: PatientPlanInput): PatientPlan {
  const tz = checkZone(input.tz, 'tz');
  if (!Array.isArray(input.courses) || input.courses.length === 0)
    throw usage('courses', 'must list at least one course');
  const settings = input.courses.map((c, i) => {
    try {
      return resolveSettings({
        ...c,
        tz,
        now: input.now,
        time: c.time ?? input.time,
        weekdays: input.weekdays,
        closed: input.closed,
      });
    } catch (e) {
      if (e instanceof IontoError) throw new IontoError(e.code, `courses[${i}].${e.message}`, e.details);
      throw e;
    }
  });
  const done = input.courses.map((c, i) =>
    placeHistory(c.history, tz, `courses[${i}].history`)
      .sessions.filter((f) => f.record.status === 'done')
      .map((f) => f.day),
  );
  const plans: CoursePlan[] = [];
  for (let i = 0; i < settings.length; i++) {
    const s = settings[i]!;
    const blocked = new Map<number, string>();
    for (let j = 0; j < settings.length; j++) {
      if (j === i || !excludes(s.protocol, settings[j]!.protocol)) continue;
      const other = settings[j]!.protocol.id;
      const days =
        j < i ? plans[j]!.sessions.filter((x) => x.status !== 'missed').map((x) => parseDate(x.date)) : done[j]!;
      for (const d of days) blocked.set(d, other);
    }
    plans.push(planOne(s, input.courses[i]!.history, blocked));
  }
  const sessions = plans
    .flatMap((p) => p.sessions)
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.protocol.localeCompare(b.protocol));
  return { tz, courses: plans, sessions };
}

/** The next session to attend (planned or rescheduled), if any. */
export function nextSession(plan: Pick<CoursePlan, 'sessions'>): PlannedSession | undefined {
  return plan.sessions.find((x) => x.status === 'planned' || x.status === 'rescheduled');
}

/** Start weekdays for which a template's days all fall on open weekdays (Tuesday, for the clinic course Mon–Fri). */
export function startWeekdaysKeepingTemplate(
  template: InductionTemplate,
  sessions: number,
  open: readonly Weekday[],
): Weekday[] {
  const days = inductionDays(template, sessions);
  return WEEKDAYS.filter((w, i) => days.every((d) => open.includes(WEEKDAYS[(i + d) % 7]!)));
}
