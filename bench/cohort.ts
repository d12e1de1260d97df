// Cohort benchmark: N virtual patients through a whole course of a protocol (default: tap-water palms, the clinic
// course of 7 sessions of 20 min), every session through the engine and the virtual patient at the cohort
// fidelity, on all cores. Prints {n, seconds, patients_per_s, cores} (and the cohort's figures).
//
//   npm run bench:cohort -- --json [--n 10000] [--seed 1] [--workers N] [--protocol tapwater-palms]
//                                  [--template clinic] [--mode dc]
//   npm run bench:cohort -- --calibration [--n 10000] [--json]     the calibration figures against their targets
import { availableParallelism } from 'node:os';
import type { InductionTemplate } from '../src/protocols/course-template.js';
import { findProtocol } from '../src/protocols/protocol-library.js';
import { runCalibration } from '../src/simulation/cohort-calibration.js';
import { runCohort } from '../src/simulation/cohort.js';
import { benchArgs } from './bench-args.js';

const args = benchArgs(process.argv.slice(2), {
  json: 'flag',
  n: 'number',
  seed: 'number',
  workers: 'number',
  protocol: 'string',
  template: 'string',
  mode: 'string',
  calibration: 'flag',
});
const n = Math.max(1, Math.floor((args.n as number | undefined) ?? 10_000));
const seed = (args.seed as number | undefined) ?? 1;
const cores = availableParallelism();
const workers = Math.max(1, Math.floor((args.workers as number | undefined) ?? cores));
const tty = !args.json && process.stderr.isTTY;

const started = performance.now();
if (args.calibration) {
  const report = await runCalibration({
    n,
    seed,
    workers,
    onProgress: (cohort, done, total) => {
      if (tty) process.stderr.write(`\r${cohort}: ${done}/${total} patients   `);
    },
  });
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if (tty) process.stderr.write('\n');
  if (args.json) console.log(JSON.stringify({ seconds, cores, workers, ...report }, null, 2));
  else {
    console.log(`calibration, ${n} patients per cohort (seed ${seed}), ${seconds} s on ${workers} worker(s)`);
    for (const c of report.checks) {
      console.log(
        `${c.ok ? 'ok  ' : 'MISS'} ${c.id.padEnd(20)} ${String(c.value).padStart(8)}  target ${c.target} ${c.source}  (accepted ${c.lo}–${c.hi})`,
      );
    }
    console.log(`${report.pulsedSlower ? 'ok  ' : 'MISS'} pulsed DC slower than DC`);
  }
  process.exitCode = report.checks.every((c) => c.ok) && report.pulsedSlower ? 0 : 1;
} else {
  const protocol = findProtocol((args.protocol as string | undefined) ?? 'tapwater-palms');
  let last = 0;
  const result = await runCohort({
    protocol,
    n,
    seed,
    workers,
    ...(args.template === undefined ? {} : { template: args.template as InductionTemplate }),
    ...(args.mode === undefined ? {} : { mode: args.mode as string }),
    onProgress: (done) => {
      if (tty && (done - last >= n / 100 || done === n)) {
        last = done;
        process.stderr.write(`\r${done}/${n} patients`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (tty) process.stderr.write('\n');
  const out = {
    n,
    seconds: Math.round(seconds * 100) / 100,
    patients_per_s: Math.round(n / seconds),
    sessions_per_s: Math.round(result.sessions_total / seconds),
    cores,
    workers,
    cohort: result,
  };
  if (args.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(
      `${n} patients (${result.sessions_total} sessions) through ${protocol.id}, ${result.template} course, in ${out.seconds} s on ${workers} worker(s): ${out.patients_per_s} patients/s`,
    );
    console.log(
      `responders ${(result.responder_rate * 100).toFixed(1)} %, sessions to normal sweating (median) ${result.sessions_to_euhidrosis_median ?? '—'}, first remission ${result.remission_days_mean ?? '—'} days`,
    );
  }
}
