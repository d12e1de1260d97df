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
 * Time stepping is fully implicit, backward Euler or BDF2 (constant step; the first step is Euler), solved by
 * Newton's method on all species at once. The potential is eliminated face by face: Δu_f = Δu_f(c_left, c_right)
 * by the closure, and its derivatives follow from the implicit-function theorem, ∂Δu/∂c_k = −(∂g/∂c_k)/(∂g/∂Δu), so
 * the flux Jacobian of a face is a rank-one update of a diagonal matrix. Every species at node j couples only to
 * nodes j−1, j, j+1, so the Newton matrix is block tridiagonal (ns × ns blocks, ns the number of species), solved by
 * the block Thomas algorithm in O(n · ns³). A Newton iteration therefore costs one closure (a few scalar Newton
 * iterations per face) plus one block-tridiagonal solve: linear in the number of cells. No dense global matrix is
 * formed and all arrays are allocated once, in the constructor.
 *
 * An earlier, linearly implicit variant (field lagged or extrapolated, one tridiagonal solve per species) was
 * dropped: with the field explicit, the sharp fronts in the stratum corneum (where Na⁺ is displaced by the drug, as
 * in isotachophoresis) made it inaccurate unless dt was below the cell transit time, and Picard sweeps did not fix
 * it. Newton takes 3–6 iterations at steps of seconds; an iterate that would empty a cell of an ion is damped,
 * and a step that does not converge is retried smaller (`advanceTo`).
 *
 * Mass balance is exact to rounding for every species: the fluxes booked as "in" (surface), "out" (to the body
 * fluid) and "cleared" (capillaries) are the discrete fluxes of the solved system. For BDF2 the booked fluxes follow
 * G ← G/3 + 2F/3 (F the fluxes of the new level), the one-step form of BDF2, so stored = in − out − cleared holds
 * exactly over any number of steps.
 */
import { bernoulliWithDerivative } from './bernoulli.js';
import { solveBlockTridiagonal } from './banded-solver.js';
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
  /** Newton stops when every update is below tol × (the largest concentration of the problem). Default 1e-11. */
  readonly tolerance?: number;
  /** Newton iterations per step before the step is rejected (`advanceTo` retries it smaller). Default 12. */
  readonly maxIterations?: number;
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
  /** Newton iterations summed over steps. */
  newtonIterations: number;
  /** Block rows eliminated by the block-tridiagonal solver. */
  blockRows: number;
  /** Steps retried at a smaller size because Newton failed. */
  rejectedSteps: number;
  /** Newton iterations whose update was shortened to keep concentrations positive. */
  dampedIterations: number;
}

