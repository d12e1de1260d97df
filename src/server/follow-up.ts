/**
 * Course follow-up for the routes: plans a stored course with the course planner, and reads what the outcomes say
 * (responder status, next maintenance, relapses, overdue sessions). Every rule is the clinic layer's; this module
 * only moves stored rows in and out of it.
 */
import { z } from 'zod';
import { excludes, planCourse } from '../clinic/course-plan.js';
import type { CoursePlan, CoursePlanInput } from '../clinic/course-plan.js';
import { WEEKDAYS, dateOf, localDayOf, parseInstant } from '../clinic/local-calendar.js';
import { clinicRecord } from '../clinic/outcome-entry.js';
import type { OutcomeRecord } from '../clinic/outcome-records.js';
import { OUTCOME_SITES } from '../clinic/outcome-scales.js';
import { nextMaintenance, planWithOutcomes, responderStatus } from '../clinic/outcomes.js';
import { dayHasEnded, endOfLocalDay, historyOfRows, localToday } from '../clinic/planned-session-history.js';
import { responderDecision } from '../clinic/responder-decision.js';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { INDUCTION_TEMPLATES } from '../protocols/course-template.js';
import type { InductionTemplate } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import {
  findCourseOptions,
  listCourses,
  listOutcomesInWindow,
  listPatientPlannedSessions,
  listPlannedSessions,
} from '../store/index.js';
import type { Course, Patient, PlannedSessionRow, Store } from '../store/index.js';

const LocalDate = z.iso.date({ error: 'must be a calendar date YYYY-MM-DD' });

/** The planner options a course takes (course-plan.ts `CoursePlanInput`), in the API's spelling. */
export const CourseOptionsSchema = z.strictObject({
  /** Local time of day of the sessions, HH:MM (default 09:00). */
  time: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM')
    .optional(),
  /** Weekdays on which sessions may fall (default every day). */
  weekdays: z
    .array(z.enum(WEEKDAYS as [string, ...string[]]))
    .min(1)
    .max(7)
    .optional(),
  /** Local dates without sessions. */
  closed: z.array(LocalDate).max(366).optional(),
  /** The first session falls on this weekday. */
  start_weekday: z.enum(WEEKDAYS as [string, ...string[]]).optional(),
  induction_sessions: z.number().int().min(1).max(365).optional(),
  /** Caps may only be tightened below the protocol's and the hard ones (1 a day, 5 in any 7 days [74][D2]). */
  caps: z
    .strictObject({ per_day: z.number().int().min(1).optional(), per_week: z.number().int().min(1).optional() })
    .optional(),
  maintenance_interval_days: z.number().int().min(1).max(365).optional(),
  /** Maintenance sessions planned ahead (default 3). */
  maintenance_sessions: z.number().int().min(0).max(100).optional(),
});
export type CourseOptions = z.infer<typeof CourseOptionsSchema>;

export const TemplateSchema = z.enum(INDUCTION_TEMPLATES as [InductionTemplate, ...InductionTemplate[]]);

/** The planner's field names, as the API spells them, for its messages. */
const API_FIELD: Record<string, string> = {
  start: 'start_date',
  template: 'template',
  inductionSessions: 'induction_sessions',
  startWeekday: 'start_weekday',
  maintenanceIntervalDays: 'maintenance_interval_days',
  maintenanceSessions: 'maintenance_sessions',
  'caps.perDay': 'caps.per_day',
  'caps.perWeek': 'caps.per_week',
  time: 'time',
  weekdays: 'weekdays',
  closed: 'closed',
};

/** A planner refusal of an option becomes a 400 naming the API field; anything else goes on as it is. */
function asRequestError(e: unknown): unknown {
  if (!isIontoError(e) || (e.code !== 'ION_ERR_USAGE' && e.code !== 'ION_ERR_OUT_OF_RANGE')) return e;
  const m = /^([A-Za-z]+(?:\.[A-Za-z]+)?)(\[\d+\])?(.*)$/s.exec(e.message);
  const field = m ? API_FIELD[m[1]!] : undefined;
  if (field === undefined || m === null) return new IontoError('ION_ERR_VALIDATION', e.message, e.details);
  return new IontoError('ION_ERR_VALIDATION', `${field}${m[2] ?? ''}${m[3]}`, { field });
}

