import type { FastifyRequest } from 'fastify';
import { IontoError } from '../errors/catalogue.js';
import { findDeviceByTokenHash, findRow } from '../store/index.js';
import type { DeviceRow, Role, User } from '../store/index.js';
import { hashSecretToken, tokenKindOf } from './secret-tokens.js';
import type { App, Authenticated, ServerContext } from './app-types.js';
import { sameToken } from './session-store.js';

export const SESSION_COOKIE = 'ionto_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Unsafe routes that run before there is a session to hold a CSRF token. */
const CSRF_EXEMPT = new Set(['/api/auth/sign-in']);

export const STAFF_ROLES: readonly Role[] = ['admin', 'clinician', 'nurse'];

/**
 * Loads the session named by the cookie on every request, then refuses an unsafe request (POST, PATCH, …) that
 * lacks the session's CSRF token in `x-csrf-token`: a cross-site form cannot read the token, so it cannot send it.
 */
export function installAuthentication(app: App, ctx: ServerContext): void {
  app.decorateRequest('auth', null);
  app.decorateRequest('device', null);
  app.addHook('onRequest', async (request) => {
    const bearer = bearerToken(request);
    if (bearer !== undefined) {
      if (request.cookies[SESSION_COOKIE] !== undefined) {
        throw new IontoError('ION_ERR_UNAUTHENTICATED', 'send a bearer token or a session cookie, not both');
      }
      // A bearer request carries no ambient credential a cross-site page could borrow, so it needs no CSRF token;
      // it may not also carry a session cookie, so one request never speaks for two principals.
      if (tokenKindOf(bearer) === 'device') {
        const device = await findDeviceByTokenHash(ctx.store, hashSecretToken(bearer));
        if (device !== undefined) {
          request.device = device;
          return;
        }
      }
      throw new IontoError('ION_ERR_UNAUTHENTICATED', 'the bearer token is not valid');
    }
    const token = request.cookies[SESSION_COOKIE];
    const session = ctx.sessions.get(token);
    if (token !== undefined && session !== undefined) {
      const user = await findRow(ctx.store, 'users', session.userId);
      if (user === undefined) ctx.sessions.delete(token);
      else request.auth = { user, session, token };
    }
    // The matched route's pattern, not the raw URL, so no spelling of a path can borrow the exemption.
    const route = request.routeOptions.url ?? '';
    if (SAFE_METHODS.has(request.method) || CSRF_EXEMPT.has(route)) return;
    if (request.auth === null) throw new IontoError('ION_ERR_UNAUTHENTICATED', 'sign in first');
    const header = request.headers[CSRF_HEADER];
    if (!sameToken(typeof header === 'string' ? header : undefined, request.auth.session.csrfToken)) {
      throw new IontoError('ION_ERR_CSRF', `the ${CSRF_HEADER} header must carry the session's CSRF token`);
    }
  });
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

export function requireRole(request: FastifyRequest, roles: readonly Role[]): User {
  const { user } = requireUser(request);
  if (!roles.includes(user.role)) throw new IontoError('ION_ERR_FORBIDDEN', `role '${user.role}' may not do this`);
  return user;
}
