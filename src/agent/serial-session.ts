/**
 * A session on a real device over a serial port, in real time: the handshake, the plan compiled against the limits
 * the device reported, a control loop paced to the wall clock, and reconnection after the link drops (the engine
 * pauses and resumes only after the device is re-armed). Used by `ionto run --port` and by the server for a
 * registered serial device.
 */
import { PacedDevice } from '../device/paced-device.js';
import { SerialDevice } from '../device/serial-device.js';
import { openSerialLink, type SerialPortLink } from '../device/serial-port-link.js';
import type { SessionEvent } from '../engine/events.js';
import type { OperatorCommand } from '../engine/session-machine.js';
import type { PlanScreening, SessionPlan } from '../engine/session-plan.js';
import type { RunnerHooks, SessionReport, TraceRow } from '../engine/session-runner.js';
import { SessionRun } from '../engine/session-runner.js';
import { IontoError } from '../errors/catalogue.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { compilePlan } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { Millisecond } from '../units/quantities.js';

/** Between reconnect attempts after the link to a real device dropped (ms). */
export const RECONNECT_INTERVAL_MS = 250;

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A device that answered the handshake on a port; nothing has been commanded yet. */
export interface SerialConnection {
  readonly port: string;
  readonly device: SerialDevice;
  /** Closes the port (the device's lease then runs out and it ramps its output down on its own). */
  close(): Promise<void>;
}

/** Opens the port and handshakes. Errors name the port; a port that opened but did not answer is closed again. */
export async function openSerialConnection(
  port: string,
): Promise<SerialConnection & { readonly link: SerialPortLink }> {
  const link = await openSerialLink(port);
  try {
    const device = await SerialDevice.connect(link);
    return { port, device, link, close: () => link.close() };
  } catch (e) {
    await link.close();
    if (e instanceof IontoError) throw new IontoError(e.code, `${port}: ${e.message}`, { ...e.details, port });
    throw e;
  }
}

export interface SerialSessionOptions {
  readonly protocol: Protocol;
  readonly choices: PlanChoices;
  readonly screening?: PlanScreening | undefined;
  /** Polled once per control period for the operator's pause / resume / abort. */
  readonly operator: () => OperatorCommand | undefined;
}

/** A prepared session on a real device: run it with `pace`, then `close`. */
export interface SerialSession {
  readonly run: SessionRun;
  readonly plan: SessionPlan;
  readonly modeLabel: string;
  readonly patientSummary: string;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
  /** Runs the session in real time to its end, reconnecting when the link drops; `redraw` about 10 times a second. */
  pace(redraw?: () => void): Promise<SessionReport>;
  /** Waits for a reconnect attempt under way, then closes the port. */
  close(): Promise<void>;
}

/**
 * Prepares a session on a connected device: the plan is compiled against the limits it reported (a choice beyond
 * them throws here, before anything is commanded). The session's first command goes out in its first period.
 */
export function prepareSerialSession(
  connection: SerialConnection & { readonly link: SerialPortLink },
  o: SerialSessionOptions,
): SerialSession {
  const { port, device } = connection;
  let link = connection.link;
  const plan: SessionPlan = { ...compilePlan(o.protocol, o.choices, device.info), screening: o.screening };
  const rowFns: ((r: TraceRow) => void)[] = [];
  const eventFns: ((e: SessionEvent) => void)[] = [];
  const hooks: RunnerHooks = {
    operator: () => o.operator(),
    onEvent: (e) => {
      for (const f of eventFns) f(e);
    },
  };
  const paced = new PacedDevice(device, performance.now());
  const run = new SessionRun({ plan, device: paced, hooks });
  const modeId = o.choices.mode ?? o.protocol.default_mode;
  let problemsSeen = 0;
  /** The link's own notes (lost, timeouts) go to the session's record as device events. */
  const relayProblems = (): void => {
    const ps = device.problems();
    for (; problemsSeen < ps.length; problemsSeen++) {
      const p = ps[problemsSeen]!;
      // Recorded as a pause-level event with the driver's own code in the text: the engine pauses on it and resumes
      // after the re-arm, so it is not a fault of the session.
      run.note({
        t: run.elapsed as Millisecond,
        code: 'ION_EVT_LINK_LOST',
        message: `${port}: ${p.message} (${p.code})`,
        source: 'device',
      });
    }
  };
  let reconnecting: Promise<void> | undefined;
  const reconnect = async (): Promise<void> => {
    while (!run.done && device.state === 'lost') {
      try {
        if (!link.isOpen) link = await openSerialLink(port);
        await device.reconnect(link);
        return;
      } catch {
        // A port that stays open but does not answer may be a stale handle on a device that came back under the
        // same path: close it, and open the path afresh next time.
        await link.close();
        await tick(RECONNECT_INTERVAL_MS);
      }
    }
  };
  return {
    run,
    plan,
    modeLabel: o.protocol.modes[modeId]?.label ?? modeId,
    patientSummary: `${device.info.model} on ${port}`,
    onRow: (fn) => {
      rowFns.push(fn);
      hooks.onRow ??= (r) => {
        for (const f of rowFns) f(r);
      };
    },
    onEvent: (fn) => void eventFns.push(fn),
    pace: async (redraw) => {
      const period = plan.controlPeriod;
      let redrawnAt = 0;
      while (!run.done) {
        const wait = paced.now() + period - performance.now();
        // Timers run before pending I/O in Node's event loop: yield once more after the timer so that telemetry
        // which arrived during the wait is taken in before the link's timeouts are checked.
        if (wait > 1) await tick(wait);
        await yieldNow();
        // Far behind (a stalled event loop): step at the present, not through the backlog.
        const behind = performance.now() - (paced.now() + period);
        if (behind > 5 * period) paced.advanceTo((performance.now() - period) as Millisecond);
        run.stepOnce();
        relayProblems();
        if (device.state === 'lost' && reconnecting === undefined) {
          reconnecting = reconnect().finally(() => (reconnecting = undefined));
        }
        if (redraw !== undefined && performance.now() - redrawnAt >= 100) {
          redrawnAt = performance.now();
          redraw();
        }
      }
      redraw?.();
      return run.report();
    },
    close: async () => {
      await reconnecting;
      await link.close();
    },
  };
}

/** Opens the port, handshakes and prepares the session; the port is closed again if the plan does not compile. */
export async function connectSerialSession(port: string, o: SerialSessionOptions): Promise<SerialSession> {
  const connection = await openSerialConnection(port);
  try {
    return prepareSerialSession(connection, o);
  } catch (e) {
    await connection.close();
    throw e;
  }
}
