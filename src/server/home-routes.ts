/**
 * Home treatment (issue 8; the contract is docs of /api/home): a clinician hands a course's maintenance phase over to
 * home as a plan; the patient (or staff for them) reads what is due and at what current, runs guided sessions hosted
 * here, and uploads what an offline home device recorded (idempotent by client id); a summary goes back to the clinic.
 * Every read and write of patient data is audited; a patient user sees and writes only their own records.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { localInstant, parseDate } from '../clinic/local-calendar.js';
import { diaryRecordSchema } from '../clinic/outcome-records.js';
import { toleranceEntrySchema } from '../clinic/tolerance.js';
import { nextCurrent, titratedChoices } from '../clinic/titration.js';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { mA } from '../units/quantities.js';
import {
  appendTelemetry,
  createHomePlan,
  currentHomePlan,
  findRow,
  findSessionByClientId,
  syncDiaryEntry,
  syncUploadedSession,
  updateHomePlan,
} from '../store/index.js';
import type { HomePlanPatch, HomePlanRecord, Patient, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, requireUser } from './authentication.js';
import { homeSummary, HomeSummarySchema, renderHomeSummary } from './home-summary.js';
import {
  DEFAULT_WARNING_SIGNS,
  homeFacts,
  HomePlanSchema,
  HomeViewSchema,
  planJson,
  requirePlan,
  viewOf,
} from './home-view.js';
import type { HomeView } from './home-view.js';
import { markPlannedDone } from './live-sessions.js';
import { audit, audited, etagOf, expectedVersion, updateOrStale, visiblePatient } from './patient-access.js';
import { Id, IdParams, PlainText } from './request-schemas.js';
import { SessionSchema } from './session-routes.js';
import { startHostedSession } from './session-start.js';
import { recordSessionTolerance } from './tolerance-routes.js';

/** Who hands a course over to home and reviews a stopped plan. */
export const PLAN_ROLES = ['clinician', 'admin'] as const;

const Current = (field: string) =>
  z.number().positive(`${field} must be above 0 mA`).max(100, `${field} must be at most 100 mA`);
const WarningSigns = z.array(PlainText(300)).max(20);

const NewHomePlan = z.strictObject({
  course_id: Id,
  device_id: Id.optional(),
  zone: z.string().min(1).max(100).optional(),
  mode: z.string().min(1).max(100).optional(),
  interval_days: z.number().int().min(1).max(365).optional(),
  pin_mA: Current('pin_mA').optional(),
  cap_mA: Current('cap_mA').optional(),
  warning_signs: WarningSigns.optional(),
});

const HomePlanUpdate = z.strictObject({
  interval_days: z.number().int().min(1).max(365).optional(),
  pin_mA: Current('pin_mA').nullable().optional(),
  cap_mA: Current('cap_mA').nullable().optional(),
  warning_signs: WarningSigns.optional(),
  status: z.enum(['active', 'ended']).optional(),
  review_note: PlainText(2000).optional(),
});

const HomeSessionBody = z.strictObject({
  /** Ids of the protocol's pre-steps done; every required one must be here. */
  confirmed_steps: z.array(z.string().min(1).max(100)).max(100),
  patient_id: Id.optional(),
});

const HomeQuery = z.strictObject({ patient_id: Id.optional() });

const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant with Z or an offset' });
const SampleSchema = z.strictObject({
  t_ms: z.number().int().min(0).max(86_400_000),
  phase: z.string().min(1).max(32),
  setpoint: z.number(),
  current: z.number().nullable(),
  voltage: z.number().nullable(),
});

