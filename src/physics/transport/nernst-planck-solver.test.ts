import { describe, expect, it } from 'vitest';
import { deliveryProblem } from '../drug-delivery.js';
import { DEXAMETHASONE_PHOSPHATE, LIDOCAINE } from '../drugs.js';
import { NernstPlanckSolver, type TimeScheme, type TransportProblem } from './nernst-planck-solver.js';

const dex = (cells: readonly number[]) => deliveryProblem(DEXAMETHASONE_PHOSPHATE, 0.4, cells);
const order = (a: number, b: number, c: number) => Math.log2(Math.abs(a - b) / Math.abs(b - c));

/** A smooth problem: one uncharged 200 µm tissue slab, a 10 mM drug cation in saline, 0.1 mA/cm² from the anode. */
const smooth = (cells: number): TransportProblem => ({
  layers: [{ name: 'tissue', thickness_cm: 0.02, cells, porosity: 0.3, fixedCharge_mM: 0, clearance_per_s: 1e-3 }],
  species: [
    { id: 'drug', z: 1, diffusivity: [1e-6], partition: 1, donor_mM: 10, body_mM: 0 },
    { id: 'Na+', z: 1, diffusivity: [2e-6], partition: 1, donor_mM: 140, body_mM: 140 },
    { id: 'Cl-', z: -1, diffusivity: [3e-6], partition: 1, donor_mM: 150, body_mM: 140 },
  ],
  currentDensity_A_per_cm2: 1e-4,
  volumeFlux_cm_per_s: 2e-7,
  donorThickness_cm: Infinity,
});

describe('Nernst–Planck solver: conservation', () => {
  it.each<TimeScheme>(['euler', 'bdf2'])('%s: in = stored + out + cleared for every species, to 1e-10', (scheme) => {
    const s = new NernstPlanckSolver(dex([12, 6, 24]), { scheme });
    s.advanceTo(300, 4);
    for (let k = 0; k < s.ns; k++) {
      const b = s.balance(k);
      const scale = Math.max(Math.abs(b.in), Math.abs(b.stored), Math.abs(b.storedInitial), Math.abs(b.out), 1e-30);
      expect(Math.abs(b.in - (b.stored - b.storedInitial) - b.out - b.cleared) / scale).toBeLessThan(1e-10);
      // The donor: what the electrode made minus what crossed the surface.
      const dScale = Math.max(Math.abs(b.donorInitial), Math.abs(b.electrode), Math.abs(b.in), 1e-30);
      expect(Math.abs(b.donor - b.donorInitial - b.electrode + b.in) / dScale).toBeLessThan(1e-10);
    }
  });

  it('keeps every cell electroneutral and carries exactly the imposed current through every face', () => {
    const p = dex([12, 6, 24]);
    const s = new NernstPlanckSolver(p);
    s.advanceTo(120, 4);
    const fixed = p.layers.flatMap((l) => Array<number>(l.cells).fill(l.fixedCharge_mM));
    for (let k = 0; k < s.n; k++) {
      let q = fixed[k]!;
      for (let i = 0; i < s.ns; i++) q += p.species[i]!.z * s.concentration(i, k);
      expect(Math.abs(q)).toBeLessThan(1e-6);
    }
    for (let f = 0; f <= s.n; f++) expect(Math.abs(s.currentRatio(f) - 1)).toBeLessThan(1e-9);
  });

  it('never beats Faraday: the drug carries at most the whole current (t ≤ 1)', () => {
    for (const drug of [DEXAMETHASONE_PHOSPHATE, LIDOCAINE]) {
      const s = new NernstPlanckSolver(deliveryProblem(drug, 0.4, [12, 6, 24]));
      s.advanceTo(120, 4);
      const faraday = ((0.4e-3 * 120) / 96485.33 / Math.abs(drug.charge)) * 1e6;
      expect(s.balance(0).in).toBeGreaterThan(0);
      expect(s.balance(0).in).toBeLessThanOrEqual(faraday);
      expect(s.surfaceTransportNumber(0)).toBeLessThanOrEqual(1);
    }
  });
});

describe('Nernst–Planck solver: convergence', () => {
  it('time: backward Euler is first order, BDF2 second order (delivered Dex-P)', () => {
    const run = (scheme: TimeScheme, dt: number) => {
      const s = new NernstPlanckSolver(dex([8, 6, 24]), { scheme });
      s.advanceTo(300, dt);
      return s.balance(0).in;
    };
    const be = [4, 2, 1].map((dt) => run('euler', dt));
    const bdf = [8, 4, 2].map((dt) => run('bdf2', dt));
    const pBE = order(be[0]!, be[1]!, be[2]!);
    const pBDF = order(bdf[0]!, bdf[1]!, bdf[2]!);
    console.log(`observed time orders: backward Euler ${pBE.toFixed(2)}, BDF2 ${pBDF.toFixed(2)}`);
    expect(pBE).toBeGreaterThan(0.8);
    expect(pBE).toBeLessThan(1.3);
    expect(pBDF).toBeGreaterThan(1.7);
    expect(pBDF).toBeLessThan(2.4);
  });

  it('space: second order on a smooth problem (SG fluxes, cell-centred grid)', () => {
    const run = (cells: number) => {
      const s = new NernstPlanckSolver(smooth(cells), { scheme: 'bdf2' });
      s.advanceTo(60, 0.25);
      return s.balance(0).in;
    };
    const xs = [10, 20, 40].map(run);
    const p = order(xs[0]!, xs[1]!, xs[2]!);
    console.log(`observed space order, smooth slab: ${p.toFixed(2)}`);
    expect(p).toBeGreaterThan(1.8);
    expect(p).toBeLessThan(2.3);
  });

  it('space, the full skin: converges (first order: the SC’s drift layers are under-resolved at cell Péclet ≫ 1)', () => {
    const run = (m: number) => {
      const s = new NernstPlanckSolver(dex([8 * m, 6 * m, 24 * m]));
      s.advanceTo(120, 4);
      return s.balance(0).in;
    };
    const xs = [1, 2, 4].map(run);
    const p = order(xs[0]!, xs[1]!, xs[2]!);
    console.log(
      `observed space order, Dex-P through the skin: ${p.toFixed(2)}; change ×4 cells: ${Math.abs(xs[2]! / xs[0]! - 1).toExponential(1)}`,
    );
    expect(p).toBeGreaterThan(0.6);
    expect(Math.abs(xs[2]! / xs[0]! - 1)).toBeLessThan(0.01);
  });
});

describe('Nernst–Planck solver: cost linear in the grid', () => {
  it('the work per Newton iteration per node does not grow with the grid; the matrix is block tridiagonal', () => {
    const perNode = [1, 2, 4].map((m) => {
      const s = new NernstPlanckSolver(dex([8 * m, 6 * m, 24 * m]));
      s.advanceTo(60, 1);
      // One block row per node per Newton iteration: the solver never forms anything wider than ns × ns blocks.
      expect(s.work.blockRows).toBe(s.work.newtonIterations * (s.n + 1));
      return (s.work.bernoulliEvaluations + s.work.blockRows * s.ns ** 3) / s.work.newtonIterations / (s.n + 1);
    });
    expect(perNode[2]! / perNode[0]!).toBeLessThan(1.5);
    expect(perNode[2]! / perNode[0]!).toBeGreaterThan(0.5);
  });
});
