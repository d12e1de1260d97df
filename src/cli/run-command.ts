import { readFileSync } from 'node:fs';
import { connectSerialSession } from '../agent/serial-session.js';
import type { SerialSession } from '../agent/serial-session.js';
import { parseScenario } from '../device/scenario.js';
import type { SessionEvent } from '../engine/events.js';
import type { SessionRun, TraceRow } from '../engine/session-runner.js';
import { parseProtocol } from '../protocols/protocol-parse.js';
import type { Scenario } from '../device/scenario.js';
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
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import { EXIT, integerOption, numberOption } from './cli-errors.js';
import { LiveProgress, clock } from './live-progress.js';
import { confirmSteps, unconfirmed } from './checklist.js';
import { TraceFile } from './trace-file.js';
import { operatorKeys, pace } from './session-loop.js';

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
  const keys = operatorKeys(io.stdin, !json);
  const planScreening = screening && {
    result: screening.result,
    reasons: screening.reasons.filter((r) => r.effect !== 'info').map((r) => `${r.item}: ${r.text}`),
  };
  const takeOperator = keys.take;

  let serial: SerialSession | undefined;
  try {
    serial =
      o.port !== undefined
        ? await connectSerialSession(o.port, { protocol, choices, screening: planScreening, operator: takeOperator })
        : undefined;
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

  keys.listen();

  let report: SessionReport;
  try {
    report = serial ? await serial.pace(() => live?.update()) : await pace(session.run, speed, () => live?.update());
  } finally {
    await serial?.close();
    live?.stop();
    trace?.close();
    keys.dispose();
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

/** What the run loop needs of a prepared session, simulated or on a real device. */
interface RunnableSession {
  readonly run: SessionRun;
  readonly modeLabel: string;
  readonly patientSummary: string;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
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
