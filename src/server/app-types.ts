import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DeviceRow, Store, User } from '../store/index.js';
import type { AuthSession, SessionStore } from './session-store.js';

/** The Fastify instance `buildServer` returns: zod schemas type every route. */
export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

/** What route modules need from the server. */
export interface ServerContext {
  readonly store: Store;
  readonly sessions: SessionStore;
  readonly now: () => Date;
  readonly secureCookies: boolean;
}

/** The signed-in user of a request, when its session cookie names a live session. */
export interface Authenticated {
  readonly user: User;
  readonly session: AuthSession;
  readonly token: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated | null;
    /** The device whose token (`Authorization: Bearer ionto_d_…`) the request carries: an agent, not a person. */
    device: DeviceRow | null;
  }
}