/** One record a home device kept offline. */
export const SyncRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('session'),
    client_id: z.uuid(),
    protocol: z.string().min(1).max(100),
    zone: z.string().min(1).max(100),
    mode: z.string().min(1).max(100),
    started_at: Instant,
    ended_at: Instant,
    status: z.enum(['completed', 'aborted', 'fault']),
    target_mA: Current('target_mA'),
    delivered_mAmin: z.number().min(0).max(10_000),
    /** The engine's SessionReport as `ionto run --json` prints it. */
    report: z.record(z.string(), z.unknown()),
    telemetry: z.array(SampleSchema).max(10_000).optional(),
  }),
  z.strictObject({
    kind: z.literal('tolerance'),
    client_id: z.uuid(),
    session_client_id: z.uuid(),
    entry: toleranceEntrySchema,
  }),
  z.strictObject({
    kind: z.literal('diary'),
    client_id: z.uuid(),
    date: z.iso.date(),
    dry: z.boolean(),
    site: diaryRecordSchema.shape.site,
  }),
]);
export type SyncRecord = z.infer<typeof SyncRecordSchema>;

/**
 * The body takes each record loosely (a kind and a client id) and checks it against SyncRecordSchema one by one, so
 * one malformed record is answered 'rejected' and does not hold back the rest of an offline device's records.
 */
const SyncBody = z.strictObject({
  patient_id: Id.optional(),
  records: z
    .array(z.looseObject({ kind: z.enum(['session', 'tolerance', 'diary']), client_id: z.string().min(1).max(100) }))
    .min(1)
    .max(200),
});

const SyncResult = z.object({
  client_id: z.string(),
  kind: z.string(),
  status: z.enum(['created', 'duplicate', 'rejected']),
  id: z.string().optional(),
  error: z.object({ code: z.string(), detail: z.string() }).optional(),
});
type SyncResultJson = z.infer<typeof SyncResult>;

/** The patient a /api/home route is about: a patient user's own; staff name one with patient_id. */
async function homePatient(tx: Store, user: User, patientId: string | undefined): Promise<Patient> {
  if (patientId !== undefined) return visiblePatient(tx, user, patientId);
  if (user.role !== 'patient') {
    throw new IontoError('ION_ERR_VALIDATION', 'patient_id: staff name the patient (patient_id)', {
      field: 'patient_id',
    });
  }
  const own = await tx.db
    .selectFrom('patients')
    .select('id')
    .where('user_id', '=', user.id)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (own === undefined) throw new IontoError('ION_ERR_NOT_FOUND', 'no patient record is linked to this user');
  return visiblePatient(tx, user, own.id);
}

function zoneAndMode(protocol: Protocol, zone: string | undefined, mode: string | undefined) {
  const z0 = zone ?? protocol.default_zone;
  const m0 = mode ?? protocol.default_mode;
  if (protocol.zones[z0] === undefined) {
    throw new IontoError(
      'ION_ERR_VALIDATION',
      `zone: ${protocol.id} has no zone "${z0}" (${Object.keys(protocol.zones).join(', ')})`,
      { field: 'zone' },
    );
  }
  if (protocol.modes[m0] === undefined) {
    throw new IontoError(
      'ION_ERR_VALIDATION',
      `mode: ${protocol.id} has no mode "${m0}" (${Object.keys(protocol.modes).join(', ')})`,
      { field: 'mode' },
    );
  }
  return { zone: z0, mode: m0 };
}

/** The interval must lie within the protocol's maintenance range (the clinic schedules within it). */
function checkInterval(protocol: Protocol, days: number): void {
  const r = protocol.course.maintenance!.interval_days;
  if (days < r.min || days > r.max) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `interval_days ${days} is outside ${r.min}–${r.max} days for ${protocol.id} maintenance (${r.source})`,
      { field: 'interval_days', min: r.min, max: r.max },
    );
  }
}

/** A pin or cap outside the zone's range is refused by the titration rule itself (field pin_mA / cap_mA). */
function checkPinCap(protocol: Protocol, zone: string, pin: number | null, cap: number | null): void {
  nextCurrent(protocol, zone, [], {
    ...(pin === null ? {} : { pin: mA(pin) }),
    ...(cap === null ? {} : { cap: mA(cap) }),
  });
}

const sendPlan = (reply: FastifyReply, code: number, plan: HomePlanRecord) =>
  reply.code(code).header('etag', etagOf(plan.version)).send(planJson(plan));

