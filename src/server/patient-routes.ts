import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import { audit, audited, etagOf, expectedVersion, updateOrStale, visiblePatient } from './patient-access.js';
import {
  appendAuditMany,
  createPatient,
  findRow,
  inTransaction,
  listPatients,
  MAX_PAGE,
  updatePatient,
} from '../store/index.js';
import type { Store } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, requireUser, STAFF_ROLES } from './authentication.js';
import { Id, IdParams, PlainText, TimeZone } from './request-schemas.js';

const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const PatientSchema = z.object({
  id: z.string(),
  clinic_id: z.string(),
  name: z.string(),
  birth_date: z.string(),
  time_zone: z.string(),
  user_id: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const NewPatient = z.strictObject({
  name: PlainText(),
  birth_date: LocalDate,
  time_zone: TimeZone,
  user_id: Id.nullable().optional(),
});
const PatientPatch = NewPatient.partial().refine((p) => Object.keys(p).length > 0, 'change at least one field');

/** A patient row may be linked only to an existing user with the patient role in the same clinic. */
async function checkLinkedUser(store: Store, userId: string | null | undefined, clinicId: string): Promise<void> {
  if (userId === undefined || userId === null) return;
  const u = await findRow(store, 'users', userId);
  if (u === undefined || u.role !== 'patient' || u.clinic_id !== clinicId) {
    throw new IontoError('ION_ERR_VALIDATION', 'user_id must name a patient user of the same clinic', {});
  }
}

export function patientRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/patients',
    {
      schema: {
        summary:
          'One page of the patients the user may see; q keeps those whose name contains it (accents and case ignored)',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
          cursor: z.string().max(200).optional(),
          q: PlainText(100).optional(),
        }),
        response: { 200: z.object({ items: z.array(PatientSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const page = { limit: request.query.limit, cursor: request.query.cursor };
      const filter =
        user.role === 'patient'
          ? { user_id: user.id }
          : user.clinic_id === null
            ? undefined
            : { clinic_id: user.clinic_id };
      if (filter === undefined) return { items: [] };
      return inTransaction(store, async (tx) => {
        const result = await listPatients(tx, page, filter, request.query.q);
        // One audit row per listed patient, written by one multi-row INSERT rather than one statement each.
        await appendAuditMany(
          tx,
          result.items.map((p) => ({ actor: user.id, action: 'patient.list', entity: 'patients', entity_id: p.id })),
        );
        return result.next === undefined ? { items: result.items } : result;
      });
    },
  );

  app.post(
    '/api/patients',
    {
      schema: {
        summary: "Register a patient in the user's clinic (staff only)",
        body: NewPatient,
        response: { 201: PatientSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      if (user.clinic_id === null) throw new IontoError('ION_ERR_FORBIDDEN', 'this user belongs to no clinic');
      const clinicId = user.clinic_id;
      const created = await inTransaction(store, async (tx) => {
        await checkLinkedUser(tx, request.body.user_id, clinicId);
        const p = await createPatient(tx, {
          ...request.body,
          user_id: request.body.user_id ?? null,
          clinic_id: clinicId,
        });
        await audit(tx, user, 'patient.create', p.id);
        return p;
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/patients/${created.id}`)
        .send(created);
    },
  );

  app.get(
    '/api/patients/:id',
    {
      schema: {
        summary: 'One patient, with an ETag of its version',
        params: IdParams,
        response: { 200: PatientSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const p = await audited(store, user, async (tx) => {
        const found = await visiblePatient(tx, user, request.params.id);
        await audit(tx, user, 'patient.read', found.id);
        return found;
      });
      return reply.header('etag', etagOf(p.version)).send(p);
    },
  );

  app.patch(
    '/api/patients/:id',
    {
      schema: {
        summary: 'Change a patient; If-Match must carry the ETag of the version read (staff only)',
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: PatientPatch,
        response: { 200: PatientSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      const updated = await audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const what = `patient ${p.id}`;
        const expected = expectedVersion(request.headers['if-match'], what);
        await checkLinkedUser(tx, request.body.user_id, p.clinic_id);
        const u = await updateOrStale(what, () => updatePatient(tx, p.id, expected, request.body));
        await audit(tx, user, 'patient.update', p.id);
        return u;
      });
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );
}