const MAX_CLOSURE_ITERATIONS = 60;

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
  /** Number of species. */
  readonly ns: number;
  /** Number of cells. */
  readonly n: number;
  readonly work: SolverWork = {
    steps: 0,
    closureIterations: 0,
    bernoulliEvaluations: 0,
    newtonIterations: 0,
    blockRows: 0,
    rejectedSteps: 0,
    dampedIterations: 0,
  };
  /** Simulated time, s. */
  time = 0;

  private readonly scheme: TimeScheme;
  private readonly tol: number;
  private readonly maxIterations: number;
  private readonly z: Float64Array;
  private readonly iFlux: number; // imposed current as a charge flux, µmol/cm²/s
  private readonly finiteDonor: boolean;
  // Node geometry (node 0 the donor, nodes 1..n the cells): capacity (volume per area) and clearance per species
  private readonly cap: Float64Array; // m
  private readonly capK: Float64Array; // m × ns
  // Faces f = 0..n between node f and node f+1 (face n: to the body fluid), per species (f × ns + s)
  private readonly dOverD: Float64Array;
  private readonly pe: Float64Array;
  private readonly partition: Float64Array;
  // Interface ("jump") faces: the surface and every boundary between layers of different fixed charge.
  private readonly jumpSide: Int8Array; // per face: 0 ordinary, −1 resistive side on the left, +1 on the right
  private readonly jumpCharge: Float64Array; // fixed charge of the resistive side, per face
  private readonly psi: Float64Array; // Donnan potential of the resistive side over the other side, per face
  private readonly eFactor: Float64Array; // f × ns: κ e^(−zψ), the factor translating the other side
  private readonly sFactor: Float64Array; // per face: Σ z² c* (for ∂ψ/∂c)
  private readonly cLf: Float64Array; // f × ns: effective left and right values of every face
  private readonly cRf: Float64Array;
  private readonly mTmp: Float64Array; // ns × ns scratch
  private readonly body: Float64Array;
  private readonly source: Float64Array; // µmol/cm²/s into the donor, per species
  // State, node-major: c[j × ns + s]
  private readonly c: Float64Array;
  private readonly cOld: Float64Array;
  private readonly cOlder: Float64Array;
  private readonly hist: Float64Array;
  private readonly saved: Float64Array;
  private readonly ySaved: Float64Array;
  private readonly psiSaved: Float64Array;
  // Faces of the current iterate
  private readonly y: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly dJdy: Float64Array;
  private readonly dg: Float64Array;
  // Newton system
  private readonly lower: Float64Array;
  private readonly diag: Float64Array;
  private readonly upper: Float64Array;
  private readonly rhs: Float64Array;
  private readonly pivots: Int32Array;
  private readonly bd = new Float64Array(2);
  private readonly scale: number;
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
  private readonly fIn: Float64Array;
  private stepsTaken = 0;
  private lastDt = 0;

  constructor(problem: TransportProblem, options: SolverOptions = {}) {
    this.problem = problem;
    this.scheme = options.scheme ?? 'bdf2';
    this.tol = options.tolerance ?? 1e-11;
    this.maxIterations = options.maxIterations ?? 12;
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
    const m = n + 1;
    this.z = Float64Array.from(species, (s) => s.z);
    this.iFlux = (problem.currentDensity_A_per_cm2 / FARADAY) * 1e6;
    this.finiteDonor = Number.isFinite(problem.donorThickness_cm);
    if (!(problem.donorThickness_cm > 0)) throw new RangeError('donor thickness must be > 0');

    // Electrode stoichiometry must keep the donor neutral: Σ z·yield = sign(i).
    const sumZY = species.reduce((s, sp) => s + sp.z * (sp.electrodeYield ?? 0), 0);
    const sign = Math.sign(problem.currentDensity_A_per_cm2);
    if (this.finiteDonor && sign !== 0 && Math.abs(sumZY - sign) > 1e-9) {
      throw new RangeError(
        `electrode reaction must supply one charge per electron (Σ z·yield = ${sumZY}, needs ${sign})`,
      );
    }
    this.source = Float64Array.from(species, (s) => (s.electrodeYield ?? 0) * Math.abs(this.iFlux));

    this.cap = new Float64Array(m);
    this.capK = new Float64Array(m * ns);
    this.cap[0] = this.finiteDonor ? problem.donorThickness_cm : 0;
    for (let k = 0; k < n; k++) {
      const L = layers[grid.layerOf[k]!]!;
      this.cap[k + 1] = L.porosity * grid.widths[k]!;
      for (let s = 0; s < ns; s++) {
        this.capK[(k + 1) * ns + s] = this.cap[k + 1]! * L.clearance_per_s * (species[s]!.clearanceFactor ?? 1);
      }
    }

    // Interfaces. The surface (donor | first layer) and every boundary between layers of different fixed charge
    // carry a Donnan jump. The flux through such a face is computed over the half cell on its resistive side (the
    // layer with the smaller diffusivities: the SC), with the concentrations of the other side translated across the
    // jump by Donnan equilibrium with the resistive side's fixed charge (and the partition coefficients at the
    // surface): c*_i = κ_i c_i e^(−z_i ψ), Σ z_i c*_i + X = 0. The other side's half cell is left out: its resistance
    // is that of the viable tissue, 10⁻⁴ of the SC's. Resolving the jump over an ordinary face instead smears it over
    // several SC cells and makes the result depend on the SC grid at first order.
    const meanD = (li: number) => species.reduce((acc, sp) => acc + sp.diffusivity[li]!, 0);
    this.jumpSide = new Int8Array(m);
    this.jumpCharge = new Float64Array(m);
    this.psi = new Float64Array(m);
    this.psiSaved = new Float64Array(m);
    this.eFactor = new Float64Array(m * ns);
    this.sFactor = new Float64Array(m);
    this.cLf = new Float64Array(m * ns);
    this.cRf = new Float64Array(m * ns);
    this.mTmp = new Float64Array(ns * ns);
    this.jumpSide[0] = 1;
    this.jumpCharge[0] = layers[0]!.fixedCharge_mM;
    for (let f = 1; f < n; f++) {
      const l0 = grid.layerOf[f - 1]!;
      const l1 = grid.layerOf[f]!;
      if (l0 !== l1 && layers[l0]!.fixedCharge_mM !== layers[l1]!.fixedCharge_mM) {
        const right = meanD(l1) < meanD(l0);
        this.jumpSide[f] = right ? 1 : -1;
        this.jumpCharge[f] = layers[right ? l1 : l0]!.fixedCharge_mM;
      }
    }
    this.dOverD = new Float64Array(m * ns);
    this.pe = new Float64Array(m * ns);
    const v = problem.volumeFlux_cm_per_s;
    for (let s = 0; s < ns; s++) {
      const Dl = species[s]!.diffusivity;
      for (let f = 0; f <= n; f++) {
        let d: number;
        let Df: number;
        if (f === 0 || f === n || this.jumpSide[f] !== 0) {
          const k = f === n ? n - 1 : this.jumpSide[f] === -1 ? f - 1 : f; // the cell whose half is used
          d = grid.widths[k]! / 2;
          Df = Dl[grid.layerOf[k]!]!;
        } else {
          const hl = grid.widths[f - 1]! / 2;
          const hr = grid.widths[f]! / 2;
          d = hl + hr;
          Df = d / (hl / Dl[grid.layerOf[f - 1]!]! + hr / Dl[grid.layerOf[f]!]!);
        }
        this.dOverD[f * ns + s] = Df / d;
        this.pe[f * ns + s] = (v * d) / Df;
      }
    }
    this.partition = Float64Array.from(species, (s) => s.partition);
    this.body = Float64Array.from(species, (s) => s.body_mM);

    this.c = new Float64Array(m * ns);
    this.cOld = new Float64Array(m * ns);
    this.cOlder = new Float64Array(m * ns);
    this.hist = new Float64Array(m * ns);
    this.saved = new Float64Array(m * ns);
    // Initial state: donor composition; tissue in Donnan equilibrium with the body fluid, layer by layer.
    const zs = species.map((s) => s.z);
    const bodies = species.map((s) => s.body_mM);
    const psi = layers.map((l) => donnanPotential(zs, bodies, l.fixedCharge_mM));
    let scale = 0;
    for (let s = 0; s < ns; s++) {
      this.c[s] = species[s]!.donor_mM;
      for (let k = 0; k < n; k++) {
        this.c[(k + 1) * ns + s] = species[s]!.body_mM * Math.exp(-species[s]!.z * psi[grid.layerOf[k]!]!);
      }
      scale = Math.max(scale, species[s]!.donor_mM, species[s]!.body_mM);
    }
    this.scale = scale > 0 ? scale : 1;
    this.y = new Float64Array(m);
    this.ySaved = new Float64Array(m);
    this.a = new Float64Array(m * ns);
    this.b = new Float64Array(m * ns);
    this.dJdy = new Float64Array(m * ns);
    this.dg = new Float64Array(m);
    this.lower = new Float64Array(m * ns * ns);
    this.diag = new Float64Array(m * ns * ns);
    this.upper = new Float64Array(m * ns * ns);
    this.rhs = new Float64Array(m * ns);
    this.pivots = new Int32Array(m * ns);
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
    this.faces();
  }

  /** Index of a species by id (−1 if absent). */
  indexOf(id: string): number {
    return this.problem.species.findIndex((s) => s.id === id);
  }

  /** Advance by `steps` steps of exactly `dt` seconds (throws if Newton fails; see `advanceTo` for a robust start). */
  advance(dt: number, steps = 1): void {
    if (!(dt > 0)) throw new RangeError('dt must be > 0');
    for (let k = 0; k < steps; k++) {
      if (!this.tryStep(dt)) throw new RangeError(`Newton did not converge at t = ${this.time + dt} s (dt = ${dt} s)`);
    }
  }

  /**
   * Advance to time `t` with steps of at most `maxStep` seconds. The very first step is `maxStep / 1024` and the step
   * doubles after every step that Newton solved in ≤ 4 iterations, until it reaches `maxStep` (the current switches on
   * at t = 0 against a donor and a skin that are not in equilibrium: the start is a sharp transient); it is held after
   * 5–7 iterations and halved after more. A step whose Newton iteration fails is retried at a quarter of its size. The
   * steps up to `t` are made equal so that the last one lands on it.
   */
  advanceTo(t: number, maxStep: number): void {
    if (!(maxStep > 0)) throw new RangeError('maxStep must be > 0');
    while (this.time < t - 1e-12 * Math.max(1, t)) {
      const remaining = t - this.time;
      const want = Math.min(this.nextStep > 0 ? this.nextStep : maxStep / 1024, maxStep);
      const dt = remaining / Math.ceil(remaining / want - 1e-9);
      const before = this.work.newtonIterations;
      if (this.tryStep(dt)) {
        // Grow the step while Newton converges easily; hold it, or shrink it, when Newton labours.
        const used = this.work.newtonIterations - before;
        this.nextStep = used <= 4 ? Math.min(2 * dt, maxStep) : used <= 7 ? dt : dt / 2;
      } else {
        if (dt < 1e-9) throw new RangeError(`Newton did not converge at t = ${this.time} s even with dt = ${dt} s`);
        this.nextStep = dt / 4;
        this.work.rejectedSteps++;
      }
    }
    this.time = Math.max(this.time, t);
  }

  private nextStep = 0;
  /** Set when a face's closure did not converge during the present Newton iteration. */
  private closureFailed = false;

  /**
   * One step of `dt`. BDF2 with variable steps (ω = dt / previous dt):
   * (1+2ω)/(1+ω) cⁿ⁺¹ − (1+ω) cⁿ + ω²/(1+ω) cⁿ⁻¹ = dt F(cⁿ⁺¹); the first step is backward Euler. Returns false, with
   * the state restored, if Newton does not converge.
   */
  private tryStep(dt: number): boolean {
    const ns = this.ns;
    const m = this.n + 1;
    const bdf2 = this.scheme === 'bdf2' && this.stepsTaken > 0;
    const w = bdf2 ? dt / this.lastDt : 0;
    const alpha = bdf2 ? (1 + 2 * w) / ((1 + w) * dt) : 1 / dt;
    this.saved.set(this.cOlder);
    this.cOlder.set(this.cOld);
    this.cOld.set(this.c);
    this.ySaved.set(this.y);
    this.psiSaved.set(this.psi);
    for (let idx = 0; idx < m * ns; idx++) {
      this.hist[idx] = bdf2
        ? ((1 + w) * (1 + w) * this.cOld[idx]! - w * w * this.cOlder[idx]!) / (1 + 2 * w)
        : this.cOld[idx]!;
    }
    const limit = this.tol * this.scale;
    let converged = false;
    let previous = Infinity;
    for (let it = 0; it < this.maxIterations; it++) {
      this.work.newtonIterations++;
      this.assemble(alpha);
      solveBlockTridiagonal(m, ns, this.lower, this.diag, this.upper, this.rhs, this.pivots);
      this.work.blockRows += m;
      // Damped update: no concentration above the noise level may lose more than 90 % of its value in one iteration
      // (an overshooting iterate can empty a cell of all ions, where no field can carry the current).
      let biggest = 0;
      let lambda = 1;
      const floor = 1e-6 * this.scale;
      for (let idx = 0; idx < m * ns; idx++) {
        const d = this.rhs[idx]!;
        const cOld = this.c[idx]!;
        if (!(Math.abs(d) <= biggest)) biggest = Math.abs(d); // NaN-safe: NaN becomes the biggest
        if (cOld > floor && d > 0.9 * cOld) lambda = Math.min(lambda, (0.9 * cOld) / d);
      }
      for (let idx = 0; idx < m * ns; idx++) this.c[idx] = this.c[idx]! - lambda * this.rhs[idx]!;
      if (lambda < 1) this.work.dampedIterations++;
      this.closureFailed = false;
      this.faces();
      if (this.closureFailed) break;
      // Converged: below the tolerance, or stalled at the rounding floor close to it.
      if (lambda === 1 && (biggest <= limit || (biggest <= 1e3 * limit && biggest >= 0.25 * previous))) {
        converged = true;
        break;
      }
      previous = biggest;
      if (!(biggest < 1e6 * this.scale)) break; // diverging
    }
    if (!converged) {
      this.c.set(this.cOld);
      this.cOld.set(this.cOlder);
      this.cOlder.set(this.saved);
      this.y.set(this.ySaved);
      this.psi.set(this.psiSaved);
      this.faces();
      return false;
    }
    this.book(dt, bdf2 ? w : -1);
    this.time += dt;
    this.lastDt = dt;
    this.stepsTaken++;
    this.work.steps++;
    return true;
  }

  /**
   * Newton system for the step: residual R (into rhs) and its block-tridiagonal Jacobian, at the current iterate
   * (whose faces are already evaluated). Node j: cap·α·(c − hist) + capK·(c − body) + J_right − J_left (− source).
   */
  private assemble(alpha: number): void {
    const ns = this.ns;
    const n = this.n;
    const m = n + 1;
    const bb = ns * ns;
    const { lower, diag, upper, rhs, c, a, b, z } = this;
    lower.fill(0);
    diag.fill(0);
    upper.fill(0);
    for (let j = 0; j < m; j++) {
      const capA = this.cap[j]! * alpha;
      for (let s = 0; s < ns; s++) {
        const idx = j * ns + s;
        if (j === 0) {
          if (this.finiteDonor) {
            rhs[idx] = capA * (c[idx]! - this.hist[idx]!) - this.source[s]!;
            diag[s * ns + s] = capA;
          } else {
            rhs[idx] = 0; // the reservoir never changes
            diag[s * ns + s] = 1;
          }
        } else {
          const ck = this.capK[idx]!;
          rhs[idx] = capA * (c[idx]! - this.hist[idx]!) + ck * (c[idx]! - this.body[s]!);
          diag[j * bb + s * ns + s] = capA + ck;
        }
      }
    }
    const M = this.mTmp;
    for (let f = 0; f < m; f++) {
      const dg = this.dg[f]!;
      const fo = f * ns;
      const lo = f * ns; // left node f
      const ro = (f + 1) * ns; // right node f+1
      const leftRows = f > 0 || this.finiteDonor;
      const side = this.jumpSide[f]!;
      for (let s = 0; s < ns; s++) {
        const J = a[fo + s]! * this.cLf[fo + s]! - b[fo + s]! * this.cRf[fo + s]!;
        if (leftRows) rhs[lo + s] = rhs[lo + s]! + J;
        if (f < n) rhs[ro + s] = rhs[ro + s]! - J;
      }
      // ∂J_s/∂(effective left value k) = a_k (δ_sk − q_s z_k); ∂J_s/∂(effective right value k) = −b_k (δ_sk − q_s z_k).
      for (let s = 0; s < ns; s++) {
        const q = dg !== 0 ? this.dJdy[fo + s]! / dg : 0;
        for (let k = 0; k < ns; k++) {
          const coupling = (s === k ? 1 : 0) - q * z[k]!;
          const dL = a[fo + k]! * coupling;
          const dR = -b[fo + k]! * coupling;
          // Chain rule through the Donnan translation of the non-resistive side: M = ∂J/∂c* (∂c*/∂c below).
          if (side === 1) M[s * ns + k] = dL;
          else if (side === -1) M[s * ns + k] = dR;
          const addL = side === 1 ? 0 : dL;
          const addR = side === -1 ? 0 : dR;
          if (leftRows && addL !== 0) diag[f * bb + s * ns + k] = diag[f * bb + s * ns + k]! + addL;
          if (f < n) {
            if (leftRows && addR !== 0) upper[f * bb + s * ns + k] = upper[f * bb + s * ns + k]! + addR;
            if (addL !== 0) lower[(f + 1) * bb + s * ns + k] = lower[(f + 1) * bb + s * ns + k]! - addL;
            if (addR !== 0) diag[(f + 1) * bb + s * ns + k] = diag[(f + 1) * bb + s * ns + k]! - addR;
          }
        }
      }
      if (side === 0) continue;
      // ∂c*_k/∂c_j = e_k δ_kj − z_k c*_k z_j e_j / S, so ∂J_s/∂c_j = M_sj e_j − (Σ_k M_sk z_k c*_k) z_j e_j / S.
      const cStar = side === 1 ? this.cLf : this.cRf;
      const S = this.sFactor[f]!;
      for (let s = 0; s < ns; s++) {
        let w = 0;
        if (S > 0) for (let k = 0; k < ns; k++) w += M[s * ns + k]! * z[k]! * cStar[fo + k]!;
        for (let jx = 0; jx < ns; jx++) {
          const e = this.eFactor[fo + jx]!;
          const d = M[s * ns + jx]! * e - (S > 0 ? (w * z[jx]! * e) / S : 0);
          if (d === 0) continue;
          if (side === 1) {
            // the other side is the left node
            if (leftRows) diag[f * bb + s * ns + jx] = diag[f * bb + s * ns + jx]! + d;
            if (f < n) lower[(f + 1) * bb + s * ns + jx] = lower[(f + 1) * bb + s * ns + jx]! - d;
          } else {
            // the other side is the right node (never the body: face n is ordinary)
            if (leftRows) upper[f * bb + s * ns + jx] = upper[f * bb + s * ns + jx]! + d;
            diag[(f + 1) * bb + s * ns + jx] = diag[(f + 1) * bb + s * ns + jx]! - d;
          }
        }
      }
    }
  }

  /**
   * Evaluate every face at the present concentrations: the Donnan translation of interface faces, then the current
   * closure g(Δu) = Σ_s z_s (a_s(Δu) c_L − b_s(Δu) c_R) − i/F = 0 (Δu warm-started from its last value), then a, b and
   * ∂J/∂Δu at the root and ∂g/∂Δu.
   */
  private faces(): void {
    const n = this.n;
    const m = n + 1;
    const ns = this.ns;
    const c = this.c;
    const target = this.iFlux;
    const bd = this.bd;
    const z = this.z;
    let iterations = 0;
    let evaluations = 0;
    for (let f = 0; f < m; f++) {
      const fo = f * ns;
      const side = this.jumpSide[f]!;
      for (let s = 0; s < ns; s++) {
        this.cLf[fo + s] = c[fo + s]!;
        this.cRf[fo + s] = f === n ? this.body[s]! : c[fo + ns + s]!;
      }
      if (side !== 0) {
        // Donnan: ψ with Σ z κ c e^(−zψ) + X = 0 for the other side's c (monotone decreasing in ψ).
        const other = side === 1 ? this.cLf : this.cRf;
        const X = this.jumpCharge[f]!;
        let p = this.psi[f]!;
        let lo = -Infinity;
        let hi = Infinity;
        let stride = 1;
        for (let it = 0; it < MAX_CLOSURE_ITERATIONS; it++) {
          let h = X;
          let dh = 0;
          for (let s = 0; s < ns; s++) {
            const zs = z[s]!;
            if (zs === 0) continue;
            const k = f === 0 ? this.partition[s]! : 1;
            const term = k * other[fo + s]! * Math.exp(-zs * p);
            h += zs * term;
            dh -= zs * zs * term;
          }
          if (X === 0 || h === 0 || dh === 0) break;
          if (h > 0) lo = p;
          else hi = p;
          let next = p - h / dh;
          if (!(next > lo && next < hi)) {
            if (Number.isFinite(lo) && Number.isFinite(hi)) next = (lo + hi) / 2;
            else {
              stride *= 2;
              next = h > 0 ? p + stride : p - stride;
            }
          }
          const done = Math.abs(next - p) <= 1e-14 * (1 + Math.abs(p));
          p = next;
          if (done) break;
        }
        if (X === 0) p = 0;
        this.psi[f] = p;
        let S = 0;
        for (let s = 0; s < ns; s++) {
          const e = (f === 0 ? this.partition[s]! : 1) * Math.exp(-z[s]! * p);
          this.eFactor[fo + s] = e;
          other[fo + s] = e * other[fo + s]!;
          S += z[s]! * z[s]! * other[fo + s]!;
        }
        this.sFactor[f] = X === 0 ? 0 : S;
      }
      let yf = this.y[f]!;
      let lo = -Infinity;
      let hi = Infinity;
      let stride = 2;
      let solved = false;
      for (let it = 0; it < MAX_CLOSURE_ITERATIONS; it++) {
        iterations++;
        let g = -target;
        let dg = 0;
        let gScale = 0;
        for (let s = 0; s < ns; s++) {
          const zs = z[s]!;
          if (zs === 0) continue;
          const gd = this.dOverD[fo + s]!;
          const pe = this.pe[fo + s]!;
          bernoulliWithDerivative(zs * yf - pe, bd);
          const ba = bd[0]!;
          const dba = bd[1]!;
          bernoulliWithDerivative(pe - zs * yf, bd);
          evaluations += 2;
          const cL = this.cLf[fo + s]!;
          const cR = this.cRf[fo + s]!;
          g += zs * gd * (ba * cL - bd[0]! * cR);
          gScale += Math.abs(zs * gd) * (Math.abs(ba * cL) + Math.abs(bd[0]! * cR));
          dg += zs * zs * gd * (dba * cL + bd[1]! * cR);
        }
        if (Math.abs(g) <= 1e-13 * (gScale + Math.abs(target))) {
          solved = true;
          break;
        }
        // g decreases with Δu (for non-negative concentrations): g > 0 means the root lies above.
        if (g > 0) lo = yf;
        else hi = yf;
        if (g === 0 || dg === 0) {
          solved = true;
          break;
        }
        let next = yf - g / dg;
        if (!(next > lo && next < hi)) {
          // Newton left the bracket: bisect, or (one side still open) step out with a doubling stride.
          if (Number.isFinite(lo) && Number.isFinite(hi)) next = (lo + hi) / 2;
          else {
            stride *= 2;
            next = g > 0 ? yf + stride : yf - stride;
          }
        }
        // A vanishing step with a residual that is not small means no root: the ions at this face cannot carry the
        // current (Δu runs away). The Newton iteration of the step is then rejected.
        const done = Math.abs(next - yf) <= 1e-13 * (1 + Math.abs(yf));
        yf = next;
        if (done) {
          solved = Math.abs(g) <= 1e-8 * (gScale + Math.abs(target));
          break;
        }
      }
      if (!solved) this.closureFailed = true;
      this.y[f] = yf;
      // Coefficients at the root.
      let dgf = 0;
      for (let s = 0; s < ns; s++) {
        const zs = z[s]!;
        const gd = this.dOverD[fo + s]!;
        const pe = this.pe[fo + s]!;
        bernoulliWithDerivative(zs * yf - pe, bd);
        const ba = bd[0]!;
        const dba = bd[1]!;
        bernoulliWithDerivative(pe - zs * yf, bd);
        evaluations += 2;
        this.a[fo + s] = gd * ba;
        this.b[fo + s] = gd * bd[0]!;
        const d = zs * gd * (dba * this.cLf[fo + s]! + bd[1]! * this.cRf[fo + s]!);
        this.dJdy[fo + s] = d;
        dgf += zs * d;
      }
      this.dg[f] = dgf;
    }
    this.work.closureIterations += iterations;
    this.work.bernoulliEvaluations += evaluations;
  }

  /**
   * Book the fluxes of the solved level into the balances. Backward Euler (w < 0): G = F. BDF2 in one-step form,
   * G ← (1+ω)/(1+2ω) F + ω/(1+2ω) G (ω = 1: 2F/3 + G/3), which makes Δ(stored) = dt·G exact.
   */
  private book(dt: number, w: number): void {
    const bdf2 = w >= 0;
    const wF = bdf2 ? (1 + w) / (1 + 2 * w) : 1;
    const wG = bdf2 ? w / (1 + 2 * w) : 0;
    const n = this.n;
    const ns = this.ns;
    for (let s = 0; s < ns; s++) {
      const fIn = this.a[s]! * this.cLf[s]! - this.b[s]! * this.cRf[s]!;
      const no = n * ns + s;
      const fOut = this.a[no]! * this.cLf[no]! - this.b[no]! * this.cRf[no]!;
      let fCl = 0;
      const body = this.body[s]!;
      for (let j = 1; j <= n; j++) {
        const ck = this.capK[j * ns + s]!;
        if (ck !== 0) fCl += ck * (this.c[j * ns + s]! - body);
      }
      const fSrc = this.finiteDonor ? this.source[s]! : 0;
      this.fIn[s] = fIn;
      this.gIn[s] = wG * this.gIn[s]! + wF * fIn;
      this.gOut[s] = wG * this.gOut[s]! + wF * fOut;
      this.gCleared[s] = wG * this.gCleared[s]! + wF * fCl;
      this.gSource[s] = wG * this.gSource[s]! + wF * fSrc;
      this.cumIn[s] = this.cumIn[s]! + dt * this.gIn[s]!;
      this.cumOut[s] = this.cumOut[s]! + dt * this.gOut[s]!;
      this.cumCleared[s] = this.cumCleared[s]! + dt * this.gCleared[s]!;
      this.cumSource[s] = this.cumSource[s]! + dt * this.gSource[s]!;
    }
  }

  private storedOf(s: number): number {
    let sum = 0;
    for (let j = 1; j <= this.n; j++) sum += this.cap[j]! * this.c[j * this.ns + s]!;
    return sum;
  }

  private donorOf(s: number): number {
    return this.finiteDonor ? this.cap[0]! * this.c[s]! : 0;
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
    return this.c[(k + 1) * this.ns + s]!;
  }

  /** Donor concentration, mM. */
  donorConcentration(s: number): number {
    return this.c[s]!;
  }

  /** Amount per tissue volume in cell k, µmol/cm³ (= ε c). */
  tissueConcentration(s: number, k: number): number {
    return (this.cap[k + 1]! / this.grid.widths[k]!) * this.concentration(s, k);
  }

  /**
   * Potential of the body fluid relative to the donor, V: the sum of the drops of the last closure over every face
   * and of the Donnan jumps at the interfaces.
   */
  potentialDrop_V(): number {
    const T = this.problem.temperature_K ?? BODY_TEMPERATURE;
    let sum = 0;
    for (let f = 0; f <= this.n; f++) {
      sum += this.y[f]!;
      const side = this.jumpSide[f]!;
      // ψ is the potential of the resistive side over the other: a rise when entering it (side +1), a fall leaving it.
      if (side !== 0) sum += side * this.psi[f]!;
    }
    return (sum * GAS_CONSTANT * T) / FARADAY;
  }

  /** Net charge flux through face f at the present state divided by the imposed one (1 when the closure holds). */
  currentRatio(f: number): number {
    const ns = this.ns;
    let sum = 0;
    for (let s = 0; s < ns; s++) {
      const o = f * ns + s;
      sum += this.z[s]! * (this.a[o]! * this.cLf[o]! - this.b[o]! * this.cRf[o]!);
    }
    return sum / this.iFlux;
  }

  /** Charge carried by a species through the surface in the last step as a fraction of the current (its t_i). */
  surfaceTransportNumber(s: number): number {
    return (this.z[s]! * this.fIn[s]!) / this.iFlux;
  }
}
