/**
 * Scharfetter–Gummel (exponential-fitting) flux between two points a distance d apart, for the drift–diffusion flux
 * J = −D ∂c/∂x + w c with constant D and drift velocity w on the segment:
 *
 *   J = (D/d) · [ B(−P) · c_left − B(P) · c_right ],   P = w d / D,   B(x) = x / (eˣ − 1).
 *
 * It is the exact flux of the steady 1D equation on the segment (the profile between the points is the exponential
 * solution, not a line), so it is stable and monotone at every cell Péclet number: for P → 0 it is central
 * differencing, for |P| ≫ 1 pure upwinding. In the Nernst–Planck solver the drift is w = −z D ∂u/∂x + v, with u the
 * potential in units of RT/F and v the electro-osmotic volume flux, so P = −z Δu + v d / D.
 *
 * Oracle (physics.md §5.5, FiPy `examples/convection/exponential1D`): the steady profile of D c″ + u c′ = 0 with
 * c(0) = 0 and c(L) = 1 is c(x) = (1 − e^(−ux/D)) / (1 − e^(−uL/D)); SG reproduces it at every cell centre to
 * rounding, on any grid (see `steadyConvectionDiffusion`).
 */
import { bernoulli } from './bernoulli.js';
import { solveTridiagonal } from './banded-solver.js';
import type { LayeredGrid } from './grid.js';

export function sgFlux(D: number, d: number, w: number, cLeft: number, cRight: number): number {
  const p = (w * d) / D;
  return (D / d) * (bernoulli(-p) * cLeft - bernoulli(p) * cRight);
}

/**
 * Steady drift–diffusion −∂/∂x(−D c′ + w c) = 0 on a cell-centred grid with Dirichlet values at the two outer faces,
 * discretised with SG fluxes (half-cell distance to the boundary faces). Returns the cell-centre values. `D` is one
 * value per cell (harmonic mean on faces between cells), `w` a constant drift velocity. Linear: one tridiagonal solve.
 */
export function steadyConvectionDiffusion(
  grid: LayeredGrid,
  D: (cell: number) => number,
  w: number,
  cLeft: number,
  cRight: number,
): Float64Array {
  const n = grid.n;
  const aF = new Float64Array(n + 1);
  const bF = new Float64Array(n + 1);
  for (let f = 0; f <= n; f++) {
    let d: number;
    let Df: number;
    if (f === 0) {
      d = grid.widths[0]! / 2;
      Df = D(0);
    } else if (f === n) {
      d = grid.widths[n - 1]! / 2;
      Df = D(n - 1);
    } else {
      const hl = grid.widths[f - 1]! / 2;
      const hr = grid.widths[f]! / 2;
      d = hl + hr;
      Df = d / (hl / D(f - 1) + hr / D(f));
    }
    const p = (w * d) / Df;
    aF[f] = (Df / d) * bernoulli(-p);
    bF[f] = (Df / d) * bernoulli(p);
  }
  const lower = new Float64Array(n);
  const diag = new Float64Array(n);
  const upper = new Float64Array(n);
  const rhs = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Balance of cell k: J(face k) − J(face k+1) = 0, J(face) = a·c_left − b·c_right.
    diag[k] = bF[k]! + aF[k + 1]!;
    if (k > 0) lower[k] = -aF[k]!;
    else rhs[k] = rhs[k]! + aF[0]! * cLeft;
    if (k < n - 1) upper[k] = -bF[k + 1]!;
    else rhs[k] = rhs[k]! + bF[n]! * cRight;
  }
  const x = new Float64Array(n);
  solveTridiagonal(n, lower, diag, upper, rhs, x, new Float64Array(n));
  return x;
}
