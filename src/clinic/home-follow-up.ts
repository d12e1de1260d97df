import { IontoError } from '../errors/catalogue.js';
import { checkZone, dateOf, localDayOf, parseDate, parseInstant } from './local-calendar.js';
import type { DiaryRecord } from './outcome-records.js';
import type { SessionCaps } from './session-caps.js';

/**
 * Reminders and follow-up of a home plan in maintenance: is a session due, is the weekly diary answered, has
 * sweating come back (docs/home-treatment.md). Pure: "now" and the zone are passed in.
 *
 * - Due: the last treated session's local date + the plan's interval, moved later if the caps (1 a day, 5 a week
 *   [74][D2]) would not allow a session that day. 'due' on that date, 'overdue' after it.
 * - Diary prompt: no diary answer for any of the last 7 local days (today included).
 * - The week: the last full week, the 7 local days before today.
 * - Relapse, on weekly dry-day counts (one sweaty day is not a relapse, outcomes.ts): in the evidence window — the 7
 *   local days up to yesterday, but only the days after the last session (sweating before a session says nothing
 *   about after it) — at least RELAPSE_WET_DAYS days answered "not dry", and the dry days at least RELAPSE_DROP
 *   below the best 7-day window since maintenance began, which itself had at least RELAPSE_BEST_MIN dry days (the
 *   patient was dry then). The first relapse → an extra session on the earliest day the caps allow. When the last
 *   session followed a relapse (an extra session) and sweating is still back in the full week after it →
 *   re-induction (mean first remission 35 days [83]; 85 % of responders relapse within 6 months [87]).
 */

/** design: three sweaty days in a week are a pattern, one or two are ordinary variation (outcomes.ts). */
export const RELAPSE_WET_DAYS = 3;
/** design: "well below" the best week: at least three dry days fewer. */
export const RELAPSE_DROP = 3;
/** design: the best week counts as dry when most of its days (4 of 7) were dry. */
export const RELAPSE_BEST_MIN = 4;
/** Days in a diary week. */
const WEEK = 7;

/** Session statuses that delivered a treatment (the due date counts from them). */
const TREATED = new Set(['completed', 'interrupted', 'done']);
/** Statuses of sessions that never started; every other session counts against the caps. */
const NOT_HELD = new Set(['planned', 'rescheduled', 'cancelled', 'missed', 'skipped']);

export interface HomeFollowUpInput {
  /** IANA zone of the patient. */
  readonly tz: string;
  /** ISO instant. */
  readonly now: string;
  /** Maintenance interval of the home plan, days. */
  readonly intervalDays: number;
  /** The plan's sessions so far. */
  readonly sessions: readonly { at: string; status: string }[];
  readonly diary: readonly DiaryRecord[];
  readonly caps: SessionCaps;
  readonly stopped?: boolean;
}

export interface HomeFollowUp {
  readonly state: 'due' | 'overdue' | 'not-due' | 'stopped';
  /** Local date. */
  readonly nextDue: string;
  readonly overdueDays: number;
  /** No diary answer for the past 7 local days. */
  readonly diaryPrompt: boolean;
  readonly week: { readonly from: string; readonly to: string; readonly dryDays: number; readonly answered: number };
  readonly relapse?: {
    readonly basis: string;
    readonly suggestion: 'extra-session' | 're-induction';
    /** Local date within the caps. */
    readonly earliest: string;
    readonly source: string;
  };
}

/** Sessions counted against the caps on each local day. */
function countsByDay(days: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const d of days) m.set(d, (m.get(d) ?? 0) + 1);
  return m;
}

/** Would one more session on `day` keep to the caps (per day, and every 7-day window containing it)? */
export function capsAllow(held: ReadonlyMap<number, number>, day: number, caps: SessionCaps): boolean {
  if ((held.get(day) ?? 0) + 1 > caps.perDay) return false;
  for (let start = day - WEEK + 1; start <= day; start++) {
    let n = 1;
    for (let d = start; d < start + WEEK; d++) n += held.get(d) ?? 0;
    if (n > caps.perWeek) return false;
  }
  return true;
}

/** The first local day on or after `from` on which the caps allow a session. */
export function earliestAllowed(held: ReadonlyMap<number, number>, from: number, caps: SessionCaps): number {
  for (let d = from; d < from + 2 * WEEK; d++) if (capsAllow(held, d, caps)) return d;
  throw new IontoError('ION_ERR_FREQUENCY_CAP', `no day within two weeks keeps to the caps (${caps.source})`, {
    field: 'caps',
  });
}