/** Local dates of other courses of the patient that this protocol may not share (course.not_with). */
async function daysOfExcludedCourses(
  tx: Store,
  patientId: string,
  protocol: Protocol,
  courseId: string | undefined,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await listPatientPlannedSessions(tx, patientId)) {
    if (r.course_id === courseId || (r.status !== 'planned' && r.status !== 'done')) continue;
    if (r.protocol === protocol.id) continue;
    if (excludes(protocol, findProtocol(r.protocol))) out.set(r.local_date, r.protocol);
  }
  return out;
}

export interface PlanRequest {
  readonly patient: Patient;
  readonly protocol: Protocol;
  readonly template: InductionTemplate;
  readonly start: string;
  readonly options: CourseOptions;
  readonly now: Date;
  /**
   * The course being re-planned, with its rows; absent for a new course. A stored course is re-planned in its own
   * zone (the patient's when it was planned), the zone its rows' local dates are in.
   */
  readonly course?: { readonly id: string; readonly time_zone: string; readonly rows: readonly PlannedSessionRow[] };
}

export interface PlannedCourse {
  readonly plan: CoursePlan;
  readonly input: CoursePlanInput;
  /** Days taken by another course this one may not share a day with, and by which protocol. */
  readonly blocked: ReadonlyMap<string, string>;
}

/**
 * The planner input of a course: its options, the days of courses it excludes (axillae never with hands or feet,
 * course.not_with) and the cancelled days as closed dates, and the sessions done or missed as history.
 */
export async function coursePlanInput(tx: Store, r: PlanRequest): Promise<PlannedCourse & { input: CoursePlanInput }> {
  const tz = r.course?.time_zone ?? r.patient.time_zone;
  const today = localToday(r.now.getTime(), tz);
  const rows = r.course?.rows ?? [];
  const { history, closed } = historyOfRows(rows, today);
  const blocked = await daysOfExcludedCourses(tx, r.patient.id, r.protocol, r.course?.id);
  const o = r.options;
  // A rolling horizon: the plan shows the same number of maintenance sessions ahead after every re-plan.
  const maintenanceAhead = o.maintenance_sessions;
  const input: CoursePlanInput = {
    protocol: r.protocol,
    start: r.start,
    tz,
    template: r.template,
    now: r.now.toISOString(),
    history,
    closed: [...new Set([...(o.closed ?? []), ...closed, ...blocked.keys()])].sort(),
    ...(o.time === undefined ? {} : { time: o.time }),
    ...(o.weekdays === undefined ? {} : { weekdays: o.weekdays as CoursePlanInput['weekdays'] }),
    ...(o.start_weekday === undefined || r.course !== undefined
      ? {}
      : { startWeekday: o.start_weekday as CoursePlanInput['startWeekday'] }),
    ...(o.induction_sessions === undefined ? {} : { inductionSessions: o.induction_sessions }),
    ...(o.caps === undefined
      ? {}
      : {
          caps: {
            ...(o.caps.per_day === undefined ? {} : { perDay: o.caps.per_day }),
            ...(o.caps.per_week === undefined ? {} : { perWeek: o.caps.per_week }),
          },
        }),
    ...(o.maintenance_interval_days === undefined ? {} : { maintenanceIntervalDays: o.maintenance_interval_days }),
    ...(maintenanceAhead === undefined ? {} : { maintenanceSessions: maintenanceAhead }),
  };
  try {
    return { plan: planCourse(input), input, blocked };
  } catch (e) {
    throw asRequestError(e);
  }
}

/** The stored options of a course ({} for a course stored without them). */
export async function optionsOf(tx: Store, courseId: string): Promise<CourseOptions> {
  const parsed = CourseOptionsSchema.safeParse((await findCourseOptions(tx, courseId)) ?? {});
  return parsed.success ? parsed.data : {};
}

/** The local date of an outcome record in a zone. */
const localDateOf = (r: OutcomeRecord, tz: string): string =>
  r.kind === 'diary' ? r.date : dateOf(localDayOf(parseInstant(r.at, 'at'), tz));