/** The view of the patient's current plan (404 when none). */
async function homeViewOf(tx: Store, patient: Patient, now: Date): Promise<HomeView> {
  const plan = await requirePlan(tx, patient.id);
  return viewOf(await homeFacts(tx, patient, plan, now));
}

const rejected = (r: { client_id?: unknown; kind?: unknown }, e: unknown): SyncResultJson => ({
  client_id: String(r.client_id),
  kind: String(r.kind),
  status: 'rejected',
  error: isIontoError(e)
    ? { code: e.code, detail: e.message }
    : { code: 'ION_ERR_INTERNAL', detail: 'the record could not be stored' },
});

/** A session the plan's patient ran offline; it belongs to the current plan when the protocol and zone match. */
async function syncSession(
  ctx: ServerContext,
  user: User,
  patient: Patient,
  plan: HomePlanRecord | undefined,
  r: Extract<SyncRecord, { kind: 'session' }>,
): Promise<SyncResultJson> {
  const { store } = ctx;
  const protocol = findProtocol(r.protocol);
  zoneAndMode(protocol, r.zone, r.mode);
  const onPlan = plan !== undefined && plan.protocol === r.protocol && plan.zone === r.zone;
  const report = { ...r.report, target_mA: typeof r.report.target_mA === 'number' ? r.report.target_mA : r.target_mA };
  const synced = await syncUploadedSession(
    store,
    {
      patient_id: patient.id,
      protocol: r.protocol,
      zone: r.zone,
      device_id: null,
      home_plan_id: onPlan ? plan.id : null,
      client_id: r.client_id,
      status: r.status,
      started_at: r.started_at,
      ended_at: r.ended_at,
      delivered_mamin: r.delivered_mAmin,
      report,
    },
    async (tx, s) => {
      await audit(tx, user, 'session.upload', patient.id);
      if (s.status === 'completed') await markPlannedDone(tx, s);
    },
  );
  if (synced.row.patient_id !== patient.id) {
    throw new IontoError('ION_ERR_CONFLICT', `client_id ${r.client_id} is already used by another record`, {
      field: 'client_id',
    });
  }
  // A sample already stored is kept: a repeated upload fills in what a failed one left out and duplicates nothing.
  if (r.telemetry !== undefined && r.telemetry.length > 0) await appendTelemetry(store, synced.row.id, r.telemetry);
  return { client_id: r.client_id, kind: 'session', status: synced.status, id: synced.row.id };
}

async function syncTolerance(
  ctx: ServerContext,
  user: User,
  patient: Patient,
  r: Extract<SyncRecord, { kind: 'tolerance' }>,
): Promise<SyncResultJson> {
  const session = await findSessionByClientId(ctx.store, r.session_client_id);
  if (session === undefined || session.patient_id !== patient.id) {
    throw new IontoError(
      'ION_ERR_NOT_FOUND',
      `session_client_id: no session ${r.session_client_id} of this patient is stored (upload it first or with this record)`,
      { field: 'session_client_id' },
    );
  }
  const t = await recordSessionTolerance(ctx.store, user, session, r.entry, r.client_id, ctx.now());
  return { client_id: r.client_id, kind: 'tolerance', status: t.status, id: t.record.id };
}

async function syncDiary(
  ctx: ServerContext,
  user: User,
  patient: Patient,
  r: Extract<SyncRecord, { kind: 'diary' }>,
): Promise<SyncResultJson> {
  const noon = localInstant(parseDate(r.date, 'date'), 12 * 60, patient.time_zone);
  if (noon === undefined) {
    throw new IontoError('ION_ERR_VALIDATION', `date ${r.date} does not exist in ${patient.time_zone}`, {
      field: 'date',
    });
  }
  const value = { kind: 'diary' as const, date: r.date, dry: r.dry, ...(r.site === undefined ? {} : { site: r.site }) };
  const synced = await syncDiaryEntry(
    ctx.store,
    { patient_id: patient.id, client_id: r.client_id, value, recorded_at: noon.utc },
    async (tx) => {
      await audit(tx, user, 'outcome.create', patient.id);
    },
  );
  if (synced.row.patient_id !== patient.id) {
    throw new IontoError('ION_ERR_CONFLICT', `client_id ${r.client_id} is already used by another record`, {
      field: 'client_id',
    });
  }
  return { client_id: r.client_id, kind: 'diary', status: synced.status, id: synced.row.id };
}