export function homeFollowUp(input: HomeFollowUpInput): HomeFollowUp {
  const tz = checkZone(input.tz, 'tz');
  const today = localDayOf(parseInstant(input.now, 'now'), tz);
  if (!Number.isInteger(input.intervalDays) || input.intervalDays < 1 || input.intervalDays > 365) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `intervalDays must be a whole number of days 1–365, got ${input.intervalDays}`,
      { field: 'intervalDays', min: 1, max: 365 },
    );
  }
  const sessions = input.sessions
    .map((s, i) => ({ day: localDayOf(parseInstant(s.at, `sessions[${i}].at`), tz), status: s.status }))
    .filter((s) => s.day <= today && !NOT_HELD.has(s.status))
    .sort((a, b) => a.day - b.day);
  const held = countsByDay(sessions.map((s) => s.day));
  const treatedDays = sessions.filter((s) => TREATED.has(s.status)).map((s) => s.day);
  const lastTreated = treatedDays.at(-1);
  const sessionDays = [...new Set(sessions.map((s) => s.day))];

  // Diary: one answer per local day, the later record wins.
  const dry = new Map<number, boolean>();
  input.diary.forEach((r, i) => {
    const d = parseDate(r.date, `diary[${i}].date`);
    if (d <= today) dry.set(d, r.dry);
  });
  const count = (from: number, to: number) => {
    let answered = 0;
    let dryDays = 0;
    for (let d = from; d <= to; d++) {
      const v = dry.get(d);
      if (v === undefined) continue;
      answered++;
      if (v) dryDays++;
    }
    return { answered, dryDays, wet: answered - dryDays };
  };

  // Due and overdue.
  const dueFrom = lastTreated === undefined ? today : lastTreated + input.intervalDays;
  const nextDueDay = earliestAllowed(held, dueFrom, input.caps);
  const state: HomeFollowUp['state'] = input.stopped
    ? 'stopped'
    : today < nextDueDay
      ? 'not-due'
      : today === nextDueDay
        ? 'due'
        : 'overdue';
  const overdueDays = state === 'overdue' ? today - nextDueDay : 0;
  const lastWeek = count(today - WEEK, today - 1);
  const recent = count(today - WEEK + 1, today);

  const start = sessionDays[0] ?? [...dry.keys()].sort((a, b) => a - b)[0] ?? today;
  const lastSessionOnOrBefore = (day: number): number | undefined => {
    let found: number | undefined;
    for (const d of sessionDays) if (d <= day) found = d;
    return found;
  };
  /** The best 7-day window of dry days ending on or before `end`, since maintenance began. */
  const bestBefore = (end: number): number => {
    let best = 0;
    for (let e = start + WEEK - 1; e <= end; e++) best = Math.max(best, count(e - WEEK + 1, e).dryDays);
    return best;
  };
  /** Relapse evidence in the window ending on `end` (inclusive). */
  const relapseAt = (end: number) => {
    const s = lastSessionOnOrBefore(end);
    const from = Math.max(end - WEEK + 1, s === undefined ? -Infinity : s + 1);
    const w = from <= end ? count(from, end) : { answered: 0, dryDays: 0, wet: 0 };
    const best = bestBefore(end);
    const is = w.wet >= RELAPSE_WET_DAYS && best >= RELAPSE_BEST_MIN && best - w.dryDays >= RELAPSE_DROP;
    return { is, from, end, best, ...w };
  };

  let relapse: HomeFollowUp['relapse'];
  const yesterday = today - 1;
  const now = relapseAt(yesterday);
  if (now.is && !input.stopped) {
    const s = lastSessionOnOrBefore(yesterday);
    const afterRelapse = s !== undefined && relapseAt(s - 1).is;
    const basis =
      `${now.wet} of ${now.answered} diary day(s) not dry from ${dateOf(now.from)} to ${dateOf(now.end)}, ` +
      `${now.dryDays} dry against ${now.best} in the best week since maintenance began`;
    const earliest = dateOf(earliestAllowed(held, today, input.caps));
    const caps = `caps ${input.caps.perDay}/day, ${input.caps.perWeek}/week ${input.caps.source}`;
    if (!afterRelapse) {
      relapse = {
        basis: `${basis}: sweating is back`,
        suggestion: 'extra-session',
        earliest,
        source: `design: ${RELAPSE_WET_DAYS} sweaty days in a week, ${RELAPSE_DROP} dry days below the best week; relapse is common (mean first remission 35 days [83]; 85 % relapse within 6 months [87]); ${caps}`,
      };
    } else if (yesterday >= s + WEEK) {
      const week = relapseAt(s + WEEK);
      relapse = week.is
        ? {
            basis: `${basis}: sweating is still back a week after the session of ${dateOf(s)} that followed a relapse`,
            suggestion: 're-induction',
            earliest,
            source: `design: one extra session did not restore dryness within a week; re-induction as at the start of the course (clinical.md §2.3 [73][F5]); ${caps}`,
          }
        : {
            basis: `${basis}: sweating is back again after dry days following the session of ${dateOf(s)}`,
            suggestion: 'extra-session',
            earliest,
            source: `design: a new relapse after dryness returned (mean first remission 35 days [83]; 85 % relapse within 6 months [87]); ${caps}`,
          };
    }
    // Within the week after a session that followed a relapse: wait for that week before suggesting more.
  }
  return {
    state,
    nextDue: dateOf(nextDueDay),
    overdueDays,
    diaryPrompt: recent.answered === 0,
    week: { from: dateOf(today - WEEK), to: dateOf(today - 1), dryDays: lastWeek.dryDays, answered: lastWeek.answered },
    ...(relapse ? { relapse } : {}),
  };
}
