import { describe, expect, it } from 'vitest';
import { layeredGrid } from './grid.js';
import { NernstPlanckSolver, type TransportProblem } from './nernst-planck-solver.js';
import { sgFlux, steadyConvectionDiffusion } from './scharfetter-gummel.js';

/** physics.md §5.5: D c″ + u c′ = 0, c(0) = 0, c(L) = 1 (FiPy exponential1D: D = 1, u = 10, L = 10). */
const exact = (x: number, D = 1, u = 10, L = 10) => -Math.expm1((-u * x) / D) / -Math.expm1((-u * L) / D);

describe('Scharfetter–Gummel: steady convection–diffusion oracle (FiPy exponential1D)', () => {
  it('is exact at every cell centre on FiPy’s 10-cell grid', () => {
    const grid = layeredGrid([{ thickness: 10, cells: 10 }]);
    // FiPy's convection coefficient u moves material towards −x: drift velocity w = −u in J = −D c′ + w c.
    const c = steadyConvectionDiffusion(grid, () => 1, -10, 0, 1);
    for (let k = 0; k < grid.n; k++) expect(Math.abs(c[k]! - exact(grid.centres[k]!))).toBeLessThan(1e-12);
  });

  it('is exact on a non-uniform layered grid too', () => {
    const grid = layeredGrid([
      { thickness: 0.7, cells: 7 },
      { thickness: 2.3, cells: 3 },
      { thickness: 7, cells: 5 },
    ]);
    const c = steadyConvectionDiffusion(grid, () => 1, -10, 0, 1);
    for (let k = 0; k < grid.n; k++) expect(Math.abs(c[k]! - exact(grid.centres[k]!))).toBeLessThan(1e-12);
  });

  it('reduces to central differences at zero drift and to upwinding at large Péclet numbers', () => {
    expect(sgFlux(2, 0.5, 0, 3, 1)).toBeCloseTo((2 / 0.5) * (3 - 1), 14);
    expect(sgFlux(1, 1, 800, 2, 5)).toBeCloseTo(800 * 2, 9);
    expect(sgFlux(1, 1, -800, 2, 5)).toBeCloseTo(-800 * 5, 9);
  });

  it('the Nernst–Planck solver reproduces the profile for a neutral solute carried by electro-osmotic flow', () => {
    // A neutral solute with D = 1 in a 10-unit layer, volume flux −10 (towards the surface), donor c = 0 and body
    // c = 1; uniform NaCl carries no current. Backward Euler steps of 1000 s (100× the diffusion time L²/D) reach the
    // steady state. (Not one step of 1e9 s: the charge mode of the electroneutral system has only the capacity term,
    // which such a step makes vanish, so the Newton matrix would be singular.)
    const problem: TransportProblem = {
      layers: [{ name: 'slab', thickness_cm: 10, cells: 10, porosity: 1, fixedCharge_mM: 0, clearance_per_s: 0 }],
      species: [
        { id: 'neutral', z: 0, diffusivity: [1], partition: 1, donor_mM: 0, body_mM: 1 },
        { id: 'Na+', z: 1, diffusivity: [1.3], partition: 1, donor_mM: 100, body_mM: 100 },
        { id: 'Cl-', z: -1, diffusivity: [2], partition: 1, donor_mM: 100, body_mM: 100 },
      ],
      currentDensity_A_per_cm2: 0,
      volumeFlux_cm_per_s: -10,
      donorThickness_cm: Infinity,
    };
    const s = new NernstPlanckSolver(problem, { scheme: 'euler' });
    s.advance(1e3, 12);
    for (let k = 0; k < s.n; k++) {
      expect(Math.abs(s.concentration(0, k) - exact(s.grid.centres[k]!))).toBeLessThan(1e-12);
      expect(Math.abs(s.concentration(1, k) - 100)).toBeLessThan(1e-7);
    }
  });
});
