/**
 * The CF sweat-test workflow over HTTP, for laboratory staff (clinicians and nurses of the patient's clinic): order,
 * eligibility, stimulations (completed engine sessions), collections, samples, results, verification and the PDF
 * report. Every step takes `If-Match` (two members of staff may work on one test), every read and write of a test
 * is audited against its patient, and a test of a patient the user may not see answers 404.
 */
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { SweatTestState } from '../clinic/sweat-test.js';
import {
  assessEligibility,
  collectionMinutesLeft,
  COLLECTION_METHODS,
  linkStimulation,
  orderSweatTest,
  recordCollection,
  recordResult,
  recordSample,
  reportedResults,
  SWEAT_SIDES,
  SWEAT_TEST_STATUSES,
  sweatTestScreeningItems,
  verifySweatTest,
} from '../clinic/sweat-test.js';
import { SweatTestDataSchema } from '../clinic/sweat-test-schema.js';
import type { Patient, Store, SweatTestRecord, User } from '../store/index.js';
import {
  appendAuditMany,
  createSweatTest,
  findRow,
  fromJsonText,
  getSession,
  listClinicSweatTests,
  listSweatTests,
  MAX_PAGE,
  updateSweatTest,
} from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole } from './authentication.js';
import {
  audit,
  audited,
  etagOf,
  expectedVersion,
  notFoundAs,
  updateOrStale,
  visiblePatient,
} from './patient-access.js';
import { Id, IdParams, PlainText } from './request-schemas.js';
import { renderSweatTestReport } from './sweat-test-report.js';

/** Laboratory staff: the clinicians and nurses of the patient's clinic. */
export const LAB_ROLES = ['clinician', 'nurse'] as const;
/** Verification is a clinician's. */
const VERIFY_ROLES = ['clinician'] as const;

const SideTimers = z.object({ left: z.number().nullable(), right: z.number().nullable() });

export const SweatTestSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  status: z.enum(SWEAT_TEST_STATUSES),
  data: SweatTestDataSchema,
  /** Minutes left on each side's running collection timer (negative: overdue); null when none runs. */
  collection_minutes_left: SideTimers,
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
type SweatTestOut = z.infer<typeof SweatTestSchema>;

const IfMatch = z.object({ 'if-match': z.string().max(100).optional() });
const Side = z.enum(SWEAT_SIDES);
const Instant = z.iso.datetime({ offset: true });

const NewSweatTest = z.strictObject({
  indication: PlainText(500).nullable().optional(),
  requesting_physician: PlainText(200).nullable().optional(),
});

const items = sweatTestScreeningItems();
const EligibilityBody = z.strictObject({
  weight_kg: z.number(),
  gestational_age_at_birth_weeks: z.number().nullable().optional(),
  answers: z.strictObject(Object.fromEntries(items.map((i) => [i, z.boolean()])) as Record<string, z.ZodBoolean>),
  precautions_accepted: z.boolean().optional(),
});
const StimulationBody = z.strictObject({ side: Side, session_id: Id });
const CollectionBody = z.strictObject({
  side: Side,
  method: z.enum(COLLECTION_METHODS),
  started_at: Instant,
  ended_at: Instant.optional(),
});
const SampleBody = z
  .strictObject({ side: Side, volume_ul: z.number().optional(), weight_mg: z.number().optional() })
  .refine((b) => (b.volume_ul === undefined) !== (b.weight_mg === undefined), {
    message: 'send exactly one of volume_ul (Macroduct) or weight_mg (gauze / filter paper)',
    path: ['volume_ul'],
  });
const ResultBody = z.strictObject({ side: z.enum(['left', 'right', 'pooled']), chloride_mmol_l: z.number() });

function decode(row: SweatTestRecord): SweatTestState & { row: SweatTestRecord } {
  const data = SweatTestDataSchema.parse(row.data);
  const status = z.enum(SWEAT_TEST_STATUSES).parse(row.status);
  return { status, data, row };
}

function out(t: SweatTestRecord, now: Date): SweatTestOut {
  const s = decode(t);
  const left = collectionMinutesLeft(s, 'left', now);
  const right = collectionMinutesLeft(s, 'right', now);
  return {
    id: t.id,
    patient_id: t.patient_id,
    status: s.status,
    data: s.data,
    collection_minutes_left: { left: left ?? null, right: right ?? null },
    version: t.version,
    created_at: t.created_at,
    updated_at: t.updated_at,
  };
}

/**
 * The test and its patient, when the user may see the patient. A test of a patient the user may not see answers
 * exactly like a missing test; the refusal keeps the patient id for the audit of `audited`.
 */
