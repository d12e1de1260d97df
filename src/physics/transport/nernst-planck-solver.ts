/**
 * Multi-ion Nernst–Planck transport through stacked skin layers under a constant, imposed current density.
 *
 * ## Equations (physics.md §5.1, §5.2)
 * For every species i, with c_i its concentration in the aqueous pathway of the tissue (mM = µmol/cm³), ε the
 * layer's aqueous volume fraction (capacity), D_i the effective diffusivity of the layer (a flux coefficient per
 * unit of total area: it contains porosity and tortuosity), u = Fφ/RT the dimensionless potential and v the
 * electro-osmotic volume flux (cm/s, positive into the skin):
 *
 *   ε ∂c_i/∂t = −∂J_i/∂x − ε k_i (c_i − c_i,body),       J_i = −D_i (∂c_i/∂x + z_i c_i ∂u/∂x) + v c_i,
 *
 * with first-order capillary clearance k_i only in perfused layers (the dermis).
 *
 * ## Electroneutral closure
 * The potential is not found from Poisson's equation. Instead the current density i (A/cm², positive when positive
 * charge moves into the skin, i.e. under the anode) is imposed at every face:
 *
 *   F Σ_i z_i J_i = i.
 *
 * In 1D a divergence-free current is a uniform one, so this is exactly charge conservation: Σ z_i c_i + X (X the
 * fixed charge of the layer) keeps its initial value in every cell, which is zero because the tissue starts in Donnan
 * equilibrium with the body fluid. On the discrete grid the closure is one scalar equation per face for the potential
 * drop Δu across the face; because every z_i J_i decreases monotonically with Δu, it has exactly one root, found by a
 * safeguarded Newton iteration. Donnan potentials at the surface and at the layer interfaces are not put in by hand:
 * with zero current they are what the closure produces (the SG flux of a species vanishes exactly when
 * c_right / c_left = e^(−z Δu), the Boltzmann ratio).
 *
 * When a Poisson equation would be needed instead: the electroneutral model is right when every layer is much
 * thicker than the Debye length (≈ 0.8 nm at 150 mM, still ≈ 2–3 nm at the ≈ 15–25 mM of a drug gel) — the SC's
 * 10–20 µm is four orders of magnitude thicker — and it is the better of the two classical assumptions when the
 * ionic strengths on the two sides differ [39]. The constant-field (Goldman) model or full Poisson–Nernst–Planck is
 * needed for membranes approaching the Debye length (lipid bilayers, nanometre pores resolved explicitly), for the
 * space-charge layers at blocking electrodes, and for AC/impedance questions where the double-layer charging current
 * matters (VoronoiFVM's `Example150_Impedance1D`, physics.md §9).
 *
 * ## Discretisation
 * Cell-centred finite volumes (`grid.ts`); Scharfetter–Gummel fluxes at every face (`scharfetter-gummel.ts`); a
 * well-mixed donor compartment (gel or solution) as one extra unknown in front of the first cell, coupled to it by an
 * SG flux over half a cell with the species' surface partition coefficient; the body fluid below the dermis as a
 * Dirichlet value half a cell below the last centre. The electrode reaction adds (Ag/AgCl cathode: Cl⁻; inert
 * anode: H⁺) or removes (Ag/AgCl anode: Cl⁻) species in the donor at a rate yield · |i| / F.
 *
 * Time stepping is linearly implicit: the field (the Δu of every face) is taken from the closure at the start of the
 * step — lagged for backward Euler, extrapolated 2Δuⁿ − Δuⁿ⁻¹ for BDF2 — so that each species is a linear,
 * tridiagonal M-matrix system solved by the Thomas algorithm. Optional Picard sweeps re-solve the closure with the new
 * concentrations and repeat the step (fully implicit in the limit). Cost per step: one closure (a few Newton
 * iterations per face) plus one tridiagonal solve per species, so linear in the number of cells. All arrays are
 * allocated once, in the constructor.
 *
 * Mass balance is exact to rounding for every species: the fluxes booked as "in" (surface), "out" (to the body
 * fluid) and "cleared" (capillaries) are the discrete fluxes of the solved system. For BDF2 the booked fluxes follow
 * G ← G/3 + 2F/3 (F the fluxes of the new level), the one-step form of BDF2, so stored = in − out − cleared holds
 * exactly over any number of steps.
 */
