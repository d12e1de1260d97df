/**
 * Runs one home session to its end — on the simulated device and virtual patient (paced to the wall clock, or as
 * fast as possible) or on a real device over a serial port (src/agent/serial-session.ts) — with the live view,
 * the keys of `ionto run` (p pause, r resume, q stop) and a telemetry record thinned for upload.
 */
import { connectSerialSession } from '../agent/serial-session.js';
import type { SessionEvent } from '../engine/events.js';
import type { SessionReport, SessionRun, TraceRow } from '../engine/session-runner.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import { clock, LiveProgress } from './live-progress.js';
import { operatorKeys, pace } from './session-loop.js';

/** The telemetry an upload may carry (POST /api/home/sync, docs/server.md: at most 10 000 rows). */
export const MAX_TELEMETRY_ROWS = 10_000;
/** One telemetry row kept per this much session time (design: 1 s keeps a 2-hour session under the limit). */
export const TELEMETRY_EVERY_MS = 1000;

export interface TelemetryRow {
  readonly t_ms: number;
  readonly phase: string;
  readonly setpoint: number;
  /** Null when no sample arrived in that period. */
  readonly current: number | null;
  readonly voltage: number | null;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export interface HomeRunResult {
  readonly report: SessionReport;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly telemetry: readonly TelemetryRow[];
}

export interface HomeRunOptions {
  readonly protocol: Protocol;
  readonly choices: PlanChoices;
  readonly seed: number;
  readonly speed: number | 'max';
  readonly port?: string | undefined;
  readonly now: () => Date;
}

interface Runnable {
  readonly run: SessionRun;
  readonly modeLabel: string;
  readonly patientSummary: string;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
}

/** Run the session; the caller has checked the plan, the caps and the pre-steps. */
export async function runHomeSession(
  o: HomeRunOptions,
  io: { stdout: NodeJS.WriteStream; stdin?: NodeJS.ReadStream | undefined },
): Promise<HomeRunResult> {
  const keys = operatorKeys(io.stdin, true);
  const takeOperator = keys.take;
  const serial =
    o.port !== undefined
      ? await connectSerialSession(o.port, { protocol: o.protocol, choices: o.choices, operator: takeOperator })
      : undefined;
  const session: Runnable =
    serial ??
    prepareSimulatedSession({
      protocol: o.protocol,
      choices: o.choices,
      seed: o.seed,
      hooks: { operator: takeOperator },
    });
  const { run } = session;
  const telemetry: TelemetryRow[] = [];
  let nextRowAt = 0;
  session.onRow((r) => {
    if (r.t < nextRowAt || telemetry.length >= MAX_TELEMETRY_ROWS) return;
    nextRowAt = r.t + TELEMETRY_EVERY_MS;
    telemetry.push({
      t_ms: Math.round(r.t),
      phase: r.phase,
      setpoint: r.setpoint,
      current: finiteOrNull(r.current),
      voltage: finiteOrNull(r.voltage),
    });
  });
  const live = new LiveProgress(run, io.stdout);
  const plan = run.engineConfig.plan;
  io.stdout.write(
    `${o.protocol.title} · ${plan.zone} · ${session.modeLabel} · ${serial ? session.patientSummary : `simulated device, patient #${o.seed}`}\n` +
      `  ${plan.target} mA, ${plan.dose.toFixed(1)} mA·min over ${clock(plan.duration)}` +
      `${serial || o.speed === 1 ? ', real time' : o.speed === 'max' ? ', as fast as possible' : `, ${o.speed}× real time`}` +
      `${io.stdin?.isTTY ? ' — keys: p pause, r resume, q stop' : ''}\n`,
  );
  for (const e of run.allEvents) live.event(e);
  session.onEvent((e) => live.event(e));

  keys.listen();
  const startedAt = o.now();
  let report: SessionReport;
  try {
    report = serial ? await serial.pace(() => live.update()) : await pace(run, o.speed, () => live.update());
  } finally {
    await serial?.close();
    live.stop();
    keys.dispose();
  }
  // A session run faster than real time is dated by its own length, so the record reads as it would have happened.
  const endedAt =
    serial || o.speed === 1 ? o.now() : new Date(startedAt.getTime() + Math.round(report.duration_s * 1000));
  return { report, startedAt, endedAt, telemetry };
}