/** Every outcome of a patient as the outcome rules read them, in time order. */
export async function outcomeRecordsOf(tx: Store, patientId: string): Promise<OutcomeRecord[]> {
  const out: OutcomeRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await listOutcomesInWindow(
      tx,
      { patient_id: patientId },
      { limit: 500, ...(cursor ? { cursor } : {}) },
    );
    for (const o of page.items) out.push(clinicRecord(o.value));
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

/** Every course of a patient, oldest first by start date. */
export async function coursesOf(tx: Store, patientId: string): Promise<Course[]> {
  const out: Course[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCourses(tx, { limit: 500, ...(cursor ? { cursor } : {}) }, { patient_id: patientId });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return out.sort((a, b) => a.start_date.localeCompare(b.start_date) || a.created_at.localeCompare(b.created_at));
}

/** A planned session overdue in the patient's zone: still `planned` after its local day ended. */
export interface Overdue {
  course_id: string;
  protocol: string;
  seq: number;
  phase: string;
  local_date: string;
  starts_at: string;
  /** The instant the session's local day ended. */
  overdue_since: string;
}

export const overdueOf = (
  row: Pick<PlannedSessionRow, 'course_id' | 'seq' | 'phase' | 'local_date' | 'starts_at' | 'status'>,
  protocol: string,
  tz: string,
  nowMs: number,
): Overdue | undefined =>
  row.status === 'planned' && dayHasEnded(row.local_date, tz, nowMs)
    ? {
        course_id: row.course_id,
        protocol,
        seq: row.seq,
        phase: row.phase,
        local_date: row.local_date,
        starts_at: row.starts_at,
        overdue_since: new Date(endOfLocalDay(row.local_date, tz)).toISOString(),
      }
    : undefined;

/** The follow-up of a patient as of `now`: per course, responder status, next session and relapses; overdue sessions. */
export async function followUpOf(tx: Store, patient: Patient, now: Date) {
  const tz = patient.time_zone;
  const nowIso = now.toISOString();
  const records = await outcomeRecordsOf(tx, patient.id);
  const courses = [];
  const overdue: Overdue[] = [];
  for (const course of await coursesOf(tx, patient.id)) {
    const protocol = findProtocol(course.protocol);
    const rows = await listPlannedSessions(tx, course.id);
    for (const r of rows) {
      const o = overdueOf(r, course.protocol, course.time_zone, now.getTime());
      if (o) overdue.push(o);
    }
    const { input } = await coursePlanInput(tx, {
      patient,
      protocol,
      template: course.template as InductionTemplate,
      start: course.start_date,
      options: await optionsOf(tx, course.id),
      now,
      course: { id: course.id, time_zone: course.time_zone, rows },
    });
    const sites = OUTCOME_SITES.filter((s) => s in protocol.zones);
    const status = responderStatus(records, { tz: course.time_zone, sites, start: course.start_date, now: nowIso });
    const decision = responderDecision(status);
    // The planner reads what happened during the course: records from its first day up to today (the ones before
    // are the baseline, which responderStatus reads).
    const today = localToday(now.getTime(), course.time_zone);
    const during = records.filter((r) => {
      const d = localDateOf(r, course.time_zone);
      return d >= course.start_date && d <= today;
    });
    let next;
    let relapses;
    try {
      next = nextMaintenance({ ...input, records: during });
      relapses = planWithOutcomes({ ...input, records: during });
    } catch (e) {
      throw asRequestError(e);
    }
    const nextMaint = relapses.plan.sessions.find(
      (s) => s.phase === 'maintenance' && (s.status === 'planned' || s.status === 'rescheduled'),
    );
    const lastDone = rows.filter((r) => r.status === 'done').at(-1)?.local_date;
    const latestRelapse = relapses.relapses.at(-1);
    courses.push({
      course_id: course.id,
      protocol: course.protocol,
      start_date: course.start_date,
      responder: {
        status: decision.status,
        decided_by: decision.decidedBy.map((d) => ({
          rule: d.rule,
          status: d.status,
          basis: d.basis,
          ...(d.site === undefined ? {} : { site: d.site }),
        })),
        ...(decision.missing === undefined ? {} : { missing: decision.missing }),
        hdss_status: status.hdss.status,
        treatment_failure: { status: status.treatmentFailure.status, reason: status.treatmentFailure.reason },
      },
      next_session:
        next.session === undefined
          ? null
          : {
              date: next.session.date,
              starts_at: next.session.startsAt,
              phase: next.session.phase,
              reason: next.reason,
            },
      next_maintenance: nextMaint === undefined ? null : { date: nextMaint.date, starts_at: nextMaint.startsAt },
      maintenance_interval_days: next.intervalDays ?? null,
      relapses: relapses.relapses.map((r) => ({ date: r.date, at: r.at, measure: r.measure, basis: r.basis })),
      relapse_signal: latestRelapse !== undefined && (lastDone === undefined || latestRelapse.date >= lastDone),
    });
  }
  return { patient_id: patient.id, time_zone: tz, as_of: nowIso, courses, overdue };
}