import { bernoulli, bernoulliWithDerivative } from './bernoulli.js';
import { solveTridiagonal } from './banded-solver.js';
import { layeredGrid, type LayeredGrid } from './grid.js';

/** Faraday constant, C/mol (physics.md, constants). */
export const FARADAY = 96485.33;
/** Gas constant, J/(mol·K). */
export const GAS_CONSTANT = 8.31446;
/** Body temperature, K (physics.md: T = 310.15 K). */
export const BODY_TEMPERATURE = 310.15;

export interface TransportLayer {
  readonly name: string;
  /** cm. */
  readonly thickness_cm: number;
  /** Number of grid cells in the layer. */
  readonly cells: number;
  /** Aqueous volume fraction of the layer, 0 < ε ≤ 1 (the capacity term). */
  readonly porosity: number;
  /** Fixed charge per aqueous volume, mM (negative: the skin is net negative at pH 7.4 [42]). */
  readonly fixedCharge_mM: number;
  /** First-order capillary clearance, 1/s (0 outside perfused layers). */
  readonly clearance_per_s: number;
}

export interface TransportSpecies {
  readonly id: string;
  /** Charge number. */
  readonly z: number;
  /** Effective diffusivity in each layer, cm²/s (same order as `layers`). */
  readonly diffusivity: readonly number[];
  /** Non-electrostatic partition coefficient from the donor into the skin's surface (1 for small inorganic ions). */
  readonly partition: number;
  /** Initial donor concentration, mM. */
  readonly donor_mM: number;
  /** Body-fluid concentration, mM: the tissue starts in Donnan equilibrium with it; bottom boundary; clearance target. */
  readonly body_mM: number;
  /** Moles put into the donor by the electrode reaction per mole of electrons (negative: consumed). */
  readonly electrodeYield?: number;
  /** Multiplies the layer's clearance for this species (default 1). */
  readonly clearanceFactor?: number;
}

export interface TransportProblem {
  readonly layers: readonly TransportLayer[];
  readonly species: readonly TransportSpecies[];
  /** A/cm², signed: positive when positive charge moves into the skin (skin under the anode). */
  readonly currentDensity_A_per_cm2: number;
  /** Electro-osmotic volume flux, cm/s, signed like x (positive into the skin). */
  readonly volumeFlux_cm_per_s: number;
  /** Donor volume per area, cm. Infinity: a reservoir that never changes composition (Dirichlet surface). */
  readonly donorThickness_cm: number;
  /** K; default 310.15. */
  readonly temperature_K?: number;
}

export type TimeScheme = 'euler' | 'bdf2';

export interface SolverOptions {
  readonly scheme?: TimeScheme;
  /** Extra closure-and-resolve sweeps per step (0: linearly implicit). */
  readonly picard?: number;
}

/** Cumulative amounts per unit area, µmol/cm², for one species. */
export interface SpeciesBalance {
  readonly id: string;
  /** Crossed the skin surface (donor → skin). */
  readonly in: number;
  /** Left through the bottom boundary to the body fluid. */
  readonly out: number;
  /** Removed by capillary clearance. */
  readonly cleared: number;
  /** Made (+) or consumed (−) by the electrode reaction. */
  readonly electrode: number;
  /** In the skin now, and at the start. */
  readonly stored: number;
  readonly storedInitial: number;
  /** In the donor now, and at the start. */
  readonly donor: number;
  readonly donorInitial: number;
}

/** Counts of the solver's work, for the linear-cost test. */
export interface SolverWork {
  steps: number;
  /** Newton iterations summed over faces. */
  closureIterations: number;
  /** Evaluations of the Bernoulli function (with or without derivative). */
  bernoulliEvaluations: number;
  /** Rows eliminated by the tridiagonal solver. */
  tridiagonalRows: number;
}

