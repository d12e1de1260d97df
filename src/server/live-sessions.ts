/**
 * The sessions this server hosts in its own process: one agent each (a simulated device, or a serial device on this
 * computer), their telemetry recorded in
 * one batch per second of session time, fanned out to live subscribers at ≥ 10 Hz, and finished in the store when the
 * agent reports. On start-up, `recoverInterruptedSessions` marks what a dead process left running.
 */
import type { AgentSpeed, HostedAgent } from '../agent/session-agent.js';
import { dateOf, localDayOf } from '../clinic/local-calendar.js';
import type { SessionEvent } from '../engine/events.js';
import type { OperatorCommand } from '../engine/session-machine.js';
import type { SessionReport, TraceRow } from '../engine/session-runner.js';
import { IontoError } from '../errors/catalogue.js';
import {
  appendAudit,
  finishSession,
  inTransaction,
  interruptRunningSessions,
  TelemetryRecorder,
  updatePlannedSession,
} from '../store/index.js';
import type { SessionRecord, Store } from '../store/index.js';

/** Wall time between live messages (ms): 20 a second, so a subscriber sees ≥ 10 Hz even with a late timer. */
export const LIVE_MESSAGE_MS = 50;
/** Session time between telemetry batches (ms): a process killed mid-session loses at most this much. */
export const RECORD_EVERY_MS = 1000;

/**
 * Session time between batches at a speed factor. Up to ×10 it is one batch per second of session time; faster (tests,
 * demos) it is ten batches per wall second, so the writes do not starve the server's event loop (a batch costs about
 * a millisecond): a kill then loses at most 0.1 s of wall time. A session on a real device always runs at ×1.
 */
export const recordEveryMs = (speed: AgentSpeed): number =>
  speed === 'max' ? 60_000 : RECORD_EVERY_MS * Math.max(1, speed / 10);

const r4 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

/** A batch of trace rows, column by column (what a chart takes). */
export interface RowsMessage {
  type: 'rows';
  t: number[];
  phase: string[];
  setpoint: (number | null)[];
  current: (number | null)[];
  voltage: (number | null)[];
  impedance: (number | null)[];
  delivered: (number | null)[];
}

export interface EventMessage {
  type: 'event';
  t_s: number;
  code: string;
  message: string;
  source: string;
}

export interface LiveState {
  session_id: string;
  status: string;
  phase: string;
  t_ms: number;
  delivered_mAmin: number;
  target_mAmin: number;
  target_mA: number;
}

export type LiveMessage =
  | ({ type: 'state'; events: Omit<EventMessage, 'type'>[] } & LiveState)
  | RowsMessage
  | EventMessage
  | { type: 'report'; status: string; report: SessionReport | unknown }
  | { type: 'ack'; command: OperatorCommand }
  | { type: 'error'; code: string; detail: string };

export type Subscriber = (m: LiveMessage) => void;

const eventMessage = (e: SessionEvent): EventMessage => ({
  type: 'event',
  t_s: Math.round(e.t / 10) / 100,
  code: e.code,
  message: e.message,
  source: e.source,
});

function rowsMessage(rows: readonly TraceRow[]): RowsMessage {
  const m: RowsMessage = {
    type: 'rows',
    t: [],
    phase: [],
    setpoint: [],
    current: [],
    voltage: [],
    impedance: [],
    delivered: [],
  };
  for (const r of rows) {
    m.t.push(r.t);
    m.phase.push(r.phase);
    m.setpoint.push(r4(r.setpoint));
    m.current.push(r4(r.current));
    m.voltage.push(r4(r.voltage));
    m.impedance.push(Number.isFinite(r.impedance) ? Math.round(r.impedance) : null);
    m.delivered.push(r4(r.delivered));
  }
  return m;
}

