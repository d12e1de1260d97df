/**
 * Seeded virtual blood-glucose traces for the reverse-iontophoresis monitor: a day of a person with diabetes,
 * sampled every minute, inside the physiological range the GlucoWatch was evaluated over, 2.2–22.2 mmol/L [109].
 *
 * The model is phenomenological (it only has to give the monitor realistic excursions to follow; it is not a
 * metabolic model). Every parameter is in `GlucoseTraceParams`; all are ASSUMED shapes, set so that a cohort of
 * traces has the spread of the GlucoWatch trial population (see glucose-monitor.ts for the calibration):
 *
 *     G(t) = G_basal + Σ_meals A·k(t − t_m; θ_meal) − Σ_meals ρ·A·(θ_meal/θ_insulin)·k(t − t_m − d; θ_insulin) + u(t)
 *
 * - G_basal: the wearer's fasting level, lognormal between people.
 * - Meals at breakfast, lunch and dinner (clock times with jitter) and an optional afternoon snack; a meal's rise
 *   A is lognormal. Its kernel k(t; θ) = (t/θ)·e^(1 − t/θ) peaks at 1 after θ minutes.
 * - The insulin bolus of each meal lowers glucose along a slower kernel, scaled by θ_meal/θ_insulin so that a
 *   matched bolus removes the glucose·time the meal adds; ρ (the bolus match, 1 on average) varies per meal, so a meal can leave glucose high (ρ < 1) or push it low (ρ > 1) hours later.
 * - u(t): a slow Ornstein–Uhlenbeck wander (stress, exercise, dawn phenomenon) of a given SD and time constant.
 * - The sum is kept inside [2.2, 22.2] mmol/L with a smooth limit (no flat plateaus at the bounds).
 *
 * A trace is pure: the same seed and options give the same samples on every platform.
 */
import { Random } from '../physics/random.js';

/** Physiological range of the GlucoWatch evaluation, mmol/L [109]. */
export const GLUCOSE_RANGE_MMOL_L = Object.freeze({ min: 2.2, max: 22.2 });

/** mg/dL per mmol/L of glucose (MW 180.16 g/mol). */
export const MG_DL_PER_MMOL_L = 18.016;

export interface GlucoseTraceParams {
  /** Median fasting (basal) glucose between people, mmol/L. */
  readonly basalMedian: number;
  /** σ of ln(basal) between people. */
  readonly basalSpreadLn: number;
  /** Median rise of a main meal, mmol/L. */
  readonly mealRiseMedian: number;
  /** σ of ln(meal rise). */
  readonly mealRiseSpreadLn: number;
  /** Time to the peak of a meal's rise, min. */
  readonly mealPeakMin: number;
  /** Time to the peak of a bolus's fall, min. */
  readonly insulinPeakMin: number;
  /** Delay of the bolus after the meal, min (pre-bolus if negative). */
  readonly insulinDelayMin: number;
  /** SD of the bolus match ρ (mean 1). */
  readonly bolusMatchSd: number;
  /** Probability of an afternoon snack; its rise is half a meal's. */
  readonly snackProbability: number;
  /** SD of the slow wander u(t), mmol/L. */
  readonly wanderSd: number;
  /** Time constant of the wander, min. */
  readonly wanderTauMin: number;
  /** Clock time (minutes after midnight) at which the trace starts: median, and SD between people. */
  readonly startClockMin: number;
  readonly startClockSdMin: number;
  /** SD of a meal time around its clock time, min. */
  readonly mealTimeSdMin: number;
}

export const GLUCOSE_TRACE: GlucoseTraceParams = Object.freeze({
  basalMedian: 8.0,
  basalSpreadLn: 0.3,
  mealRiseMedian: 5.0,
  mealRiseSpreadLn: 0.35,
  mealPeakMin: 60,
  insulinPeakMin: 100,
  insulinDelayMin: 0,
  bolusMatchSd: 0.3,
  snackProbability: 0.5,
  wanderSd: 1.2,
  wanderTauMin: 90,
  startClockMin: 7 * 60,
  startClockSdMin: 45,
  mealTimeSdMin: 30,
});

/** Clock times of the meals, minutes after midnight, and their size relative to a main meal. */
const MEALS: readonly { readonly clockMin: number; readonly size: number; readonly snack?: true }[] = [
  { clockMin: 7.5 * 60, size: 1 },
  { clockMin: 12.5 * 60, size: 1 },
  { clockMin: 16 * 60, size: 0.5, snack: true },
  { clockMin: 19 * 60, size: 1 },
  { clockMin: 31.5 * 60, size: 1 },
];