const MAX_NEWTON = 60;

/**
 * Donnan equilibrium of a charged layer with the body fluid: c_i = c_i,body e^(−z_i ψ) with Σ z_i c_i + X = 0.
 * Returns ψ (units of RT/F). Bisection on a monotone function.
 */
export function donnanPotential(z: readonly number[], body: readonly number[], fixedCharge: number): number {
  if (fixedCharge === 0) return 0;
  const charge = (psi: number) => {
    let s = fixedCharge;
    for (let i = 0; i < z.length; i++) s += z[i]! * body[i]! * Math.exp(-z[i]! * psi);
    return s;
  };
  // charge(psi) decreases with psi.
  let lo = -50;
  let hi = 50;
  if (charge(lo) < 0 || charge(hi) > 0)
    throw new RangeError('no Donnan equilibrium: the body fluid lacks counter-ions');
  for (let k = 0; k < 200 && hi - lo > 1e-15; k++) {
    const mid = (lo + hi) / 2;
    if (charge(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export class NernstPlanckSolver {
  readonly grid: LayeredGrid;
  readonly problem: TransportProblem;
  readonly ns: number;
  readonly n: number;
  readonly work: SolverWork = { steps: 0, closureIterations: 0, bernoulliEvaluations: 0, tridiagonalRows: 0 };
  /** Simulated time, s. */
  time = 0;

  private readonly scheme: TimeScheme;
  private readonly picard: number;
  private readonly z: Float64Array;
  private readonly iFlux: number; // imposed current as a charge flux, µmol/cm²/s
  private readonly finiteDonor: boolean;
  private readonly donorH: number;
  // Per-cell geometry
  private readonly cap: Float64Array; // ε h
  private readonly capK: Float64Array; // ε h k per species: ns × n
  // Per-face data: distance and per species D/d and convective Péclet
  private readonly dOverD: Float64Array; // ns × (n+1): D_face / d
  private readonly pe: Float64Array; // ns × (n+1): v d / D_face
  private readonly partition: Float64Array;
  private readonly body: Float64Array;
  private readonly source: Float64Array; // µmol/cm²/s into the donor, per species
  // State: ns × (n+1), index 0 the donor, 1..n the cells
  private readonly c: Float64Array;
  private readonly cOld: Float64Array;
  private readonly cOlder: Float64Array;
  private readonly y: Float64Array; // Δu at faces (closure of the current state)
  private readonly yOld: Float64Array;
  private readonly yUse: Float64Array;
  // Coefficients of the step: ns × (n+1)
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  // Tridiagonal scratch
  private readonly lower: Float64Array;
  private readonly diag: Float64Array;
  private readonly upper: Float64Array;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  private readonly scratch: Float64Array;
  private readonly bd = new Float64Array(2);
  // Balances (µmol/cm²) and BDF2 one-step rates
  private readonly cumIn: Float64Array;
  private readonly cumOut: Float64Array;
  private readonly cumCleared: Float64Array;
  private readonly cumSource: Float64Array;
  private readonly gIn: Float64Array;
  private readonly gOut: Float64Array;
  private readonly gCleared: Float64Array;
  private readonly gSource: Float64Array;
  private readonly storedInitial: Float64Array;
  private readonly donorInitial: Float64Array;
  private readonly fIn: Float64Array; // instantaneous surface flux of the last step, per species
  private stepsTaken = 0;
  private lastDt = 0;

  constructor(problem: TransportProblem, options: SolverOptions = {}) {
    this.problem = problem;
    this.scheme = options.scheme ?? 'bdf2';
    this.picard = options.picard ?? 0;
    const layers = problem.layers;
    const species = problem.species;
    const ns = species.length;
    this.ns = ns;
    if (ns === 0) throw new RangeError('at least one species');
    for (const s of species) {
      if (s.diffusivity.length !== layers.length) throw new RangeError(`${s.id}: one diffusivity per layer`);
      for (const d of s.diffusivity) if (!(d > 0)) throw new RangeError(`${s.id}: diffusivities must be > 0`);
      if (!(s.partition > 0)) throw new RangeError(`${s.id}: partition must be > 0`);
      if (s.donor_mM < 0 || s.body_mM < 0) throw new RangeError(`${s.id}: concentrations must be ≥ 0`);
    }
    const grid = layeredGrid(layers.map((l) => ({ thickness: l.thickness_cm, cells: l.cells })));
    this.grid = grid;
    const n = grid.n;
    this.n = n;
    const T = problem.temperature_K ?? BODY_TEMPERATURE;
    void T; // the closure works in units of RT/F; T only enters through `potentialDrop`.
    this.z = Float64Array.from(species, (s) => s.z);
    this.iFlux = (problem.currentDensity_A_per_cm2 / FARADAY) * 1e6;
    this.finiteDonor = Number.isFinite(problem.donorThickness_cm);
    this.donorH = problem.donorThickness_cm;
    if (!(this.donorH > 0)) throw new RangeError('donor thickness must be > 0');

    // Electrode stoichiometry must keep the donor neutral: Σ z·yield = sign(i).
    const sumZY = species.reduce((s, sp) => s + sp.z * (sp.electrodeYield ?? 0), 0);
    const sign = Math.sign(problem.currentDensity_A_per_cm2);
    if (this.finiteDonor && sign !== 0 && Math.abs(sumZY - sign) > 1e-9) {
      throw new RangeError(
        `electrode reaction must supply one charge per electron (Σ z·yield = ${sumZY}, needs ${sign})`,
      );
    }
    this.source = Float64Array.from(species, (s) => ((s.electrodeYield ?? 0) * Math.abs(this.iFlux)) as number);

    this.cap = new Float64Array(n);
    this.capK = new Float64Array(ns * n);
    for (let k = 0; k < n; k++) {
      const L = layers[grid.layerOf[k]!]!;
      this.cap[k] = L.porosity * grid.widths[k]!;
      for (let s = 0; s < ns; s++)
        this.capK[s * n + k] = this.cap[k]! * L.clearance_per_s * (species[s]!.clearanceFactor ?? 1);
    }

    const m = n + 1;
    this.dOverD = new Float64Array(ns * m);
    this.pe = new Float64Array(ns * m);
    const v = problem.volumeFlux_cm_per_s;
    for (let s = 0; s < ns; s++) {
      const Dl = species[s]!.diffusivity;
      for (let f = 0; f <= n; f++) {
        let d: number;
        let Df: number;
        if (f === 0 || f === n) {
          const k = f === 0 ? 0 : n - 1;
          d = grid.widths[k]! / 2;
          Df = Dl[grid.layerOf[k]!]!;
        } else {
          const hl = grid.widths[f - 1]! / 2;
          const hr = grid.widths[f]! / 2;
          d = hl + hr;
          Df = d / (hl / Dl[grid.layerOf[f - 1]!]! + hr / Dl[grid.layerOf[f]!]!);
        }
        this.dOverD[s * m + f] = Df / d;
        this.pe[s * m + f] = (v * d) / Df;
      }
    }
    this.partition = Float64Array.from(species, (s) => s.partition);
    this.body = Float64Array.from(species, (s) => s.body_mM);

    this.c = new Float64Array(ns * m);
    this.cOld = new Float64Array(ns * m);
    this.cOlder = new Float64Array(ns * m);
    // Initial state: donor composition; tissue in Donnan equilibrium with the body fluid, layer by layer.
    const zs = species.map((s) => s.z);
    const bodies = species.map((s) => s.body_mM);
    const psi = layers.map((l) => donnanPotential(zs, bodies, l.fixedCharge_mM));
    for (let s = 0; s < ns; s++) {
      this.c[s * m] = species[s]!.donor_mM;
      for (let k = 0; k < n; k++) {
        this.c[s * m + 1 + k] = species[s]!.body_mM * Math.exp(-species[s]!.z * psi[grid.layerOf[k]!]!);
      }
    }
    this.y = new Float64Array(m);
    this.yOld = new Float64Array(m);
    this.yUse = new Float64Array(m);
    this.a = new Float64Array(ns * m);
    this.b = new Float64Array(ns * m);
    this.lower = new Float64Array(m);
    this.diag = new Float64Array(m);
    this.upper = new Float64Array(m);
    this.rhs = new Float64Array(m);
    this.sol = new Float64Array(m);
    this.scratch = new Float64Array(m);
    this.cumIn = new Float64Array(ns);
    this.cumOut = new Float64Array(ns);
    this.cumCleared = new Float64Array(ns);
    this.cumSource = new Float64Array(ns);
    this.gIn = new Float64Array(ns);
    this.gOut = new Float64Array(ns);
    this.gCleared = new Float64Array(ns);
    this.gSource = new Float64Array(ns);
    this.fIn = new Float64Array(ns);
    this.storedInitial = new Float64Array(ns);
    this.donorInitial = new Float64Array(ns);
    for (let s = 0; s < ns; s++) {
      this.storedInitial[s] = this.storedOf(s);
      this.donorInitial[s] = this.donorOf(s);
    }
    this.closure(this.c, this.y);
  }

  /** Index of a species by id (−1 if absent). */
  indexOf(id: string): number {
    return this.problem.species.findIndex((s) => s.id === id);
  }

  /** Advance by `steps` steps of `dt` seconds. */
  advance(dt: number, steps = 1): void {
    if (!(dt > 0)) throw new RangeError('dt must be > 0');
    for (let k = 0; k < steps; k++) this.step(dt);
  }

  private step(dt: number): void {
    const ns = this.ns;
    const m = this.n + 1;
    const bdf2 = this.scheme === 'bdf2' && this.stepsTaken > 0 && Math.abs(dt - this.lastDt) <= 1e-12 * dt;
    // Field for the step: lagged (Euler) or extrapolated (BDF2) closure.
    if (bdf2) for (let f = 0; f < m; f++) this.yUse[f] = 2 * this.y[f]! - this.yOld[f]!;
    else this.yUse.set(this.y);
    this.cOlder.set(this.cOld);
    this.cOld.set(this.c);
    for (let sweep = 0; sweep <= this.picard; sweep++) {
      if (sweep > 0) this.closure(this.c, this.yUse);
      this.coefficients(this.yUse);
      for (let s = 0; s < ns; s++) this.solveSpecies(s, dt, bdf2);
    }
    this.book(dt, bdf2);
    this.yOld.set(this.y);
    this.closure(this.c, this.y);
    this.time += dt;
    this.lastDt = dt;
    this.stepsTaken++;
    this.work.steps++;
  }

  /** SG coefficients a (multiplies the left value) and b (the right value) of every species at every face. */
  private coefficients(y: Float64Array): void {
    const m = this.n + 1;
    for (let s = 0; s < this.ns; s++) {
      const zs = this.z[s]!;
      const o = s * m;
      for (let f = 0; f < m; f++) {
        const g = this.dOverD[o + f]!;
        const p = this.pe[o + f]! - zs * y[f]!; // cell Péclet number P = −z Δu + v d / D
        this.a[o + f] = g * bernoulli(-p);
        this.b[o + f] = g * bernoulli(p);
      }
    }
    this.work.bernoulliEvaluations += 2 * this.ns * m;
  }

  private solveSpecies(s: number, dt: number, bdf2: boolean): void {
    const n = this.n;
    const m = n + 1;
    const o = s * m;
    const alpha = bdf2 ? 1.5 / dt : 1 / dt;
    const a = this.a;
    const b = this.b;
    const c = this.c;
    const K = this.partition[s]!;
    const hist = (idx: number) => (bdf2 ? (4 * this.cOld[idx]! - this.cOlder[idx]!) / 3 : this.cOld[idx]!);
    // Row 0: the donor.
    if (this.finiteDonor) {
      const h = this.donorH;
      this.diag[0] = h * alpha + a[o]! * K;
      this.upper[0] = -b[o]!;
      this.rhs[0] = h * alpha * hist(o) + this.source[s]!;
    } else {
      this.diag[0] = 1;
      this.upper[0] = 0;
      this.rhs[0] = c[o]!;
    }
    const body = this.body[s]!;
    for (let j = 1; j <= n; j++) {
      const k = j - 1;
      const cap = this.cap[k]!;
      const capK = this.capK[s * n + k]!;
      this.lower[j] = -a[o + j - 1]! * (j === 1 ? K : 1);
      this.diag[j] = cap * alpha + b[o + j - 1]! + a[o + j]! + capK;
      let r = cap * alpha * hist(o + j) + capK * body;
      if (j < n) this.upper[j] = -b[o + j]!;
      else {
        this.upper[j] = 0;
        r += b[o + n]! * body;
      }
      this.rhs[j] = r;
    }
    solveTridiagonal(m, this.lower, this.diag, this.upper, this.rhs, this.sol, this.scratch);
    c.set(this.sol, o);
    this.work.tridiagonalRows += m;
  }

  /** Book the fluxes of the solved level into the balances (BDF2: one-step form G ← G/3 + 2F/3). */
  private book(dt: number, bdf2: boolean): void {
    const n = this.n;
    const m = n + 1;
    for (let s = 0; s < this.ns; s++) {
      const o = s * m;
      const fIn = this.a[o]! * this.partition[s]! * this.c[o]! - this.b[o]! * this.c[o + 1]!;
      const fOut = this.a[o + n]! * this.c[o + n]! - this.b[o + n]! * this.body[s]!;
      let fCl = 0;
      const body = this.body[s]!;
      for (let k = 0; k < n; k++) {
        const ck = this.capK[s * n + k]!;
        if (ck !== 0) fCl += ck * (this.c[o + 1 + k]! - body);
      }
      const fSrc = this.finiteDonor ? this.source[s]! : 0;
      this.fIn[s] = fIn;
      if (bdf2) {
        this.gIn[s] = this.gIn[s]! / 3 + (2 * fIn) / 3;
        this.gOut[s] = this.gOut[s]! / 3 + (2 * fOut) / 3;
        this.gCleared[s] = this.gCleared[s]! / 3 + (2 * fCl) / 3;
        this.gSource[s] = this.gSource[s]! / 3 + (2 * fSrc) / 3;
      } else {
        this.gIn[s] = fIn;
        this.gOut[s] = fOut;
        this.gCleared[s] = fCl;
        this.gSource[s] = fSrc;
      }
      this.cumIn[s] = this.cumIn[s]! + dt * this.gIn[s]!;
      this.cumOut[s] = this.cumOut[s]! + dt * this.gOut[s]!;
      this.cumCleared[s] = this.cumCleared[s]! + dt * this.gCleared[s]!;
      this.cumSource[s] = this.cumSource[s]! + dt * this.gSource[s]!;
    }
  }

  /**
   * Solve the current closure at every face for the concentrations `c`, writing Δu to `y` (used as initial guess):
   * Σ_s z_s (a_s(Δu) c_L − b_s(Δu) c_R) = i / F.
   */
  private closure(c: Float64Array, y: Float64Array): void {
    const n = this.n;
    const m = n + 1;
    const ns = this.ns;
    const target = this.iFlux;
    const bd = this.bd;
    let iterations = 0;
    let evaluations = 0;
    for (let f = 0; f < m; f++) {
      let yf = y[f]!;
      let lo = -Infinity;
      let hi = Infinity;
      for (let it = 0; it < MAX_NEWTON; it++) {
        iterations++;
        let g = -target;
        let dg = 0;
        for (let s = 0; s < ns; s++) {
          const zs = this.z[s]!;
          if (zs === 0) continue;
          const o = s * m;
          const gd = this.dOverD[o + f]!;
          const pe = this.pe[o + f]!;
          const cL = f === 0 ? c[o]! * this.partition[s]! : c[o + f]!;
          const cR = f === n ? this.body[s]! : c[o + f + 1]!;
          // a = gd·B(z y − Pe), b = gd·B(Pe − z y)
          bernoulliWithDerivative(zs * yf - pe, bd);
          const ba = bd[0]!;
          const dba = bd[1]!;
          bernoulliWithDerivative(pe - zs * yf, bd);
          const bb = bd[0]!;
          const dbb = bd[1]!;
          evaluations += 2;
          g += zs * gd * (ba * cL - bb * cR);
          dg += zs * zs * gd * (dba * cL + dbb * cR);
        }
        // g decreases with y: g > 0 means the root lies above.
        if (g > 0) lo = yf;
        else hi = yf;
        if (g === 0 || dg === 0) break;
        let next = yf - g / dg;
        if (!(next > lo && next < hi)) {
          if (Number.isFinite(lo) && Number.isFinite(hi)) next = (lo + hi) / 2;
          else next = g > 0 ? yf + 4 : yf - 4;
        }
        const done = Math.abs(next - yf) <= 1e-13 * (1 + Math.abs(yf));
        yf = next;
        if (done) break;
      }
      y[f] = yf;
    }
    this.work.closureIterations += iterations;
    this.work.bernoulliEvaluations += evaluations;
  }

  private storedOf(s: number): number {
    const m = this.n + 1;
    let sum = 0;
    for (let k = 0; k < this.n; k++) sum += this.cap[k]! * this.c[s * m + 1 + k]!;
    return sum;
  }

  private donorOf(s: number): number {
    return this.finiteDonor ? this.donorH * this.c[s * (this.n + 1)]! : 0;
  }

  balance(s: number): SpeciesBalance {
    return {
      id: this.problem.species[s]!.id,
      in: this.cumIn[s]!,
      out: this.cumOut[s]!,
      cleared: this.cumCleared[s]!,
      electrode: this.cumSource[s]!,
      stored: this.storedOf(s),
      storedInitial: this.storedInitial[s]!,
      donor: this.donorOf(s),
      donorInitial: this.donorInitial[s]!,
    };
  }

  /** Surface flux (donor → skin) of the last step, µmol/cm²/s. */
  surfaceFlux(s: number): number {
    return this.fIn[s]!;
  }

  /** Concentration in the aqueous pathway, mM: cell k (0-based). */
  concentration(s: number, k: number): number {
    return this.c[s * (this.n + 1) + 1 + k]!;
  }

  /** Donor concentration, mM. */
  donorConcentration(s: number): number {
    return this.c[s * (this.n + 1)]!;
  }

  /** Amount per tissue volume in cell k, µmol/cm³ (= ε c). */
  tissueConcentration(s: number, k: number): number {
    return (this.cap[k]! / this.grid.widths[k]!) * this.concentration(s, k);
  }

  /** Potential drop across each layer of the last closure, in V (sum of the face drops inside and at its top). */
  potentialDrop_V(): number {
    const T = this.problem.temperature_K ?? BODY_TEMPERATURE;
    let sum = 0;
    for (let f = 0; f <= this.n; f++) sum += this.y[f]!;
    return (sum * GAS_CONSTANT * T) / FARADAY;
  }

  /**
   * Net charge flux carried by the species at face f with the coefficients of the last step and the current state,
   * divided by the imposed one (1 when the closure is met exactly; the lagged field makes it 1 + O(dt)).
   */
  currentRatio(f: number): number {
    const m = this.n + 1;
    let sum = 0;
    for (let s = 0; s < this.ns; s++) {
      const o = s * m;
      const cL = f === 0 ? this.c[o]! * this.partition[s]! : this.c[o + f]!;
      const cR = f === this.n ? this.body[s]! : this.c[o + f + 1]!;
      sum += this.z[s]! * (this.a[o + f]! * cL - this.b[o + f]! * cR);
    }
    return sum / this.iFlux;
  }

  /** Charge carried by each species through the surface in the last step as a fraction of the current (t_i). */
  surfaceTransportNumber(s: number): number {
    return (this.z[s]! * this.fIn[s]!) / this.iFlux;
  }
}
