import { IontoError } from '../errors/catalogue.js';
import type { Fraction, MicroSiemensPerCm, MilliAmp, MilliAmpPerSqCm, Ohm, Second, Volt } from '../units/quantities.js';
import { DEFAULT_CONTACT_TRANSITION, OPEN_CIRCUIT } from './constants.js';
import type { ElectricalLoad, LoadSample, Polarity } from './electrical-load.js';
import { SkinSite, type SkinSiteParams } from './skin-site.js';

/** Electrode A (the treatment electrode, first skin site) or electrode B (the return). */
export type SiteId = 'A' | 'B';

/** Everything that defines one patient circuit: electrode → water → skin A → body → skin B → water → electrode. */
export interface CircuitParams {
  readonly siteA: SkinSiteParams;
  readonly siteB: SkinSiteParams;
  /** Internal body path between the two sites (limbs, torso; [14][15]). */
  readonly body: Ohm;
  /** Thickness of the water layer or pad between electrode A and its skin, cm. */
  readonly pathLengthA: number;
  readonly pathLengthB: number;
  /** Conductivity of the tray water or pad solution (both sides). */
  readonly conductivity: MicroSiemensPerCm;
  /** Plateau of the electrode overpotential, both electrodes together (water electrolysis ≈ 1–2 V). */
  readonly electrodeOverpotential: Volt;
  /** Current at half the electrode overpotential plateau. */
  readonly electrodeHalfCurrent: MilliAmp;
  /** Build-up time of the electrode overpotential. */
  readonly electrodeTau: Second;
  /** Contact fraction at the start (default 1: hands already in the water). */
  readonly initialContact?: Fraction;
}

/** A read-only picture of the circuit for tests and traces (allocates; not for the 1 ms loop). */
export interface CircuitSnapshot {
  readonly contact: Fraction;
  readonly resistance: Ohm;
  readonly body: Ohm;
  readonly water: { readonly A: Ohm; readonly B: Ohm };
  readonly skin: { readonly A: Ohm; readonly B: Ohm };
  /** Voltage across each site's R ∥ C, signed along A → B. */
  readonly skinVoltage: { readonly A: Volt; readonly B: Volt };
  /** Skin polarisation EMF of each site, signed along A → B. */
  readonly polarisation: { readonly A: Volt; readonly B: Volt };
  /** Electrode overpotential (both electrodes), signed along A → B. */
  readonly electrodeOverpotential: Volt;
  readonly hydration: { readonly A: number; readonly B: number };
  readonly conditioning: { readonly A: number; readonly B: number };
  readonly breakdown: { readonly A: number; readonly B: number };
  readonly sweat: number;
  /** Specific skin resistance, Ω·cm². */
  readonly specificResistance: { readonly A: number; readonly B: number };
}

/** Slow processes (conditioning, recovery, hydration, sweat, polarisation, breakdown) advance on this interval. */
export const SLOW_INTERVAL = 0.01;

/** Simulation choices that are not the patient's. Every field is optional; the defaults are full fidelity. */
export interface CircuitOptions {
  /**
   * Interval of the slow processes, s (default `SLOW_INTERVAL`, 10 ms). Every relaxation is advanced with its exact
   * factor 1 − exp(−h/τ), so any interval is stable and reaches the same steady states; a coarse interval (≈ 1 s,
   * for course-level cohorts) lags the fastest transients (electrode 0.3 s, polarisation 1.5 s, pore opening 0.3 s)
   * by up to one interval and costs a hundredth of the updates.
   */
  readonly slowInterval?: Second;
  /**
   * Sweat rate factor the skin starts at (default 1, the patient's untreated baseline): the sweat-duct shunt is
   * already at this rate when the session begins, as `setSweatRate` would leave it after the ducts settled.
   */
  readonly initialSweatRate?: number;
}
/** Relative change of a skin R·C below which the capacitor decay factor is kept (saves an exp per update). */
const TAU_TOLERANCE = 1e-4;
/** Below this wetted area (cm²) a site counts as lifted out: an open circuit (keeps every resistance finite). */
const MIN_CONTACT_AREA = 1e-6;
/** Longest step accepted in one call (an hour); longer ones are clipped so no state becomes infinite. */
const MAX_STEP = 3600;

