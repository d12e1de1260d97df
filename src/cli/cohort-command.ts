import { countBar } from './live-progress.js';
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { IontoError } from '../errors/catalogue.js';
import { inductionDays, type InductionTemplate } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { runCohort, type CohortResult } from '../simulation/cohort.js';
import { EXIT, integerOption } from './cli-errors.js';
import type { CliIo } from './main.js';

export interface CohortCommandOptions {
  n?: string;
  seed?: string;
  zone?: string;
  template?: string;
  sessions?: string;
  untilDry?: boolean;
  mode?: string;
  workers?: string;
  json?: boolean;
}

/** Largest cohort accepted on the command line (about 15 minutes on two cores). */
const MAX_N = 1_000_000;

const bounded = (name: string, raw: string | undefined, lo: number, hi: number): number | undefined => {
  const x = integerOption(name, raw);
  if (x !== undefined && !(x >= lo && x <= hi)) {
    throw new IontoError('ION_ERR_USAGE', `${name} must be a whole number from ${lo} to ${hi}, got ${raw}`, {
      option: name,
    });
  }
  return x;
};

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The readable summary of a cohort. */
export function describeCohort(r: CohortResult, title: string, mode: string, seconds: number, workers: number): string {
  const days = inductionDays(r.template, r.until_dry ? Math.min(r.sessions, 12) : r.sessions).map((d) => d + 1);
  const schedule = r.until_dry
    ? `${r.template} until normal sweating (at most ${r.sessions} sessions; days ${days.join(', ')}, …)`
    : `${r.template} course, ${r.sessions} session${r.sessions === 1 ? '' : 's'} (days ${days.join(', ')})`;
  const a = r.adverse_events;
  const codes = Object.entries(a.fault_codes)
    .map(([c, k]) => `${c} ×${k}`)
    .join(', ');
  const lines = [
    `${title} · ${r.zone} · ${mode} · ${schedule}`,
    `${r.n} virtual patients, seed ${r.seed}, ${r.fidelity} fidelity, ${seconds.toFixed(1)} s on ${workers === 0 ? 'this thread' : `${workers} worker${workers === 1 ? '' : 's'}`}`,
    '',
    `  responders          ${pct(r.responder_rate)}  (HDSS 3–4 → 1–2 or ≥ 50 % gravimetric reduction, end of the course)`,
    `  normal sweating     ${pct(r.euhidrosis_rate)} by the end of the course; median sessions to it: ${r.sessions_to_euhidrosis_median ?? `not reached by half the patients within ${r.sessions}`}`,
    r.remission_days_mean === null
      ? '  first remission     — (no responders)'
      : `  first remission     ${r.remission_days_mean.toFixed(1)} days mean, ${r.remission_days_median!.toFixed(1)} median (no maintenance); ${pct(r.relapsed_within_180d!)} relapsed within 180 days`,
    `  sweat rate          ${r.baseline_mg_min_median.toFixed(1)} → ${r.final_mg_min_median.toFixed(1)} mg/min per site (median), mean reduction ${pct(r.sweat_reduction_mean)}`,
    `  HDSS                ${r.hdss_before_mean.toFixed(2)} → ${r.hdss_after_mean.toFixed(2)} (mean)`,
    `  sessions            ${r.sessions_total} (${r.sessions_per_patient_mean.toFixed(1)} per patient), ${r.charge_density_mean.toFixed(2)} mA·min/cm² per site on average`,
    `  adverse events      ${a.sessions} session${a.sessions === 1 ? '' : 's'} in ${a.patients} patient${a.patients === 1 ? '' : 's'}: ${a.faulted} faulted${codes ? ` (${codes})` : ''}, ${a.aborted} stopped, ${a.underdosed} under-dosed`,
    `                      ${a.compliance_episodes} session${a.compliance_episodes === 1 ? '' : 's'} with a compliance episode (not counted above)`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * `ionto cohort <protocol>`: a seeded cohort of virtual patients through a whole course, every session through the
 * engine and the virtual patient, on all cores. Every option is checked before the first patient runs.
 */
export async function cohortCommand(protocolId: string, o: CohortCommandOptions, io: CliIo): Promise<number> {
  const protocol = findProtocol(protocolId);
  const n = bounded('--n', o.n, 1, MAX_N) ?? 1000;
  const seed = bounded('--seed', o.seed, 0, 2 ** 32 - 1) ?? 1;
  const sessions = bounded('--sessions', o.sessions, 1, 365);
  const workers = bounded('--workers', o.workers, 0, 256) ?? availableParallelism();
  const mode = o.mode ?? protocol.default_mode;
  const json = o.json === true;
  const bar = io.stderr.isTTY === true ? countBar(io.stderr, 'cohort', 'patients') : undefined;
  const started = performance.now();
  let result: CohortResult;
  bar?.start(n, 0);
  try {
    result = await runCohort({
      protocol,
      n,
      seed,
      workers: Math.min(workers, n),
      mode,
      ...(o.zone === undefined ? {} : { zone: o.zone }),
      ...(o.template === undefined ? {} : { template: o.template as InductionTemplate }),
      ...(sessions === undefined ? {} : { sessions }),
      ...(o.untilDry === undefined ? {} : { untilDry: o.untilDry }),
      onProgress: (done) => bar?.update(done),
    });
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  if (json) io.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const modeLabel = protocol.modes[mode]?.label ?? mode;
    io.stdout.write(describeCohort(result, protocol.title, modeLabel, seconds, Math.min(workers, n)));
  }
  return EXIT.ok;
}

/** Register `cohort` on the program; `done` receives the exit code. */
export function registerCohortCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program
    .command('cohort')
    .description('simulate a seeded cohort of virtual patients through a whole hyperhidrosis course')
    .argument('<protocol>', 'protocol id (a tap-water hyperhidrosis protocol, see: ionto protocols list)')
    .option('--n <patients>', 'cohort size', '1000')
    .option('--seed <n>', 'cohort seed (same seed, same patients)', '1')
    .option('--zone <zone>', 'treatment zone (default: the protocol’s)')
    .option('--template <template>', 'induction schedule: clinic, every-2-3-days, daily, … (default: the protocol’s)')
    .option('--sessions <n>', 'sessions of a fixed induction course (default: the protocol’s)')
    .option('--until-dry', 'continue the induction until sweating is normal (default: every-2-3-days only)')
    .option('--no-until-dry', 'run the induction as a fixed course of --sessions')
    .addOption(new Option('--mode <mode>', 'waveform mode of the protocol').choices(['dc', 'pulsed']))
    .option('--workers <n>', 'worker threads (0: this thread; default: one per core)')
    .option('--json', 'print the cohort figures as JSON')
    .addHelpText(
      'after',
      '\nEvery session runs through the engine and its supervisor on the virtual patient (cohort fidelity: 2 s control\n' +
        'period); the sweat response follows each session’s delivered charge. Exit codes: 0 done, 2 usage error.\n' +
        'Example: ionto cohort tapwater-palms --n 10000 --template every-2-3-days --mode pulsed',
    )
    .action(async (protocol: string, opts: CohortCommandOptions) => {
      done(await cohortCommand(protocol, opts, io));
    });
}
