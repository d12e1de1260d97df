import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { OperatorCommand } from '../engine/session-machine.js';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import {
  appendAudit,
  appendTelemetry,
  findRow,
  getSession,
  inTransaction,
  listSessions,
  listTelemetry,
  MAX_PAGE,
  SESSION_STATUSES,
} from '../store/index.js';
import type { SessionRecord, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { Id, IdParams } from './request-schemas.js';
import { requireDevice, requireRole, requireUser, STAFF_ROLES } from './authentication.js';
import type { LiveMessage, LiveSession } from './live-sessions.js';
import { audit, audited, notFoundAs, visiblePatient } from './patient-access.js';
import { startHostedSession } from './session-start.js';
import { sameToken } from './session-store.js';

/** Most telemetry samples one page or one ingested batch may hold. */
export const MAX_TELEMETRY_PAGE = 5000;
export const MAX_INGEST_BATCH = 10_000;
/** A live subscriber that falls this far behind (bytes queued) is dropped rather than slowing the server. */
const MAX_SOCKET_BACKLOG = 16 * 1024 * 1024;

export const SessionSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  protocol: z.string(),
  zone: z.string(),
  device_id: z.string().nullable(),
  status: z.enum(SESSION_STATUSES as unknown as [string, ...string[]]),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  delivered_mamin: z.number(),
  report: z.unknown(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  /** While this server hosts the session: where it is now. */
  live: z.object({ phase: z.string(), t_ms: z.number(), delivered_mAmin: z.number() }).optional(),
});

const NewSession = z.strictObject({
  patient_id: Id,
  protocol: z.string().min(1).max(100),
  zone: z.string().min(1).max(100).optional(),
  mode: z.string().min(1).max(100).optional(),
  /**
   * A registered device of the clinic: a simulated one, or a serial one whose port is on this server's computer;
   * absent: the server's built-in simulated device.
   */
  device_id: Id.optional(),
  /** Ids of the protocol's pre-steps done; every required one must be here. */
  confirmed_steps: z.array(z.string().min(1).max(100)).max(100),
  current_mA: z.number().positive().max(100).optional(),
  minutes: z.number().positive().max(240).optional(),
  dose_mAmin: z.number().positive().max(10_000).optional(),
  agent_charge: z.enum(['cation', 'anion']).optional(),
});

const Sample = z.strictObject({
  t_ms: z.number().int().min(0).max(86_400_000),
  phase: z.string().min(1).max(32),
  setpoint: z.number(),
  current: z.number().nullable(),
  voltage: z.number().nullable(),
});

const TelemetryItem = z.object({
  t_ms: z.number(),
  phase: z.string(),
  setpoint: z.number(),
  current: z.number().nullable(),
  voltage: z.number().nullable(),
});

const CommandReply = z.object({ session_id: z.string(), command: z.string(), phase: z.string() });

const SocketCommand = z.strictObject({
  type: z.literal('command'),
  command: z.enum(['pause', 'resume', 'abort']),
  csrf: z.string().max(200).optional(),
});

/** A session whose patient the user may see; any other answers 404 like a missing one (the refusal is audited). */
async function visibleSession(store: Store, user: User, id: string): Promise<SessionRecord> {
  const row = await findRow(store, 'sessions', id);
  if (row === undefined) throw new IontoError('ION_ERR_NOT_FOUND', `session ${id} not found`, { id });
  await visiblePatient(store, user, row.patient_id).catch(notFoundAs('session', id));
  return getSession(store, id);
}

function withLive(s: SessionRecord, live: LiveSession | undefined): z.infer<typeof SessionSchema> {
  if (live === undefined) return s;
  const st = live.state();
  return { ...s, live: { phase: st.phase, t_ms: st.t_ms, delivered_mAmin: st.delivered_mAmin } };
}

