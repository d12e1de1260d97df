/**
 * Sourced figures the virtual patient is built from. Every number carries its reference key (the keys of
 * `reference/physics.md` and `reference/devices.md`). Four kinds of figure live here:
 *
 * - sourced: taken from a reference, key given;
 * - DERIVED: arithmetic on sourced figures, reproducible (used as test oracles);
 * - UNVERIFIED: circulates without a located primary source. These are named, overridable parameters and must not
 *   be relied on as facts;
 * - ASSUMPTION: a modelling choice of this code, with no source at all, chosen so that the model reproduces the
 *   sourced whole-circuit observations. Overridable through the patient parameters.
 */
import {
  cm2,
  mA,
  mAPerCm2,
  ohm,
  seconds,
  uSPerCm,
  volt,
  type MicroSiemensPerCm,
  type MilliAmp,
  type MilliAmpPerSqCm,
  type Ohm,
  type Second,
  type SquareCm,
  type Volt,
} from '../units/quantities.js';

// ── Electrode geometry ────────────────────────────────────────────────────────────────────────────────────────

/** Water tray for palms or soles: 150 × 220 mm [SW]. */
export const TRAY_WIDTH_CM = 15;
export const TRAY_LENGTH_CM = 22;
/** Tray floor, 330 cm² (DERIVED from [SW]): an upper bound on the immersed skin area of one hand or foot. */
export const TRAY_AREA: SquareCm = cm2(TRAY_WIDTH_CM * TRAY_LENGTH_CM);
/** Axillary sponge pocket ≈ 90 × 110 mm [SW], 99 cm² (DERIVED). */
export const AXILLARY_POCKET_AREA: SquareCm = cm2(9 * 11);

// ── Tap water ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Tap water conductivity range 50–800 µS/cm [23]. */
export const TAP_WATER_MIN: MicroSiemensPerCm = uSPerCm(50);
export const TAP_WATER_MAX: MicroSiemensPerCm = uSPerCm(800);
/** Default tap water: 500 µS/cm, inside [23] and at the top of the drinking-water range 50–500 µS/cm [24]. */
export const TAP_WATER_DEFAULT: MicroSiemensPerCm = uSPerCm(500);
/** Distilled water 0.5–3 µS/cm [23]. */
export const DISTILLED_WATER: MicroSiemensPerCm = uSPerCm(1);
/**
 * Water layer between tray electrode and skin: 1 cm, the geometry of the DERIVED bath table (physics.md §3).
 * ASSUMPTION for the real trays (the electrode sits under a grid or sponge about 1 cm below the skin).
 */
export const TRAY_WATER_PATH_CM = 1;
/** Wet sponge pocket thickness, ASSUMPTION (≈1 cm sponge, soaked in tap water). */
export const SPONGE_PATH_CM = 1;
/** Drug electrode reservoir (gel or soaked pad) thickness, ASSUMPTION. */
export const DRUG_PAD_PATH_CM = 0.3;
/**
 * Conductivity of a drug-electrode solution or gel, ASSUMPTION (a ≈0.05 M electrolyte, about 5 mS/cm). Override
 * with `setWaterConductivity` for a measured value.
 */
export const DRUG_SOLUTION_CONDUCTIVITY: MicroSiemensPerCm = uSPerCm(5000);
/** A facial gel or toner under a cosmetic electrode, ASSUMPTION. */
export const FACIAL_GEL_CONDUCTIVITY: MicroSiemensPerCm = uSPerCm(2000);
export const FACIAL_GEL_PATH_CM = 0.1;

// ── Body ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** Internal body resistance ≈ 300 Ω [14]. */
export const BODY_INTERNAL: Ohm = ohm(300);
/** One limb ≈ 250 Ω [15]. */
export const LIMB: Ohm = ohm(250);
/** Torso 100–500 Ω [15]. */
export const TORSO_MIN: Ohm = ohm(100);
export const TORSO_MAX: Ohm = ohm(500);

// ── Skin: capacitance, hydration ──────────────────────────────────────────────────────────────────────────────

/** Stratum corneum capacitance 0.02–0.05 µF/cm²: UNVERIFIED (physics.md §1, §8). Drawn uniformly in this range. */
export const SC_CAPACITANCE_MIN_UF_PER_CM2 = 0.02; // UNVERIFIED
export const SC_CAPACITANCE_MAX_UF_PER_CM2 = 0.05; // UNVERIFIED
/** Hydration (water activity 0.826 → 0.992): R 14× lower, C 1.5× higher [11]. The largest effect hydration may have. */
export const HYDRATION_MAX_CONDUCTANCE_GAIN = 14;
export const HYDRATION_CAPACITANCE_GAIN = 1.5;

// ── Skin: polarisation ────────────────────────────────────────────────────────────────────────────────────────

/** DC polarisation: the skin voltage settles within seconds to 1.8 V at the cathode and 2.8 V at the anode [5]. */
export const POLARISATION_CATHODE: Volt = volt(1.8);
export const POLARISATION_ANODE: Volt = volt(2.8);
/**
 * Current density at which the polarisation reaches half its plateau, ASSUMPTION: chosen so that [5]'s condition
 * (> 300 µA over 7 cm², ≥ 0.043 mA/cm²) sits at ≥ 80 % of the plateau.
 */