/** One hosted session. */
export class LiveSession {
  private pending: TraceRow[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly timer: NodeJS.Timeout;
  private finalMessage: LiveMessage | undefined;
  /** Resolves once the session has ended and its end is stored (or storing it failed). */
  readonly ended: Promise<SessionRecord | undefined>;

  constructor(
    readonly record: SessionRecord,
    readonly agent: HostedAgent,
    private readonly host: {
      store: Store;
      startedBy: string;
      recordEveryMs: number;
      onError: (e: unknown) => void;
      release: () => void;
    },
  ) {
    const recorder = new TelemetryRecorder(host.store, record.id, { flushEveryMs: host.recordEveryMs });
    agent.listen({
      row: (r) => {
        recorder.record(r);
        this.pending.push(r);
      },
      event: (e) => {
        this.flushRows();
        this.broadcast(eventMessage(e));
      },
    });
    this.timer = setInterval(() => this.flushRows(), LIVE_MESSAGE_MS);
    this.ended = agent
      .run()
      .then(async (report) => {
        clearInterval(this.timer);
        this.flushRows();
        await recorder.flush();
        const stored = await this.finish(report);
        this.end({ type: 'report', status: report.status, report });
        return stored;
      })
      .catch((e: unknown) => {
        clearInterval(this.timer);
        host.onError(e);
        this.end({ type: 'error', code: 'ION_ERR_INTERNAL', detail: 'the session could not be recorded' });
        return undefined;
      })
      .finally(() => host.release());
  }

  get id(): string {
    return this.record.id;
  }

  state(): LiveState {
    const row = this.agent.latestRow;
    return {
      session_id: this.id,
      status: this.agent.done ? 'ending' : 'running',
      phase: this.agent.phase,
      t_ms: this.agent.elapsedMs,
      delivered_mAmin: row === undefined ? 0 : (r4(row.delivered) ?? 0),
      target_mAmin: this.agent.plan.dose,
      target_mA: this.agent.plan.target,
    };
  }

  /**
   * Adds a subscriber: it gets the current state (with the events so far) first, then every batch and event; after
   * the end, the final message and nothing more. Returns the unsubscribe function.
   */
  subscribe(fn: Subscriber): () => void {
    fn({
      type: 'state',
      ...this.state(),
      events: this.agent.events.map((e) => {
        const { type: _type, ...rest } = eventMessage(e);
        return rest;
      }),
    });
    if (this.finalMessage !== undefined) {
      fn(this.finalMessage);
      return () => undefined;
    }
    this.subscribers.add(fn);
    return () => void this.subscribers.delete(fn);
  }

  /** Passes an operator command to the agent (ION_ERR_CONFLICT once the session has ended). */
  command(op: OperatorCommand): void {
    this.agent.command(op);
  }

  private flushRows(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    this.broadcast(rowsMessage(rows));
  }

  private broadcast(m: LiveMessage): void {
    for (const fn of this.subscribers) {
      try {
        fn(m);
      } catch (e) {
        this.subscribers.delete(fn);
        this.host.onError(e);
      }
    }
  }

  private end(m: LiveMessage): void {
    this.finalMessage = m;
    this.broadcast(m);
    this.subscribers.clear();
  }

  /**
   * Stores the end: status, dose and report, and for a completed session the patient's planned session of that local
   * day (in the course's zone) becomes 'done'; audited as the user who started the session.
   */
  private async finish(report: SessionReport): Promise<SessionRecord> {
    const { store, startedBy } = this.host;
    const s = this.record;
    // finishSession runs its own transaction (the store's transactions do not nest); the audit entry and the planned
    // session follow in a second one.
    const done = await finishSession(store, s.id, {
      status: report.status,
      delivered_mamin: report.delivered_mAmin,
      report,
    });
    await inTransaction(store, async (tx) => {
      await appendAudit(tx, {
        actor: startedBy,
        action: 'session.finish',
        entity: 'patients',
        entity_id: s.patient_id,
      });
      if (report.status === 'completed') await markPlannedDone(tx, s);
    });
    return done;
  }
}

/** The first planned (or rescheduled) session of the patient's courses of this protocol on the session's local day. */
export async function markPlannedDone(store: Store, s: SessionRecord): Promise<boolean> {
  const courses = await store.db
    .selectFrom('courses')
    .select(['id', 'time_zone'])
    .where('patient_id', '=', s.patient_id)
    .where('protocol', '=', s.protocol)
    .execute();
  for (const c of courses) {
    const day = dateOf(localDayOf(Date.parse(s.started_at), c.time_zone));
    const planned = await store.db
      .selectFrom('planned_sessions')
      .selectAll()
      .where('course_id', '=', c.id)
      .where('local_date', '=', day)
      .where('status', 'in', ['planned', 'rescheduled'])
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (planned !== undefined) {
      await updatePlannedSession(store, planned.id, planned.version, { status: 'done' });
      return true;
    }
  }
  return false;
}

export interface LiveSessionsOptions {
  readonly store: Store;
  /** Session time per wall time (1 = real time; tests run faster). */
  readonly speed: AgentSpeed;
  /** Where a failure to record goes (the session then stays 'running' until start-up recovery). */
  readonly onError?: (e: unknown) => void;
}

/** The longest a new start waits for an ended session's record to be stored before it is refused as busy (ms). */
const ENDING_WAIT_MS = 5000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** The sessions hosted by this server process. */
export class LiveSessions {
  private readonly live = new Map<string, LiveSession>();
  /** Patients and devices with a session starting or running: one at a time each. */
  private readonly busy = new Set<string>();
  private closing = false;

