import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DeviceRow, Store, User } from '../store/index.js';
import type { LiveSessions } from './live-sessions.js';
import type { AuthSession, SessionStore } from './session-store.js';

/** The Fastify instance `buildServer` returns: zod schemas type every route. */
export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** What route modules need from the server. */
export interface ServerContext {
  readonly store: Store;
  readonly sessions: SessionStore;
  readonly now: () => Date;
  readonly secureCookies: boolean;
  /** The treatment sessions this server hosts in its own process (simulated devices). */
  readonly live: LiveSessions;
}

/** The signed-in user of a request, when its session cookie names a live session. */
export interface SessionAuth {
  readonly via: 'session';
  readonly user: User;
  readonly session: AuthSession;
  readonly token: string;
}

/** A script acting as a user with a personal API token (`Authorization: Bearer ionto_u_…`): no session, no CSRF. */
export interface TokenAuth {
  readonly via: 'token';
  readonly user: User;
  /** The id of the api_tokens row, never the token. */
  readonly tokenId: string;
}

/** Who a request speaks for: a signed-in user or a user's script token. */
export type Authenticated = SessionAuth | TokenAuth;

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
    /** The device whose token (`Authorization: Bearer ionto_d_…`) the request carries: an agent, not a person. */
    device: DeviceRow | null;
  }
}