export const POLARISATION_HALF_DENSITY: MilliAmpPerSqCm = mAPerCm2(0.01);
/** Build-up / relaxation time of the skin polarisation: "within seconds" [5]; 1.5 s is an ASSUMPTION. */
export const POLARISATION_TAU: Second = seconds(1.5);

// ── Electrodes ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Overpotential of water electrolysis at inert electrodes, both electrodes together: ≈ 1–2 V in series (1.23 V
 * thermodynamic plus kinetic overpotentials; physics.md §6 says inert electrodes electrolyse water). The range is an
 * ASSUMPTION: drawn uniformly per patient/setup.
 */
export const ELECTROLYSIS_OVERPOTENTIAL_MIN: Volt = volt(1);
export const ELECTROLYSIS_OVERPOTENTIAL_MAX: Volt = volt(2);
/** Ag/AgCl drug electrodes avoid electrolysis [43][46]; their small overpotential is an ASSUMPTION. */
export const AGCL_OVERPOTENTIAL: Volt = volt(0.2);
/** Current at which the electrode overpotential reaches half its plateau, ASSUMPTION. */
export const ELECTRODE_HALF_CURRENT: MilliAmp = mA(0.5);
/** Double-layer charging time of the electrodes, ASSUMPTION. */
export const ELECTRODE_TAU: Second = seconds(0.3);

// ── Skin: breakdown ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * High-voltage breakdown: R drops by up to 3 orders of magnitude [6]; appendageal-duct electroporation around 30 V,
 * lipid matrix above [6]; breakdown above 50 V [12]. The onsets are sourced; the widths of the smooth transitions
 * and the split of the 1000× between the two pathways are ASSUMPTIONS.
 */
export const BREAKDOWN_APPENDAGEAL_ONSET: Volt = volt(30); // [6]
export const BREAKDOWN_LIPID_ONSET: Volt = volt(50); // [12]
export const BREAKDOWN_MAX_FACTOR = 1000; // [6]
export const BREAKDOWN_APPENDAGEAL_GAIN = 9; // ASSUMPTION: appendageal pathway alone gives 10×
export const BREAKDOWN_APPENDAGEAL_WIDTH: Volt = volt(10); // ASSUMPTION
export const BREAKDOWN_LIPID_WIDTH: Volt = volt(15); // ASSUMPTION
/** Pore opening is fast, resealing slow; both times are ASSUMPTIONS (kept ≥ 0.3 s for a stable 10 ms update). */
export const BREAKDOWN_OPEN_TAU: Second = seconds(0.3);
export const BREAKDOWN_RESEAL_TAU: Second = seconds(10);

// ── Skin: conditioning and recovery ───────────────────────────────────────────────────────────────────────────

/** Impedance 30 min after the current stops ≈ 3× its value at the stop [9]. Calibration target for recovery. */
export const RECOVERY_RATIO_30_MIN = 3;
/** Current density at which current-induced conditioning reaches half its plateau, ASSUMPTION ([8]: R falls with current). */
export const CONDITIONING_HALF_DENSITY: MilliAmpPerSqCm = mAPerCm2(0.02);
/**
 * Ionic strength: skin R falls with the ionic strength of the bathing solution [8]. Native and conditioned skin
 * conductance scale as (σ / σ_ref)^k; σ_ref is the median tap water of the cohort and k an ASSUMPTION (it also makes
 * low-mineral water lower the current, as [F5] reports).
 */
export const IONIC_REFERENCE_CONDUCTIVITY: MicroSiemensPerCm = uSPerCm(400);
export const IONIC_EXPONENT = 0.25;
/** Sweat ducts fill or empty after a change of sweat rate, ASSUMPTION. */
export const SWEAT_TAU: Second = seconds(30);

// ── Contact ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Default time for the contact fraction to move to a new target, ASSUMPTION (a hand entering water). */
export const DEFAULT_CONTACT_TRANSITION: Second = seconds(0.3);
/** Resistance reported for an open circuit (no contact), matching the bench resistor load. */
export const OPEN_CIRCUIT: Ohm = ohm(1e9);

// ── Whole-circuit observations (calibration targets, not model inputs) ──────────────────────────────────────

/** Palms, clinical DC: 18–22 mA at 40–60 V, i.e. 1.8–3.3 kΩ total (DERIVED) [16]. */
export const PALMS_CLINICAL_LOAD_MIN: Ohm = ohm(1800);
export const PALMS_CLINICAL_LOAD_MAX: Ohm = ohm(3300);
/** Real loads are often 4–6 kΩ [S1]. */
export const REAL_LOAD_MIN: Ohm = ohm(4000);
export const REAL_LOAD_MAX: Ohm = ohm(6000);
/** [F4]: 8.5 V held constant, current 2 → 4.5 mA over a 10-minute run. */
export const F4_VOLTAGE: Volt = volt(8.5);
export const F4_START_CURRENT: MilliAmp = mA(2);
export const F4_END_CURRENT: MilliAmp = mA(4.5);
export const F4_DURATION: Second = seconds(600);
