import { readFileSync } from 'node:fs';
import { PacedDevice } from '../device/paced-device.js';
import { parseScenario } from '../device/scenario.js';
import { SerialDevice } from '../device/serial-device.js';
import { openSerialLink, type SerialPortLink } from '../device/serial-port-link.js';
import type { SessionEvent } from '../engine/events.js';
import type { RunnerHooks, TraceRow } from '../engine/session-runner.js';
import { SessionRun } from '../engine/session-runner.js';
import type { PlanScreening, SessionPlan } from '../engine/session-plan.js';
import { parseProtocol } from '../protocols/protocol-parse.js';
import type { Scenario } from '../device/scenario.js';
import type { OperatorCommand } from '../engine/session-machine.js';
import type { SessionReport } from '../engine/session-runner.js';
import { IontoError } from '../errors/catalogue.js';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import type { Screening } from '../clinic/screening.js';
import { assertNotRefused, screen } from '../clinic/screening.js';
import { parseScreeningAnswers } from '../clinic/screening-answers.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { compilePlan } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import type { MilliAmp, MilliAmpMinute, Millisecond } from '../units/quantities.js';
import { EXIT, integerOption, numberOption } from './cli-errors.js';
import { LiveProgress, clock } from './live-progress.js';
import { confirmSteps, unconfirmed } from './checklist.js';
import { TraceFile } from './trace-file.js';

export interface RunOptions {
  zone?: string;
  current?: string;
  minutes?: string;
  dose?: string;
  agentCharge?: 'cation' | 'anion';
  mode?: string;
  seed?: string;
  scenario?: string;
  speed?: string;
  trace?: string;
  json?: boolean;
  confirmSteps?: boolean;
  answers?: string;
  /** Serial port or pseudo-terminal of a real device: the session runs on it in real time. */
  port?: string;
}

export interface RunIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
}

function parseSpeed(raw: string | undefined, json: boolean): number | 'max' {
  if (raw === undefined) return json ? 'max' : 1;
  if (raw === 'max') return 'max';
  const n = numberOption('--speed', raw)!;
  if (!(n > 0 && n <= 1e6)) {
    throw new IontoError('ION_ERR_USAGE', `--speed must be "max" or a factor between 0 and 1000000, got ${raw}`);
  }
  return n;
}

function screenFromFile(protocol: Protocol, path: string, choices: { zone?: string; mode?: string }): Screening {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IontoError(
      'ION_ERR_ANSWERS_INVALID',
      `--answers ${path}: cannot read the file (${(e as Error).message})`,
    );
  }
  return screen(protocol, parseScreeningAnswers(text, path), { zone: choices.zone, mode: choices.mode });
}

function readScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IontoError('ION_ERR_SCENARIO', `--scenario ${path}: cannot read the file (${(e as Error).message})`);
  }
  return parseScenario(text, path);
}

