import type { FastifyRequest } from 'fastify';
import { IontoError } from '../errors/catalogue.js';
import { findApiTokenByHash, findDeviceByTokenHash, findRow, touchApiToken } from '../store/index.js';
import type { DeviceRow, Role, User } from '../store/index.js';
import { hashSecretToken, tokenKindOf } from './secret-tokens.js';
import type { App, Authenticated, ServerContext, SessionAuth, TokenAuth } from './app-types.js';
import { sameToken } from './session-store.js';

export const SESSION_COOKIE = 'ionto_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Unsafe routes that run before there is a session to hold a CSRF token. */
const CSRF_EXEMPT = new Set(['/api/auth/sign-in']);

export const STAFF_ROLES: readonly Role[] = ['admin', 'clinician', 'nurse'];

/** The admin of the installation: an admin of no clinic, who creates clinics and their first admins. */
export const isInstallationAdmin = (user: User): boolean => user.role === 'admin' && user.clinic_id === null;

/**
 * Authenticates every request: a device token (`ionto_d_…`) as that device, a personal API token (`ionto_u_…`) as
 * its user, otherwise the session named by the cookie. It then refuses an unsafe request (POST, PATCH, …) that
 * lacks the session's CSRF token in `x-csrf-token`: a cross-site form cannot read the token, so it cannot send it.
 */
export function installAuthentication(app: App, ctx: ServerContext): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('device', null);
  app.addHook('onRequest', async (request) => {
    refuseUnprintablePathParameters(request);
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      if (request.cookies[SESSION_COOKIE] !== undefined) {
        throw new IontoError('ION_ERR_UNAUTHENTICATED', 'send a bearer token or a session cookie, not both');
      }
      // A bearer request carries no ambient credential a cross-site page could borrow, so it needs no CSRF token;
      // it may not also carry a session cookie, so one request never speaks for two principals.
      const kind = tokenKindOf(bearer);
      if (kind === 'device') {
        const device = await findDeviceByTokenHash(ctx.store, hashSecretToken(bearer));
        if (device !== undefined) {
          request.device = device;
          return;
        }
      } else if (kind === 'user') {
        const auth = await scriptTokenAuth(ctx, bearer);
        if (auth !== undefined) {
          request.auth = auth;
          return;
        }
      }
      throw new IontoError('ION_ERR_UNAUTHENTICATED', 'the bearer token is not valid');
    }
    const token = request.cookies[SESSION_COOKIE];
    const session = ctx.sessions.get(token);
    if (token !== undefined && session !== undefined) {
      const user = await findRow(ctx.store, 'users', session.userId);
      if (user === undefined || isDisabled(user)) ctx.sessions.delete(token);
      else request.auth = { via: 'session', user, session, token };
    }
    // The matched route's pattern, not the raw URL, so no spelling of a path can borrow the exemption.
    const route = request.routeOptions.url ?? '';
    if (SAFE_METHODS.has(request.method) || CSRF_EXEMPT.has(route)) return;
    if (request.auth?.via !== 'session') throw new IontoError('ION_ERR_UNAUTHENTICATED', 'sign in first');
    const header = request.headers[CSRF_HEADER];
    if (!sameToken(typeof header === 'string' ? header : undefined, request.auth.session.csrfToken)) {
      throw new IontoError('ION_ERR_CSRF', `the ${CSRF_HEADER} header must carry the session's CSRF token`);
    }
  });
}

/**
 * No path parameter of any route may hold a control character: an id with a NUL byte cannot even be looked up in
 * PostgreSQL (its text type refuses NUL), so it is refused here, before authentication and before any route runs.
 */
function refuseUnprintablePathParameters(request: FastifyRequest): void {
  for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) {
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    if (typeof value === 'string' && /[\u0000-\u001f\u007f]/.test(value)) {
      throw new IontoError('ION_ERR_VALIDATION', `path parameter ${name} must not contain control characters`);
    }
  }
}

/**
 * A user without a password hash is disabled: sign-in refuses them, and neither a session nor a script token acts for
 * them. An admin disables a user by removing the hash and re-enables them by setting a new password.
 */
export const isDisabled = (user: User): boolean => user.password_hash === null;

/** How often a script token's `last_used_at` is written: at most once a minute, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The user a personal API token acts for, unless the token is unknown, expired, or its user disabled. */
async function scriptTokenAuth(ctx: ServerContext, bearer: string): Promise<TokenAuth | undefined> {
  const row = await findApiTokenByHash(ctx.store, hashSecretToken(bearer));
  if (row === undefined) return undefined;
  const now = ctx.now();
  if (row.expires_at !== null && Date.parse(row.expires_at) <= now.getTime()) return undefined;
  const user = await findRow(ctx.store, 'users', row.user_id);
  if (user === undefined || isDisabled(user)) return undefined;
  if (row.last_used_at === null || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
    await touchApiToken(ctx.store, row.id, now);
  }
  return { via: 'token', user, tokenId: row.id };
}

/** The token of an `Authorization: Bearer …` header, if the request has one. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) throw new IontoError('ION_ERR_UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
  return m[1];
}

/** The device an agent's request authenticates as; people (cookies) are refused. */
export function requireDevice(request: FastifyRequest): DeviceRow {
  if (request.device === null) throw new IontoError('ION_ERR_UNAUTHENTICATED', 'this route takes a device token');
  return request.device;
}

export function requireUser(request: FastifyRequest): Authenticated {
  if (request.auth === null) throw new IontoError('ION_ERR_UNAUTHENTICATED', 'sign in first');
  return request.auth;
}

/**
 * A signed-in session, for what only a person at a browser may do (sign out, issue script tokens, change the
 * password): a script token is refused with 403.
 */
export function requireSession(request: FastifyRequest): SessionAuth {
  const auth = requireUser(request);
  if (auth.via !== 'session') {
    throw new IontoError('ION_ERR_FORBIDDEN', 'sign in with a password for this; a script token may not do it');
  }
  return auth;
}

export function requireRole(request: FastifyRequest, roles: readonly Role[]): User {
  const { user } = requireUser(request);
  if (!roles.includes(user.role)) throw new IontoError('ION_ERR_FORBIDDEN', `role '${user.role}' may not do this`);
  return user;
}
