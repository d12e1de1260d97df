import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import {
  deleteApiTokensOfUser,
  findRow,
  findUserByEmail,
  inTransaction,
  listUsers,
  ROLES,
  updateUser,
} from '../store/index.js';
import type { Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { isDisabled, isInstallationAdmin, requireRole } from './authentication.js';
import { auditAction } from './admin-audit.js';
import { createUserWithPassword, hashPassword } from './passwords.js';
import { etagOf, expectedVersion, updateOrStale } from './patient-access.js';
import { Email, Id, IdParams, NewPassword, PageQuery, SMALL_BODY } from './request-schemas.js';

const Role = z.enum(ROLES as [User['role'], ...User['role'][]]);

/** A user as the API shows it: never the password hash, only whether the user is disabled (has none). */
export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: Role,
  clinic_id: z.string().nullable(),
  disabled: z.boolean(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type UserView = z.infer<typeof UserSchema>;

export const userView = (u: User): UserView => ({
  id: u.id,
  email: u.email,
  role: u.role,
  clinic_id: u.clinic_id,
  disabled: isDisabled(u),
  version: u.version,
  created_at: u.created_at,
  updated_at: u.updated_at,
});

const NewUser = z.strictObject({
  email: Email,
  password: NewPassword,
  role: Role,
  /** The installation admin names the clinic (null for another installation admin); a clinic's admin may omit it. */
  clinic_id: Id.nullable().optional(),
});
const UserPatch = z
  .strictObject({ email: Email.optional(), role: Role.optional() })
  .refine((p) => Object.keys(p).length > 0, 'change at least one field');

/** A 400 whose detail starts with the field it is about (`clinic_id: …`). */
const validation = (field: string, message: string) => new IontoError('ION_ERR_VALIDATION', `${field}: ${message}`);

/** The installation admin manages every user; a clinic's admin the users of that clinic. Others answer 404. */
async function manageableUser(store: Store, admin: User, id: string): Promise<User> {
  const u = await findRow(store, 'users', id);
  if (u === undefined || !(isInstallationAdmin(admin) || (u.clinic_id !== null && u.clinic_id === admin.clinic_id))) {
    throw new IontoError('ION_ERR_NOT_FOUND', `user ${id} not found`);
  }
  return u;
}

/** The clinic a new user joins, checked against what the creating admin may do. */
async function clinicForNewUser(store: Store, admin: User, body: z.infer<typeof NewUser>): Promise<string | null> {
  if (!isInstallationAdmin(admin)) {
    if (body.clinic_id !== undefined && body.clinic_id !== admin.clinic_id) {
      throw new IontoError('ION_ERR_NOT_FOUND', 'clinic_id names no clinic of this admin');
    }
    return admin.clinic_id;
  }
  if (body.clinic_id === undefined) throw validation('clinic_id', 'name the clinic, or null for an admin of no clinic');
  if (body.clinic_id === null) {
    if (body.role !== 'admin') throw validation('clinic_id', 'only an admin may belong to no clinic');
    return null;
  }
  if ((await findRow(store, 'clinics', body.clinic_id)) === undefined) {
    throw new IontoError('ION_ERR_NOT_FOUND', 'clinic_id names no clinic');
  }
  return body.clinic_id;
}

const duplicateEmail = () => new IontoError('ION_ERR_DUPLICATE', 'a user with this email exists already');

async function assertEmailFree(store: Store, email: string, exceptId?: string): Promise<void> {
  const existing = await findUserByEmail(store, email);
  if (existing !== undefined && existing.id !== exceptId) throw duplicateEmail();
}

/** A store write that fails on the unique email (two admins racing) is the same 409 as the check before it. */
async function orDuplicate<R>(store: Store, email: string | undefined, write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (e) {
    if (email !== undefined && (await findUserByEmail(store, email)) !== undefined) throw duplicateEmail();
    throw e;
  }
}

/** Users of a clinic, managed by its admin (the installation admin manages all): create, list, role, disable, reset. */
export function userRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;
  const admin = (request: Parameters<typeof requireRole>[0]) => requireRole(request, ['admin']);

  app.get(
    '/api/users',
    {
      schema: {
        summary: "One page of the users an admin manages (a clinic's admin: that clinic's users)",
        querystring: z.object({ ...PageQuery, clinic_id: Id.optional() }),
        response: { 200: z.object({ items: z.array(UserSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const user = admin(request);
      const { limit, cursor, clinic_id } = request.query;
      if (!isInstallationAdmin(user) && clinic_id !== undefined && clinic_id !== user.clinic_id) {
        throw new IontoError('ION_ERR_NOT_FOUND', `clinic ${clinic_id} not found`);
      }
      const filter = isInstallationAdmin(user) ? { clinic_id } : { clinic_id: user.clinic_id ?? undefined };
      const page = await listUsers(store, { limit, cursor }, filter);
      const items = page.items.map(userView);
      return page.next === undefined ? { items } : { items, next: page.next };
    },
  );

  app.post(
    '/api/users',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: 'Create a user with a password (an admin, for their clinic)',
        body: NewUser,
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => {
      const user = admin(request);
      const body = request.body;
      const clinicId = await clinicForNewUser(store, user, body);
      await assertEmailFree(store, body.email);
      // Hash outside the transaction: argon2id takes tens of milliseconds and needs no database.
      const created = await orDuplicate(store, body.email, () =>
        inTransaction(store, async (tx) => {
          const u = await createUserWithPassword(tx, {
            email: body.email,
            password: body.password,
            role: body.role,
            clinic_id: clinicId,
          });
          await auditAction(tx, user, 'user.create', 'users', u.id);
          return u;
        }),
      );
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/users/${created.id}`)
        .send(userView(created));
    },
  );

  app.get(
    '/api/users/:id',
    {
      schema: { summary: 'One user, with an ETag of its version', params: IdParams, response: { 200: UserSchema } },
    },
    async (request, reply) => {
      const u = await manageableUser(store, admin(request), request.params.id);
      return reply.header('etag', etagOf(u.version)).send(userView(u));
    },
  );

  app.patch(
    '/api/users/:id',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: "Change a user's role or email; If-Match required",
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: UserPatch,
        response: { 200: UserSchema },
      },
    },
    async (request, reply) => {
      const user = admin(request);
      const patch = request.body;
      const updated = await orDuplicate(store, patch.email, () =>
        inTransaction(store, async (tx) => {
          const u = await manageableUser(tx, user, request.params.id);
          const what = `user ${u.id}`;
          const expected = expectedVersion(request.headers['if-match'], what);
          if (patch.role !== undefined && patch.role !== u.role) {
            if (u.id === user.id) throw new IontoError('ION_ERR_FORBIDDEN', 'an admin may not change their own role');
            if (u.clinic_id === null) throw validation('role', 'a user of no clinic can only be an admin');
            const linked = await tx.db
              .selectFrom('patients')
              .select('id')
              .where('user_id', '=', u.id)
              .executeTakeFirst();
            if (linked !== undefined) throw validation('role', 'this user is linked to a patient record');
          }
          if (patch.email !== undefined) await assertEmailFree(tx, patch.email, u.id);
          const changed = await updateOrStale(what, () => updateUser(tx, u.id, expected, patch));
          await auditAction(tx, user, patch.role === undefined ? 'user.update' : 'user.role', 'users', u.id);
          return changed;
        }),
      );
      return reply.header('etag', etagOf(updated.version)).send(userView(updated));
    },
  );

  app.post(
    '/api/users/:id/disable',
    {
      schema: {
        summary: 'Disable a user: no sign-in, their sessions end and their script tokens are deleted',
        params: IdParams,
        response: { 200: UserSchema },
      },
    },
    async (request, reply) => {
      const user = admin(request);
      const updated = await inTransaction(store, async (tx) => {
        const u = await manageableUser(tx, user, request.params.id);
        if (u.id === user.id) throw new IontoError('ION_ERR_FORBIDDEN', 'an admin may not disable themself');
        const changed = await updateOrStale(`user ${u.id}`, () =>
          updateUser(tx, u.id, u.version, { password_hash: null }),
        );
        await deleteApiTokensOfUser(tx, u.id);
        await auditAction(tx, user, 'user.disable', 'users', u.id);
        return changed;
      });
      ctx.sessions.deleteForUser(updated.id);
      return reply.header('etag', etagOf(updated.version)).send(userView(updated));
    },
  );

  app.post(
    '/api/users/:id/password',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: "Set a user's password (re-enables a disabled user); their sessions end",
        params: IdParams,
        body: z.strictObject({ password: NewPassword }),
        response: { 200: UserSchema },
      },
    },
    async (request, reply) => {
      const user = admin(request);
      await manageableUser(store, user, request.params.id);
      const hash = await hashPassword(request.body.password);
      const updated = await inTransaction(store, async (tx) => {
        const u = await manageableUser(tx, user, request.params.id);
        const changed = await updateOrStale(`user ${u.id}`, () =>
          updateUser(tx, u.id, u.version, { password_hash: hash }),
        );
        await auditAction(tx, user, 'user.password_reset', 'users', u.id);
        return changed;
      });
      ctx.sessions.deleteForUser(updated.id, request.auth?.via === 'session' ? request.auth.token : undefined);
      return reply.header('etag', etagOf(updated.version)).send(userView(updated));
    },
  );
}
