/**
 * Sweat response to tap-water iontophoresis: how a patient's sweating falls over a course of sessions and comes
 * back after it, per treated site (site A and site B of the circuit: left and right hand, foot or axilla).
 *
 * The model (every parameter is in `SweatResponseParams`, each with its source or marked as calibrated/assumed):
 *
 * 1. A session's effect on one site grows with the charge density that crossed it, weighted by polarity, and
 *    saturates (10 min as good as 30 min, under 10 min fails [H6]; inhibition scales with amperage [28]):
 *
 *        q      = (Q_anode + w_c · Q_cathode) / area                        mA·min/cm², w_c < 1: the anode side
 *                                                                           responds more (H⁺ [28]), moderately [58]
 *        e(q)   = qⁿ / (qⁿ + q₅₀ⁿ)                                          0 … 1
 *        ΔI     = κ_zone · η_waveform · e(q)                                in "full sessions"
 *
 *    κ_zone < 1 for the axillae (less effective [DN][U1]); η_pulsed < 1 (slightly less effective [58], ≈12 vs
 *    ≈10 sessions to normal sweating [H7][79]).
 * 2. The site's inhibition I (the accumulated effect, in full sessions) adds ΔI at each session and recovers
 *    between sessions, exponentially with the individual's recovery time τ (days):  I(t + Δt) = I(t) · e^(−Δt/τ).
 * 3. The site's sweat rate relative to the untreated baseline is a log-logistic function of the inhibition:
 *
 *        r(I) = 1 / (1 + (I / I₅₀)^h)
 *
 *    with the individual's I₅₀ (inhibition that halves sweating). The zone's rate is the mean of its two sites, in
 *    mg/min per site = r × baseline, the baseline being the individual's severity B × the zone's gravimetric
 *    threshold of hyperhidrosis (palm 20, axilla 50 mg/min [40]; sole 20 mg/min, [41]'s 100 mg/5 min).
 * 4. Outcomes, derived from the rate:
 *    - euhidrosis (normal sweating): the zone's rate at or below its gravimetric threshold [40][41];
 *    - HDSS: the baseline score (3, or 4 for a severity ≥ `hdss4Severity`) less 1 point at ≥ 50 % and 2 points at
 *      ≥ 80 % reduction (clinical.md §3.1: this mapping is UNVERIFIED), at most 2 while sweating is normal, at
 *      least 1;
 *    - responder: HDSS from 3–4 to 1–2, or a gravimetric reduction ≥ 50 % — with the mapping above, exactly
 *      "reduction ≥ 50 % or normal sweating", i.e. r ≤ max(0.5, 1/B);
 *    - relapse: the end of being a responder. `daysToRelapse` solves for it.
 *
 * Variability between people: I₅₀, τ and B are drawn once per patient from a stream derived from the patient's seed
 * (`drawSweatIndividual`); nothing below draws a random number. The same person has the same z-scores whatever the
 * zone, so a patient treated on two zones responds alike on both.
 *
 * Calibration (the values in `SWEAT_RESPONSE`): q₅₀, n and w_c are fixed from the mechanism sources above; I₅₀, h,
 * its spread and τ are fitted jointly to the palm figures (responders after the clinic course [83][85], sessions
 * to normal sweating with DC every 2–3 days [H7][79], mean first remission [83]); κ_axillae to the axillary
 * responder rate [U1][84] and η_pulsed to the pulsed sessions to normal sweating [H7][79]. The fit and its check
 * are in `src/simulation/cohort-calibration.ts`.
 */
import { IontoError } from '../errors/catalogue.js';
import type { MilliAmpMinute, MilliAmpMinutePerSqCm, SquareCm } from '../units/quantities.js';
import { Random, clip, deriveSeed } from './random.js';

/** Zones treated for hyperhidrosis. */
export type SweatZone = 'palms' | 'soles' | 'axillae';
export const SWEAT_ZONES: readonly SweatZone[] = Object.freeze(['palms', 'soles', 'axillae']);
export const isSweatZone = (x: unknown): x is SweatZone =>
  typeof x === 'string' && (SWEAT_ZONES as readonly string[]).includes(x);

/** Waveform of a session as the sweat response sees it. */
export type ResponseWaveform = 'dc' | 'pulsed';

export interface ZoneResponse {
  /** Gravimetric threshold of hyperhidrosis, mg/min per site: at or below it sweating is normal. */
  readonly thresholdMgPerMin: number;
  /** Effect of a session relative to the palms (κ). */
  readonly efficacy: number;
}