async function visibleTest(tx: Store, user: User, id: string): Promise<{ test: SweatTestRecord; patient: Patient }> {
  const row = await findRow(tx, 'sweat_tests', id);
  if (row === undefined) throw new IontoError('ION_ERR_NOT_FOUND', `sweat test ${id} not found`, { id });
  const patient = await visiblePatient(tx, user, row.patient_id).catch(notFoundAs('sweat test', id));
  const test = { ...row, data: fromJsonText(row.data) };
  return { test, patient };
}

/** Every test of the patient that links this session as a stimulation, on any side. */
async function sessionLinkedElsewhere(tx: Store, patientId: string, sessionId: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await listSweatTests(tx, { limit: MAX_PAGE, cursor }, { patient_id: patientId });
    for (const t of page.items) {
      const d = SweatTestDataSchema.safeParse(t.data);
      if (d.success && SWEAT_SIDES.some((x) => d.data.sides[x].stimulation?.session_id === sessionId)) return true;
    }
    cursor = page.next;
  } while (cursor !== undefined);
  return false;
}

export function sweatTestRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/patients/:id/sweat-tests',
    {
      schema: {
        summary: 'Order a CF sweat test for a patient (laboratory staff of its clinic)',
        params: IdParams,
        body: NewSweatTest,
        response: { 201: SweatTestSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, LAB_ROLES);
      const created = await audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const s = orderSweatTest(request.body, { user_id: user.id, at: ctx.now() });
        const t = await createSweatTest(tx, { patient_id: p.id, status: s.status, data: s.data });
        await audit(tx, user, 'sweat_test.order', p.id);
        return t;
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/sweat-tests/${created.id}`)
        .send(out(created, ctx.now()));
    },
  );

  app.get(
    '/api/patients/:id/sweat-tests',
    {
      schema: {
        summary: "One page of a patient's sweat tests",
        params: IdParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(SweatTestSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const user = requireRole(request, LAB_ROLES);
      const page = await audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const result = await listSweatTests(
          tx,
          { limit: request.query.limit, cursor: request.query.cursor },
          { patient_id: p.id },
        );
        await audit(tx, user, 'sweat_test.list', p.id);
        return result;
      });
      const now = ctx.now();
      const items = page.items.map((t) => out(t, now));
      return page.next === undefined ? { items } : { items, next: page.next };
    },
  );

  app.get(
    '/api/sweat-tests',
    {
      schema: {
        summary:
          "One page of the clinic's sweat tests with their patient's name (the lab's worklist); status keeps only " +
          'tests in the states it names, comma-separated',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
          cursor: z.string().max(200).optional(),
          status: z
            .string()
            .max(200)
            .transform((s) => s.split(','))
            .pipe(z.array(z.enum(SWEAT_TEST_STATUSES)).min(1))
            .optional(),
        }),
        response: {
          200: z.object({
            items: z.array(SweatTestSchema.extend({ patient_name: z.string() })),
            next: z.string().optional(),
          }),
        },
      },
    },
    async (request) => {
      const user = requireRole(request, LAB_ROLES);
      if (user.clinic_id === null) return { items: [] };
      const clinicId = user.clinic_id;
      const { limit, cursor, status } = request.query;
      const page = await audited(store, user, async (tx) => {
        const result = await listClinicSweatTests(tx, clinicId, { limit, cursor }, status);
        const patients = [...new Set(result.items.map((t) => t.patient_id))];
        await appendAuditMany(
          tx,
          patients.map((id) => ({ actor: user.id, action: 'sweat_test.list', entity: 'patients', entity_id: id })),
        );
        return result;
      });
      const now = ctx.now();
      const items = page.items.map((t) => ({ ...out(t, now), patient_name: t.patient_name }));
      return page.next === undefined ? { items } : { items, next: page.next };
    },
  );

  app.get(
    '/api/sweat-tests/:id',
    {
      schema: {
        summary: 'One sweat test, with an ETag of its version',
        params: IdParams,
        response: { 200: SweatTestSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, LAB_ROLES);
      const t = await audited(store, user, async (tx) => {
        const { test, patient } = await visibleTest(tx, user, request.params.id);
        await audit(tx, user, 'sweat_test.read', patient.id);
        return test;
      });
      return reply.header('etag', etagOf(t.version)).send(out(t, ctx.now()));
    },
  );

  /**
   * One workflow step: reads the test, checks If-Match, applies the pure transition and writes it at the version
   * read, with its audit entry in the same transaction. A refused step changes nothing (the transaction rolls back).
   */
  const step = <B>(
    path: string,
    summary: string,
    body: z.ZodType<B>,
    roles: readonly ('clinician' | 'nurse')[],
    apply: (
      s: SweatTestState,
      b: B,
      c: { tx: Store; user: User; patient: Patient; now: Date },
    ) => Promise<SweatTestState>,
  ) =>
    app.post(
      `/api/sweat-tests/:id/${path}`,
      {
        schema: {
          summary: `${summary}; If-Match must carry the ETag of the version read`,
          params: IdParams,
          headers: IfMatch,
          body,
          response: { 200: SweatTestSchema },
        },
      },
      async (request, reply) => {
        const user = requireRole(request, roles);
        const now = ctx.now();
        const updated = await audited(store, user, async (tx) => {
          const { test, patient } = await visibleTest(tx, user, request.params.id);
          const what = `sweat test ${test.id}`;
          const expected = expectedVersion(request.headers['if-match'], what);
          const next = await apply(decode(test), request.body as B, { tx, user, patient, now });
          const u = await updateOrStale(what, () =>
            updateSweatTest(tx, test.id, expected, { status: next.status, data: next.data }),
          );
          await audit(tx, user, `sweat_test.${path}`, patient.id);
          return u;
        });
        return reply.header('etag', etagOf(updated.version)).send(out(updated, now));
      },
    );

  step(
    'eligibility',
    'Assess eligibility (age, weight, gestational age, contraindications)',
    EligibilityBody,
    LAB_ROLES,
    async (s, b, c) => assessEligibility(s, b, c.patient, { user_id: c.user.id, at: c.now }),
  );

  step(
    'stimulations',
    "Link a completed pilocarpine-sweat-test engine session of this patient as one side's stimulation",
    StimulationBody,
    LAB_ROLES,
    async (s, b, c) => {
      const row = await findRow(c.tx, 'sessions', b.session_id);
      if (row === undefined || row.patient_id !== c.patient.id) {
        throw new IontoError('ION_ERR_SWEAT_STIMULATION', `session ${b.session_id} is not a session of this patient`);
      }
      const session = await getSession(c.tx, row.id);
      const linkedElsewhere = await sessionLinkedElsewhere(c.tx, c.patient.id, session.id);
      return linkStimulation(
        s,
        { side: b.side, session, patient_id: c.patient.id, linkedElsewhere },
        { user_id: c.user.id, at: c.now },
      );
    },
  );

  step(
    'collections',
    "Start (no ended_at) or end one side's sweat collection",
    CollectionBody,
    LAB_ROLES,
    async (s, b, c) => recordCollection(s, b, { user_id: c.user.id, at: c.now }),
  );

  step(
    'samples',
    "Record one side's sample: volume_ul (Macroduct) or weight_mg (gauze / filter paper)",
    SampleBody,
    LAB_ROLES,
    async (s, b, c) => recordSample(s, b, { user_id: c.user.id, at: c.now }),
  );

  step(
    'results',
    'Record a chloride result for one side or both sides pooled (never with a QNS sample)',
    ResultBody,
    LAB_ROLES,
    async (s, b, c) => recordResult(s, b, { user_id: c.user.id, at: c.now }),
  );

  step(
    'verification',
    'Verify a completed test (a clinician other than the one who entered the results)',
    z.strictObject({}),
    VERIFY_ROLES,
    async (s, _b, c) => verifySweatTest(s, { user_id: c.user.id, at: c.now }),
  );

  app.get(
    '/api/sweat-tests/:id/report.pdf',
    {
      schema: {
        summary: 'The printable laboratory report (application/pdf)',
        params: IdParams,
      },
    },
    async (request, reply) => {
      const user = requireRole(request, LAB_ROLES);
      const now = ctx.now();
      const { test, patient, clinic, people } = await audited(store, user, async (tx) => {
        const found = await visibleTest(tx, user, request.params.id);
        const clinicRow = await findRow(tx, 'clinics', found.patient.clinic_id);
        const d = SweatTestDataSchema.parse(found.test.data);
        const ids = new Set<string>([d.order.ordered_by]);
        if (d.eligibility) ids.add(d.eligibility.assessed_by);
        for (const x of SWEAT_SIDES) {
          const r = d.sides[x];
          for (const id of [
            r.stimulation?.linked_by,
            r.collection?.started_by,
            r.collection?.ended_by,
            r.sample?.recorded_by,
          ]) {
            if (id) ids.add(id);
          }
        }
        for (const r of reportedResults(d)) ids.add(r.result.recorded_by);
        if (d.verification) ids.add(d.verification.verified_by);
        const people: Record<string, string> = {};
        for (const id of ids) {
          const u = await findRow(tx, 'users', id);
          people[id] = u?.email ?? id;
        }
        await audit(tx, user, 'sweat_test.report', found.patient.id);
        return { ...found, clinic: { name: clinicRow?.name ?? '' }, people };
      });
      const pdf = await renderSweatTestReport({
        test: { id: test.id, status: decode(test).status, data: decode(test).data },
        patient,
        clinic,
        people,
        generated_at: now,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="sweat-test-${test.id}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );
}
