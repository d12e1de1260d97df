/**
 * Outcomes and follow-up.
 *
 * Outcomes: HDSS 1–4 [90], gravimetry (mg over minutes at a site, with the method), the Minor starch-iodine grade
 * 0–5 (with the area) [93][94], and diary entries (a local day dry or sweating back), validated by the clinic's
 * outcome schemas (outcome-records.ts, outcome-entry.ts). Staff record every kind; a patient user records their own
 * diary entries and HDSS scores (the patient-reported ones).
 *
 * Follow-up, per course: responder status (the clinic's rule, outcomes.ts: HDSS 3–4 at baseline and 1–2 at
 * follow-up, or a sweat rate ≥ 50 % below baseline at a site; the rule that decided is named), the next session and
 * the next maintenance date from the course planner with the adaptive interval (maintenance-interval.ts), relapses
 * (outcomes.ts), and planned sessions overdue: still `planned` after their local day ended in the patient's zone
 * (the course's zone, which is the patient's zone when the course was planned; its local dates are in it).
 */
import { z } from 'zod';
import { localInstant, parseDate } from '../clinic/local-calendar.js';
import { outcomeEntrySchema } from '../clinic/outcome-entry.js';
import type { OutcomeEntry } from '../clinic/outcome-entry.js';
import { latestEndedDateAnywhere } from '../clinic/planned-session-history.js';
import { IontoError } from '../errors/catalogue.js';
import {
  appendAuditMany,
  getOutcome,
  listOpenPlannedSessions,
  listOutcomesInWindow,
  OUTCOME_KINDS,
  recordOutcome,
  updateOutcome,
} from '../store/index.js';
import type { OutcomeKind, OutcomeRecord, Patient, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, requireUser, STAFF_ROLES } from './authentication.js';
import { followUpOf, overdueOf } from './follow-up.js';
import {
  audit,
  audited,
  etagOf,
  expectedVersion,
  notFoundAs,
  updateOrStale,
  visiblePatient,
} from './patient-access.js';
import { PageQuery } from './screening-routes.js';
import { IdParams } from './request-schemas.js';