  constructor(readonly options: LiveSessionsOptions) {}

  get speed(): AgentSpeed {
    return this.options.speed;
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Holds the patient (and device) for a session about to start; refuses when either already has one here. A session
   * whose engine has ended but whose end is still being stored holds them a moment longer: the reservation waits for
   * that (the client may already read the session as ended) rather than refusing, so the next start is judged on the
   * stored end (its dose, the frequency caps). Call the returned release if the start fails before `start`.
   */
  async reserve(patientId: string, deviceKey: string | undefined): Promise<() => void> {
    if (this.closing) throw new IontoError('ION_ERR_UNAVAILABLE', 'the server is shutting down');
    const keys = [`patient:${patientId}`, ...(deviceKey === undefined ? [] : [`device:${deviceKey}`])];
    const ending = [...this.live.values()].filter(
      (l) =>
        l.agent.done &&
        (l.record.patient_id === patientId || (deviceKey !== undefined && l.record.device_id === deviceKey)),
    );
    if (ending.length > 0) await Promise.race([Promise.all(ending.map((l) => l.ended)), sleep(ENDING_WAIT_MS)]);
    for (const k of keys) {
      if (this.busy.has(k)) {
        throw new IontoError(
          'ION_ERR_CONFLICT',
          k.startsWith('patient:') ? 'this patient already has a session running' : 'this device is in use',
        );
      }
    }
    for (const k of keys) this.busy.add(k);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of keys) this.busy.delete(k);
    };
  }

  /** Runs a prepared agent for a stored session; `release` is the reservation's. */
  start(record: SessionRecord, agent: HostedAgent, startedBy: string, release: () => void): LiveSession {
    const session = new LiveSession(record, agent, {
      store: this.options.store,
      startedBy,
      recordEveryMs: recordEveryMs(agent.speed),
      onError: (e) => this.options.onError?.(e),
      release: () => {
        this.live.delete(record.id);
        release();
      },
    });
    this.live.set(record.id, session);
    return session;
  }

  /**
   * Stops every hosted session: abort (the engine ramps down), run the ramp-down at once, and store the end. Called
   * when the server closes, before the store does.
   */
  async closeAll(): Promise<void> {
    this.closing = true;
    const all = [...this.live.values()];
    for (const s of all) {
      if (!s.agent.done) s.agent.command('abort');
      s.agent.hurry();
    }
    await Promise.all(all.map((s) => s.ended));
  }
}

/**
 * For `ionto serve` at start-up, before it hosts any session: every session still 'running' in the store belongs to a
 * process that died; each is marked interrupted with the dose its stored telemetry shows.
 */
export async function recoverInterruptedSessions(store: Store): Promise<SessionRecord[]> {
  const interrupted = await interruptRunningSessions(store);
  for (const s of interrupted) {
    await appendAudit(store, {
      actor: 'system',
      action: 'session.interrupted',
      entity: 'patients',
      entity_id: s.patient_id,
    });
  }
  return interrupted;
}
