/**
 * Reverse iontophoresis: glucose extracted through the skin to the cathode by electro-osmosis (physics.md §5.6,
 * §5.9). Glucose is neutral, so it does not migrate in the field; it is carried by the volume flow of water that
 * runs anode → cathode at pH 7.4, because the skin is net negative and cation-permselective [42]. Extraction is
 * quasi-steady: the flux follows the interstitial glucose that bathes the skin, which itself follows blood glucose
 * with a delay.
 *
 * The model (every parameter is in `ExtractionParams`, each with its source or marked FITTED / ASSUMED):
 *
 * 1. Electro-osmotic volume flow at the cathode, µL/(h·cm²), from the current density j (mA/cm²):
 *
 *        x    = s · j · f_NaCl
 *        J_v  = J_max · x / (J_max + x)
 *
 *    Linear at small densities with slope s, saturating at J_max = 37 µL/(h·cm²), the top of the range measured
 *    in [43]. s is FITTED to the two measured flows: 2.7 ± 1.3 µL/(h·cm²) at 0.36 mA/cm² [44] (7.5 per mA/cm²)
 *    and 6.1 at 0.32 mA/cm² [45] (19.1 per mA/cm²); s = 12 is their geometric mean, which puts J_v at 3.9 and
 *    3.5 µL/(h·cm²) at those densities, inside the spread of the two studies. The flow falls with the NaCl
 *    concentration [43] (no figure located): f_NaCl = (c_ref / c)^n with n = ½ (ASSUMED: Debye length ∝ c^(−½)),
 *    1 at c_ref = 150 mM (ASSUMED: near-physiological saline, the usual donor/receptor medium). The flow reverses
 *    when the skin's own pH falls toward its isoelectric point (≈4.8 human skin [42]); that is outside the
 *    physiological interstitial pH and not modelled (J_v ≥ 0 always).
 *
 * 2. Glucose flux at the cathode, nmol/(h·cm²) (µL × mmol/L = nmol):
 *
 *        N = J_v · c_ISF · θ · (1 + s_pH · (pH_ISF − 7.4))
 *
 *    - Linear in the subdermal (interstitial) glucose c_ISF, as measured: ∝ subdermal glucose at 0.36 mA/cm² [111],
 *      r = 0.98 over 0–18 mM at 0.5 mA/cm² [112].
 *    - θ, the sieving (partition × reflection) factor of a glucose-sized neutral solute relative to water: 0.46,
 *      DERIVED from the flows of mannitol (MW 182, the size of glucose, MW 180) and water measured together in
 *      [44], 1.23 / 2.7. Not fitted to any glucose figure.
 *    - s_pH = 0.0155 per pH unit, DERIVED from [114]: extracted glucose rises 0.082 mM at 5 mM and 0.146 mM at
 *      10 mM subdermal per unit rise in interstitial pH, i.e. 1.64 % and 1.46 % per unit, read as relative to the
 *      subdermal concentration (the reading of [114]'s units is an interpretation); their mean.
 *
 * 3. Interstitial glucose lags blood glucose through a first-order compartment, τ dc_ISF/dt = c_blood − c_ISF,
 *    with τ FITTED (see `glucose-monitor.ts`): the device reads glucose extracted in a window that ends minutes
 *    before the reading is released and averages consecutive measurements, so τ is what remains of the 18 min mean
 *    lag of the GlucoWatch [109] once the device's own cycle and averaging are accounted for. τ lumps the
 *    blood → interstitium exchange and the transit across the skin.
 *
 * Neutral internal standards (urea, glycerol, mannitol, sucrose) give constant flux ratios [113]; `soluteFlux`
 * takes any neutral solute's sieving factor for that use. Na⁺ is not a usable standard [113].
 */
import { IontoError } from '../errors/catalogue.js';
import type { MilliAmpPerSqCm, SquareCm } from '../units/quantities.js';

export interface ExtractionParams {
  /** s: electro-osmotic flow per current density at small densities, µL/(h·cm²) per mA/cm². FITTED to [44][45]. */
  readonly flowSlope: number;
  /** J_max: largest volume flow, µL/(h·cm²) [43]. */
  readonly flowMax: number;
  /** c_ref: NaCl concentration at which the fitted flow holds, mM (ASSUMED). */
  readonly naclReference_mM: number;
  /** n: exponent of the flow's fall with NaCl (ASSUMED). */
  readonly naclExponent: number;
  /** θ: sieving factor of glucose relative to water, DERIVED from mannitol/water [44]. */
  readonly glucoseSieving: number;
  /** s_pH: relative rise of the extracted glucose per unit rise of interstitial pH, DERIVED from [114]. */
  readonly phSensitivity: number;
  /** pH at which s_pH is referred (physiological interstitial pH). */
  readonly phReference: number;
  /** τ: time constant of interstitial glucose behind blood glucose, min. FITTED to the 18 min lag [109]. */
  readonly isfTauMin: number;
}