/** Everything is checked before the output is enabled: a bad option never starts a current. */
export async function runCommand(protocolId: string, o: RunOptions, io: RunIo): Promise<number> {
  const json = o.json === true;
  const protocol = protocolId.endsWith('.json') ? readProtocolFile(protocolId) : findProtocol(protocolId);
  if (o.port !== undefined) {
    if (o.scenario !== undefined) {
      throw new IontoError('ION_ERR_USAGE', '--scenario acts on the virtual patient; it cannot be used with --port');
    }
    if (o.speed !== undefined && o.speed !== '1') {
      throw new IontoError(
        'ION_ERR_USAGE',
        `--port runs a real device in real time; --speed ${o.speed} is not allowed`,
      );
    }
  }
  const current = numberOption('--current', o.current);
  const minutes = numberOption('--minutes', o.minutes);
  const dose = numberOption('--dose', o.dose);
  const seed = integerOption('--seed', o.seed) ?? 1;
  const speed = parseSpeed(o.speed, json);
  const scenario = o.scenario !== undefined ? readScenario(o.scenario) : [];
  // The plan is compiled (every choice checked) before the checklist is asked, and the checklist is done before
  // the session exists: preparing a session sends its first command.
  const choices: PlanChoices = {
    zone: o.zone,
    mode: o.mode,
    current: current as MilliAmp | undefined,
    minutes,
    dose: dose as MilliAmpMinute | undefined,
    agentCharge: o.agentCharge,
  };
  compilePlan(protocol, choices, DEFAULT_DEVICE_INFO);
  // Screening first: a refused patient is not asked to prepare anything.
  const screening = o.answers !== undefined ? screenFromFile(protocol, o.answers, choices) : undefined;
  if (screening) {
    const precautions = screening.reasons.filter((r) => r.effect === 'precaution');
    if (!json && precautions.length > 0) {
      io.stdout.write(`Precautions:\n${precautions.map((r) => `  ! ${r.text} [${r.source}]`).join('\n')}\n`);
    }
    assertNotRefused(screening);
  }
  const pre = await confirmSteps(`Before ${protocol.title}`, protocol.pre_steps, o.confirmSteps === true, io);
  const missing = unconfirmed(pre);
  if (missing.length > 0) {
    io.stderr.write(`ionto: not started: ${missing.map((m) => `"${m.text}"`).join(', ')} not done\n`);
    return EXIT.aborted;
  }
  // Opened (and so checked writable) before the session exists.
  const trace = o.trace !== undefined ? new TraceFile(o.trace) : undefined;
  let operator: OperatorCommand | undefined;
  const planScreening = screening && {
    result: screening.result,
    reasons: screening.reasons.filter((r) => r.effect !== 'info').map((r) => `${r.item}: ${r.text}`),
  };
  const takeOperator = (): OperatorCommand | undefined => {
    const op = operator;
    operator = undefined;
    return op;
  };
  let serial: SerialSession | undefined;
  try {
    serial =
      o.port !== undefined ? await connectSerial(o.port, protocol, choices, planScreening, takeOperator) : undefined;
  } catch (e) {
    trace?.close();
    throw e;
  }
  const session: RunnableSession =
    serial ??
    prepareSimulatedSession({
      protocol,
      choices,
      screening: planScreening,
      seed,
      scenario,
      hooks: { operator: takeOperator },
    });
  const { run } = session;
  const live = json ? undefined : new LiveProgress(run, io.stdout);
  if (trace) session.onRow(trace.add.bind(trace));
  if (!json) {
    io.stdout.write(
      `${protocol.title} · ${run.engineConfig.plan.zone} · ${session.modeLabel} · ${serial ? session.patientSummary : `simulated patient #${seed} (${session.patientSummary})`}\n` +
        `  ${run.engineConfig.plan.target} mA, ${run.engineConfig.plan.dose.toFixed(1)} mA·min over ${clock(run.engineConfig.plan.duration)}` +
        `${serial ? ', real time' : speed === 'max' ? ', as fast as possible' : speed === 1 ? ', real time' : `, ${speed}× real time`}` +
        `${io.stdin?.isTTY ? ' — keys: p pause, r resume, q stop' : ''}\n`,
    );
  }

  if (live) {
    for (const e of run.allEvents) live.event(e);
    session.onEvent((e) => live.event(e));
  }

  // Keys: p pause, r resume, q or Ctrl-C stop with a ramp-down; a second Ctrl-C leaves at once.
  let interrupts = 0;
  const onKey = (buf: Buffer): void => {
    const k = buf.toString();
    if (k === 'p') operator = 'pause';
    else if (k === 'r') operator = 'resume';
    else if (k === 'q' || k === '\u0003') {
      operator = 'abort';
      if (k === '\u0003' && ++interrupts >= 2) process.exit(EXIT.aborted);
    }
  };
  const onSigint = (): void => {
    operator = 'abort';
    if (++interrupts >= 2) process.exit(EXIT.aborted);
  };
  const stdin = io.stdin;
  const raw = !json && stdin?.isTTY === true;
  if (raw) {
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
  }
  process.on('SIGINT', onSigint);

  let report: SessionReport;
  try {
    report = serial ? await serial.pace(() => live?.update()) : await pace(session.run, speed, () => live?.update());
  } finally {
    await serial?.close();
    live?.stop();
    trace?.close();
    process.off('SIGINT', onSigint);
    if (raw) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
  }

  if (!json) io.stdout.write(summary(report));
  const post =
    report.status === 'fault'
      ? []
      : await confirmSteps(`After ${protocol.title}`, protocol.post_steps, o.confirmSteps === true, io).catch(() =>
          protocol.post_steps.map((st) => ({ id: st.id, text: st.text, required: st.required, confirmed: false })),
        );
  if (json) {
    const screened = screening && { result: screening.result, reasons: screening.reasons };
    const agent = { name: protocol.agent.name, charge: o.agentCharge ?? protocol.agent.charge };
    io.stdout.write(
      JSON.stringify({ ...report, agent, screening: screened ?? null, pre_steps: pre, post_steps: post }, null, 2) +
        '\n',
    );
  } else if (post.some((p) => !p.confirmed)) {
    io.stdout.write(
      `  still to do: ${post
        .filter((p) => !p.confirmed)
        .map((p) => p.text)
        .join('; ')}\n`,
    );
  }
  return report.status === 'completed' ? EXIT.ok : report.status === 'fault' ? EXIT.fault : EXIT.aborted;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the run loop needs of a prepared session, simulated or on a real device. */
interface RunnableSession {
  readonly run: SessionRun;
  readonly modeLabel: string;
  readonly patientSummary: string;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
}

interface SerialSession extends RunnableSession {
  /** Run the session in real time to its end, reconnecting when the link drops. */
  pace(redraw: () => void): Promise<SessionReport>;
  close(): Promise<void>;
}

function readProtocolFile(path: string): Protocol {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IontoError('ION_ERR_PROTOCOL_INVALID', `${path}: cannot read the file (${(e as Error).message})`);
  }
  return parseProtocol(text, path);
}

