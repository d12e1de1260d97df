/**
 * Calibration of the sweat-response model (`src/physics/sweat-response.ts`) against the published course figures,
 * run through the cohort path: every session through the engine and the virtual patient.
 *
 * Targets (clinical.md §2.4, §2.7) and what is measured for each:
 *
 * | figure | target | source | measured on |
 * |---|---|---|---|
 * | responders, palms and soles | 81–85 % | [83] 81.2 % after 8 sessions, [85] ≈ 85 % | clinic course, 7 sessions, DC |
 * | responders, axillae | 65–70 % | [U1] "up to 65 %", [84] −70 % sweat intensity | clinic course, DC |
 * | sessions to normal sweating, DC | ≈ 10 | [H7][79] | every 2–3 days until dry (≤ 20), median |
 * | sessions to normal sweating, pulsed DC | ≈ 12 | [H7][79] | the same, pulsed |
 * | mean first remission | ≈ 35 days | [83] | palms, clinic course, responders, no maintenance |
 *
 * A responder is HDSS 3–4 → 1–2 or a gravimetric reduction ≥ 50 %; normal sweating is the zone's rate at or below
 * its gravimetric threshold [40][41] (see sweat-response.ts).
 *
 * Fitting approach. The mechanism parameters are fixed from their sources before any fitting: the per-session
 * dose-response (q₅₀ 0.5 mA·min/cm², n 4: [H6]'s 10 min ≈ 30 min, under 10 min fails), the cathode weight 0.7 (anode
 * better [28], slightly [58]), the severity median 2.6 (DERIVED from [16] and [40]) and the assumed spreads. At the
 * library's doses every session is saturated (weighted density ≈ 1.6–2.3 mA·min/cm², e ≈ 0.99), so the course
 * outcomes depend on four shared parameters — I₅₀, its spread, h and τ — which were fitted jointly, by coordinate
 * descent on a weighted squared error, to the three palm figures (83 % responders, 9.6 interpolated median
 * sessions with DC, 35 days), using a replica of the response model with saturated sessions on the same drawn
 * individuals (4,000 patients), then checked on this cohort path at 10,000 patients (which put the palms 1 point
 * below the replica, at the low edge of their band: I₅₀ was moved one step, 4.1 → 4.0, and rechecked). One
 * parameter per remaining effect was then set from its own figure with all shared parameters frozen: κ_axillae
 * (0.82) from the axillary responder rate and η_pulsed (0.85) from the pulsed session count. The result: I₅₀ 4.0
 * full sessions (spread 0.37), h 0.67, τ 55 days. Soles share every palm parameter (same skin type, same κ) and
 * are a check, not a fit. There is no per-figure adjustment in the model: each figure comes out of the same
 * equations. Not fitted, and not matched: the ≈ 90 % mean reductions after 10 sessions of [76] and [16] (the
 * model gives ≈ 63 % after 10 sessions in two weeks, a consequence of the shallow h that the responder and
 * session figures together require).
 *
 * Tolerances. Each target has a band: the literature's range for the responder rates, "≈ 10" and "≈ 12" sessions as
 * ± 1 session, "≈ 35 days" as ± 5 days. A check at n patients allows the binomial sampling error of its cohort,
 * twice the standard error at n: a rate's band widens by 2·SE; a median of sessions in [lo, hi] is checked on the
 * share of patients dry by lo − 1 sessions (at most ½ + 2·SE) and by hi sessions (at least ½ − 2·SE), since the
 * share dry rises only ≈ 3–4 % per session around the median and the median of a few hundred jumps by a session
 * either way. So a few hundred patients (the CI test) and 10,000 (`npm run bench:cohort -- --calibration --n
 * 10000`) are held to the same targets.
 */
import { findProtocol } from '../protocols/protocol-library.js';
import type { CohortOptions, CohortResult } from './cohort.js';
import { runCohort } from './cohort.js';

/** The cohorts the calibration runs. */
export const CALIBRATION_COHORTS = {
  'palms-clinic-dc': { protocol: 'tapwater-palms', template: 'clinic', mode: 'dc', untilDry: false },
  'soles-clinic-dc': { protocol: 'tapwater-soles', template: 'clinic', mode: 'dc', untilDry: false },
  'axillae-clinic-dc': { protocol: 'tapwater-axillae', template: 'clinic', mode: 'dc', untilDry: false },
  'palms-until-dry-dc': { protocol: 'tapwater-palms', template: 'every-2-3-days', mode: 'dc', untilDry: true },
  'palms-until-dry-pulsed': { protocol: 'tapwater-palms', template: 'every-2-3-days', mode: 'pulsed', untilDry: true },
} as const satisfies Record<
  string,
  { protocol: string; template: CohortOptions['template']; mode: string; untilDry: boolean }
>;

export type CalibrationCohort = keyof typeof CALIBRATION_COHORTS;

export interface CalibrationTarget {
  readonly id: string;
  readonly cohort: CalibrationCohort;
  readonly figure: 'responder_rate' | 'sessions_to_euhidrosis_median' | 'remission_days_mean';
  /** The literature's figure, as text. */
  readonly target: string;
  readonly source: string;
  /** Accepted band for the cohort figure. */
  readonly lo: number;
  readonly hi: number;
  /** A rate: its band widens by twice the binomial standard error at the cohort size. */
  readonly rate: boolean;
}