const KIND_ORDER = { session: 0, tolerance: 1, diary: 2 } as const;

export function homeRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/patients/:id/home-plan',
    {
      schema: {
        summary:
          "Hand a course's maintenance phase over to home (clinician or admin): device, zone, mode, interval, pin or " +
          'cap on the titrated current, warning signs. The previous plan ends',
        params: IdParams,
        body: NewHomePlan,
        response: { 201: HomePlanSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, PLAN_ROLES);
      const b = request.body;
      const plan = await audited(store, user, async (tx) => {
        const patient = await visiblePatient(tx, user, request.params.id);
        const course = await findRow(tx, 'courses', b.course_id);
        if (course === undefined || course.patient_id !== patient.id) {
          throw new IontoError('ION_ERR_NOT_FOUND', `course ${b.course_id} not found for this patient`, {
            field: 'course_id',
          });
        }
        const protocol = findProtocol(course.protocol);
        const maintenance = protocol.course.maintenance;
        if (maintenance === null) {
          throw new IontoError(
            'ION_ERR_VALIDATION',
            `course_id: protocol ${protocol.id} has no maintenance phase to hand over to home`,
            { field: 'course_id' },
          );
        }
        const { zone, mode } = zoneAndMode(protocol, b.zone, b.mode);
        const interval = b.interval_days ?? maintenance.interval_days.value;
        checkInterval(protocol, interval);
        checkPinCap(protocol, zone, b.pin_mA ?? null, b.cap_mA ?? null);
        if (b.device_id !== undefined) {
          const d = await findRow(tx, 'devices', b.device_id);
          if (d === undefined || d.clinic_id !== patient.clinic_id) {
            throw new IontoError('ION_ERR_NOT_FOUND', `device ${b.device_id} not found`, { field: 'device_id' });
          }
        }
        const created = await createHomePlan(tx, {
          patient_id: patient.id,
          course_id: course.id,
          device_id: b.device_id ?? null,
          protocol: protocol.id,
          zone,
          mode,
          interval_days: interval,
          pin_ma: b.pin_mA ?? null,
          cap_ma: b.cap_mA ?? null,
          warning_signs: b.warning_signs ?? DEFAULT_WARNING_SIGNS,
          created_by: user.id,
        });
        await audit(tx, user, 'home_plan.create', patient.id);
        return created;
      });
      reply.header('location', `/api/patients/${plan.patient_id}/home-plan`);
      return sendPlan(reply, 201, plan);
    },
  );

  app.get(
    '/api/patients/:id/home-plan',
    {
      schema: {
        summary:
          "A patient's home plan with what is due, the titrated current and recent sessions (staff, the patient)",
        params: IdParams,
        response: { 200: HomeViewSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const view = await audited(store, user, async (tx) => {
        const patient = await visiblePatient(tx, user, request.params.id);
        await audit(tx, user, 'home_plan.read', patient.id);
        return homeViewOf(tx, patient, ctx.now());
      });
      return reply.header('etag', etagOf(view.plan.version)).send(view);
    },
  );

  app.patch(
    '/api/patients/:id/home-plan',
    {
      schema: {
        summary:
          "Change a home plan (clinician or admin; If-Match). Status 'active' on a stopped plan is the clinician's " +
          'review after a burn or vesicles and needs review_note; an ended plan stays ended',
        params: IdParams,
        body: HomePlanUpdate,
        response: { 200: HomePlanSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, PLAN_ROLES);
      const b = request.body;
      const what = `home plan of patient ${request.params.id}`;
      const version = expectedVersion(request.headers['if-match'], what);
      const plan = await audited(store, user, async (tx) => {
        const patient = await visiblePatient(tx, user, request.params.id);
        const current = await requirePlan(tx, patient.id);
        if (current.version !== version)
          throw new IontoError('ION_ERR_PRECONDITION', `${what} has changed since it was read: read it again`);
        if (current.status === 'ended') {
          throw new IontoError(
            'ION_ERR_CONFLICT',
            'this home plan has ended; hand the course over again for a new one',
          );
        }
        const patch: HomePlanPatch = {};
        if (b.status === 'active' && current.status === 'stopped') {
          if (b.review_note === undefined) {
            throw new IontoError(
              'ION_ERR_VALIDATION',
              `review_note: required to make a stopped plan active again (stopped: ${current.stopped_reason ?? 'no reason stored'})`,
              { field: 'review_note' },
            );
          }
          Object.assign(patch, { status: 'active', stopped_reason: null, reviewed_at: ctx.now() });
        } else if (b.status === 'ended') {
          patch.status = 'ended';
        }
        if (b.review_note !== undefined) patch.review_note = b.review_note;
        if (b.interval_days !== undefined) {
          checkInterval(findProtocol(current.protocol), b.interval_days);
          patch.interval_days = b.interval_days;
        }
        if (b.pin_mA !== undefined) patch.pin_ma = b.pin_mA;
        if (b.cap_mA !== undefined) patch.cap_ma = b.cap_mA;
        if (b.warning_signs !== undefined) patch.warning_signs = b.warning_signs;
        checkPinCap(
          findProtocol(current.protocol),
          current.zone,
          patch.pin_ma === undefined ? current.pin_ma : patch.pin_ma,
          patch.cap_ma === undefined ? current.cap_ma : patch.cap_ma,
        );
        const updated = await updateOrStale(what, () => updateHomePlan(tx, current.id, version, patch));
        await audit(tx, user, patch.status === 'active' ? 'home_plan.review' : 'home_plan.update', patient.id);
        return updated;
      });
      return sendPlan(reply, 200, plan);
    },
  );

  app.get(
    '/api/home',
    {
      schema: {
        summary: "The home view: a patient user's own plan; staff name the patient with patient_id",
        querystring: HomeQuery,
        response: { 200: HomeViewSchema },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return audited(store, user, async (tx) => {
        const patient = await homePatient(tx, user, request.query.patient_id);
        await audit(tx, user, 'home_plan.read', patient.id);
        return homeViewOf(tx, patient, ctx.now());
      });
    },
  );

  app.post(
    '/api/home/sessions',
    {
      schema: {
        summary:
          "Start a guided session at home (the patient user, or staff with patient_id) on the plan's device (or the " +
          'built-in simulated one) at the titrated current. Refused (409) when the plan is stopped for review or has ' +
          'ended; the usual screening, caps and pre-step refusals apply',
        body: HomeSessionBody,
        response: {
          201: SessionSchema.extend({ precautions: z.array(z.string()), titration: HomeViewSchema.shape.titration }),
        },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const b = request.body;
      const { patient, facts } = await audited(store, user, async (tx) => {
        const p = await homePatient(tx, user, b.patient_id);
        const plan = await requirePlan(tx, p.id);
        return { patient: p, facts: await homeFacts(tx, p, plan, ctx.now()) };
      });
      const { plan, titration, protocol } = facts;
      if (plan.status !== 'active' || titration.stopped) {
        throw new IontoError(
          'ION_ERR_CONFLICT',
          plan.status === 'ended'
            ? 'the home plan has ended; no session is planned at home'
            : `the home plan is stopped until a clinician reviews it: ${plan.stopped_reason ?? titration.reason}`,
          { field: 'home_plan', status: plan.status },
        );
      }
      const choices = titratedChoices(protocol, plan.zone, titration);
      const { record, live, precautions } = await startHostedSession(ctx, user, {
        patient_id: patient.id,
        protocol: plan.protocol,
        zone: plan.zone,
        mode: plan.mode,
        device_id: plan.device_id ?? undefined,
        confirmed_steps: b.confirmed_steps,
        current: choices.current,
        minutes: choices.minutes,
        dose: choices.dose,
        home_plan_id: plan.id,
      });
      const st = live.state();
      return reply
        .code(201)
        .header('location', `/api/sessions/${record.id}`)
        .send({
          ...record,
          live: { phase: st.phase, t_ms: st.t_ms, delivered_mAmin: st.delivered_mAmin },
          precautions: [...precautions],
          titration: viewOf(facts).titration,
        });
    },
  );

  app.post(
    '/api/home/sync',
    {
      // As the agent's telemetry ingest: a few sessions with full telemetry per request; a device sends more in turns.
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        summary:
          'Upload what a home device recorded offline (the patient user; staff with patient_id): sessions (with ' +
          'telemetry), tolerance records and diary days, each stored once by its client_id in its own transaction. ' +
          "Each record's result says created, duplicate (with the stored id) or rejected (with why)",
        body: SyncBody,
        response: { 200: z.object({ results: z.array(SyncResult), view: HomeViewSchema.nullable() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const patient = await audited(store, user, async (tx) => {
        const p = await homePatient(tx, user, request.body.patient_id);
        await audit(tx, user, 'home.sync', p.id);
        return p;
      });
      const plan = await currentHomePlan(store, patient.id);
      const raw = request.body.records;
      const results: SyncResultJson[] = new Array<SyncResultJson>(raw.length);
      // Sessions first, so a tolerance record may name a session uploaded in the same request.
      const order = raw
        .map((r, i) => ({ r, i }))
        .sort((a, b) => KIND_ORDER[a.r.kind] - KIND_ORDER[b.r.kind] || a.i - b.i);
      for (const { r, i } of order) {
        const parsed = SyncRecordSchema.safeParse(r);
        if (!parsed.success) {
          results[i] = rejected(
            r,
            new IontoError(
              'ION_ERR_VALIDATION',
              parsed.error.issues.map((x) => `records[${i}].${x.path.join('.')}: ${x.message}`).join('; '),
            ),
          );
          continue;
        }
        const rec = parsed.data;
        try {
          results[i] =
            rec.kind === 'session'
              ? await syncSession(ctx, user, patient, plan, rec)
              : rec.kind === 'tolerance'
                ? await syncTolerance(ctx, user, patient, rec)
                : await syncDiary(ctx, user, patient, rec);
        } catch (e) {
          if (!isIontoError(e)) request.log.error({ err: e }, 'sync record failed');
          results[i] = rejected(rec, e);
        }
      }
      const view = await audited(store, user, async (tx) => {
        const p = await currentHomePlan(tx, patient.id);
        return p === undefined ? null : viewOf(await homeFacts(tx, patient, p, ctx.now()));
      });
      return { results, view };
    },
  );

  const summaryOf = async (user: User, patientId: string | undefined) => {
    const now = ctx.now();
    return audited(store, user, async (tx) => {
      const patient = await homePatient(tx, user, patientId);
      const plan = await requirePlan(tx, patient.id);
      await audit(tx, user, 'home_summary.read', patient.id);
      return homeSummary(patient, await homeFacts(tx, patient, plan, now), now);
    });
  };

  app.get(
    '/api/home/summary',
    {
      schema: {
        summary:
          'The home-treatment summary for the clinic (JSON of the PDF): the patient user, or staff with patient_id',
        querystring: HomeQuery,
        response: { 200: HomeSummarySchema },
      },
    },
    async (request) => summaryOf(requireUser(request).user, request.query.patient_id),
  );

  app.get(
    '/api/home/summary.pdf',
    {
      schema: {
        summary: 'The home-treatment summary as a PDF to share with the clinic (application/pdf)',
        querystring: HomeQuery,
      },
    },
    async (request, reply) => {
      const s = await summaryOf(requireUser(request).user, request.query.patient_id);
      const pdf = await renderHomeSummary(s);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="home-summary-${s.patient.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );
}
