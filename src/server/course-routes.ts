/**
 * Courses of treatment: planned with the clinic's course planner (luxon, the patient's IANA zone, DST-safe; never
 * more than 1 session a day or 5 in any 7 days [74][D2]; axillae never on the same day as hands or feet, through
 * the protocols' course.not_with) and stored as a course with its planned sessions.
 *
 * A planned session's `status` is one of
 * - `planned`: still to come;
 * - `done`: took place (set by the live sessions when a session of the course completes);
 * - `missed`: its day came and it did not take place (PATCH, once its local day has begun);
 * - `cancelled`: called off (PATCH, any time; a future day is then closed to the course).
 * Marking a session missed or cancelled re-plans the rest with the planner's missed-session rule: the sessions to
 * come move forward together, keeping the template's spacing and the caps, and a replacement is planned.
 *
 * A course is refused (ION_ERR_CONTRAINDICATED, with the reasons) when the patient's latest screening for the
 * protocol refused, or when there is none. Staff plan and change courses; a patient user reads their own.
 */
import { z } from 'zod';
import { reasonSummary } from '../clinic/screening.js';
import type { Screening, ScreeningReason } from '../clinic/screening.js';
import { localToday, PLANNED_SESSION_STATUSES, reconcileRows } from '../clinic/planned-session-history.js';
import type { PlannedSessionStatus } from '../clinic/planned-session-history.js';
import { IontoError } from '../errors/catalogue.js';
import type { InductionTemplate } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import {
  findCourseWithPatient,
  findRow,
  insertRow,
  latestScreening,
  listCourses,
  listPlannedSessions,
  saveCourseOptions,
  updatePlannedSession,
} from '../store/index.js';
import type { Course, Patient, PlannedSessionRow, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, requireUser, STAFF_ROLES } from './authentication.js';
import { CourseOptionsSchema, coursePlanInput, optionsOf, TemplateSchema } from './follow-up.js';
import {
  audit,
  audited,
  canSee,
  etagOf,
  expectedVersion,
  staleVersion,
  updateOrStale,
  visiblePatient,
} from './patient-access.js';
import { PageQuery } from './screening-routes.js';
import { IdParams } from './request-schemas.js';

/** The statuses of a planned session (above), as the clinic layer names them. */
const PLANNED_STATUSES = PLANNED_SESSION_STATUSES as readonly [PlannedSessionStatus, ...PlannedSessionStatus[]];

export const PlannedSessionSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  phase: z.string(),
  local_date: z.string(),
  starts_at: z.string(),
  status: z.enum(PLANNED_STATUSES),
  version: z.number().int(),
});

