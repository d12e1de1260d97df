import type { MilliAmpPerSqCm, Second, SquareCm, Volt } from '../units/quantities.js';
import {
  HYDRATION_CAPACITANCE_GAIN,
  HYDRATION_MAX_CONDUCTANCE_GAIN,
  IONIC_REFERENCE_CONDUCTIVITY,
} from './constants.js';
import { breakdownFactor, type BreakdownParams } from './skin-breakdown.js';

/**
 * Parameters of one skin site (one hand, one foot, one axilla, the skin under one pad). Specific conductances are in
 * µS/cm² (1 µS/cm² = 1 / (1 MΩ·cm²)); the site's conductance is specific conductance × contact fraction × area.
 *
 * The skin is an R ∥ C per unit area (physics.md §1) whose specific conductance is the sum of
 * - native conductance of the stratum corneum, raised by hydration [11] and by the ionic strength of the water [8];
 * - the sweat-duct shunt, proportional to the (lagged) sweat rate, so R rises as sweating falls [H1];
 * - current-induced conditioning: R falls over minutes under DC, more at higher density [4][8], and recovers slowly
 *   after the current stops, ≈ ×3 in 30 min [9];
 * all multiplied by the high-voltage breakdown factor [6][12]. A polarisation EMF in series builds over seconds,
 * higher at the anode than at the cathode [5].
 */
export interface SkinSiteParams {
  /** Skin area in contact at full contact (immersed, or covered by the pad). */
  readonly area: SquareCm;
  /** Specific conductance of unconditioned skin before hydration, µS/cm². */
  readonly nativeUSPerCm2: number;
  /** Conductance ratio of fully hydrated to initial skin, ≥ 1 and ≤ 14 [11]. */
  readonly hydrationGain: number;
  /** Hydration state at the start, 0 (as it comes) … 1 (fully soaked). */
  readonly initialHydration: number;
  /** Soaking time constant while in contact with water or a wet pad. */
  readonly hydrationTau: Second;
  /** Drying time constant out of contact. */
  readonly dryingTau: Second;
  /** Sweat-duct shunt at the patient's baseline sweat rate, µS/cm². */
  readonly sweatUSPerCm2: number;
  /** Time for the ducts to follow a change of sweat rate. */
  readonly sweatTau: Second;
  /** Extra specific conductance of fully current-conditioned skin, µS/cm². */
  readonly conditionedUSPerCm2: number;
  /** Current density giving half the full conditioning. */
  readonly conditioningHalfDensity: MilliAmpPerSqCm;
  /** Conditioning time constant under current (minutes). */
  readonly conditioningTau: Second;
  /** Recovery time constant once the current stops (tens of minutes [9]). */
  readonly recoveryTau: Second;
  /** Conditioning left over from an earlier session, 0 … 1. */
  readonly initialConditioning: number;
  /**
   * Exponent of the ionic-strength effect: native and conditioned conductance scale as (σ / σ_ref)^k with the
   * conductivity σ of the water or pad solution. [8]: R falls with ionic strength; the size is an ASSUMPTION.
   */
  readonly ionicExponent: number;
  /** Stratum corneum capacitance, µF/cm²: UNVERIFIED 0.02–0.05 (physics.md §8). */
  readonly capacitanceUFPerCm2: number;
  /** Polarisation plateau with this site as the anode ([5]: 2.8 V). */
  readonly anodePolarisation: Volt;
  /** Polarisation plateau with this site as the cathode ([5]: 1.8 V). */
  readonly cathodePolarisation: Volt;
  /** Current density at half the polarisation plateau. */
  readonly polarisationHalfDensity: MilliAmpPerSqCm;
  /** Build-up and relaxation time of the polarisation ([5]: seconds). */
  readonly polarisationTau: Second;
  readonly breakdown: BreakdownParams;
  /** Time for pores to open once the site voltage is above the onset. */
  readonly breakdownOpenTau: Second;
  /** Time for pores to reseal once the voltage has fallen. */
  readonly breakdownResealTau: Second;
}

/**
 * The slow state of one skin site, advanced by the circuit every ~10 ms of simulated time. The circuit reads
 * `conductance`, `capacitance` and `polarisation` after each step; they are plain fields so that reading them costs
 * nothing.
 */
export class SkinSite {
  readonly params: SkinSiteParams;
  readonly area: number = 0;
  /** +1 for electrode A's site (anode when current flows A → B), −1 for electrode B's. */
  private readonly role: number = 0;

  // Parameters flattened into numbers (S/cm², F/cm², A/cm², s).
  private readonly gNative: number = 0;
  private readonly hydGain1: number = 0;
  private readonly capGain1: number = 0;
  private readonly gSweat: number = 0;
  private readonly gCond: number = 0;
  private readonly jCond: number = 0;
  private readonly cSpec: number = 0;
  private readonly eAnode: number = 0;
  private readonly eCathode: number = 0;
  private readonly jPol: number = 0;
  /** Lowest voltage at which breakdown begins. */
  private readonly onset: number = 0;

  // State.
  /** Ionic-strength factor on the native and conditioned conductance (1 at the reference conductivity). */
  ionic = 1;
  hydration = 0;
  conditioning = 0;
  sweat = 1;
  sweatTarget = 1;
  /** Polarisation EMF, signed along A → B (it opposes the current that built it). */
  polarisation = 0;
  /** Present breakdown multiplier (≥ 1). */
  breakdown = 1;

  // Derived, refreshed by `step`.
  /** Specific conductance, S/cm². */
  conductance = 0;
  /** Specific capacitance, F/cm². */
  capacitance = 0;
  /** R·C time constant, s (independent of area and contact). */
  tau = 0;

