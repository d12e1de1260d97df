import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import {
  countApiTokens,
  createApiToken,
  deleteApiToken,
  inTransaction,
  listApiTokens,
  updateUser,
} from '../store/index.js';
import type { ApiToken } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireSession, requireUser } from './authentication.js';
import { auditAction } from './admin-audit.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { updateOrStale } from './patient-access.js';
import { IdParams, NewPassword, PlainText, SMALL_BODY } from './request-schemas.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';
import { UserSchema, userView } from './user-routes.js';

/** Script tokens one user may hold at a time; a forgotten token is revoked, not piled up. */
export const MAX_TOKENS_PER_USER = 20;

/** Wrong current passwords a session may try per minute before the password change is refused for a while. */
const PASSWORD_CHANGE_LIMIT = { max: 5, timeWindowMs: 60_000 } as const;

const TokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  expires_at: z.string().nullable(),
});
const tokenView = (t: ApiToken): z.infer<typeof TokenSchema> => ({
  id: t.id,
  name: t.name,
  created_at: t.created_at,
  last_used_at: t.last_used_at,
  expires_at: t.expires_at,
});

/** What the signed-in user does to their own account: read it, change the password, manage script tokens. */
export function accountRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/account',
    {
      schema: { summary: 'The user this request speaks for (session or script token)', response: { 200: UserSchema } },
    },
    async (request) => userView(requireUser(request).user),
  );

  app.post(
    '/api/account/password',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: 'Change the own password; the current one is required, and other sessions end',
        body: z.strictObject({ current_password: z.string().min(1).max(1024), new_password: NewPassword }),
        response: { 204: z.null() },
      },
      config: {
        rateLimit: {
          max: PASSWORD_CHANGE_LIMIT.max,
          timeWindow: PASSWORD_CHANGE_LIMIT.timeWindowMs,
          keyGenerator: (request) => `password-change:${request.auth?.user.id ?? request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const { user, token } = requireSession(request);
      const ok =
        user.password_hash !== null && (await verifyPassword(user.password_hash, request.body.current_password));
      if (!ok) throw new IontoError('ION_ERR_FORBIDDEN', 'current_password: the current password is wrong');
      const hash = await hashPassword(request.body.new_password);
      await inTransaction(store, async (tx) => {
        await updateOrStale(`user ${user.id}`, () => updateUser(tx, user.id, user.version, { password_hash: hash }));
        await auditAction(tx, user, 'user.password_change', 'users', user.id);
      });
      ctx.sessions.deleteForUser(user.id, token);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/account/tokens',
    {
      schema: {
        summary: "The user's script tokens (names and dates; never the token or its hash)",
        response: { 200: z.object({ items: z.array(TokenSchema) }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      return { items: (await listApiTokens(store, user.id)).map(tokenView) };
    },
  );

  app.post(
    '/api/account/tokens',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: 'Issue a script token acting as this user; the token is in this answer only (signed-in session only)',
        body: z.strictObject({
          name: PlainText(100),
          expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
        }),
        response: { 201: TokenSchema.extend({ token: z.string() }) },
      },
    },
    async (request, reply) => {
      const { user } = requireSession(request);
      const { name, expires_at } = request.body;
      if (expires_at !== undefined && expires_at !== null && Date.parse(expires_at) <= ctx.now().getTime()) {
        throw new IontoError('ION_ERR_VALIDATION', 'expires_at: must be in the future');
      }
      const token = newSecretToken('user');
      const row = await inTransaction(store, async (tx) => {
        if ((await countApiTokens(tx, user.id)) >= MAX_TOKENS_PER_USER) {
          throw new IontoError(
            'ION_ERR_OUT_OF_RANGE',
            `a user holds at most ${MAX_TOKENS_PER_USER} tokens: revoke one`,
          );
        }
        const t = await createApiToken(tx, {
          user_id: user.id,
          name,
          token_hash: hashSecretToken(token),
          expires_at: expires_at ?? null,
        });
        await auditAction(tx, user, 'api_token.create', 'api_tokens', t.id);
        return t;
      });
      return reply.code(201).send({ ...tokenView(row), token });
    },
  );

  app.delete(
    '/api/account/tokens/:id',
    {
      schema: { summary: 'Revoke one of the own script tokens', params: IdParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      await inTransaction(store, async (tx) => {
        if (!(await deleteApiToken(tx, user.id, request.params.id))) {
          throw new IontoError('ION_ERR_NOT_FOUND', `token ${request.params.id} not found`);
        }
        await auditAction(tx, user, 'api_token.revoke', 'api_tokens', request.params.id);
      });
      return reply.code(204).send(null);
    },
  );
}