export const CourseSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  protocol: z.string(),
  template: z.string(),
  /** Local date of the first session, in `time_zone`. */
  start_date: z.string(),
  time_zone: z.string(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const CourseDetailSchema = CourseSchema.extend({
  options: CourseOptionsSchema,
  planned_sessions: z.array(PlannedSessionSchema),
});

const PlanningSchema = z.object({
  rules: z.array(z.object({ id: z.string(), text: z.string(), source: z.string() })),
  adjustments: z.array(
    z.object({ index: z.number().int(), phase: z.string(), from: z.string(), to: z.string(), reason: z.string() }),
  ),
  warnings: z.array(z.string()),
  /** Days of other courses this one may not share (course.not_with), closed to it. */
  shared_days_refused: z.array(z.object({ date: z.string(), protocol: z.string() })),
});

const NewCourse = CourseOptionsSchema.extend({
  protocol: z.string().min(1).max(100),
  template: TemplateSchema,
  /** First possible local date of the course, YYYY-MM-DD. */
  start_date: z.iso.date({ error: 'must be a calendar date YYYY-MM-DD' }),
}).strict();

const SeqParams = z.object({ id: z.string().min(1).max(100), seq: z.coerce.number().int().min(1).max(100_000) });
const SessionPatch = z.strictObject({ status: z.enum(['missed', 'cancelled']) });

export const sessionView = (r: PlannedSessionRow) => ({
  id: r.id,
  seq: r.seq,
  phase: r.phase,
  local_date: r.local_date,
  starts_at: r.starts_at,
  status: r.status as PlannedSessionStatus,
  version: r.version,
});

async function detailOf(tx: Store, course: Course) {
  const rows = await listPlannedSessions(tx, course.id);
  return { ...course, options: await optionsOf(tx, course.id), planned_sessions: rows.map(sessionView) };
}

/** Refuses a course whose protocol the patient's latest screening refused, or was never screened for. */
async function assertScreenedFor(tx: Store, patientId: string, protocol: string): Promise<void> {
  const s = await latestScreening(tx, patientId, protocol);
  if (s === undefined) {
    throw new IontoError(
      'ION_ERR_CONTRAINDICATED',
      `no screening for ${protocol}: screen the patient before planning a course`,
      { screening: 'missing', protocolId: protocol },
    );
  }
  if (s.result === 'refused') {
    const reasons = s.reasons as ScreeningReason[];
    throw new IontoError(
      'ION_ERR_CONTRAINDICATED',
      `the latest screening (${s.answered_at}) refused ${protocol}: ${reasonSummary({ reasons } as unknown as Screening)}`,
      { screening: 'refused', protocolId: protocol, reasons },
    );
  }
}

/** A course the user may see, with its patient (one query); another clinic's course answers 404 like a missing one. */
async function visibleCourse(tx: Store, user: User, id: string): Promise<{ course: Course; patient: Patient }> {
  const found = await findCourseWithPatient(tx, id);
  if (found === undefined || !canSee(user, found.patient)) {
    throw new IontoError('ION_ERR_NOT_FOUND', `course ${id} not found`, {
      id,
      ...(found === undefined ? {} : { denied: found.patient.id }),
    });
  }
  return found;
}

export function courseRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/patients/:id/courses',
    {
      schema: {
        summary: 'Plan a course with the course planner and store it with its planned sessions (staff only)',
        params: IdParams,
        body: NewCourse,
        response: { 201: CourseDetailSchema.extend({ planning: PlanningSchema }) },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      const { protocol: protocolId, template, start_date, ...options } = request.body;
      const created = await audited(store, user, async (tx) => {
        const patient = await visiblePatient(tx, user, request.params.id);
        const protocol = findProtocol(protocolId);
        await assertScreenedFor(tx, patient.id, protocol.id);
        const { plan, blocked } = await coursePlanInput(tx, {
          patient,
          protocol,
          template,
          start: start_date,
          options,
          now: ctx.now(),
        });
        const sessions = [...plan.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
        // The stored start is the first session's date: a re-plan from it lays out the same template days.
        const course = await insertRow(tx, 'courses', {
          patient_id: patient.id,
          protocol: protocol.id,
          template,
          start_date: sessions[0]?.date ?? start_date,
          time_zone: patient.time_zone,
        });
        for (const [i, s] of sessions.entries()) {
          await insertRow(tx, 'planned_sessions', {
            course_id: course.id,
            seq: i + 1,
            phase: s.phase,
            local_date: s.date,
            starts_at: new Date(s.startsAt).toISOString(),
            status: 'planned',
          });
        }
        await saveCourseOptions(tx, course.id, options);
        await audit(tx, user, 'course.create', patient.id);
        return {
          ...(await detailOf(tx, course)),
          planning: {
            rules: plan.rules.map((r) => ({ id: r.id, text: r.text, source: r.source })),
            adjustments: plan.adjustments.map((a) => ({
              index: a.index,
              phase: a.phase,
              from: a.from,
              to: a.to,
              reason: a.reason,
            })),
            warnings: [...plan.warnings],
            shared_days_refused: [...blocked].map(([date, p]) => ({ date, protocol: p })),
          },
        };
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/courses/${created.id}`)
        .send(created);
    },
  );

  app.get(
    '/api/patients/:id/courses',
    {
      schema: {
        summary: "One page of a patient's courses",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.object({ items: z.array(CourseSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const page = await listCourses(tx, request.query, { patient_id: p.id });
        await audit(tx, user, 'course.list', p.id);
        return { items: page.items, ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );

  app.get(
    '/api/courses/:id',
    {
      schema: {
        summary: 'A course with its options and planned sessions, with an ETag of its version',
        params: IdParams,
        response: { 200: CourseDetailSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const detail = await audited(store, user, async (tx) => {
        const { course } = await visibleCourse(tx, user, request.params.id);
        await audit(tx, user, 'course.read', course.patient_id);
        return detailOf(tx, course);
      });
      return reply.header('etag', etagOf(detail.version)).send(detail);
    },
  );

  app.patch(
    '/api/courses/:id/planned-sessions/:seq',
    {
      schema: {
        summary:
          'Mark a planned session missed or cancelled and re-plan the rest with the missed-session rule; If-Match ' +
          "carries the planned session's version (staff only)",
        params: SeqParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: SessionPatch,
        response: { 200: CourseDetailSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      const { id, seq } = request.params;
      const { detail, version } = await audited(store, user, async (tx) => {
        const { course, patient } = await visibleCourse(tx, user, id);
        const rows = await listPlannedSessions(tx, course.id);
        const row = rows.find((r) => r.seq === seq);
        if (row === undefined) {
          throw new IontoError('ION_ERR_NOT_FOUND', `course ${id} has no planned session ${seq}`, { id });
        }
        const what = `planned session ${seq} of course ${id}`;
        const expected = expectedVersion(request.headers['if-match'], what);
        if (expected !== row.version) throw staleVersion(what);
        if (row.status !== 'planned') {
          throw new IontoError('ION_ERR_CONFLICT', `${what} is ${row.status}; only a planned session can change`, {
            id,
          });
        }
        const now = ctx.now();
        const today = localToday(now.getTime(), course.time_zone);
        if (request.body.status === 'missed' && row.local_date > today) {
          throw new IontoError(
            'ION_ERR_CONFLICT',
            `${what} is on ${row.local_date}, after today (${today} in ${course.time_zone}): it cannot be missed yet; cancel it instead`,
            { id },
          );
        }
        const marked = await updateOrStale(what, () =>
          updatePlannedSession(tx, row.id, expected, { status: request.body.status }),
        );
        const after = rows.map((r) => (r.id === marked.id ? marked : r));
        const { plan } = await coursePlanInput(tx, {
          patient,
          protocol: findProtocol(course.protocol),
          template: course.template as InductionTemplate,
          start: course.start_date,
          options: await optionsOf(tx, course.id),
          now,
          course: { id: course.id, time_zone: course.time_zone, rows: after },
        });
        const r = reconcileRows(after, plan.sessions);
        const bySeq = new Map(after.map((x) => [x.seq, x]));
        for (const u of r.update) {
          const cur = bySeq.get(u.seq)!;
          await updatePlannedSession(tx, cur.id, cur.version, {
            phase: u.phase,
            local_date: u.local_date,
            starts_at: u.starts_at,
          });
        }
        for (const n of r.insert) {
          await insertRow(tx, 'planned_sessions', {
            course_id: course.id,
            seq: n.seq,
            phase: n.phase,
            local_date: n.local_date,
            starts_at: new Date(n.starts_at).toISOString(),
            status: 'planned',
          });
        }
        for (const s of r.drop) {
          const cur = bySeq.get(s)!;
          await updatePlannedSession(tx, cur.id, cur.version, { status: 'cancelled' });
        }
        await audit(tx, user, 'course.session_update', patient.id);
        const fresh = (await findRow(tx, 'courses', course.id))!;
        return { detail: await detailOf(tx, fresh), version: marked.version };
      });
      return reply.header('etag', etagOf(version)).send(detail);
    },
  );
}
