import type { SessionEvent } from '../engine/events.js';
import type { OperatorCommand, Phase } from '../engine/session-machine.js';
import type { SessionReport, SessionRun, TraceRow } from '../engine/session-runner.js';
import type { SessionPlan } from '../engine/session-plan.js';
import { IontoError } from '../errors/catalogue.js';
import type { SimulatedSessionOptions } from '../simulation/simulated-session.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';

/** How fast session time runs: a factor of the wall clock (1 = real time), or 'max' (as fast as the CPU allows). */
export type AgentSpeed = number | 'max';

export interface AgentOptions extends Omit<SimulatedSessionOptions, 'hooks'> {
  readonly speed: AgentSpeed;
}

/** What an agent reports while its session runs: every trace row and event, in session order. */
export interface AgentListener {
  row?(r: TraceRow): void;
  event?(e: SessionEvent): void;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Checks a speed factor: 'max' or a finite factor from 0.01 to 10 000. */
export function checkSpeed(speed: AgentSpeed): AgentSpeed {
  if (speed === 'max') return speed;
  if (!(typeof speed === 'number' && Number.isFinite(speed) && speed >= 0.01 && speed <= 10_000)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `speed must be "max" or a factor from 0.01 to 10000, got ${speed}`);
  }
  return speed;
}

/**
 * What a host (the server's live sessions) needs of an agent, whatever the device: a simulated one (`SessionAgent`)
 * or a real one on a serial port (`SerialSessionAgent`).
 */
export interface HostedAgent {
  readonly plan: SessionPlan;
  readonly modeLabel: string;
  /** The pace it runs at: a real device always runs at 1. */
  readonly speed: AgentSpeed;
  readonly events: readonly SessionEvent[];
  readonly elapsedMs: number;
  readonly phase: Phase;
  readonly done: boolean;
  readonly latestRow: TraceRow | undefined;
  listen(l: AgentListener): void;
  command(op: OperatorCommand): void;
  /** A host shutting down: finish as soon as the device allows. */
  hurry(): void;
  run(): Promise<SessionReport>;
}

/** A prepared session as the agents hold it: its run, and its rows and events for listeners. */
export interface AgentSession {
  readonly run: SessionRun;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
}

/**
 * What every agent does the same way whatever its device: the session's state read from its run, listeners, and the
 * operator's commands queued for the next control period.
 */
export abstract class RunAgent {
  protected abstract readonly session: AgentSession;
  /** Polled by the runner once per control period (pass `() => this.operators.shift()` as the session's operator). */
  protected readonly operators: OperatorCommand[] = [];
  private lastRow: TraceRow | undefined;

  /** Keeps the newest row; call once the session exists. */
  protected trackRows(): void {
    this.session.onRow((r) => {
      this.lastRow = r;
    });
  }

  get events(): readonly SessionEvent[] {
    return this.session.run.allEvents;
  }

  /** Session time (ms) run so far. */
  get elapsedMs(): number {
    return this.session.run.elapsed;
  }

  get phase(): Phase {
    return this.session.run.state.phase;
  }

  get done(): boolean {
    return this.session.run.done;
  }

  /** The newest trace row, if a period has run. */
  get latestRow(): TraceRow | undefined {
    return this.lastRow;
  }

  listen(l: AgentListener): void {
    if (l.row) this.session.onRow(l.row);
    if (l.event) this.session.onEvent(l.event);
  }

  /**
   * Queues an operator command for the next control period. The engine decides what it means in its phase (a pause
   * ramps down without a step, a resume soft-starts, an abort ramps down and ends); after the end it is refused.
   */
  command(op: OperatorCommand): void {
    if (this.done) throw new IontoError('ION_ERR_CONFLICT', `the session has ended; '${op}' comes too late`);
    this.operators.push(op);
  }
}

/**
 * Runs one session on the device next to it: the plan compiled from the protocol, the engine and supervisor in
 * `SessionRun`, the device stepped in control periods paced against the wall clock × `speed`. It knows nothing of
 * the server: whoever hosts it (the server in-process, a remote agent process later) listens to its rows and events
 * and passes operator commands in. The control loop never waits for a listener.
 */
export class SessionAgent extends RunAgent implements HostedAgent {
  readonly plan: SessionPlan;
  readonly modeLabel: string;
  protected readonly session: ReturnType<typeof prepareSimulatedSession>;
  private currentSpeed: AgentSpeed;
  private started: Promise<SessionReport> | undefined;

  /**
   * Compiles and checks everything before the output is ever enabled: a bad zone, mode, current or a refused
   * screening throws here. The session's first command (precheck probe) is sent by the runner once this returns.
   */
  constructor(options: AgentOptions) {
    super();
    this.currentSpeed = checkSpeed(options.speed);
    this.session = prepareSimulatedSession({
      ...options,
      hooks: { operator: () => this.operators.shift() },
    });
    this.plan = this.session.plan;
    this.modeLabel = this.session.modeLabel;
    this.trackRows();
  }

  /** Events the session emitted before `start` (the precheck's first command). */
  get initialEvents(): readonly SessionEvent[] {
    return this.session.run.allEvents;
  }

  get speed(): AgentSpeed {
    return this.currentSpeed;
  }

  /** From now on run as fast as possible (a host shutting down finishes the ramp-down at once). */
  hurry(): void {
    this.currentSpeed = 'max';
  }

  /** Starts the paced run (once); resolves with the report when the session ends. */
  run(): Promise<SessionReport> {
    this.started ??= this.pace();
    return this.started;
  }

  private async pace(): Promise<SessionReport> {
    const run = this.session.run;
    const period = this.plan.controlPeriod;
    let wallStart = performance.now();
    let sessionStart = run.elapsed;
    let paced: number | 'max' = this.currentSpeed;
    while (!run.done) {
      const speed = this.currentSpeed;
      if (speed === 'max') {
        run.advance(5000);
        await yieldNow();
        paced = 'max';
        continue;
      }
      if (paced !== speed) {
        // A new pace counts from here, so a change of speed does not jump the session forward.
        wallStart = performance.now();
        sessionStart = run.elapsed;
        paced = speed;
      }
      const due = Math.floor((sessionStart + (performance.now() - wallStart) * speed) / period);
      const now = Math.floor(run.elapsed / period);
      if (due > now) run.advance(due - now);
      if (run.done) break;
      await tick(Math.max(10, Math.min(50, period / speed)));
    }
    return run.report();
  }
}