export const OutcomeSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  kind: z.enum(OUTCOME_KINDS as [OutcomeKind, ...OutcomeKind[]]),
  value: z.record(z.string(), z.unknown()),
  recorded_at: z.string(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant with Z or an offset' });
const OutcomeQuery = PageQuery.extend({
  kind: z.enum(OUTCOME_KINDS as [OutcomeKind, ...OutcomeKind[]]).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
}).strict();

const OverdueSchema = z.object({
  course_id: z.string(),
  protocol: z.string(),
  seq: z.number().int(),
  phase: z.string(),
  local_date: z.string(),
  starts_at: z.string(),
  overdue_since: z.string(),
});

const FollowUpSchema = z.object({
  patient_id: z.string(),
  time_zone: z.string(),
  as_of: z.string(),
  courses: z.array(
    z.object({
      course_id: z.string(),
      protocol: z.string(),
      start_date: z.string(),
      responder: z.object({
        status: z.enum(['responder', 'non-responder', 'not-evaluable']),
        decided_by: z.array(
          z.object({
            rule: z.enum(['hdss-responder', 'gravimetric-responder']),
            status: z.enum(['responder', 'non-responder']),
            site: z.string().optional(),
            basis: z.string(),
          }),
        ),
        missing: z.string().optional(),
        hdss_status: z.string(),
        treatment_failure: z.object({ status: z.string(), reason: z.string() }),
      }),
      next_session: z
        .object({ date: z.string(), starts_at: z.string(), phase: z.string(), reason: z.string() })
        .nullable(),
      next_maintenance: z.object({ date: z.string(), starts_at: z.string() }).nullable(),
      maintenance_interval_days: z.number().int().nullable(),
      relapses: z.array(z.object({ date: z.string(), at: z.string(), measure: z.string(), basis: z.string() })),
      /** A relapse recorded on or after the last session done: the course has not answered it yet. */
      relapse_signal: z.boolean(),
    }),
  ),
  overdue: z.array(OverdueSchema),
});

/** Kinds a patient user may record about themself: the patient-reported ones. */
const PATIENT_KINDS: readonly OutcomeKind[] = ['diary', 'hdss'];

function mayRecord(user: User, kind: OutcomeKind): void {
  if (user.role === 'patient' && !PATIENT_KINDS.includes(kind)) {
    throw new IontoError('ION_ERR_FORBIDDEN', `a patient records ${PATIENT_KINDS.join(' and ')} entries, not ${kind}`);
  }
}

/** The instant an outcome is filed under: its `at`, or local noon of a diary day in the patient's zone. */
function recordedAt(entry: OutcomeEntry, patient: Patient): string {
  if (entry.kind !== 'diary') return entry.at;
  const noon = localInstant(parseDate(entry.date, 'date'), 12 * 60, patient.time_zone);
  if (noon === undefined) {
    throw new IontoError('ION_ERR_VALIDATION', `date ${entry.date} does not exist in ${patient.time_zone}`, {
      field: 'date',
    });
  }
  return noon.utc;
}

const view = (o: OutcomeRecord) => o as z.infer<typeof OutcomeSchema>;

export function outcomeRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/patients/:id/outcomes',
    {
      schema: {
        summary: 'Record an outcome: HDSS, gravimetry, Minor test or diary entry',
        params: IdParams,
        body: outcomeEntrySchema,
        response: { 201: OutcomeSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      mayRecord(user, request.body.kind);
      const created = await audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const o = await recordOutcome(tx, {
          patient_id: p.id,
          kind: request.body.kind,
          value: request.body,
          recorded_at: recordedAt(request.body, p),
        });
        await audit(tx, user, 'outcome.create', p.id);
        return view(o);
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/outcomes/${created.id}`)
        .send(created);
    },
  );

  app.get(
    '/api/patients/:id/outcomes',
    {
      schema: {
        summary: "One page of a patient's outcomes in time order, optionally of one kind and between two instants",
        params: IdParams,
        querystring: OutcomeQuery,
        response: { 200: z.object({ items: z.array(OutcomeSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const { kind, from, to, limit, cursor } = request.query;
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const page = await listOutcomesInWindow(
          tx,
          {
            patient_id: p.id,
            ...(kind === undefined ? {} : { kind }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
          },
          { limit, cursor },
        );
        await audit(tx, user, 'outcome.list', p.id);
        return { items: page.items.map(view), ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );

  app.get(
    '/api/outcomes/:id',
    {
      schema: {
        summary: 'One outcome, with an ETag of its version',
        params: IdParams,
        response: { 200: OutcomeSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const o = await audited(store, user, async (tx) => {
        const found = await getOutcome(tx, request.params.id).catch(notFoundAs('outcome', request.params.id));
        await visiblePatient(tx, user, found.patient_id).catch(notFoundAs('outcome', request.params.id));
        await audit(tx, user, 'outcome.read', found.patient_id);
        return view(found);
      });
      return reply.header('etag', etagOf(o.version)).send(o);
    },
  );

  app.patch(
    '/api/outcomes/:id',
    {
      schema: {
        summary: 'Correct an outcome (the whole entry, same kind); If-Match must carry the ETag of the version read',
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: outcomeEntrySchema,
        response: { 200: OutcomeSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      mayRecord(user, request.body.kind);
      const updated = await audited(store, user, async (tx) => {
        const id = request.params.id;
        const found = await getOutcome(tx, id).catch(notFoundAs('outcome', id));
        const p = await visiblePatient(tx, user, found.patient_id).catch(notFoundAs('outcome', id));
        mayRecord(user, found.kind);
        const what = `outcome ${id}`;
        const expected = expectedVersion(request.headers['if-match'], what);
        if (request.body.kind !== found.kind) {
          throw new IontoError('ION_ERR_VALIDATION', `kind: ${what} is ${found.kind}; record a new outcome instead`, {
            field: 'kind',
          });
        }
        const u = await updateOrStale(what, () =>
          updateOutcome(tx, id, expected, { value: request.body, recorded_at: recordedAt(request.body, p) }),
        );
        await audit(tx, user, 'outcome.update', p.id);
        return view(u);
      });
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );

  app.get(
    '/api/patients/:id/follow-up',
    {
      schema: {
        summary: 'Responder status, next session and maintenance date, relapses and overdue sessions of a patient',
        params: IdParams,
        response: { 200: FollowUpSchema },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const f = await followUpOf(tx, p, ctx.now());
        await audit(tx, user, 'followup.read', p.id);
        return f;
      });
    },
  );

  app.get(
    '/api/follow-up/overdue',
    {
      schema: {
        summary:
          "One page of the clinic's overdue planned sessions, oldest first: still planned after their local day " +
          "ended in the patient's zone (staff only; a page may hold fewer than `limit` items before the last)",
        querystring: PageQuery,
        response: {
          200: z.object({
            items: z.array(OverdueSchema.extend({ patient_id: z.string(), patient_name: z.string() })),
            next: z.string().optional(),
          }),
        },
      },
    },
    async (request) => {
      const user = requireRole(request, STAFF_ROLES);
      if (user.clinic_id === null) return { items: [] };
      const clinicId = user.clinic_id;
      const now = ctx.now().getTime();
      return audited(store, user, async (tx) => {
        const page = await listOpenPlannedSessions(
          tx,
          { status: 'planned', onOrBefore: latestEndedDateAnywhere(now), clinic_id: clinicId },
          request.query,
        );
        const items = page.items.flatMap((r) => {
          const o = overdueOf(r, r.protocol, r.time_zone, now);
          return o === undefined ? [] : [{ ...o, patient_id: r.patient_id, patient_name: r.patient_name }];
        });
        const patients = [...new Set(items.map((i) => i.patient_id))];
        await appendAuditMany(
          tx,
          patients.map((id) => ({
            actor: user.id,
            action: 'followup.overdue_list',
            entity: 'patients',
            entity_id: id,
          })),
        );
        return { items, ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );
}
