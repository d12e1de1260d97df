import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import rateLimit from '@fastify/rate-limit';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { AgentSpeed } from '../agent/session-agent.js';
import { checkSpeed } from '../agent/session-agent.js';
import type { Store } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { authRoutes } from './auth-routes.js';
import { installAuthentication } from './authentication.js';
import { healthRoutes } from './health-routes.js';
import { homeRoutes } from './home-routes.js';
import { toleranceRoutes } from './tolerance-routes.js';
import { clinicRoutes } from './clinic-routes.js';
import { deviceRoutes } from './device-routes.js';
import { auditRoutes } from './audit-routes.js';
import { screeningRoutes } from './screening-routes.js';
import { courseRoutes } from './course-routes.js';
import { outcomeRoutes } from './outcome-routes.js';
import { sessionRoutes } from './session-routes.js';
import { sweatTestRoutes } from './sweat-test-routes.js';
import { fhirRoutes } from './fhir-routes.js';
import { openApiCollector } from './openapi.js';
import { patientRoutes } from './patient-routes.js';
import { planningRoutes } from './planning-routes.js';
import { protocolRoutes } from './protocol-routes.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import { LiveSessions } from './live-sessions.js';
import { SessionStore } from './session-store.js';
import { simulationRoutes } from './simulation-routes.js';
import {
  NOT_BUILT_PAGE,
  installSecurityHeaders,
  isAppPage,
  sendAppPage,
  webAppBuilt,
  webAppRoutes,
} from './web-app.js';

export interface BuildServerOptions {
  store: Store;
  /** The clock for sessions (default: the store's). */
  now?: () => Date;
  /** Mark cookies Secure (default true; only a plain-HTTP development server turns it off). */
  secureCookies?: boolean;
  /** Fastify's logger (default off). */
  logger?: boolean;
  /**
   * Session time per wall time for the sessions the server hosts (default 1, real time). Tests and demos run faster;
   * the control loop, recording and live stream are the same at any speed.
   */
  sessionSpeed?: AgentSpeed;
  /** The built web app to serve at `/` (dist/web); none by default (the API alone, as in tests). */
  webRoot?: string;
}

/** The clinic API, ready for `inject()` or `listen()`; it does not listen by itself. */
export async function buildServer(options: BuildServerOptions): Promise<App> {
  const now = options.now ?? options.store.now;
  const ctx: ServerContext = {
    store: options.store,
    now,
    sessions: new SessionStore(now),
    secureCookies: options.secureCookies ?? true,
    live: new LiveSessions({
      store: options.store,
      speed: checkSpeed(options.sessionSpeed ?? 1),
      onError: (e) => app.log.error({ err: e }, 'live session failed'),
    }),
  };
  const app: App = Fastify({
    logger: options.logger ?? false,
    // Errors the router raises before any route runs (a malformed URL, an over-long path parameter) are problem+json
    // too, and never echo the URL.
    frameworkErrors: errorHandler,
  }).withTypeProvider<ZodTypeProvider>();
  // Hosted sessions ramp down and store their end before the server (and then the store) closes.
  app.addHook('onClose', () => ctx.live.closeAll());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  const web = options.webRoot;
  const webBuilt = webAppBuilt(web);
  app.setNotFoundHandler((request, reply) => {
    // The web app's pages are addresses the browser asks for as HTML; everything else that matched nothing is a 404.
    if (web !== undefined && isAppPage(request)) {
      return webBuilt ? sendAppPage(reply) : reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }
    return sendProblem(reply, problem('ION_ERR_NOT_FOUND', 'no such route'));
  });
  installSecurityHeaders(app);

  await app.register(cookie);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(rateLimit, {
    global: false,
    // After validation, so the key can use the parsed body.
    hook: 'preHandler',
    errorResponseBuilder: () => new IontoError('ION_ERR_RATE_LIMITED', 'too many attempts; wait a minute'),
  });
  if (webBuilt) await webAppRoutes(app, web);
  const openApi = openApiCollector(app);
  installAuthentication(app, ctx);

  healthRoutes(app, ctx);
  authRoutes(app, ctx);
  patientRoutes(app, ctx);
  clinicRoutes(app, ctx);
  deviceRoutes(app, ctx);
  auditRoutes(app, ctx);
  screeningRoutes(app, ctx);
  courseRoutes(app, ctx);
  outcomeRoutes(app, ctx);
  sessionRoutes(app, ctx);
  sweatTestRoutes(app, ctx);
  fhirRoutes(app, ctx);
  protocolRoutes(app, ctx);
  planningRoutes(app, ctx);
  simulationRoutes(app, ctx);
  homeRoutes(app, ctx);
  toleranceRoutes(app, ctx);
  app.get(
    '/api/openapi.json',
    { schema: { summary: 'This document', response: { 200: z.record(z.string(), z.unknown()) } } },
    async () => openApi(),
  );
  return app;
}
