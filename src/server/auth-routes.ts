import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import { findUserByEmail } from '../store/index.js';
import type { User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireSession, SESSION_COOKIE } from './authentication.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { PlainText } from './request-schemas.js';
import { DEFAULT_SESSION_TTL_MS } from './session-store.js';

export const SIGN_IN_LIMIT = { max: 5, timeWindowMs: 60_000 } as const;

const UserView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'clinician', 'nurse', 'patient']),
  clinic_id: z.string().nullable(),
});
const SignedIn = z.object({ user: UserView, csrfToken: z.string() });

const view = (u: User): z.infer<typeof UserView> => ({
  id: u.id,
  email: u.email,
  role: u.role,
  clinic_id: u.clinic_id,
});

const REFUSED = 'email or password is wrong';

export function authRoutes(app: App, ctx: ServerContext): void {
  app.post(
    '/api/auth/sign-in',
    {
      schema: {
        summary: 'Sign in with email and password; sets the session cookie and returns the CSRF token',
        body: z.strictObject({ email: PlainText(320), password: z.string().min(1).max(1024) }),
        response: { 200: SignedIn },
      },
      config: {
        rateLimit: {
          max: SIGN_IN_LIMIT.max,
          timeWindow: SIGN_IN_LIMIT.timeWindowMs,
          // One bucket per email and address: guessing one account's password is slowed wherever it comes from.
          keyGenerator: (request) => {
            const email = (request.body as { email?: unknown } | undefined)?.email;
            return `sign-in:${request.ip}:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
          },
        },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const user = await findUserByEmail(ctx.store, email);
      // An unknown email costs one verification too, and both answers are the same: no user enumeration.
      const hash = user?.password_hash ?? (await decoyHash());
      const ok = await verifyPassword(hash, password);
      if (user === undefined || user.password_hash === null || !ok) {
        throw new IontoError('ION_ERR_UNAUTHENTICATED', REFUSED);
      }
      const { token, session } = ctx.sessions.create(user.id);
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secureCookies,
        path: '/',
        maxAge: Math.floor(DEFAULT_SESSION_TTL_MS / 1000),
      });
      return { user: view(user), csrfToken: session.csrfToken };
    },
  );

  app.post(
    '/api/auth/sign-out',
    { schema: { summary: 'End the session', response: { 204: z.null() } } },
    async (request, reply) => {
      const { token } = requireSession(request);
      ctx.sessions.delete(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    { schema: { summary: 'The signed-in user and the CSRF token of the session', response: { 200: SignedIn } } },
    async (request) => {
      const { user, session } = requireSession(request);
      return { user: view(user), csrfToken: session.csrfToken };
    },
  );
}
