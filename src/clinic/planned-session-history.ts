import type { CourseHistory } from './course-history.js';
import type { PlannedSession } from './course-plan.js';
import { dateOf, localDayOf, localInstant, parseDate } from './local-calendar.js';

/**
 * A stored course keeps one row per planned session with a status:
 * - `planned`: still to come (the planner's `planned` and `rescheduled`);
 * - `done`: the session took place (set when a live session completes);
 * - `missed`: the day came and the session did not take place;
 * - `cancelled`: called off; the course goes on without it (a replacement is planned).
 * This file turns those rows into the planner's history and the planner's new plan back into rows.
 */
export type PlannedSessionStatus = 'planned' | 'done' | 'missed' | 'cancelled';
export const PLANNED_SESSION_STATUSES: readonly PlannedSessionStatus[] = ['planned', 'done', 'missed', 'cancelled'];

/** What the planner needs of a stored planned session. */
export interface StoredPlannedSession {
  readonly seq: number;
  readonly phase: string;
  /** Local date in the patient's zone, YYYY-MM-DD. */
  readonly local_date: string;
  readonly status: string;
}

/**
 * The planner's history of a course: sessions done, and sessions missed; a cancelled session on or before today
 * counts as missed (it did not take place), one after today is a date the course may not use (`closed`). Rows dated
 * after today other than cancelled ones are left out: the planner takes no history from the future.
 */
export function historyOfRows(
  rows: readonly StoredPlannedSession[],
  today: string,
): { history: CourseHistory; closed: string[] } {
  const sessions: NonNullable<CourseHistory['sessions']> = [];
  const closed: string[] = [];
  for (const r of rows) {
    // The planner takes no history after today; a session recorded on a later day counts from that day on.
    if (r.local_date > today && r.status !== 'cancelled') continue;
    if (r.status === 'done') sessions.push({ status: 'done', date: r.local_date });
    else if (r.status === 'missed') sessions.push({ status: 'missed', date: r.local_date });
    else if (r.status === 'cancelled') {
      if (r.local_date <= today) sessions.push({ status: 'missed', date: r.local_date });
      else closed.push(r.local_date);
    }
  }
  return { history: { sessions }, closed };
}

/** The sessions of a plan still to come (planned or rescheduled), in date order. */
export const sessionsToCome = (sessions: readonly PlannedSession[]): PlannedSession[] =>
  sessions
    .filter((s) => s.status === 'planned' || s.status === 'rescheduled')
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.index - b.index);

export interface RowChange {
  readonly seq: number;
  readonly phase: string;
  readonly local_date: string;
  readonly starts_at: string;
}

export interface Reconciled {
  /** Open rows that take a new date or phase. */
  readonly update: readonly RowChange[];
  /** Sessions the rows had no place for: new rows, numbered after the last one. */
  readonly insert: readonly RowChange[];
  /** Open rows the new plan has no session for. */
  readonly drop: readonly number[];
}

/**
 * Lays the sessions to come of a new plan onto the open (`planned`) rows of a course: the rows keep their order
 * (seq) and take the plan's sessions in date order; sessions left over become new rows, rows left over are dropped.
 */
export function reconcileRows(
  rows: readonly (StoredPlannedSession & { readonly starts_at: string })[],
  plan: readonly PlannedSession[],
): Reconciled {
  const open = rows.filter((r) => r.status === 'planned').sort((a, b) => a.seq - b.seq);
  const future = sessionsToCome(plan);
  let next = rows.reduce((m, r) => Math.max(m, r.seq), 0);
  const update: RowChange[] = [];
  const insert: RowChange[] = [];
  future.forEach((s, i) => {
    const row = open[i];
    const change = { phase: s.phase, local_date: s.date, starts_at: s.startsAt };
    if (row === undefined) insert.push({ seq: ++next, ...change });
    else if (row.phase !== s.phase || row.local_date !== s.date || Date.parse(row.starts_at) !== Date.parse(s.startsAt))
      update.push({ seq: row.seq, ...change });
  });
  return { update, insert, drop: open.slice(future.length).map((r) => r.seq) };
}

/**
 * The instant a local date's day ends in a zone: the first instant of the next local day (DST-safe; a next day
 * that starts inside a gap starts at the end of the gap).
 */
export function endOfLocalDay(date: string, tz: string): number {
  const day = parseDate(date, 'date');
  for (let d = day + 1; d <= day + 3; d++) {
    const start = localInstant(d, 0, tz);
    if (start !== undefined) return start.epochMs;
  }
  /* c8 ignore next */
  return (day + 1) * 86_400_000;
}

/** Whether a planned session's day has ended in the patient's zone at `nowMs`. */
export const dayHasEnded = (date: string, tz: string, nowMs: number): boolean => nowMs >= endOfLocalDay(date, tz);

/**
 * The latest local date whose day may have ended anywhere at `nowMs`: days end first at UTC+14, so a date after
 * the day before today there cannot have ended in any zone. A filter for the store; `dayHasEnded` decides.
 */
export const latestEndedDateAnywhere = (nowMs: number): string => dateOf(localDayOf(nowMs, 'Etc/GMT-14') - 1);

/** Today's local date in a zone. */
export const localToday = (nowMs: number, tz: string): string => dateOf(localDayOf(nowMs, tz));