export interface GlucoseMeal {
  /** Minutes after the start of the trace. */
  readonly t_min: number;
  readonly rise_mmol_L: number;
  readonly bolus_match: number;
}

/** A blood-glucose trace sampled every minute from t = 0. */
export interface GlucoseTrace {
  readonly seed: number;
  /** Clock time of t = 0, minutes after midnight. */
  readonly startClockMin: number;
  readonly basal_mmol_L: number;
  readonly meals: readonly GlucoseMeal[];
  /** Blood glucose at whole minutes 0 … durationMin, mmol/L. */
  readonly mmol_L: Float64Array;
}

const kernel = (t: number, peak: number): number => (t <= 0 ? 0 : (t / peak) * Math.exp(1 - t / peak));

/** Keep x inside [lo, hi] smoothly: identity in the middle, tanh roll-off within `soft` of either bound. */
export const softLimit = (x: number, lo: number, hi: number, soft = 1.5): number => {
  if (x > hi - soft) return hi - soft + soft * Math.tanh((x - (hi - soft)) / soft);
  if (x < lo + soft) return lo + soft - soft * Math.tanh((lo + soft - x) / soft);
  return x;
};

/** Draw the blood-glucose trace of one virtual wearer: `durationMin` minutes at one-minute steps. */
export function drawGlucoseTrace(
  seed: number,
  durationMin: number,
  params: GlucoseTraceParams = GLUCOSE_TRACE,
): GlucoseTrace {
  const rng = new Random(seed);
  const p = params;
  const basal = rng.lognormal(p.basalMedian, p.basalSpreadLn);
  const start = p.startClockMin + p.startClockSdMin * rng.gaussian();
  const meals: GlucoseMeal[] = [];
  for (const m of MEALS) {
    // Every meal draws the same number of values whether eaten or not, so one meal does not shift the others.
    const at = m.clockMin + p.mealTimeSdMin * rng.gaussian() - start;
    const rise = m.size * rng.lognormal(p.mealRiseMedian, p.mealRiseSpreadLn);
    const match = Math.max(0, 1 + p.bolusMatchSd * rng.gaussian());
    const eaten = m.snack === true ? rng.next() < p.snackProbability : true;
    // Meals up to 6 h before the start still act on it (their tail).
    if (eaten && at > -360 && at < durationMin) meals.push({ t_min: at, rise_mmol_L: rise, bolus_match: match });
  }
  const n = Math.max(0, Math.floor(durationMin)) + 1;
  const out = new Float64Array(n);
  // Ornstein–Uhlenbeck wander, exact discretisation at 1 min, started from its stationary distribution.
  const a = Math.exp(-1 / p.wanderTauMin);
  const kick = p.wanderSd * Math.sqrt(1 - a * a);
  let u = p.wanderSd * rng.gaussian();
  // A matched bolus (ρ = 1) removes as much glucose·time as the meal adds: the kernels' areas are e·θ.
  const insulinScale = p.mealPeakMin / p.insulinPeakMin;
  for (let i = 0; i < n; i++) {
    let g = basal + u;
    for (const m of meals) {
      g += m.rise_mmol_L * kernel(i - m.t_min, p.mealPeakMin);
      g -= m.bolus_match * m.rise_mmol_L * insulinScale * kernel(i - m.t_min - p.insulinDelayMin, p.insulinPeakMin);
    }
    out[i] = softLimit(g, GLUCOSE_RANGE_MMOL_L.min, GLUCOSE_RANGE_MMOL_L.max);
    u = a * u + kick * rng.gaussian();
  }
  return { seed, startClockMin: start, basal_mmol_L: basal, meals, mmol_L: out };
}

/** Blood glucose at any time inside the trace (linear between minutes, held at the ends), mmol/L. */
export function glucoseAt(trace: GlucoseTrace, tMin: number): number {
  const g = trace.mmol_L;
  const last = g.length - 1;
  if (last < 0) return NaN;
  if (tMin <= 0) return g[0]!;
  if (tMin >= last) return g[last]!;
  const i = Math.floor(tMin);
  const f = tMin - i;
  return g[i]! * (1 - f) + g[i + 1]! * f;
}
