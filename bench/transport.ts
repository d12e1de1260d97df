/**
 * Transport benchmark: Dexamethasone phosphate from the cathode, 4 mA × 10 min over 10 cm² (0.4 mA/cm², 40 mA·min),
 * through stratum corneum, viable epidermis and dermis, with the drug, Na⁺, Cl⁻ and HCO₃⁻ (four ions) on the
 * default grid. The same problem is solved by this project's solver and by a reference implementation in
 * `bench/reference/transport_reference.py` (method of lines, the same semi-discretisation, scipy.integrate.solve_ivp
 * with method='BDF' and a block-tridiagonal Jacobian sparsity), each at the loosest setting that meets a fixed
 * accuracy.
 *
 * Accuracy: the larger of the relative errors of the delivered drug (surface influx over the session) and of the drug
 * in the skin at the end, against a reference solution of the same semi-discretisation computed once with this
 * solver at very small steps (BDF2, 0.02 s) and stored in `bench/reference/transport_reference.json`
 * (`--regenerate` recomputes it). Both solvers solve the same ODE system, so this is the time-integration error at
 * equal spatial error; the spatial error of the grid itself (vs 4× the cells) is reported as `grid_error`.
 *
 *   npm run bench:transport -- --json [--target 1e-4] [--regenerate]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliveryProblem } from '../src/physics/drug-delivery.js';
import { DEXAMETHASONE_PHOSPHATE } from '../src/physics/drugs.js';
import { DEFAULT_CELLS } from '../src/physics/transport/layers.js';
import { NernstPlanckSolver, type TransportProblem } from '../src/physics/transport/nernst-planck-solver.js';
import { benchArgs } from './bench-args.js';

const args = benchArgs(process.argv.slice(2), { json: 'flag', target: 'number', regenerate: 'flag' });
const TARGET = (args.target as number | undefined) ?? 1e-4;
const T_END = 600;
const DENSITY = 0.4; // mA/cm²
const here = dirname(fileURLToPath(import.meta.url));
// Run from dist/bench: the sources are two levels up.
const benchDir = existsSync(join(here, 'reference', 'transport_reference.py')) ? here : join(here, '..', '..', 'bench');
const REFERENCE_JSON = join(benchDir, 'reference', 'transport_reference.json');
const REFERENCE_PY = join(benchDir, 'reference', 'transport_reference.py');

const problem = (cells: readonly number[] = DEFAULT_CELLS): TransportProblem =>
  deliveryProblem(DEXAMETHASONE_PHOSPHATE, DENSITY, cells);

interface Result {
  in: number;
  stored: number;
}

const solveOurs = (maxStep: number, cells: readonly number[] = DEFAULT_CELLS) => {
  const s = new NernstPlanckSolver(problem(cells), { scheme: 'bdf2' });
  s.advanceTo(T_END, maxStep);
  const b = s.balance(0);
  return { in: b.in, stored: b.stored, steps: s.work.steps, newton: s.work.newtonIterations, nodes: s.n + 1 };
};

const errorOf = (r: Result, ref: Result) => Math.max(Math.abs(r.in / ref.in - 1), Math.abs(r.stored / ref.stored - 1));

const timeIt = (f: () => unknown, repeats: number) => {
  f(); // warm-up (JIT)
  let best = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
};

// The stored reference solution (same grid, very small steps).
const cellsKey = DEFAULT_CELLS.join('/');
let reference: Result & { cells: string; maxStep: number };
const stored = existsSync(REFERENCE_JSON)
  ? (JSON.parse(readFileSync(REFERENCE_JSON, 'utf8')) as typeof reference)
  : undefined;
if (args.regenerate || stored === undefined || stored.cells !== cellsKey) {
  const r = solveOurs(0.02);
  reference = { cells: cellsKey, maxStep: 0.02, in: r.in, stored: r.stored };
  writeFileSync(REFERENCE_JSON, JSON.stringify(reference, null, 2) + '\n');
} else reference = stored;

// Ours: the largest step that meets the target.
let oursStep = 0;
let oursError = Infinity;
let oursRun = solveOurs(60);
for (const maxStep of [60, 40, 30, 20, 15, 10, 6, 4, 2, 1, 0.5]) {
  oursRun = solveOurs(maxStep);
  oursError = errorOf(oursRun, reference);
  oursStep = maxStep;
  if (oursError <= TARGET) break;
}
const oursSeconds = timeIt(() => solveOurs(oursStep), 5);

// Spatial error of the benchmark grid: vs four times the cells in every layer.
const fine = solveOurs(
  1,
  DEFAULT_CELLS.map((c) => 4 * c),
);
const gridError = errorOf(solveOurs(1), fine);

// Cost per step against the grid size (fixed steps): linear if the time per node stays flat.
const scaling = [1, 2, 4, 8].map((mult) => {
  const cells = DEFAULT_CELLS.map((c) => c * mult);
  let steps = 0;
  let newton = 0;
  const seconds = timeIt(() => {
    const s = new NernstPlanckSolver(problem(cells), { scheme: 'bdf2' });
    s.advanceTo(60, 1);
    steps = s.work.steps;
    newton = s.work.newtonIterations;
  }, 2);
  const nodes = cells.reduce((a, b) => a + b, 0) + 1;
  return {
    nodes,
    seconds,
    us_per_newton_iteration_per_node: (seconds / newton / nodes) * 1e6,
    newton_per_step: newton / steps,
  };
});

// The SciPy reference.
const pythonWithScipy = (): string | undefined => {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', 'import scipy'], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return undefined;
};
const python = pythonWithScipy();
if (python === undefined) {
  process.stderr.write(
    'bench:transport needs SciPy for its reference: install python3-scipy (apt-get install -y python3-scipy) or pip install scipy\n',
  );
  process.exit(1);
}
const job = {
  problem: { ...problem(), donorThickness_cm: problem().donorThickness_cm },
  t_end: T_END,
  drug: 0,
  reference: { in: reference.in, stored: reference.stored },
  target: TARGET,
  check_rtol: 1e-8,
  rtols: [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8],
};
const out = execFileSync(python, [REFERENCE_PY], { input: JSON.stringify(job), maxBuffer: 1 << 24 }).toString();
const py = JSON.parse(out) as {
  python: string;
  scipy: string;
  numpy: string;
  python_executable: string;
  chosen: { seconds: number; error: number; rtol: number; nfev: number; njev: number; steps: number } | null;
  attempts: { rtol: number; error: number; seconds: number }[];
  check: { rtol: number; error: number; seconds: number } | null;
};
if (py.chosen === null) {
  process.stderr.write(`the SciPy reference did not reach the target ${TARGET} at any rtol tried\n`);
  process.exit(1);
}

const result = {
  problem: 'dexamethasone phosphate, cathode, 0.4 mA/cm² for 600 s, SC 15 µm + epidermis 61 µm + dermis 1 mm, 4 ions',
  target: TARGET,
  ours_s: oursSeconds,
  reference_s: py.chosen.seconds,
  ratio: py.chosen.seconds / oursSeconds,
  ours_error: oursError,
  reference_error: py.chosen.error,
  grid_points: oursRun.nodes,
  unknowns: oursRun.nodes * problem().species.length,
  python: py.python,
  scipy: py.scipy,
  numpy: py.numpy,
  python_executable: py.python_executable,
  ours: { scheme: 'bdf2', max_step_s: oursStep, steps: oursRun.steps, newton_iterations: oursRun.newton },
  reference: {
    method: 'BDF',
    rtol: py.chosen.rtol,
    steps: py.chosen.steps,
    nfev: py.chosen.nfev,
    njev: py.chosen.njev,
  },
  reference_attempts: py.attempts.map((a) => ({ rtol: a.rtol, error: a.error, seconds: a.seconds })),
  /** SciPy at rtol 1e-8 against the stored reference: the two implementations agree to this. */
  implementations_agree_to: py.check?.error,
  grid_error: gridError,
  delivered_ug_per_cm2: reference.in * DEXAMETHASONE_PHOSPHATE.mw_g_per_mol,
  scaling,
};
if (args.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`transport benchmark: ${result.problem}`);
  console.log(
    `target accuracy ${TARGET}: ours ${(oursSeconds * 1e3).toFixed(1)} ms (error ${oursError.toExponential(1)}), ` +
      `SciPy BDF ${(py.chosen.seconds * 1e3).toFixed(0)} ms (rtol ${py.chosen.rtol}, error ${py.chosen.error.toExponential(1)}): ${result.ratio.toFixed(1)}× faster`,
  );
  console.log(`grid ${result.grid_points} nodes × 4 species; grid error vs 4× cells ${gridError.toExponential(1)}`);
  for (const s of scaling)
    console.log(
      `  ${s.nodes} nodes: ${s.us_per_newton_iteration_per_node.toFixed(3)} µs per Newton iteration per node`,
    );
}
