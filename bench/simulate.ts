// Simulation speed: a 20-minute tap-water palms session (engine, supervisor, simulated device at 1 ms, virtual
// patient), run several times; prints the real-time factor of the median run.
//
//   npm run bench:simulate -- --json [--runs 7] [--seed 1]
import { findProtocol } from '../src/protocols/protocol-library.js';
import { prepareSimulatedSession } from '../src/simulation/simulated-session.js';
import { benchArgs } from './bench-args.js';

const args = benchArgs(process.argv.slice(2), { json: 'flag', runs: 'number', seed: 'number' });
const runs = Math.max(1, (args.runs as number | undefined) ?? 7);
const seed = (args.seed as number | undefined) ?? 1;
const protocol = findProtocol('tapwater-palms');
const walls: number[] = [];
let simulated = 0;
for (let k = 0; k < runs + 1; k++) {
  const s = prepareSimulatedSession({ protocol, choices: { minutes: 20 }, seed });
  const t0 = performance.now();
  const report = s.run.runToEnd();
  const wall = (performance.now() - t0) / 1000;
  if (k > 0) walls.push(wall); // the first run warms the JIT
  simulated = report.duration_s;
}
walls.sort((a, b) => a - b);
const median = walls[Math.floor(walls.length / 2)]!;
const out = {
  session_s: simulated,
  runs,
  wall_s_median: Math.round(median * 10_000) / 10_000,
  wall_s_min: Math.round(walls[0]! * 10_000) / 10_000,
  realtime_factor: Math.round(simulated / median),
};
console.log(
  args.json
    ? JSON.stringify(out, null, 2)
    : `20-minute palms session: ${out.realtime_factor}× real time (median of ${runs})`,
);