/**
 * The virtual patient's circuit, seen from the device terminals:
 *
 *   A ── E_el ── R_water,A ── [R_A ∥ C_A] ── E_pol,A ── R_body ── [R_B ∥ C_B] ── E_pol,B ── R_water,B ── B
 *
 * Fast part (every call): the two skin capacitors are integrated exactly for a current held over the step
 * (v' = d·v + (1 − d)·R·i, d = exp(−dt/RC)); the compliance-limited case solves the terminal equation for the current
 * with the end-of-step capacitor voltages (an implicit step), so it is stable for any dt. Pulsed DC is averaged: the
 * capacitors see the average current, the series resistance sees the pulse amplitude, and compliance applies to the
 * peak terminal voltage.
 *
 * Slow part (every 10 ms of simulated time, or every `slowInterval`): skin conditioning and recovery, hydration,
 * sweat, polarisation, electrode overpotential and breakdown, driven by the average current of the interval. The
 * EMFs are held over the interval. Accurate and stable for dt ≤ 10 ms; larger steps stay finite but coarsen the
 * breakdown dynamics.
 *
 * The 1 ms path allocates nothing and calls no transcendental function: exp is only evaluated when the slow state
 * changes (every 10 ms) or dt changes.
 */
export class TreatmentCircuit implements ElectricalLoad {
  readonly params: CircuitParams;
  private readonly siteA: SkinSite;
  private readonly siteB: SkinSite;
  private readonly bodyOhm: number = 0;
  private readonly lenA: number = 0;
  private readonly lenB: number = 0;
  private sigma = 0;
  private readonly elMax: number = 0;
  private readonly elHalf: number = 0;
  private readonly elTau: number = 0;

  // Hot state (plain numbers).
  private vA = 0;
  private vB = 0;
  private emf = 0;
  private dA = 1;
  private dB = 1;
  private kA = 0;
  private kB = 0;
  private rA = 0;
  private rB = 0;
  private wA = 0;
  private wB = 0;
  private rSer = 0;
  private open = false;
  private lastDt = -1;
  /** Time constants the decay factors were computed for. */
  private tauA = 0;
  private tauB = 0;
  /** Anything changed since the last refresh (skin state, contact, conductivity). */
  private dirty = true;
  /** Contact or conductivity changed: the water paths and the series resistance need recomputing. */
  private geomDirty = true;

  // Contact.
  private f = 0;
  private fTarget = 0;
  private fRate = 0;

  // Slow accumulation.
  private slowAcc = 0;
  private chargeAcc = 0;
  private electrode = 0;
  private hCached = -1;
  private aEl = 0;
  private readonly slowInterval: number = SLOW_INTERVAL;
  private readonly slowDue: number = SLOW_INTERVAL;