/** Who may send which command: staff any; a patient user pause and abort of their own session (visibility checks). */
function mayCommand(user: User, op: OperatorCommand): void {
  if (user.role === 'patient' && op === 'resume') {
    throw new IontoError('ION_ERR_FORBIDDEN', 'a patient may pause or stop a session; staff resume it');
  }
}

function hosted(ctx: ServerContext, s: SessionRecord): LiveSession {
  const live = ctx.live.get(s.id);
  if (live === undefined || live.agent.done) {
    throw new IontoError(
      'ION_ERR_CONFLICT',
      s.status === 'running' && live === undefined
        ? `session ${s.id} is not run by this server`
        : `session ${s.id} has ended; it takes no more commands`,
    );
  }
  return live;
}

/** Samples after `afterMs`, keeping the first of every `every` ms when decimating, at most `limit`. */
async function telemetryPage(
  store: Store,
  sessionId: string,
  afterMs: number | undefined,
  limit: number,
  every: number | undefined,
): Promise<{ items: z.infer<typeof TelemetryItem>[]; next?: number }> {
  if (every === undefined) {
    const rows = await listTelemetry(store, sessionId, { afterMs, limit: limit + 1 });
    const items = rows.slice(0, limit);
    return rows.length > limit ? { items, next: items[items.length - 1]!.t_ms } : { items };
  }
  const items: z.infer<typeof TelemetryItem>[] = [];
  let cursor = afterMs;
  let bucket = afterMs === undefined ? -1 : Math.floor(afterMs / every);
  for (;;) {
    const chunk = await listTelemetry(store, sessionId, { afterMs: cursor, limit: MAX_TELEMETRY_PAGE });
    for (const r of chunk) {
      const b = Math.floor(r.t_ms / every);
      if (b === bucket) continue;
      if (items.length === limit) return { items, next: items[items.length - 1]!.t_ms };
      bucket = b;
      items.push(r);
    }
    if (chunk.length < MAX_TELEMETRY_PAGE) return { items };
    cursor = chunk[chunk.length - 1]!.t_ms;
  }
}