export interface SweatResponseParams {
  /** q₅₀: weighted charge density at which a session has half its full effect. */
  readonly halfEffectDensity: MilliAmpMinutePerSqCm;
  /** n: steepness of the per-session response. */
  readonly sessionSteepness: number;
  /** w_c: effect of charge with the site as cathode, relative to the same charge as anode. */
  readonly cathodeWeight: number;
  /** η: effect of a pulsed-DC session relative to a DC session of the same charge. */
  readonly pulsedEfficacy: number;
  readonly zones: Readonly<Record<SweatZone, ZoneResponse>>;
  /** Median I₅₀ (full sessions of accumulated inhibition that halve sweating). */
  readonly inhibitionHalf: number;
  /** σ of ln I₅₀ between people. */
  readonly inhibitionHalfSpread: number;
  /** h: steepness of the sweat rate's fall with inhibition. */
  readonly inhibitionSteepness: number;
  /** Median recovery time τ of the inhibition, days. */
  readonly recoveryDays: number;
  /** σ of ln τ between people. */
  readonly recoverySpread: number;
  /** Median severity B: untreated sweat rate / the zone's threshold. */
  readonly severity: number;
  /** σ of ln B between people, and the range B is clipped to. */
  readonly severitySpread: number;
  readonly severityMin: number;
  readonly severityMax: number;
  /** Severity at and above which the baseline HDSS is 4 rather than 3. */
  readonly hdss4Severity: number;
  /** Reductions worth one and two HDSS points (UNVERIFIED, clinical.md §3.1). */
  readonly hdssOnePoint: number;
  readonly hdssTwoPoints: number;
  /** Gravimetric reduction that makes a responder. */
  readonly responderReduction: number;
}

/**
 * The calibrated parameters.
 *
 * | parameter | value | source |
 * |---|---|---|
 * | q₅₀ | 0.5 mA·min/cm² | [H6]: 10 min at 15 mA on a palm (≈ 0.8 weighted) has ≈ 0.9 of the effect of 30 min; 5 min ≈ 0.3 — ASSUMPTION fitted to that |
 * | n | 4 | same |
 * | w_c | 0.7 | anode more effective [28][H6], the advantage slight at clinical doses [58] — ASSUMPTION |
 * | η_pulsed | calibrated | ≈12 vs ≈10 sessions to normal sweating [H7][79] |
 * | κ palms, soles | 1 | reference zone; palms and soles respond alike [83][85][U1] |
 * | κ axillae | calibrated | 65–70 % responders [U1][84] |
 * | thresholds | palm 20, sole 20, axilla 50 mg/min | [40]; soles: 100 mg/5 min [41] |
 * | I₅₀, its spread, h, τ | calibrated | [83][85] responders, [H7][79] sessions, [83] remission |
 * | σ ln τ | 0.3 | ASSUMPTION |
 * | B | 2.6 | DERIVED: [16] palms 3.12 g/h = 52 mg/min untreated vs the 20 mg/min threshold [40] |
 * | σ ln B, range | 0.35, 1.2–8 | ASSUMPTION (treated patients sweat above the threshold) |
 * | HDSS 4 from B ≥ | 3.5 | ASSUMPTION |
 * | HDSS points at 50 % / 80 % | 0.5, 0.8 | UNVERIFIED mapping (clinical.md §3.1) |
 * | responder reduction | 50 % | the brief's definition, with HDSS 3–4 → 1–2 [87][91] |
 */
export const SWEAT_RESPONSE: SweatResponseParams = Object.freeze({
  halfEffectDensity: 0.5 as MilliAmpMinutePerSqCm,
  sessionSteepness: 4,
  cathodeWeight: 0.7,
  pulsedEfficacy: 0.85,
  zones: Object.freeze({
    palms: Object.freeze({ thresholdMgPerMin: 20, efficacy: 1 }),
    soles: Object.freeze({ thresholdMgPerMin: 20, efficacy: 1 }),
    axillae: Object.freeze({ thresholdMgPerMin: 50, efficacy: 0.82 }),
  }),
  inhibitionHalf: 4.0,
  inhibitionHalfSpread: 0.37,
  inhibitionSteepness: 0.67,
  recoveryDays: 55,
  recoverySpread: 0.3,
  severity: 2.6,
  severitySpread: 0.35,
  severityMin: 1.2,
  severityMax: 8,
  hdss4Severity: 3.5,
  hdssOnePoint: 0.5,
  hdssTwoPoints: 0.8,
  responderReduction: 0.5,
});

