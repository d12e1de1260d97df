// Regulation benchmark: a seeded cohort of virtual patients through a protocol with random contact
// disturbances, once under this engine and once under a constant-voltage controller of the kind voltage-dose
// devices and home-made builds use. Every tenth patient also runs with one injected device fault.
//
//   npm run bench:regulation -- --json [--n 1000] [--seed 1] [--workers N] [--protocol tapwater-palms]
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { TrialResult } from '../src/simulation/regulation-trial.js';
import { summarise } from '../src/simulation/regulation-trial.js';
import { benchArgs } from './bench-args.js';

const args = benchArgs(process.argv.slice(2), {
  json: 'flag',
  n: 'number',
  seed: 'number',
  workers: 'number',
  protocol: 'string',
  'fault-every': 'number',
});
const n = Math.max(1, Math.floor((args.n as number | undefined) ?? 1000));
const seed = (args.seed as number | undefined) ?? 1;
const workers = Math.max(1, Math.min(n, (args.workers as number | undefined) ?? availableParallelism()));
const protocolId = (args.protocol as string | undefined) ?? 'tapwater-palms';
const faultEvery = (args['fault-every'] as number | undefined) ?? 10;

const started = performance.now();
let done = 0;
const slices: number[][] = Array.from({ length: workers }, () => []);
for (let i = 0; i < n; i++) slices[i % workers]!.push(i);
const all = await Promise.all(
  slices.map(
    (indices) =>
      new Promise<TrialResult[]>((resolve, reject) => {
        const w = new Worker(new URL('./regulation-worker.js', import.meta.url), {
          workerData: { protocolId, cohortSeed: seed, indices, faultEvery },
        });
        w.on('message', (m: { progress?: number; results?: TrialResult[] }) => {
          if (m.progress) {
            done += m.progress;
            if (!args.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${n} patients`);
          }
          if (m.results) resolve(m.results);
        });
        w.on('error', reject);
      }),
  ),
);
const results = all.flat();
const engine = summarise(results.filter((r) => r.controller === 'engine'));
const baseline = summarise(results.filter((r) => r.controller === 'constant-voltage'));
const out = {
  cohort: n,
  seed,
  protocol: protocolId,
  workers,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  engine,
  baseline,
};
if (args.json) console.log(JSON.stringify(out, null, 2));
else {
  process.stderr.write('\n');
  console.log(`cohort ${n} (seed ${seed}) through ${protocolId} in ${out.seconds} s on ${workers} worker(s)`);
  console.log('                      engine     constant-voltage');
  for (const k of Object.keys(engine) as (keyof typeof engine)[]) {
    console.log(`${k.padEnd(26)} ${String(engine[k]).padStart(10)} ${String(baseline[k]).padStart(12)}`);
  }
}