  constructor(params: CircuitParams, options: CircuitOptions = {}) {
    this.params = params;
    const slow = options.slowInterval ?? SLOW_INTERVAL;
    if (!(slow > 0 && slow <= MAX_STEP)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `slow interval must be in (0, ${MAX_STEP}] s, got ${slow}`, {
        slow,
      });
    }
    this.slowInterval = slow;
    this.slowDue = slow * (1 - 1e-9);
    this.siteA = new SkinSite(params.siteA, 1);
    this.siteB = new SkinSite(params.siteB, -1);
    this.bodyOhm = params.body;
    this.lenA = params.pathLengthA;
    this.lenB = params.pathLengthB;
    this.sigma = params.conductivity;
    this.elMax = params.electrodeOverpotential;
    this.elHalf = params.electrodeHalfCurrent * 1e-3;
    this.elTau = params.electrodeTau;
    const sweat0 = options.initialSweatRate ?? 1;
    if (!(sweat0 >= 0) || !Number.isFinite(sweat0)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `initial sweat rate factor must be ≥ 0, got ${sweat0}`, { sweat0 });
    }
    for (const site of [this.siteA, this.siteB]) {
      site.sweat = sweat0;
      site.sweatTarget = sweat0;
    }
    // Also derives each site's conductance from the state set above.
    this.siteA.setSolutionConductivity(this.sigma);
    this.siteB.setSolutionConductivity(this.sigma);
    const f0 = params.initialContact ?? 1;
    this.f = f0;
    this.fTarget = f0;
    this.refresh(0);
  }

  // ── ElectricalLoad ────────────────────────────────────────────────────────────────────────────────────────────

  driveCurrent(
    dt: Second,
    amplitude: MilliAmp,
    duty: number,
    polarity: Polarity,
    compliance: Volt,
    out: LoadSample,
  ): void {
    const h = dt > 0 ? (dt < MAX_STEP ? dt : MAX_STEP) : 0;
    if (h !== this.lastDt || this.dirty) this.refresh(h);
    const s = polarity === '+' ? 1 : -1;
    const d = duty >= 1 ? 1 : duty > 0 ? duty : 0;
    const vc = compliance > 0 ? compliance : 0;
    let ip = amplitude > 0 ? amplitude * 1e-3 : 0; // peak current, A
    let vA = this.vA * this.dA;
    let vB = this.vB * this.dB;

    if (this.open) {
      this.vA = vA;
      this.vB = vB;
      const limited = ip > 0 && d > 0;
      out.current = 0 as MilliAmp;
      out.peakCurrent = 0 as MilliAmp;
      const vTerm = limited ? vc : 0;
      out.peakVoltage = vTerm as Volt;
      out.voltage = (s * d * vTerm) as Volt;
      out.complianceLimited = limited;
      this.slowAcc += h;
      if (this.fRate !== 0) this.advanceContact();
      if (this.slowAcc >= this.slowDue) this.slowUpdate();
      return;
    }

    const kA = this.kA;
    const kB = this.kB;
    const rs = this.rSer;
    const free = vA + vB + this.emf; // terminal voltage with no current, end of step, along A → B
    const ohmic = rs + d * (kA + kB); // peak terminal volts per peak ampere (capacitors see the average)
    let limited = false;
    if (s * (s * ip * ohmic + free) > vc) {
      // The peak terminal voltage would exceed the compliance: solve for the current that meets it.
      const reach = (vc - s * free) / ohmic;
      ip = reach > 0 ? reach : 0;
      limited = amplitude > 0 && d > 0;
    }
    const iAvg = s * d * ip;
    vA += kA * iAvg;
    vB += kB * iAvg;
    this.vA = vA;
    this.vB = vB;
    const vOpen = vA + vB + this.emf;
    // Math.min/max rather than conditionals: a conditional that mixes a computed double with an argument makes
    // the JIT box the double on the heap (an allocation per call).
    const vPeak = Math.abs(s * ip * rs + vOpen);
    const vAvg = s * d * ip * rs + vOpen;
    out.current = (iAvg * 1e3) as MilliAmp;
    out.peakCurrent = (ip * 1e3) as MilliAmp;
    out.peakVoltage = Math.min(vPeak, vc) as Volt;
    out.voltage = Math.max(Math.min(vAvg, vc), -vc) as Volt;
    out.complianceLimited = limited;
    this.chargeAcc += iAvg * h;
    this.slowAcc += h;
    if (this.fRate !== 0) this.advanceContact();
    if (this.slowAcc >= this.slowDue) this.slowUpdate();
  }

  driveVoltage(dt: Second, voltage: Volt, duty: number, polarity: Polarity, limit: MilliAmp, out: LoadSample): void {
    const h = dt > 0 ? (dt < MAX_STEP ? dt : MAX_STEP) : 0;
    if (h !== this.lastDt || this.dirty) this.refresh(h);
    const s = polarity === '+' ? 1 : -1;
    const d = duty >= 1 ? 1 : duty > 0 ? duty : 0;
    const vs = voltage > 0 ? voltage : 0;
    const lim = limit > 0 ? limit * 1e-3 : 0;
    let vA = this.vA * this.dA;
    let vB = this.vB * this.dB;

    if (this.open) {
      this.vA = vA;
      this.vB = vB;
      out.current = 0 as MilliAmp;
      out.peakCurrent = 0 as MilliAmp;
      out.peakVoltage = (d > 0 ? vs : 0) as Volt;
      out.voltage = (s * d * vs) as Volt;
      out.complianceLimited = false;
      this.slowAcc += h;
      if (this.fRate !== 0) this.advanceContact();
      if (this.slowAcc >= this.slowDue) this.slowUpdate();
      return;
    }

    const kA = this.kA;
    const kB = this.kB;
    const rs = this.rSer;
    const free = vA + vB + this.emf;
    // The source drives only in the commanded direction (a unidirectional output stage behind the polarity relay).
    let ip = (vs - s * free) / (rs + d * (kA + kB));
    let atLimit = false;
    if (!(ip > 0)) ip = 0;
    else if (ip > lim) {
      ip = lim;
      atLimit = true;
    }
    const iAvg = s * d * ip;
    vA += kA * iAvg;
    vB += kB * iAvg;
    this.vA = vA;
    this.vB = vB;
    const vOpen = vA + vB + this.emf;
    // Below the limit the terminals sit at the source voltage; at the limit, at what the limited current needs.
    const vPeak = atLimit ? Math.abs(s * ip * rs + vOpen) : Math.abs(s * vs);
    const vAvg = ip > 0 ? s * d * ip * rs + vOpen : s * d * vs;
    out.current = (iAvg * 1e3) as MilliAmp;
    out.peakCurrent = (ip * 1e3) as MilliAmp;
    out.peakVoltage = Math.min(vPeak, d > 0 ? vs : 0) as Volt;
    out.voltage = Math.max(Math.min(vAvg, vs), -vs) as Volt;
    out.complianceLimited = false;
    this.chargeAcc += iAvg * h;
    this.slowAcc += h;
    if (this.fRate !== 0) this.advanceContact();
    if (this.slowAcc >= this.slowDue) this.slowUpdate();
  }

  setContact(target: Fraction, transition: Second = DEFAULT_CONTACT_TRANSITION): void {
    if (!(target >= 0 && target <= 1)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `contact fraction must be in [0, 1], got ${target}`, { target });
    }
    this.fTarget = target;
    const span = Math.abs(target - this.f);
    if (!(transition > 0) || span === 0) {
      this.f = target;
      this.fRate = 0;
      this.geomDirty = true;
      this.dirty = true;
    } else {
      this.fRate = span / transition;
    }
  }

  setWaterConductivity(sigma: MicroSiemensPerCm): void {
    if (!(sigma > 0) || !Number.isFinite(sigma)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `conductivity must be positive, got ${sigma} µS/cm`, { sigma });
    }
    this.sigma = sigma;
    this.siteA.setSolutionConductivity(sigma);
    this.siteB.setSolutionConductivity(sigma);
    this.geomDirty = true;
    this.dirty = true;
  }

  setSweatRate(factor: number): void {
    if (!(factor >= 0) || !Number.isFinite(factor)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `sweat rate factor must be ≥ 0, got ${factor}`, { factor });
    }
    this.siteA.setSweatRate(factor);
    this.siteB.setSweatRate(factor);
  }

  contact(): Fraction {
    return this.f as Fraction;
  }

  /** Ohmic DC resistance at the terminals (water + skin + body, no EMF); `OPEN_CIRCUIT` without contact. */
  resistance(): Ohm {
    if (this.dirty) this.refresh(this.lastDt > 0 ? this.lastDt : 0);
    return (this.open ? OPEN_CIRCUIT : this.rSer + this.rA + this.rB) as Ohm;
  }

  // ── Inspection (read-only) ────────────────────────────────────────────────────────────────────────────────────

  /** Present skin resistance of one site (Infinity without contact). */
  skinResistance(site: SiteId): Ohm {
    if (this.dirty) this.refresh(this.lastDt > 0 ? this.lastDt : 0);
    return (this.open ? Infinity : site === 'A' ? this.rA : this.rB) as Ohm;
  }

  /** Magnitude of a site's polarisation EMF. */
  polarisation(site: SiteId): Volt {
    return Math.abs((site === 'A' ? this.siteA : this.siteB).polarisation) as Volt;
  }

  /** Total back-EMF along A → B: both polarisations and the electrode overpotential. */
  backEmf(): Volt {
    return this.emf as Volt;
  }

  /** Present current density at a site for a given current, as the supervisor would compute it from contact. */
  densityAt(site: SiteId, current: MilliAmp): MilliAmpPerSqCm {
    const a = (site === 'A' ? this.siteA : this.siteB).area * this.f;
    return (a > 0 ? Math.abs(current) / a : Infinity) as MilliAmpPerSqCm;
  }

  snapshot(): CircuitSnapshot {
    if (this.dirty) this.refresh(this.lastDt > 0 ? this.lastDt : 0);
    const A = this.siteA;
    const B = this.siteB;
    return {
      contact: this.f as Fraction,
      resistance: this.resistance(),
      body: this.bodyOhm as Ohm,
      water: { A: this.wA as Ohm, B: this.wB as Ohm },
      skin: { A: this.skinResistance('A'), B: this.skinResistance('B') },
      skinVoltage: { A: this.vA as Volt, B: this.vB as Volt },
      polarisation: { A: A.polarisation as Volt, B: B.polarisation as Volt },
      electrodeOverpotential: this.electrode as Volt,
      hydration: { A: A.hydration, B: B.hydration },
      conditioning: { A: A.conditioning, B: B.conditioning },
      breakdown: { A: A.breakdown, B: B.breakdown },
      sweat: A.sweat,
      specificResistance: { A: A.specificResistance(), B: B.specificResistance() },
    };
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Move the contact fraction by one step (`lastDt`) towards its target. */
  private advanceContact(): void {
    const step = this.fRate * this.lastDt;
    const diff = this.fTarget - this.f;
    if (diff <= step && diff >= -step) {
      this.f = this.fTarget;
      this.fRate = 0;
    } else {
      this.f += diff > 0 ? step : -step;
    }
    this.geomDirty = true;
    this.dirty = true;
  }

  private slowUpdate(): void {
    const total = this.slowAcc;
    const current = this.chargeAcc / total;
    this.slowAcc = 0;
    this.chargeAcc = 0;
    // Long steps are split so that each slow update covers at most one interval.
    const n = total > this.slowInterval ? Math.min(Math.ceil(total / this.slowInterval - 1e-9), 100_000) : 1;
    const h = total / n;
    if (h !== this.hCached) {
      this.hCached = h;
      this.aEl = this.elTau > 0 ? 1 - Math.exp(-h / this.elTau) : 1;
    }
    const f = this.f;
    const mag = current < 0 ? -current : current;
    const elTarget = mag > 0 ? ((current > 0 ? this.elMax : -this.elMax) * mag) / (mag + this.elHalf) : 0;
    const A = this.siteA;
    const B = this.siteB;
    A.inStep = B.inStep = h;
    A.inCurrent = B.inCurrent = current;
    A.inContact = B.inContact = f;
    A.inVoltage = this.vA;
    B.inVoltage = this.vB;
    for (let k = 0; k < n; k++) {
      A.step();
      B.step();
      this.electrode += (elTarget - this.electrode) * this.aEl;
    }
    this.emf = this.siteA.polarisation + this.siteB.polarisation + this.electrode;
    this.dirty = true;
  }

  /**
   * Bring the fast-path coefficients up to date: water paths and series resistance when contact or conductivity
   * changed; capacitor decay factors when dt changed or a site's R·C moved by more than 1e-4 (R·C does not depend on
   * contact or area); skin resistances and the exact-exponential gains k = (1 − d)·R.
   */
  private refresh(h: number): void {
    this.dirty = false;
    const fa = this.f * this.siteA.area;
    const fb = this.f * this.siteB.area;
    if (this.geomDirty) {
      this.geomDirty = false;
      this.open = !(fa >= MIN_CONTACT_AREA && fb >= MIN_CONTACT_AREA);
      // R = L / (σ A) over the wetted skin (water-path.ts; inlined so that no number is boxed on this path).
      const sigma = this.sigma * 1e-6;
      this.wA = this.open ? Infinity : this.lenA / (sigma * fa);
      this.wB = this.open ? Infinity : this.lenB / (sigma * fb);
      this.rSer = this.bodyOhm + this.wA + this.wB;
    }
    const tA = this.siteA.tau;
    const tB = this.siteB.tau;
    if (h !== this.lastDt) {
      this.lastDt = h;
      this.tauA = this.tauB = -1;
    }
    if (!(Math.abs(tA - this.tauA) <= TAU_TOLERANCE * tA)) {
      this.tauA = tA;
      this.dA = Math.exp(-h / tA);
    }
    if (!(Math.abs(tB - this.tauB) <= TAU_TOLERANCE * tB)) {
      this.tauB = tB;
      this.dB = Math.exp(-h / tB);
    }
    if (this.open) {
      this.rA = this.rB = Infinity;
      this.kA = this.kB = 0;
      return;
    }
    this.rA = 1 / (this.siteA.conductance * fa);
    this.rB = 1 / (this.siteB.conductance * fb);
    this.kA = (1 - this.dA) * this.rA;
    this.kB = (1 - this.dB) * this.rB;
  }
}
