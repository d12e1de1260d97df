import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import { createClinic, findRow, inTransaction, listClinics, updateClinic } from '../store/index.js';
import type { Clinic, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { accountRoutes } from './account-routes.js';
import { auditAction } from './admin-audit.js';
import { isInstallationAdmin, requireRole, requireUser } from './authentication.js';
import { etagOf, expectedVersion, updateOrStale } from './patient-access.js';
import { IdParams, PageQuery, PlainText, SMALL_BODY, TimeZone } from './request-schemas.js';
import { userRoutes } from './user-routes.js';

export const ClinicSchema = z.object({
  id: z.string(),
  name: z.string(),
  time_zone: z.string(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});

const NewClinic = z.strictObject({ name: PlainText(), time_zone: TimeZone });
const ClinicPatch = NewClinic.partial().refine((p) => Object.keys(p).length > 0, 'change at least one field');

/**
 * The clinic a user may see: the installation admin every clinic, anyone else only their own. Another clinic
 * answers 404 like a missing one.
 */
async function visibleClinic(store: Store, user: User, id: string): Promise<Clinic> {
  const c = await findRow(store, 'clinics', id);
  if (c === undefined || !(isInstallationAdmin(user) || user.clinic_id === c.id)) {
    throw new IontoError('ION_ERR_NOT_FOUND', `clinic ${id} not found`);
  }
  return c;
}

/** Clinics (the installation admin creates and lists them; a clinic's admin changes their own), users, accounts. */
export function clinicRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/clinics',
    {
      schema: {
        summary: 'One page of clinics: every clinic for the installation admin, otherwise the own clinic',
        querystring: z.object(PageQuery),
        response: { 200: z.object({ items: z.array(ClinicSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      if (isInstallationAdmin(user)) {
        const page = await listClinics(store, { limit: request.query.limit, cursor: request.query.cursor });
        return page.next === undefined ? { items: page.items } : { items: page.items, next: page.next };
      }
      const own = user.clinic_id === null ? undefined : await findRow(store, 'clinics', user.clinic_id);
      return { items: own === undefined ? [] : [own] };
    },
  );

  app.post(
    '/api/clinics',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: 'Create a clinic (installation admin only)',
        body: NewClinic,
        response: { 201: ClinicSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, ['admin']);
      if (!isInstallationAdmin(user)) {
        throw new IontoError(
          'ION_ERR_FORBIDDEN',
          'only the installation admin (an admin of no clinic) creates clinics',
        );
      }
      const created = await inTransaction(store, async (tx) => {
        const c = await createClinic(tx, request.body);
        await auditAction(tx, user, 'clinic.create', 'clinics', c.id);
        return c;
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/clinics/${created.id}`)
        .send(created);
    },
  );

  app.get(
    '/api/clinics/:id',
    {
      schema: {
        summary: 'One clinic, with an ETag of its version (its own users and the installation admin)',
        params: IdParams,
        response: { 200: ClinicSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const c = await visibleClinic(store, user, request.params.id);
      return reply.header('etag', etagOf(c.version)).send(c);
    },
  );

  app.patch(
    '/api/clinics/:id',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: "Change a clinic's name or time zone; If-Match required (its admin or the installation admin)",
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: ClinicPatch,
        response: { 200: ClinicSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const updated = await inTransaction(store, async (tx) => {
        const c = await visibleClinic(tx, user, request.params.id);
        if (user.role !== 'admin') throw new IontoError('ION_ERR_FORBIDDEN', `role '${user.role}' may not do this`);
        const what = `clinic ${c.id}`;
        const expected = expectedVersion(request.headers['if-match'], what);
        const u = await updateOrStale(what, () => updateClinic(tx, c.id, expected, request.body));
        await auditAction(tx, user, 'clinic.update', 'clinics', c.id);
        return u;
      });
      return reply.header('etag', etagOf(updated.version)).send(updated);
    },
  );

  userRoutes(app, ctx);
  accountRoutes(app, ctx);
}