/** One person's sweat response on one zone: plain data, drawn once from the patient's seed. */
export interface SweatIndividual {
  readonly zone: SweatZone;
  /** I₅₀, full sessions. */
  readonly inhibitionHalf: number;
  /** τ, days. */
  readonly recoveryDays: number;
  /** Severity B: untreated rate / threshold. */
  readonly severity: number;
  /** Untreated sweat rate of one site, mg/min. */
  readonly baselineMgPerMin: number;
  /** Threshold of the zone, mg/min per site. */
  readonly thresholdMgPerMin: number;
  readonly baselineHdss: 3 | 4;
}

/** Salt of the sweat-response stream, so its draws are independent of the circuit's from the same seed. */
const SWEAT_STREAM = 0x5ea7;

const checkZone = (zone: unknown): SweatZone => {
  if (!isSweatZone(zone)) {
    throw new IontoError('ION_ERR_UNKNOWN_ZONE', `no sweat response for zone ${String(zone)}: palms, soles, axillae`, {
      zone,
    });
  }
  return zone;
};

/**
 * The individual behind a patient seed (null: the median person). Three standard normal draws, always in this
 * order: sensitivity, recovery, severity.
 */
export function drawSweatIndividual(
  seed: number | null,
  zone: SweatZone,
  p: SweatResponseParams = SWEAT_RESPONSE,
): SweatIndividual {
  checkZone(zone);
  let z1 = 0;
  let z2 = 0;
  let z3 = 0;
  if (seed !== null) {
    const rng = new Random(deriveSeed(seed, SWEAT_STREAM));
    z1 = rng.gaussian();
    z2 = rng.gaussian();
    z3 = rng.gaussian();
  }
  const severity = clip(p.severity * Math.exp(p.severitySpread * z3), p.severityMin, p.severityMax);
  const threshold = p.zones[zone].thresholdMgPerMin;
  return {
    zone,
    inhibitionHalf: p.inhibitionHalf * Math.exp(p.inhibitionHalfSpread * z1),
    recoveryDays: p.recoveryDays * Math.exp(p.recoverySpread * z2),
    severity,
    baselineMgPerMin: severity * threshold,
    thresholdMgPerMin: threshold,
    baselineHdss: severity >= p.hdss4Severity ? 4 : 3,
  };
}

/** Inhibition of each site at a day of the course (plain data; every function returns a new one). */
export interface SweatState {
  readonly day: number;
  readonly A: number;
  readonly B: number;
}

export const UNTREATED: SweatState = Object.freeze({ day: 0, A: 0, B: 0 });

/**
 * What one session delivered: the charge that crossed each site with that site as the anode (electrode A is the
 * anode while the current flows A → B), the sites' areas, and the waveform.
 */
export interface SessionDose {
  /** Charge with site A as the anode (= site B as the cathode). */
  readonly anodalA: MilliAmpMinute;
  /** Charge with site B as the anode (= site A as the cathode). */
  readonly anodalB: MilliAmpMinute;
  readonly areaA: SquareCm;
  readonly areaB: SquareCm;
  readonly waveform: ResponseWaveform;
}

/** e(q): the share of a full session's effect at weighted charge density q. */
export function sessionResponse(q: number, p: SweatResponseParams = SWEAT_RESPONSE): number {
  if (!(q > 0)) return 0;
  const x = Math.pow(q / p.halfEffectDensity, p.sessionSteepness);
  return x / (1 + x);
}

/** Weighted charge density of each site (mA·min/cm²): anodal charge counts fully, cathodal charge by w_c. */
export function weightedDensity(
  dose: SessionDose,
  p: SweatResponseParams = SWEAT_RESPONSE,
): { A: MilliAmpMinutePerSqCm; B: MilliAmpMinutePerSqCm } {
  for (const [k, v] of Object.entries(dose)) {
    if (k !== 'waveform' && !(Number.isFinite(v) && (v as number) >= 0)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `session dose ${k} must be a finite number ≥ 0, got ${String(v)}`);
    }
  }
  if (!(dose.areaA > 0 && dose.areaB > 0)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `site areas must be positive, got ${dose.areaA} and ${dose.areaB}`);
  }
  const w = p.cathodeWeight;
  return {
    A: ((dose.anodalA + w * dose.anodalB) / dose.areaA) as MilliAmpMinutePerSqCm,
    B: ((dose.anodalB + w * dose.anodalA) / dose.areaB) as MilliAmpMinutePerSqCm,
  };
}