/** Between reconnect attempts after the link to a real device dropped (ms). */
const RECONNECT_INTERVAL = 250;

/**
 * Open the port, handshake, and prepare a session on the device that answered: the plan is compiled against the
 * limits it reported. Nothing is commanded until the returned session's first period. Errors name the port.
 */
async function connectSerial(
  port: string,
  protocol: Protocol,
  choices: PlanChoices,
  screening: PlanScreening | undefined,
  operator: () => OperatorCommand | undefined,
): Promise<SerialSession> {
  let link: SerialPortLink = await openSerialLink(port);
  let device: SerialDevice;
  try {
    device = await SerialDevice.connect(link);
  } catch (e) {
    await link.close();
    if (e instanceof IontoError) throw new IontoError(e.code, `${port}: ${e.message}`, { ...e.details, port });
    throw e;
  }
  let plan: SessionPlan;
  try {
    plan = { ...compilePlan(protocol, choices, device.info), screening };
  } catch (e) {
    await link.close();
    throw e;
  }
  const rowFns: ((r: TraceRow) => void)[] = [];
  const eventFns: ((e: SessionEvent) => void)[] = [];
  const hooks: RunnerHooks = {
    operator: () => operator(),
    onEvent: (e) => {
      for (const f of eventFns) f(e);
    },
  };
  const paced = new PacedDevice(device, performance.now());
  const run = new SessionRun({ plan, device: paced, hooks });
  const modeId = choices.mode ?? protocol.default_mode;
  const problemsSeen = { n: 0 };
  /** The link's own notes (lost, timeouts) go to the session's record as device events. */
  const relayProblems = (): void => {
    const ps = device.problems();
    for (; problemsSeen.n < ps.length; problemsSeen.n++) {
      const p = ps[problemsSeen.n]!;
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
        await tick(RECONNECT_INTERVAL);
      }
    }
  };
  return {
    run,
    modeLabel: protocol.modes[modeId]?.label ?? modeId,
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
        if (performance.now() - redrawnAt >= 100) {
          redrawnAt = performance.now();
          redraw();
        }
      }
      redraw();
      return run.report();
    },
    close: async () => {
      await reconnecting;
      await link.close();
    },
  };
}
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Run the session paced against the wall clock (`speed` × real time) or as fast as possible. */
async function pace(run: SessionRun, speed: number | 'max', redraw: () => void): Promise<SessionReport> {
  const period = run.engineConfig.plan.controlPeriod;
  if (speed === 'max') {
    while (!run.done) {
      run.advance(5000);
      redraw();
      await yieldNow();
    }
    return run.report();
  }
  const start = performance.now();
  while (!run.done) {
    const due = Math.floor(((performance.now() - start) * speed) / period);
    const now = Math.floor(run.elapsed / period);
    if (due > now) run.advance(due - now);
    redraw();
    await tick(Math.max(10, Math.min(100, period / speed)));
  }
  return run.report();
}

/** The readable end-of-session summary (the events were printed live above it). */
export function summary(r: SessionReport): string {
  const lines = [
    '',
    `${r.protocol} · ${r.zone} · ${r.status.toUpperCase()}`,
    `  dose      ${r.delivered_mAmin.toFixed(2)} of ${r.target_mAmin.toFixed(2)} mA·min = ${r.delivered_C.toFixed(3)} C (${r.charge_density_mAmin_per_cm2.toFixed(3)} mA·min/cm² over ${r.area_cm2} cm²)`,
    `  time      ${clock(r.treated_s)} treating, ${clock(r.duration_s)} in all; ${r.reversals} reversal(s), ${r.pauses} pause(s)`,
    `  current   target ${r.target_mA.toFixed(2)} mA, peak ${r.peak_current_mA.toFixed(2)} mA, RMS error ${r.rms_error_pct.toFixed(2)} %, overshoot ${r.max_overshoot_pct.toFixed(2)} %, fastest rise ${r.max_rise_mA_per_s.toFixed(2)} mA/s, fastest change ${r.max_didt_mA_per_s.toFixed(2)} mA/s`,
  ];
  for (const f of r.faults) lines.push(`  FAULT     ${f.code} at ${clock(f.t_s)}: ${f.message}`);
  return lines.join('\n') + '\n';
}