  // Relaxation factors 1 − exp(−h/τ), cached for the last interval h.
  private hCached = -1;
  private aHydOn = 0;
  private aHydOff = 0;
  private aSweat = 0;
  private aCondOn = 0;
  private aCondOff = 0;
  private aPol = 0;
  private aOpen = 0;
  private aReseal = 0;

  constructor(params: SkinSiteParams, role: 1 | -1) {
    this.params = params;
    this.role = role;
    this.area = params.area;
    this.gNative = params.nativeUSPerCm2 * 1e-6;
    this.hydGain1 = params.hydrationGain - 1;
    // C rises 1.5× over the full 14× hydration range [11]; scaled log-proportionally to this site's range (DERIVED).
    this.capGain1 =
      ((HYDRATION_CAPACITANCE_GAIN - 1) * Math.log(Math.max(params.hydrationGain, 1))) /
      Math.log(HYDRATION_MAX_CONDUCTANCE_GAIN);
    this.gSweat = params.sweatUSPerCm2 * 1e-6;
    this.gCond = params.conditionedUSPerCm2 * 1e-6;
    this.jCond = params.conditioningHalfDensity * 1e-3; // A/cm²
    this.cSpec = params.capacitanceUFPerCm2 * 1e-6;
    this.eAnode = params.anodePolarisation;
    this.eCathode = params.cathodePolarisation;
    this.jPol = params.polarisationHalfDensity * 1e-3;
    this.onset = Math.min(params.breakdown.appendagealOnset, params.breakdown.lipidOnset);
    this.hydration = params.initialHydration;
    this.conditioning = params.initialConditioning;
    this.derive();
  }

  /** Present specific resistance, Ω·cm². */
  specificResistance(): number {
    return 1 / this.conductance;
  }

  /** Conductivity of the water or pad solution on this site (µS/cm): sets the ionic-strength factor. */
  setSolutionConductivity(sigma: number): void {
    this.ionic = Math.pow(sigma / IONIC_REFERENCE_CONDUCTIVITY, this.params.ionicExponent);
    this.derive();
  }

  /** The sweat rate factor the ducts are moving to (1 = baseline). */
  setSweatRate(factor: number): void {
    this.sweatTarget = factor;
  }

  // Inputs of the next `step`, written by the circuit. Fields rather than arguments: a number passed to a call
  // that the JIT does not inline is boxed on the heap, and this runs every 10 ms of simulated time.
  /** Interval to advance, s. */
  inStep = 0;
  /** Average current over the interval, A, signed along A → B. */
  inCurrent = 0;
  /** Contact fraction. */
  inContact = 0;
  /** Present voltage across the site's R ∥ C, V. */
  inVoltage = 0;

  /** Advance the slow state by `inStep` seconds under `inCurrent`, `inContact` and `inVoltage`. */
  step(): void {
    const h = this.inStep;
    const current = this.inCurrent;
    const contact = this.inContact;
    if (h !== this.hCached) this.cache(h);
    const fa = contact * this.area;
    const mag = current < 0 ? -current : current;
    const j = fa > 0 ? mag / fa : 0; // A/cm²

    // Hydration follows the wet fraction.
    const hyd = this.hydration;
    this.hydration = hyd + (contact - hyd) * (contact > hyd ? this.aHydOn : this.aHydOff);

    // Sweat ducts follow the sweat rate.
    if (this.sweat !== this.sweatTarget) {
      const ds = this.sweatTarget - this.sweat;
      this.sweat = ds < 1e-9 && ds > -1e-9 ? this.sweatTarget : this.sweat + ds * this.aSweat;
    }

    // Conditioning: target rises with density; falls back slowly when the current stops.
    const xT = j / (j + this.jCond);
    const x = this.conditioning;
    this.conditioning = x + (xT - x) * (xT > x ? this.aCondOn : this.aCondOff);

    // Polarisation: plateau depends on whether this site is the anode, saturating in density [5].
    let pT = 0;
    if (j > 0) {
      const anode = current * this.role > 0;
      const m = ((anode ? this.eAnode : this.eCathode) * j) / (j + this.jPol);
      pT = current > 0 ? m : -m;
    }
    this.polarisation += (pT - this.polarisation) * this.aPol;

    // Breakdown: pores open quickly above the onset and reseal slowly. Below the onset the factor is exactly 1.
    const v = this.inVoltage < 0 ? -this.inVoltage : this.inVoltage;
    const b = this.breakdown;
    if (v > this.onset || b !== 1) {
      const bT = v > this.onset ? breakdownFactor(v, this.params.breakdown) : 1;
      let next = b + (bT - b) * (bT > b ? this.aOpen : this.aReseal);
      if (next < 1 + 1e-9) next = 1;
      this.breakdown = next;
    }

    this.derive();
  }

  private derive(): void {
    const hyd = this.hydration;
    this.conductance =
      ((this.gNative * (1 + this.hydGain1 * hyd) + this.gCond * this.conditioning) * this.ionic +
        this.gSweat * this.sweat) *
      this.breakdown;
    if (!(this.conductance > 1e-15)) this.conductance = 1e-15;
    this.capacitance = this.cSpec * (1 + this.capGain1 * hyd);
    this.tau = this.capacitance / this.conductance;
  }

  private cache(h: number): void {
    const p = this.params;
    const a = (tau: number): number => (tau > 0 ? 1 - Math.exp(-h / tau) : 1);
    this.hCached = h;
    this.aHydOn = a(p.hydrationTau);
    this.aHydOff = a(p.dryingTau);
    this.aSweat = a(p.sweatTau);
    this.aCondOn = a(p.conditioningTau);
    this.aCondOff = a(p.recoveryTau);
    this.aPol = a(p.polarisationTau);
    this.aOpen = a(p.breakdownOpenTau);
    this.aReseal = a(p.breakdownResealTau);
  }
}