/** ΔI of each site from one session on a zone, in full sessions. */
export function sessionEffect(
  zone: SweatZone,
  dose: SessionDose,
  p: SweatResponseParams = SWEAT_RESPONSE,
): { A: number; B: number } {
  const q = weightedDensity(dose, p);
  const k = p.zones[checkZone(zone)].efficacy * (dose.waveform === 'pulsed' ? p.pulsedEfficacy : 1);
  return { A: k * sessionResponse(q.A, p), B: k * sessionResponse(q.B, p) };
}

/** The state at a later day: both sites recover over the days in between. */
export function recover(ind: SweatIndividual, s: SweatState, day: number): SweatState {
  if (!(day >= s.day) || !Number.isFinite(day)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `day ${day} is before the state's day ${s.day}`);
  }
  if (day === s.day) return s;
  const f = Math.exp(-(day - s.day) / ind.recoveryDays);
  return { day, A: s.A * f, B: s.B * f };
}

/** The state after a session on `day` (recovery up to that day first). */
export function applySession(
  ind: SweatIndividual,
  s: SweatState,
  day: number,
  dose: SessionDose,
  p: SweatResponseParams = SWEAT_RESPONSE,
): SweatState {
  const before = recover(ind, s, day);
  const d = sessionEffect(ind.zone, dose, p);
  return { day, A: before.A + d.A, B: before.B + d.B };
}

const ratioOf = (ind: SweatIndividual, inhibition: number, h: number): number =>
  inhibition > 0 ? 1 / (1 + Math.pow(inhibition / ind.inhibitionHalf, h)) : 1;

/** Sweat rate relative to the untreated baseline: each site and the zone (mean of the two). */
export function sweatRatio(
  ind: SweatIndividual,
  s: SweatState,
  p: SweatResponseParams = SWEAT_RESPONSE,
): { A: number; B: number; zone: number } {
  const A = ratioOf(ind, s.A, p.inhibitionSteepness);
  const B = ratioOf(ind, s.B, p.inhibitionSteepness);
  return { A, B, zone: (A + B) / 2 };
}

/** Sweat rate of one site of the zone (mean of the two sites), mg/min, as gravimetry would measure it. */
export function sweatRateMgPerMin(
  ind: SweatIndividual,
  s: SweatState,
  p: SweatResponseParams = SWEAT_RESPONSE,
): number {
  return sweatRatio(ind, s, p).zone * ind.baselineMgPerMin;
}

/** Normal sweating: the zone's rate at or below its gravimetric threshold [40][41]. */
export function isEuhidrotic(ind: SweatIndividual, s: SweatState, p: SweatResponseParams = SWEAT_RESPONSE): boolean {
  return sweatRateMgPerMin(ind, s, p) <= ind.thresholdMgPerMin;
}

/** HDSS 1–4 (see the module comment for the mapping and its status). */
export function hdss(ind: SweatIndividual, s: SweatState, p: SweatResponseParams = SWEAT_RESPONSE): 1 | 2 | 3 | 4 {
  const reduction = 1 - sweatRatio(ind, s, p).zone;
  let score = ind.baselineHdss - (reduction >= p.hdssTwoPoints ? 2 : reduction >= p.hdssOnePoint ? 1 : 0);
  if (isEuhidrotic(ind, s, p)) score = Math.min(score, 2);
  return Math.max(1, score) as 1 | 2 | 3 | 4;
}

/** Largest zone sweat ratio at which the patient is a responder: r ≤ max(1 − 50 %, threshold / baseline). */
export const responderRatio = (ind: SweatIndividual, p: SweatResponseParams = SWEAT_RESPONSE): number =>
  Math.max(1 - p.responderReduction, 1 / ind.severity);

/** HDSS from 3–4 to 1–2, or a gravimetric reduction of at least 50 %. */
export function isResponder(ind: SweatIndividual, s: SweatState, p: SweatResponseParams = SWEAT_RESPONSE): boolean {
  const r = sweatRatio(ind, s, p).zone;
  return r <= responderRatio(ind, p) || hdss(ind, s, p) <= 2;
}

/**
 * Days from the state's day until the patient stops being a responder with no further treatment (relapse), or
 * Infinity if that is later than `horizon` days; 0 if the patient is not a responder now. Bisection to 0.01 day on
 * the zone's ratio, which rises monotonically as both sites recover.
 */
export function daysToRelapse(
  ind: SweatIndividual,
  s: SweatState,
  horizon = 365,
  p: SweatResponseParams = SWEAT_RESPONSE,
): number {
  if (!isResponder(ind, s, p)) return 0;
  const at = (t: number): boolean => isResponder(ind, recover(ind, s, s.day + t), p);
  if (at(horizon)) return Infinity;
  let lo = 0;
  let hi = horizon;
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (at(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