export function sessionRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/sessions',
    {
      schema: {
        summary:
          'Start a live session on a simulated device or a serial device on this server (staff). Refused when the screening refuses or is missing or ' +
          'outdated, when the course frequency caps would be broken, or when a required pre-step is not confirmed',
        body: NewSession,
        response: { 201: SessionSchema.extend({ precautions: z.array(z.string()) }) },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, STAFF_ROLES);
      const body = request.body;
      const { record, live, precautions } = await startHostedSession(ctx, user, {
        ...body,
        current: body.current_mA as MilliAmp | undefined,
        dose: body.dose_mAmin as MilliAmpMinute | undefined,
      });
      return reply
        .code(201)
        .header('location', `/api/sessions/${record.id}`)
        .send({ ...withLive(record, live), precautions: [...precautions] });
    },
  );

  app.get(
    '/api/sessions',
    {
      schema: {
        summary: "One page of a patient's sessions",
        querystring: z.object({
          patient_id: Id,
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
          cursor: z.string().max(200).optional(),
        }),
        response: { 200: z.object({ items: z.array(SessionSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const q = request.query;
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, q.patient_id);
        const page = await listSessions(tx, { limit: q.limit, cursor: q.cursor }, { patient_id: p.id });
        await audit(tx, user, 'session.list', p.id);
        const items = page.items.map((s) => withLive(s, ctx.live.get(s.id)));
        return page.next === undefined ? { items } : { items, next: page.next };
      });
    },
  );

  app.get(
    '/api/sessions/:id',
    {
      schema: {
        summary: 'One session, with its live state while it runs here',
        params: IdParams,
        response: { 200: SessionSchema },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const s = await audited(store, user, async (tx) => {
        const found = await visibleSession(tx, user, request.params.id);
        await audit(tx, user, 'session.read', found.patient_id);
        return found;
      });
      return withLive(s, ctx.live.get(s.id));
    },
  );

  app.get(
    '/api/sessions/:id/telemetry',
    {
      schema: {
        summary:
          "A page of a session's stored telemetry in time order, after t_ms `after`; `every` keeps the first sample " +
          'of each `every` ms (decimation)',
        params: IdParams,
        querystring: z.object({
          after: z.coerce.number().int().min(0).max(86_400_000).optional(),
          limit: z.coerce.number().int().min(1).max(MAX_TELEMETRY_PAGE).optional(),
          every: z.coerce.number().int().min(1).max(3_600_000).optional(),
        }),
        response: { 200: z.object({ items: z.array(TelemetryItem), next: z.number().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const q = request.query;
      return audited(store, user, async (tx) => {
        const s = await visibleSession(tx, user, request.params.id);
        await audit(tx, user, 'session.telemetry', s.patient_id);
        return telemetryPage(tx, s.id, q.after, q.limit ?? 1000, q.every);
      });
    },
  );

  for (const op of ['pause', 'resume', 'abort'] as const) {
    app.post(
      `/api/sessions/:id/${op}`,
      {
        schema: {
          summary:
            op === 'resume'
              ? 'Resume a paused session with a soft start (staff)'
              : `${op === 'pause' ? 'Pause' : 'Stop'} a session with a ramp-down (staff, or the patient it treats)`,
          params: IdParams,
          response: { 202: CommandReply },
        },
      },
      async (request, reply) => {
        const { user } = requireUser(request);
        mayCommand(user, op);
        const live = await audited(store, user, async (tx) => {
          const s = await visibleSession(tx, user, request.params.id);
          const l = hosted(ctx, s);
          await audit(tx, user, `session.${op}`, s.patient_id);
          return l;
        });
        live.command(op);
        return reply.code(202).send({ session_id: live.id, command: op, phase: live.agent.phase });
      },
    );
  }

  liveSocketRoute(app, ctx);

  app.post(
    '/api/agent/sessions/:id/telemetry',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: {
        summary:
          "An agent appends telemetry to its device's running session (device token). A sample already stored " +
          '(same t_ms) is kept as it is, so a retried batch never duplicates',
        params: IdParams,
        body: z.strictObject({ samples: z.array(Sample).min(1).max(MAX_INGEST_BATCH) }),
        response: { 202: z.object({ received: z.number().int() }) },
      },
    },
    async (request, reply) => {
      const device = requireDevice(request);
      const samples = request.body.samples;
      const s = await findRow(store, 'sessions', request.params.id);
      if (s === undefined || s.device_id !== device.id) {
        throw new IontoError('ION_ERR_NOT_FOUND', `session ${request.params.id} not found for this device`);
      }
      if (s.status !== 'running') {
        throw new IontoError('ION_ERR_CONFLICT', `session ${s.id} has ended (${s.status}); it takes no telemetry`);
      }
      // One transaction for the batch (the store's own); a retried batch changes nothing.
      await appendTelemetry(store, s.id, samples);
      await appendAudit(store, {
        actor: `device:${device.id}`,
        action: 'session.telemetry_append',
        entity: 'patients',
        entity_id: s.patient_id,
      });
      return reply.code(202).send({ received: samples.length });
    },
  );
}

/** What the live route's pre-handler found, for its socket handler. */
const socketSessions = new WeakMap<FastifyRequest, SessionRecord>();

/**
 * GET /api/sessions/:id/live (WebSocket): the session's state first, then row batches at ≥ 10 Hz, events as they
 * happen and the report at the end. The socket also takes commands, `{"type":"command","command":"pause",
 * "csrf":"…"}`: a browser sends the session cookie with any socket, so a command must prove it comes from our page.
 */
function liveSocketRoute(app: App, ctx: ServerContext): void {
  const { store } = ctx;
  app.get(
    '/api/sessions/:id/live',
    {
      websocket: true,
      schema: { summary: "A session's live telemetry, events and report (WebSocket)", params: IdParams },
      preHandler: async (request) => {
        const { user } = requireUser(request);
        const id = (request.params as { id: string }).id;
        const s = await audited(store, user, async (tx) => {
          const found = await visibleSession(tx, user, id);
          await audit(tx, user, 'session.live', found.patient_id);
          return found;
        });
        socketSessions.set(request, s);
      },
    },
    (socket: WebSocket, request) => {
      const record = socketSessions.get(request);
      const auth = request.auth;
      if (record === undefined || auth === null) {
        socket.close(1011, 'no session');
        return;
      }
      const send = (m: LiveMessage): void => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_SOCKET_BACKLOG) {
          socket.close(1013, 'too far behind');
          return;
        }
        socket.send(JSON.stringify(m));
        if (m.type === 'report' || (m.type === 'error' && m.code === 'ION_ERR_INTERNAL')) socket.close(1000, 'ended');
      };
      const live = ctx.live.get(record.id);
      if (live === undefined) {
        void endedSession(store, record.id).then((msgs) => {
          for (const m of msgs) send(m);
          socket.close(1000, 'not live');
        });
        return;
      }
      const unsubscribe = live.subscribe(send);
      socket.on('close', unsubscribe);
      socket.on('message', (data) => {
        void onSocketCommand(ctx, live, auth, String(data)).then(send);
      });
    },
  );
}

async function onSocketCommand(
  ctx: ServerContext,
  live: LiveSession,
  auth: NonNullable<FastifyRequest['auth']>,
  text: string,
): Promise<LiveMessage> {
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new IontoError('ION_ERR_VALIDATION', 'a command is JSON: {"type":"command","command":"pause","csrf":"…"}');
    }
    const parsed = SocketCommand.safeParse(raw);
    if (!parsed.success) {
      throw new IontoError(
        'ION_ERR_VALIDATION',
        `a command is {"type":"command","command":"pause"|"resume"|"abort","csrf":"…"}: ${parsed.error.issues
          .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const cmd = parsed.data;
    if (auth.via === 'session') {
      // The sign-in may have ended since the socket opened. (A script's bearer token is no ambient credential a
      // cross-site page could borrow, so it needs no CSRF token.)
      const session = ctx.sessions.get(auth.token);
      if (session === undefined) throw new IontoError('ION_ERR_UNAUTHENTICATED', 'sign in again');
      if (!sameToken(cmd.csrf, session.csrfToken)) {
        throw new IontoError('ION_ERR_CSRF', "a command must carry the session's CSRF token in `csrf`");
      }
    }
    mayCommand(auth.user, cmd.command);
    if (live.agent.done) throw new IontoError('ION_ERR_CONFLICT', 'the session has ended; it takes no more commands');
    await inTransaction(ctx.store, (tx) => audit(tx, auth.user, `session.${cmd.command}`, live.record.patient_id));
    live.command(cmd.command);
    return { type: 'ack', command: cmd.command };
  } catch (e) {
    if (isIontoError(e)) return { type: 'error', code: e.code, detail: e.message };
    return { type: 'error', code: 'ION_ERR_INTERNAL', detail: 'the command failed' };
  }
}

/** The messages a subscriber to a session not running here gets: its stored state and, if it ended, its report. */
async function endedSession(store: Store, id: string): Promise<LiveMessage[]> {
  const s = await getSession(store, id);
  const report = s.report as { duration_s?: number; target_mAmin?: number; target_mA?: number } | null;
  const state: LiveMessage = {
    type: 'state',
    session_id: s.id,
    status: s.status,
    phase: s.status,
    t_ms: Math.round((report?.duration_s ?? 0) * 1000),
    delivered_mAmin: s.delivered_mamin,
    target_mAmin: report?.target_mAmin ?? 0,
    target_mA: report?.target_mA ?? 0,
    events: [],
  };
  if (s.status === 'running') {
    return [state, { type: 'error', code: 'ION_ERR_CONFLICT', detail: 'this session is not run by this server' }];
  }
  return [state, { type: 'report', status: s.status, report: s.report }];
}
