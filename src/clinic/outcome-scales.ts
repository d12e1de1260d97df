/**
 * Outcome scales for hyperhidrosis (clinical.md §3): the HDSS, gravimetric sweat rate with its published cut-offs,
 * and the Minor starch-iodine grade. Each figure carries its source key.
 */

// ---------------------------------------------------------------------------------------------------------------
// Hyperhidrosis Disease Severity Scale [90]

export type HdssScore = 1 | 2 | 3 | 4;

/** The HDSS as defined in [90]: "My sweating is … and … interferes with my daily activities". */
export const HDSS_SCALE: Readonly<Record<HdssScore, { readonly sweating: string; readonly interference: string }>> =
  Object.freeze({
    1: { sweating: 'never noticeable', interference: 'never' },
    2: { sweating: 'tolerable', interference: 'sometimes' },
    3: { sweating: 'barely tolerable', interference: 'frequently' },
    4: { sweating: 'intolerable', interference: 'always' },
  });

/** The wording of one HDSS answer. */
export const hdssWording = (score: HdssScore): string =>
  `My sweating is ${HDSS_SCALE[score].sweating} and ${HDSS_SCALE[score].interference} interferes with my daily activities`;

/** Scores 3–4 count as severe [91]. */
export const hdssSevere = (score: HdssScore): boolean => score >= 3;

/** Response grades of one study [87]: a drop of ≥ 2 points is "excellent", of 1 point "good". */
export type HdssGrade = 'excellent' | 'good' | 'none';
export function hdssGrade(baseline: HdssScore, followUp: HdssScore): HdssGrade {
  const drop = baseline - followUp;
  return drop >= 2 ? 'excellent' : drop === 1 ? 'good' : 'none';
}

// ---------------------------------------------------------------------------------------------------------------
// Gravimetry

export const OUTCOME_SITES = ['axillae', 'palms', 'soles', 'face'] as const;
export type OutcomeSite = (typeof OUTCOME_SITES)[number];

export type GravimetricCriterion = 'site-specific' | 'thorlacius';

/**
 * Hyperhidrosis cut-offs of the gravimetric sweat rate, in mg/min (clinical.md §0: per minute, not per 5 min):
 * - 'site-specific': axilla > 50 mg/min, palm > 20 mg/min [40];
 * - 'thorlacius': one cut-off of 100 mg/5 min (= 20 mg/min) at either site, axilla or palm (90 % of controls fall
 *   below it) [41].
 * No cut-off is given for soles or face: gravimetry there is judged only against the patient's own baseline.
 */
export const GRAVIMETRIC_THRESHOLDS: Readonly<
  Record<GravimetricCriterion, { readonly source: string; readonly mgPerMin: Partial<Record<OutcomeSite, number>> }>
> = Object.freeze({
  'site-specific': { source: '[40]', mgPerMin: { axillae: 50, palms: 20 } },
  thorlacius: { source: '[41] 100 mg/5 min', mgPerMin: { axillae: 20, palms: 20 } },
});

/**
 * Area-normalised upper limits of normal [92] (mean + 2 SD, mg/min/m², as published): face 49, palm 46, axilla 136,
 * sole 50; normal palm 18.49 ± 14.06. clinical.md does not say which area the figures are normalised to, so they are
 * reported beside the rate, never used for a decision.
 */
export const AREA_NORMALISED_LIMITS: Readonly<Record<OutcomeSite, number>> = Object.freeze({
  face: 49,
  palms: 46,
  axillae: 136,
  soles: 50,
});
export const AREA_NORMALISED_SOURCE = '[92] mean + 2 SD, mg/min/m²';

/** Sweat rate in mg/min of a collection of `mg` over `minutes`. */
export function sweatRate(mg: number, minutes: number): number {
  return mg / minutes;
}

export type GravimetricClass = 'hyperhidrotic' | 'normal' | 'no-threshold';

/** Whether a rate is above the hyperhidrosis cut-off of its site. */
export function classifySweatRate(
  site: OutcomeSite,
  mgPerMin: number,
  criterion: GravimetricCriterion = 'site-specific',
): { readonly class: GravimetricClass; readonly thresholdMgPerMin?: number; readonly source: string } {
  const t = GRAVIMETRIC_THRESHOLDS[criterion];
  const threshold = t.mgPerMin[site];
  if (threshold === undefined) return { class: 'no-threshold', source: t.source };
  return { class: mgPerMin > threshold ? 'hyperhidrotic' : 'normal', thresholdMgPerMin: threshold, source: t.source };
}

/**
 * Gravimetric response: a reduction of at least 50 % from the baseline rate at the same site. This is the
 * convention of hyperhidrosis treatment trials, adopted as a design decision; clinical.md cites no source for it
 * (the RCT of [76] reports a 91.8 % mean reduction, not a responder cut-off).
 */
export const GRAVIMETRIC_RESPONSE_REDUCTION = 0.5;

export const gravimetricReduction = (baselineMgPerMin: number, followUpMgPerMin: number): number =>
  baselineMgPerMin > 0 ? (baselineMgPerMin - followUpMgPerMin) / baselineMgPerMin : 0;

// ---------------------------------------------------------------------------------------------------------------
// Minor starch-iodine test [93][94]

export type MinorGrade = 0 | 1 | 2 | 3 | 4 | 5;
/**
 * Grades 0–V of the standardised test (2 % iodine, cornstarch, 10–15 min on a treadmill at 30 °C) [94]. clinical.md
 * gives the range, not the wording of each grade: 0 is no sweat staining, V the most; a lower grade is better.
 */
export const MINOR_GRADE_LABEL: Readonly<Record<MinorGrade, string>> = Object.freeze({
  0: '0',
  1: 'I',
  2: 'II',
  3: 'III',
  4: 'IV',
  5: 'V',
});
