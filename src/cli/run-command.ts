import { readFileSync } from 'node:fs';
import { parseScenario } from '../device/scenario.js';
import type { Scenario } from '../device/scenario.js';
import type { OperatorCommand } from '../engine/session-machine.js';
import type { SessionReport, SessionRun } from '../engine/session-runner.js';
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
  const protocol = findProtocol(protocolId);
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
  const session = prepareSimulatedSession({
    protocol,
    choices,
    screening: screening && {
      result: screening.result,
      reasons: screening.reasons.filter((r) => r.effect !== 'info').map((r) => `${r.item}: ${r.text}`),
    },
    seed,
    scenario,
    hooks: {
      operator: () => {
        const op = operator;
        operator = undefined;
        return op;
      },
    },
  });
  const { run } = session;
  const live = json ? undefined : new LiveProgress(run, io.stdout);
  if (trace) session.onRow(trace.add.bind(trace));
  if (!json) {
    io.stdout.write(
      `${protocol.title} · ${run.engineConfig.plan.zone} · ${session.modeLabel} · simulated patient #${seed} (${session.patientSummary})\n` +
        `  ${run.engineConfig.plan.target} mA, ${run.engineConfig.plan.dose.toFixed(1)} mA·min over ${clock(run.engineConfig.plan.duration)}` +
        `${speed === 'max' ? ', as fast as possible' : speed === 1 ? ', real time' : `, ${speed}× real time`}` +
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
    report = await pace(session.run, speed, () => live?.update());
  } finally {
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
