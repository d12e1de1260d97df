/**
 * Contraindication screenings of a patient: the clinic's `screen` (the rules of `ionto screen`) run on the answers
 * given, stored with the result (allowed / precautions / refused) and every reason with its source. Staff record
 * screenings; a patient user reads their own. Every read and write is audited in the same transaction.
 */
import { z } from 'zod';
import { screen } from '../clinic/screening.js';
import { screeningAnswersSchema } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { createScreening, getScreening, listScreenings, MAX_PAGE } from '../store/index.js';
import type { ScreeningRecord } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, requireUser, STAFF_ROLES } from './authentication.js';
import { audit, audited, etagOf, notFoundAs, visiblePatient } from './patient-access.js';
import { IdParams } from './request-schemas.js';
import { screeningValidUntil } from './session-eligibility.js';

export const ScreeningReasonSchema = z.object({
  item: z.string(),
  effect: z.enum(['refuse', 'precaution', 'info']),
  text: z.string(),
  source: z.string(),
});

export const ScreeningSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  protocol: z.string(),
  answers: z.record(z.string(), z.unknown()),
  result: z.enum(['allowed', 'precautions', 'refused']),
  reasons: z.array(ScreeningReasonSchema),
  answered_at: z.string(),
  /** The last instant this screening lets a session start (answered_at + SCREENING_VALID_DAYS). */
  valid_until: z.string(),
  /** The zone and mode screened: in the answer to the POST that ran the screening. */
  zone: z.string().optional(),
  mode: z.string().optional(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const NewScreening = z.strictObject({
  protocol: z.string().min(1).max(100),
  answers: screeningAnswersSchema,
  /** Zone to be treated (default: the answers' zone when the protocol has it, else the protocol's default). */
  zone: z.string().min(1).max(100).optional(),
  /** Mode to be used (default: the protocol's). */
  mode: z.string().min(1).max(100).optional(),
});

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().max(400).optional(),
});

const view = (s: ScreeningRecord): z.infer<typeof ScreeningSchema> => ({
  ...(s as Omit<z.infer<typeof ScreeningSchema>, 'valid_until'>),
  valid_until: screeningValidUntil(s.answered_at),
});

export function screeningRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/patients/:id/screenings',
    {
      schema: {
        summary: 'Screen a patient for a protocol and store the answers, the result and every reason (staff only)',
        params: IdParams,
        body: NewScreening,
        response: { 201: ScreeningSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      const { protocol: protocolId, answers, zone, mode } = request.body;
      const created = await audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const protocol = findProtocol(protocolId);
        const s = screen(protocol, answers, { zone, mode });
        const stored = await createScreening(tx, {
          patient_id: p.id,
          protocol: protocol.id,
          answers,
          result: s.result,
          reasons: s.reasons,
          answered_at: answers.answered_at ?? ctx.now(),
        });
        await audit(tx, user, 'screening.create', p.id);
        return { ...view(stored), zone: s.zone, mode: s.mode };
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/screenings/${created.id}`)
        .send(created);
    },
  );

  app.get(
    '/api/patients/:id/screenings',
    {
      schema: {
        summary: "One page of a patient's screenings",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.object({ items: z.array(ScreeningSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const page = await listScreenings(tx, request.query, { patient_id: p.id });
        await audit(tx, user, 'screening.list', p.id);
        return { items: page.items.map(view), ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );

  app.get(
    '/api/screenings/:id',
    {
      schema: {
        summary: 'One screening, with an ETag of its version',
        params: IdParams,
        response: { 200: ScreeningSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const s = await audited(store, user, async (tx) => {
        const found = await getScreening(tx, request.params.id).catch(notFoundAs('screening', request.params.id));
        await visiblePatient(tx, user, found.patient_id).catch(notFoundAs('screening', request.params.id));
        await audit(tx, user, 'screening.read', found.patient_id);
        return view(found);
      });
      return reply.header('etag', etagOf(s.version)).send(s);
    },
  );
}