export const CALIBRATION_TARGETS: readonly CalibrationTarget[] = [
  {
    id: 'responders-palms',
    cohort: 'palms-clinic-dc',
    figure: 'responder_rate',
    target: '81–85 %',
    source: '[83][85]',
    lo: 0.81,
    hi: 0.85,
    rate: true,
  },
  {
    id: 'responders-soles',
    cohort: 'soles-clinic-dc',
    figure: 'responder_rate',
    target: '81–85 %',
    source: '[83][85]',
    lo: 0.81,
    hi: 0.85,
    rate: true,
  },
  {
    id: 'responders-axillae',
    cohort: 'axillae-clinic-dc',
    figure: 'responder_rate',
    target: '65–70 %',
    source: '[U1][84]',
    lo: 0.65,
    hi: 0.7,
    rate: true,
  },
  {
    id: 'sessions-dc',
    cohort: 'palms-until-dry-dc',
    figure: 'sessions_to_euhidrosis_median',
    target: '≈ 10',
    source: '[H7][79]',
    lo: 9,
    hi: 11,
    rate: false,
  },
  {
    id: 'sessions-pulsed',
    cohort: 'palms-until-dry-pulsed',
    figure: 'sessions_to_euhidrosis_median',
    target: '≈ 12',
    source: '[H7][79]',
    lo: 11,
    hi: 13,
    rate: false,
  },
  {
    id: 'remission',
    cohort: 'palms-clinic-dc',
    figure: 'remission_days_mean',
    target: '≈ 35 days',
    source: '[83]',
    lo: 30,
    hi: 40,
    rate: false,
  },
];

export interface CalibrationCheck {
  readonly id: string;
  readonly target: string;
  readonly source: string;
  readonly value: number | null;
  readonly lo: number;
  readonly hi: number;
  readonly ok: boolean;
}

export interface CalibrationReport {
  readonly n: number;
  readonly seed: number;
  readonly cohorts: Readonly<Record<CalibrationCohort, CohortResult>>;
  readonly checks: readonly CalibrationCheck[];
  /** Pulsed DC takes more sessions than DC [H7][79]. */
  readonly pulsedSlower: boolean;
}

/** Compare cohort figures with the targets, the bands of rates widened by 2 SE at the cohort size. */
export function checkCalibration(cohorts: Readonly<Record<CalibrationCohort, CohortResult>>): CalibrationCheck[] {
  return CALIBRATION_TARGETS.map((t) => {
    const r = cohorts[t.cohort];
    const value = r[t.figure];
    const round = (x: number): number => Math.round(x * 10_000) / 10_000;
    let lo = t.lo;
    let hi = t.hi;
    let ok = value !== null && value >= lo && value <= hi;
    if (t.rate) {
      const p = (t.lo + t.hi) / 2;
      const se = Math.sqrt((p * (1 - p)) / r.n);
      lo -= 2 * se;
      hi += 2 * se;
      ok = value !== null && value >= lo && value <= hi;
    } else if (t.figure === 'sessions_to_euhidrosis_median') {
      const se = Math.sqrt(0.25 / r.n);
      const dryBy = (k: number): number => (k < 1 ? 0 : (r.euhidrosis_by_session[k - 1] ?? r.euhidrosis_rate));
      ok = dryBy(t.lo - 1) <= 0.5 + 2 * se && dryBy(t.hi) >= 0.5 - 2 * se;
    }
    return { id: t.id, target: t.target, source: t.source, value, lo: round(lo), hi: round(hi), ok };
  });
}

/** Run every calibration cohort (same seed, same n) and check the figures. */
export async function runCalibration(o: {
  readonly n: number;
  readonly seed: number;
  readonly workers?: number;
  readonly fidelity?: CohortOptions['fidelity'];
  readonly onProgress?: (cohort: CalibrationCohort, done: number, n: number) => void;
}): Promise<CalibrationReport> {
  const cohorts = {} as Record<CalibrationCohort, CohortResult>;
  for (const [id, c] of Object.entries(CALIBRATION_COHORTS) as [
    CalibrationCohort,
    (typeof CALIBRATION_COHORTS)[CalibrationCohort],
  ][]) {
    cohorts[id] = await runCohort({
      protocol: findProtocol(c.protocol),
      n: o.n,
      seed: o.seed,
      template: c.template,
      mode: c.mode,
      untilDry: c.untilDry,
      ...(o.workers === undefined ? {} : { workers: o.workers }),
      ...(o.fidelity === undefined ? {} : { fidelity: o.fidelity }),
      onProgress: (done, n) => o.onProgress?.(id, done, n),
    });
  }
  const dc = cohorts['palms-until-dry-dc'].sessions_to_euhidrosis_median;
  const pulsed = cohorts['palms-until-dry-pulsed'].sessions_to_euhidrosis_median;
  return {
    n: o.n,
    seed: o.seed,
    cohorts,
    checks: checkCalibration(cohorts),
    pulsedSlower: dc !== null && (pulsed === null || pulsed > dc),
  };
}