export const EXTRACTION: ExtractionParams = Object.freeze({
  flowSlope: 12,
  flowMax: 37,
  naclReference_mM: 150,
  naclExponent: 0.5,
  glucoseSieving: 1.23 / 2.7,
  phSensitivity: (0.082 / 5 + 0.146 / 10) / 2,
  phReference: 7.4,
  isfTauMin: 4.5,
});

export interface ExtractionConditions {
  /** NaCl concentration of the cathode's medium, mM (default: the reference, 150). */
  readonly nacl_mM?: number;
  /** Interstitial pH (default 7.4). */
  readonly ph?: number;
}

const check = (name: string, x: number, lo: number, hi = Infinity): void => {
  if (!(x >= lo && x <= hi)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `${name} must be within [${lo}, ${hi}], got ${x}`, { [name]: x });
  }
};

/** J_v: electro-osmotic volume flow through the skin into the cathode, µL/(h·cm²). */
export function electroosmoticFlow(
  density: MilliAmpPerSqCm,
  conditions: ExtractionConditions = {},
  p: ExtractionParams = EXTRACTION,
): number {
  check('current density', density, 0);
  const nacl = conditions.nacl_mM ?? p.naclReference_mM;
  check('NaCl concentration', nacl, 1e-3);
  const x = p.flowSlope * density * (p.naclReference_mM / nacl) ** p.naclExponent;
  return (p.flowMax * x) / (p.flowMax + x);
}

/** Flux of a neutral solute carried by the volume flow into the cathode, nmol/(h·cm²). */
export function soluteFlux(flow_uL_per_h_cm2: number, concentration_mM: number, sieving: number): number {
  return flow_uL_per_h_cm2 * Math.max(0, concentration_mM) * sieving;
}

/** Glucose flux into the cathode, nmol/(h·cm²), for interstitial glucose c_ISF (mmol/L). */
export function glucoseFlux(
  density: MilliAmpPerSqCm,
  isf_mmol_L: number,
  conditions: ExtractionConditions = {},
  p: ExtractionParams = EXTRACTION,
): number {
  const ph = conditions.ph ?? p.phReference;
  check('interstitial pH', ph, 6, 8.5);
  const phFactor = 1 + p.phSensitivity * (ph - p.phReference);
  return soluteFlux(electroosmoticFlow(density, conditions, p), isf_mmol_L, p.glucoseSieving) * phFactor;
}

/**
 * Glucose collected at the cathode over an extraction window, nmol: the flux at the window's mean interstitial
 * glucose times the area and the duration (the flux is linear in c_ISF, so the mean is exact).
 */
export function extractedGlucose(
  density: MilliAmpPerSqCm,
  area: SquareCm,
  minutes: number,
  meanIsf_mmol_L: number,
  conditions: ExtractionConditions = {},
  p: ExtractionParams = EXTRACTION,
): number {
  check('extraction time', minutes, 0);
  return glucoseFlux(density, meanIsf_mmol_L, conditions, p) * area * (minutes / 60);
}

/**
 * Interstitial glucose behind a blood trace sampled every `stepMin` minutes, through the first-order lag τ. Exact
 * for blood glucose linear between samples; the compartment starts in equilibrium with the first sample.
 */
export function interstitialGlucose(
  blood: ArrayLike<number>,
  stepMin = 1,
  tauMin: number = EXTRACTION.isfTauMin,
): Float64Array {
  check('time step', stepMin, 1e-9);
  check('interstitial time constant', tauMin, 0);
  const n = blood.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  out[0] = blood[0]!;
  if (tauMin === 0) {
    for (let i = 1; i < n; i++) out[i] = blood[i]!;
    return out;
  }
  const e = Math.exp(-stepMin / tauMin);
  for (let i = 1; i < n; i++) {
    const b0 = blood[i - 1]!;
    const b1 = blood[i]!;
    const slope = (b1 - b0) / stepMin;
    // c(h) = b1 − s·τ + (c0 − b0 + s·τ)·e^(−h/τ), the solution for a ramp input.
    out[i] = b1 - slope * tauMin + (out[i - 1]! - b0 + slope * tauMin) * e;
  }
  return out;
}
