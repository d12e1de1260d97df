/**
 * CF sweat-test workflow. TYPES FIRST (the stored record, read by the FHIR export), then the pure state machine.
 *
 * The stored CF sweat test: the JSON in `sweat_tests.data` and the values of `sweat_tests.status`.
 *
 * These types are the contract between the workflow (sweat-test.ts), the routes, the PDF report and the FHIR export
 * (sweat chloride Observations, LOINC 2077-6, clinical.md §0 and §5.6). Every instant is an ISO 8601 UTC string
 * (`2026-11-21T09:30:00.000Z`); every person is a user id (staff), never a patient name.
 *
 * The record only grows: a step adds its part and never rewrites an earlier one (a wrong entry is corrected by
 * ordering a new test). `schema` is 1 for this shape.
 */

import { IontoError } from '../errors/catalogue.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { dateOf, localDayOf, parseDate, parseInstant } from './local-calendar.js';
import { screen } from './screening.js';
import type { ScreeningAnswers } from './screening-answers.js';
import { ageInYears, noToEverything } from './screening-answers.js';
import { reportedResults, SWEAT_RULES, SWEAT_SIDES, type SweatSide } from './sweat-test-rules.js';

/** `sweat_tests.status`. */
export const SWEAT_TEST_STATUSES = ['ordered', 'ineligible', 'in_progress', 'completed', 'verified'] as const;
/**
 * - `ordered`: ordered, eligibility not yet assessed.
 * - `ineligible`: eligibility refused (terminal: order a new test when the patient qualifies).
 * - `in_progress`: eligible; stimulation, collection, sample and result steps per side.
 * - `completed`: every side has ended (a chloride result, QNS, or a rejected collection) or a pooled result is in;
 *   `conclusion` is set.
 * - `verified`: a second member of staff has verified the completed result; the report says who.
 */
export type SweatTestStatus = (typeof SWEAT_TEST_STATUSES)[number];

export { reportedResults, SWEAT_RULES, SWEAT_SIDES, type SweatSide } from './sweat-test-rules.js';

/** Macroduct coil (volume, µL) or weighed 2 × 2 in gauze / filter paper (weight, mg) [97] (clinical.md §5.2). */
export const COLLECTION_METHODS = ['macroduct', 'gauze', 'filter_paper'] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

/**
 * One side's progress: pending → stimulated → collecting → collected → sampled → resulted, or it ends early as
 * `qns` (sample below the minimum: repeat, never pool [97]) or `rejected` (collection longer than 30 min [97]).
 */
export const SIDE_STATUSES = [
  'pending',
  'stimulated',
  'collecting',
  'collected',
  'sampled',
  'qns',
  'rejected',
  'resulted',
] as const;
export type SweatSideStatus = (typeof SIDE_STATUSES)[number];

export interface SweatTestOrder {
  readonly ordered_by: string;
  readonly ordered_at: string;
  /** Why the test is ordered (free text for the laboratory, e.g. "positive newborn screen"). */
  readonly indication: string | null;
  /** The physician who requested the test (free text). */
  readonly requesting_physician: string | null;
}

/** One finding of the eligibility check; `source` cites the reference or the protocol. */
export interface EligibilityReason {
  /** `age`, `weight`, `gestational_age`, or a screening item of the protocol (e.g. `agent-allergy`). */
  readonly item: string;
  readonly effect: 'refuse' | 'precaution' | 'info';
  readonly text: string;
  readonly source: string;
}

export interface SweatTestEligibility {
  readonly assessed_by: string;
  readonly assessed_at: string;
  /** Whole days of life on the assessment date (patient's birth date to the assessment's local date). */
  readonly age_days: number;
  readonly age_years: number;
  readonly weight_kg: number;
  /** Gestational age at birth (weeks); required for infants (first year of life), else null when not given. */
  readonly gestational_age_at_birth_weeks: number | null;
  /** DERIVED: gestational age at birth + age in weeks; null when the gestational age at birth was not given. */
  readonly corrected_gestational_age_weeks: number | null;
  /** The protocol's contraindication items, each answered yes (true) or no (false). */
  readonly answers: Readonly<Record<string, boolean>>;
  readonly result: 'eligible' | 'ineligible';
  /** Refusals first, then precautions, then notes. */
  readonly reasons: readonly EligibilityReason[];
  /** True when precautions were found and the assessor confirmed the requesting physician accepts them. */
  readonly precautions_accepted: boolean;
}

/** Copied from the linked engine session (its stored row and SessionReport) when the stimulation is linked. */
export interface SweatStimulation {
  readonly session_id: string;
  readonly protocol: string;
  readonly zone: string;
  readonly started_at: string;
  readonly ended_at: string;
  /** The protocol's set current (mA) and the peak measured current (mA). */
  readonly target_mA: number;
  readonly peak_current_mA: number;
  readonly duration_s: number;
  readonly treated_s: number;
  readonly delivered_mAmin: number;
  readonly target_mAmin: number;
  readonly area_cm2: number;
  readonly linked_by: string;
  readonly linked_at: string;
}

export interface SweatCollection {
  readonly method: CollectionMethod;
  readonly started_at: string;
  /** Null while the collection timer runs. */
  readonly ended_at: string | null;
  /** started_at + 30 min [97]: the collection must have ended by then. */
  readonly due_by: string;
  /** Minutes from start to end; null while running. */
  readonly duration_min: number | null;
  /** True when the collection ran longer than 30 min: the side is rejected [97]. */
  readonly over_limit: boolean;
  readonly started_by: string;
  readonly ended_by: string | null;
}

export interface SweatSample {
  /** Macroduct: volume in µL; null for gauze / filter paper. */
  readonly volume_ul: number | null;
  /** Gauze / filter paper: sweat weight in mg; null for Macroduct. */
  readonly weight_mg: number | null;
  /** The minimum for the method: 15 (µL) or 75 (mg) [97]. */
  readonly minimum: number;
  readonly unit: 'uL' | 'mg';
  /** Quantity not sufficient: below the minimum. Never pooled, never analysed; repeat the test [97]. */
  readonly qns: boolean;
  readonly recorded_by: string;
  readonly recorded_at: string;
}

/** CFF 2017 bands (clinical.md §5.3 [47][48]). */
export const INTERPRETATION_BANDS = ['cf_unlikely', 'intermediate', 'consistent_with_cf'] as const;
export type InterpretationBand = (typeof INTERPRETATION_BANDS)[number];

export interface ChlorideInterpretation {
  readonly band: InterpretationBand;
  /** "CF unlikely", "intermediate", "consistent with CF". */
  readonly label: string;
  /** The band's limits as written: "< 30 mmol/L", "30–59 mmol/L", "≥ 60 mmol/L". */
  readonly range: string;
  readonly source: string;
  /** Age-specific notes (reference intervals, infant centiles), each with its source. */
  readonly notes: readonly string[];
}

export interface ChlorideResult {
  readonly chloride_mmol_l: number;
  readonly interpretation: ChlorideInterpretation;
  readonly recorded_by: string;
  readonly recorded_at: string;
}

export interface SweatSideRecord {
  readonly status: SweatSideStatus;
  readonly stimulation: SweatStimulation | null;
  readonly collection: SweatCollection | null;
  readonly sample: SweatSample | null;
  /** This side's own result; null when the sides were pooled (see `pooled_result`). */
  readonly result: ChlorideResult | null;
  /** Why the side ended without a result (`qns`, `rejected`), for the report. */
  readonly ended_reason: string | null;
}

/** The overall finding once the test is completed. */
export interface SweatConclusion {
  /** The chloride the interpretation rests on (highest side, or the pooled value); null when no result. */
  readonly chloride_mmol_l: number | null;
  readonly interpretation: ChlorideInterpretation | null;
  /** True when a side is QNS or rejected, or no result exists: the test (that side) must be repeated [97]. */
  readonly repeat_required: boolean;
  readonly notes: readonly string[];
  readonly concluded_at: string;
}

export interface SweatVerification {
  readonly verified_by: string;
  readonly verified_at: string;
}

/** `sweat_tests.data`. */
export interface SweatTestData {
  readonly schema: 1;
  readonly order: SweatTestOrder;
  readonly eligibility: SweatTestEligibility | null;
  readonly sides: Readonly<Record<SweatSide, SweatSideRecord>>;
  /** A result of both sides' samples pooled (only when neither is QNS [97]); null otherwise. */
  readonly pooled_result: ChlorideResult | null;
  readonly conclusion: SweatConclusion | null;
  readonly verification: SweatVerification | null;
}

/** LOINC for sweat chloride (clinical.md §0, §5.6 [60][61]). */
export const SWEAT_CHLORIDE_LOINC = '2077-6';

// ================================================================================================ the workflow
/*
 * Every step is a pure function of the stored record, the step's input, who does it and when: it returns the new
 * record, or throws an IontoError naming the field (ION_ERR_VALIDATION, ION_ERR_OUT_OF_RANGE) or the refused
 * transition (ION_ERR_SWEAT_TEST_STATE, ION_ERR_SWEAT_QNS, ION_ERR_SWEAT_STIMULATION). A refused step changes nothing.
 */

/** The protocol every stimulation runs (src/protocols/library/pilocarpine-sweat-test.json). */
export const SWEAT_TEST_PROTOCOL_ID = 'pilocarpine-sweat-test';

/** Infant criteria: clinical.md §5.4 [47]. The minimum age comes from the protocol (10 days, `age.min_years`). */
export const INFANT_RULES = {
  min_weight_kg_exclusive: 2,
  min_corrected_gestational_age_weeks: 36,
  source: '[47] CFF 2017 (clinical.md §5.4): weight >2 kg, ≥36 weeks corrected gestational age, from 10 days of age',
} as const;

/** CFF 2017 bands: clinical.md §5.3 [47][48]. */
export const CHLORIDE_BANDS = {
  intermediate_from: 30,
  consistent_from: 60,
  source:
    'CFF 2017 [47][48] (clinical.md §5.3): <30 CF unlikely, 30–59 intermediate (all ages), ≥60 consistent with CF',
  citation: 'CFF 2017 sweat-test guideline [47] and [48] (clinical.md §5.3)',
} as const;

/**
 * Plausibility bounds of entered numbers. No published figure is in the reference: design values that catch a
 * slipped decimal point, not clinical limits.
 */
export const ENTRY_LIMITS = {
  chloride_max_mmol_l: 200,
  volume_max_ul: 1000,
  weight_max_mg: 10_000,
  weight_kg: { min: 0.3, max: 400 },
  gestational_age_weeks: { min: 20, max: 45 },
  /** Infants: the first year of life needs the gestational age (for the corrected gestational age). */
  infant_under_years: 1,
  source: 'design: entry plausibility, no published limit in the reference',
} as const;

/**
 * Stimulation dose tolerance around the protocol's dose range: 1 %, the acceptance the library runs hold every
 * protocol to (src/simulation/library-runs.test.ts). The engine ends on the dose and its ramp-down adds a little.
 */
export const DOSE_TOLERANCE = 0.01;

/** The stored row's two columns the workflow reads and writes. */
export interface SweatTestState {
  readonly status: SweatTestStatus;
  readonly data: SweatTestData;
}

/** Who performs a step, and when (the server's clock). */
export interface Actor {
  readonly user_id: string;
  readonly at: Date;
}

const iso = (d: Date | number): string => new Date(d).toISOString();
const MS_PER_MIN = 60_000;

const stateError = (message: string, details: Record<string, unknown> = {}): IontoError =>
  new IontoError('ION_ERR_SWEAT_TEST_STATE', message, details);
const fieldError = (field: string, message: string): IontoError =>
  new IontoError('ION_ERR_VALIDATION', `${field}: ${message}`, { field });
const rangeError = (field: string, message: string): IontoError =>
  new IontoError('ION_ERR_OUT_OF_RANGE', `${field}: ${message}`, { field });

function finiteIn(field: string, x: unknown, min: number, max: number, unit: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw fieldError(field, `must be a number (${unit})`);
  if (x < min || x > max) throw rangeError(field, `must be from ${min} to ${max} ${unit}, got ${x}`);
  return x;
}

function instant(field: string, raw: unknown): number {
  try {
    return parseInstant(raw, field);
  } catch {
    throw fieldError(field, 'must be an ISO 8601 instant with Z or an offset, e.g. 2026-03-02T09:30:00Z');
  }
}

const emptySide = (): SweatSideRecord => ({
  status: 'pending',
  stimulation: null,
  collection: null,
  sample: null,
  result: null,
  ended_reason: null,
});

const withSide = (data: SweatTestData, side: SweatSide, patch: Partial<SweatSideRecord>): SweatTestData => ({
  ...data,
  sides: { ...data.sides, [side]: { ...data.sides[side], ...patch } },
});

function checkSide(raw: unknown): SweatSide {
  if (raw !== 'left' && raw !== 'right') throw fieldError('side', 'must be "left" or "right"');
  return raw;
}

function requireInProgress(s: SweatTestState, step: string): void {
  if (s.status !== 'in_progress') {
    throw stateError(
      `${step} is not possible: the sweat test is ${s.status}` +
        (s.status === 'ordered' ? ' (assess eligibility first)' : ''),
      { status: s.status },
    );
  }
}

function requireSideStatus(s: SweatTestState, side: SweatSide, allowed: readonly SweatSideStatus[], step: string) {
  const st = s.data.sides[side].status;
  if (!allowed.includes(st)) {
    throw stateError(`${step} is not possible on the ${side} side: it is ${st} (needs ${allowed.join(' or ')})`, {
      side,
      status: st,
    });
  }
}

// ------------------------------------------------------------------------------------------------ order

export interface OrderInput {
  readonly indication?: string | null | undefined;
  readonly requesting_physician?: string | null | undefined;
}

export function orderSweatTest(input: OrderInput, actor: Actor): SweatTestState {
  return {
    status: 'ordered',
    data: {
      schema: 1,
      order: {
        ordered_by: actor.user_id,
        ordered_at: iso(actor.at),
        indication: input.indication ?? null,
        requesting_physician: input.requesting_physician ?? null,
      },
      eligibility: null,
      sides: { left: emptySide(), right: emptySide() },
      pooled_result: null,
      conclusion: null,
      verification: null,
    },
  };
}

// ------------------------------------------------------------------------------------------------ eligibility

export interface EligibilityInput {
  readonly weight_kg: number;
  readonly gestational_age_at_birth_weeks?: number | null | undefined;
  /** Each of the protocol's contraindication items (`sweatTestScreeningItems()`), true = yes. */
  readonly answers: Readonly<Record<string, boolean>>;
  readonly precautions_accepted?: boolean | undefined;
}

export interface PatientFacts {
  /** `YYYY-MM-DD`. */
  readonly birth_date: string;
  /** IANA zone: the calendar the age is counted in. */
  readonly time_zone: string;
}

/** The contraindication items the sweat-test protocol screens for: every one must be answered. */
export function sweatTestScreeningItems(protocol: Protocol = findProtocol(SWEAT_TEST_PROTOCOL_ID)): string[] {
  return protocol.contraindications.map((c) => c.item);
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Eligibility: the protocol's screening (its minimum age of 10 days [47], its contraindications as written), the
 * weight (>2 kg [47]) and, for infants, the corrected gestational age (≥36 weeks [47]). Precautions (a pacemaker:
 * "the requesting physician decides") need `precautions_accepted: true`; without it the step is refused and nothing
 * changes. A refusal is recorded as `ineligible`, which ends the test.
 */
export function assessEligibility(
  s: SweatTestState,
  input: EligibilityInput,
  patient: PatientFacts,
  actor: Actor,
  protocol: Protocol = findProtocol(SWEAT_TEST_PROTOCOL_ID),
): SweatTestState {
  if (s.status !== 'ordered') {
    throw stateError(`eligibility can be assessed only on an ordered test; this one is ${s.status}`, {
      status: s.status,
    });
  }
  const weight = finiteIn('weight_kg', input.weight_kg, ENTRY_LIMITS.weight_kg.min, ENTRY_LIMITS.weight_kg.max, 'kg');
  const gaRaw = input.gestational_age_at_birth_weeks;
  const ga =
    gaRaw === undefined || gaRaw === null
      ? null
      : finiteIn(
          'gestational_age_at_birth_weeks',
          gaRaw,
          ENTRY_LIMITS.gestational_age_weeks.min,
          ENTRY_LIMITS.gestational_age_weeks.max,
          'weeks',
        );
  const items = sweatTestScreeningItems(protocol);
  if (typeof input.answers !== 'object' || input.answers === null) {
    throw fieldError('answers', `must answer every item: ${items.join(', ')}`);
  }
  for (const item of Object.keys(input.answers)) {
    if (!items.includes(item))
      throw fieldError(`answers.${item}`, `is not an item of this test; items: ${items.join(', ')}`);
  }
  for (const item of items) {
    if (typeof input.answers[item] !== 'boolean') {
      throw fieldError(
        `answers.${item}`,
        'must be answered true (yes) or false (no): an unanswered item is never "no"',
      );
    }
  }

  const birthDay = parseDate(patient.birth_date, 'birth_date');
  const today = localDayOf(actor.at.getTime(), patient.time_zone);
  if (today < birthDay) throw rangeError('birth_date', 'the patient is born after the assessment date');
  const ageDays = today - birthDay;
  const ageYears = ageInYears(patient.birth_date, dateOf(today));

  const answers = { ...noToEverything(ageYears), ...input.answers, zone: protocol.default_zone } as ScreeningAnswers;
  const screening = screen(protocol, answers, { zone: protocol.default_zone });
  // Infants' ages are told in days: "0.02 years is under 0.02 years" would say nothing.
  const minDays = Math.ceil(protocol.age.min_years.value * 365.25);
  const reasons: EligibilityReason[] = screening.reasons.map((r) => ({
    item: r.item,
    effect: r.effect,
    text:
      r.item === 'age' && r.effect === 'refuse' && ageDays < 365
        ? `age ${ageDays} days is under the minimum of ${minDays} days for this test`
        : r.text,
    source: r.source,
  }));

  if (!(weight > INFANT_RULES.min_weight_kg_exclusive)) {
    reasons.push({
      item: 'weight',
      effect: 'refuse',
      text: `weight ${weight} kg: the patient must weigh more than ${INFANT_RULES.min_weight_kg_exclusive} kg`,
      source: INFANT_RULES.source,
    });
  }
  const infant = ageYears < ENTRY_LIMITS.infant_under_years;
  if (infant && ga === null) {
    throw fieldError(
      'gestational_age_at_birth_weeks',
      'is required for an infant (under 1 year): the corrected gestational age must be at least 36 weeks [47]',
    );
  }
  const corrected = ga === null ? null : round(ga + ageDays / 7, 1);
  if (infant && corrected !== null && corrected < INFANT_RULES.min_corrected_gestational_age_weeks) {
    reasons.push({
      item: 'gestational_age',
      effect: 'refuse',
      text: `corrected gestational age ${corrected} weeks (${ga} at birth + ${ageDays} days): at least ${INFANT_RULES.min_corrected_gestational_age_weeks} weeks are needed`,
      source: `${INFANT_RULES.source}; DERIVED corrected = gestational age at birth + days of life / 7`,
    });
  }

  const rank = { refuse: 2, precaution: 1, info: 0 } as const;
  reasons.sort((a, b) => rank[b.effect] - rank[a.effect]);
  const refused = reasons.some((r) => r.effect === 'refuse');
  const precautions = reasons.filter((r) => r.effect === 'precaution');
  if (!refused && precautions.length > 0 && input.precautions_accepted !== true) {
    throw fieldError(
      'precautions_accepted',
      `must be true to go ahead with these precautions (${precautions.map((p) => p.item).join(', ')}): the requesting physician decides`,
    );
  }
  const eligibility: SweatTestEligibility = {
    assessed_by: actor.user_id,
    assessed_at: iso(actor.at),
    age_days: ageDays,
    age_years: round(ageYears, 4),
    weight_kg: weight,
    gestational_age_at_birth_weeks: ga,
    corrected_gestational_age_weeks: corrected,
    answers: Object.fromEntries(items.map((i) => [i, input.answers[i]!])),
    result: refused ? 'ineligible' : 'eligible',
    reasons,
    precautions_accepted: !refused && precautions.length > 0,
  };
  return { status: refused ? 'ineligible' : 'in_progress', data: { ...s.data, eligibility } };
}

// ------------------------------------------------------------------------------------------------ stimulation

/** What the workflow needs from a stored engine session (its row and its SessionReport). */
export interface StimulationSession {
  readonly id: string;
  readonly patient_id: string;
  readonly protocol: string;
  readonly zone: string;
  readonly status: string;
  readonly started_at: string;
  readonly ended_at: string | null;
  /** The row's delivered charge (mA·min); checked against the protocol as the report's is. */
  readonly delivered_mamin: number;
  readonly report: unknown;
}

interface ReportFields {
  status: string;
  protocol: string;
  duration_s: number;
  treated_s: number;
  delivered_mAmin: number;
  target_mAmin: number;
  target_mA: number;
  peak_current_mA: number;
  area_cm2: number;
}

function readReport(report: unknown): ReportFields | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as Record<string, unknown>;
  const nums = [
    'duration_s',
    'treated_s',
    'delivered_mAmin',
    'target_mAmin',
    'target_mA',
    'peak_current_mA',
    'area_cm2',
  ] as const;
  for (const k of nums) if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) return undefined;
  if (typeof r.status !== 'string' || typeof r.protocol !== 'string') return undefined;
  return r as unknown as ReportFields;
}

const stimulationError = (message: string, details: Record<string, unknown> = {}): IontoError =>
  new IontoError('ION_ERR_SWEAT_STIMULATION', message, details);

/**
 * Links a completed engine session as one side's stimulation. The session must be this patient's, run with the
 * sweat-test protocol on its forearm zone, completed (row and report), started after the order, not linked to any
 * other side or test (`linkedElsewhere`), and its delivered dose within the protocol's range ± DOSE_TOLERANCE.
 */
export function linkStimulation(
  s: SweatTestState,
  input: { side: unknown; session: StimulationSession; patient_id: string; linkedElsewhere: boolean },
  actor: Actor,
  protocol: Protocol = findProtocol(SWEAT_TEST_PROTOCOL_ID),
): SweatTestState {
  const side = checkSide(input.side);
  requireInProgress(s, 'stimulation');
  requireSideStatus(s, side, ['pending'], 'stimulation');
  const ses = input.session;
  const other = side === 'left' ? 'right' : 'left';
  if (ses.patient_id !== input.patient_id) throw stimulationError(`session ${ses.id} is not this patient's`);
  if (ses.protocol !== protocol.id) {
    throw stimulationError(`session ${ses.id} ran protocol ${ses.protocol}, not ${protocol.id}`);
  }
  if (!Object.hasOwn(protocol.zones, ses.zone)) {
    throw stimulationError(`session ${ses.id} ran zone ${ses.zone}, which the sweat-test protocol does not have`);
  }
  if (ses.status !== 'completed') {
    throw stimulationError(`session ${ses.id} is ${ses.status}, not completed: stimulate again`, {
      status: ses.status,
    });
  }
  if (s.data.sides[other].stimulation?.session_id === ses.id || input.linkedElsewhere) {
    throw stimulationError(`session ${ses.id} is already linked as a stimulation: each side needs its own session`);
  }
  if (Date.parse(ses.started_at) < Date.parse(s.data.order.ordered_at)) {
    throw stimulationError(`session ${ses.id} started before the test was ordered`);
  }
  const report = readReport(ses.report);
  if (report === undefined || ses.ended_at === null) {
    throw stimulationError(`session ${ses.id} has no engine report: it cannot be checked`);
  }
  if (report.status !== 'completed' || report.protocol !== protocol.id) {
    throw stimulationError(`session ${ses.id}'s engine report says ${report.status} (${report.protocol})`);
  }
  const dose = protocol.zones[ses.zone]!.dose_mAmin;
  const lo = (dose?.min ?? dose?.value ?? report.target_mAmin) * (1 - DOSE_TOLERANCE);
  const hi = (dose?.max ?? dose?.value ?? report.target_mAmin) * (1 + DOSE_TOLERANCE);
  if (!(report.delivered_mAmin >= lo && report.delivered_mAmin <= hi)) {
    throw stimulationError(
      `session ${ses.id} delivered ${report.delivered_mAmin} mA·min; the protocol's dose is ${lo.toFixed(3)}–${hi.toFixed(3)} mA·min (±${DOSE_TOLERANCE * 100} %)`,
      { delivered_mAmin: report.delivered_mAmin },
    );
  }
  if (!(ses.delivered_mamin >= lo && ses.delivered_mamin <= hi)) {
    throw stimulationError(
      `session ${ses.id} is stored with ${ses.delivered_mamin} mA·min delivered, outside ${lo.toFixed(3)}–${hi.toFixed(3)} mA·min`,
      { delivered_mamin: ses.delivered_mamin },
    );
  }
  const stimulation: SweatStimulation = {
    session_id: ses.id,
    protocol: protocol.id,
    zone: ses.zone,
    started_at: iso(Date.parse(ses.started_at)),
    ended_at: iso(Date.parse(ses.ended_at)),
    target_mA: report.target_mA,
    peak_current_mA: report.peak_current_mA,
    duration_s: report.duration_s,
    treated_s: report.treated_s,
    delivered_mAmin: report.delivered_mAmin,
    target_mAmin: report.target_mAmin,
    area_cm2: report.area_cm2,
    linked_by: actor.user_id,
    linked_at: iso(actor.at),
  };
  return { status: s.status, data: withSide(s.data, side, { status: 'stimulated', stimulation }) };
}

// ------------------------------------------------------------------------------------------------ collection

export interface CollectionInput {
  readonly side: unknown;
  readonly method: unknown;
  readonly started_at: unknown;
  readonly ended_at?: unknown;
}

/**
 * Starts (no `ended_at`: the timer runs until `due_by`, 30 min on [97]) or ends a side's collection. It starts on
 * the stimulated site after the stimulation ended, and never in the future. A collection longer than 30 min is
 * recorded and the side rejected: the sample is not analysed, the side is repeated [97].
 */
export function recordCollection(s: SweatTestState, input: CollectionInput, actor: Actor): SweatTestState {
  const side = checkSide(input.side);
  if (!(COLLECTION_METHODS as readonly unknown[]).includes(input.method)) {
    throw fieldError('method', `must be one of ${COLLECTION_METHODS.join(', ')}`);
  }
  const method = input.method as CollectionMethod;
  const start = instant('started_at', input.started_at);
  const end = input.ended_at === undefined || input.ended_at === null ? null : instant('ended_at', input.ended_at);
  requireInProgress(s, 'collection');
  requireSideStatus(s, side, ['stimulated', 'collecting'], 'collection');
  const rec = s.data.sides[side];
  const now = actor.at.getTime();
  if (rec.status === 'collecting') {
    const c = rec.collection!;
    if (Date.parse(c.started_at) !== start) {
      throw fieldError('started_at', `must be the running collection's start, ${c.started_at}`);
    }
    if (c.method !== method) throw fieldError('method', `must be the running collection's method, ${c.method}`);
    if (end === null) throw stateError(`the ${side} collection is already running; send ended_at to end it`);
  } else if (start < Date.parse(rec.stimulation!.ended_at)) {
    throw fieldError('started_at', `must not be before the stimulation ended (${rec.stimulation!.ended_at})`);
  }
  if (start > now) throw fieldError('started_at', 'must not be in the future');
  if (end !== null && end > now) throw fieldError('ended_at', 'must not be in the future');
  if (end !== null && end <= start) throw fieldError('ended_at', 'must be after started_at');

  const limitMs = SWEAT_RULES.collection_max_min * MS_PER_MIN;
  const duration = end === null ? null : round((end - start) / MS_PER_MIN, 2);
  const over = end !== null && end - start > limitMs;
  const collection: SweatCollection = {
    method,
    started_at: iso(start),
    ended_at: end === null ? null : iso(end),
    due_by: iso(start + limitMs),
    duration_min: duration,
    over_limit: over,
    started_by: rec.collection?.started_by ?? actor.user_id,
    ended_by: end === null ? null : actor.user_id,
  };
  const data = withSide(s.data, side, {
    collection,
    status: end === null ? 'collecting' : over ? 'rejected' : 'collected',
    ended_reason: over
      ? `collection ran ${duration} min, longer than ${SWEAT_RULES.collection_max_min} min: sample rejected, repeat [97]`
      : null,
  });
  return settle({ status: s.status, data }, actor);
}

/** Minutes left on a running collection's timer (negative when overdue); undefined when none is running. */
export function collectionMinutesLeft(s: SweatTestState, side: SweatSide, at: Date): number | undefined {
  const c = s.data.sides[side].collection;
  if (c === null || c.ended_at !== null) return undefined;
  return (Date.parse(c.due_by) - at.getTime()) / MS_PER_MIN;
}

// ------------------------------------------------------------------------------------------------ sample

/** QNS: below 15 µL (Macroduct) or 75 mg (gauze / filter paper) [97]. */
export function isQns(method: CollectionMethod, amount: number): boolean {
  return method === 'macroduct' ? amount < SWEAT_RULES.macroduct_min_ul : amount < SWEAT_RULES.gauze_min_mg;
}

export interface SampleInput {
  readonly side: unknown;
  readonly volume_ul?: unknown;
  readonly weight_mg?: unknown;
}

/** Records a side's sample: a volume for Macroduct, a weight for gauze / filter paper. QNS ends the side. */
export function recordSample(s: SweatTestState, input: SampleInput, actor: Actor): SweatTestState {
  const side = checkSide(input.side);
  requireInProgress(s, 'sample');
  requireSideStatus(s, side, ['collected'], 'sample');
  const method = s.data.sides[side].collection!.method;
  const macro = method === 'macroduct';
  const [field, wrong] = macro ? ['volume_ul', 'weight_mg'] : ['weight_mg', 'volume_ul'];
  if (input[wrong as 'volume_ul' | 'weight_mg'] !== undefined) {
    throw fieldError(wrong, `does not apply to ${method}: send ${field}`);
  }
  const amount = macro
    ? finiteIn('volume_ul', input.volume_ul, 0, ENTRY_LIMITS.volume_max_ul, 'µL')
    : finiteIn('weight_mg', input.weight_mg, 0, ENTRY_LIMITS.weight_max_mg, 'mg');
  const qns = isQns(method, amount);
  const minimum = macro ? SWEAT_RULES.macroduct_min_ul : SWEAT_RULES.gauze_min_mg;
  const unit = macro ? 'uL' : 'mg';
  const sample: SweatSample = {
    volume_ul: macro ? amount : null,
    weight_mg: macro ? null : amount,
    minimum,
    unit,
    qns,
    recorded_by: actor.user_id,
    recorded_at: iso(actor.at),
  };
  const data = withSide(s.data, side, {
    sample,
    status: qns ? 'qns' : 'sampled',
    ended_reason: qns
      ? `QNS: ${amount} ${macro ? 'µL' : 'mg'} is below the ${minimum} ${macro ? 'µL' : 'mg'} minimum; not analysed, never pooled, repeat [97]`
      : null,
  });
  return settle({ status: s.status, data }, actor);
}

// ------------------------------------------------------------------------------------------------ result

/** The CFF 2017 band of a chloride value, with age-specific notes from the reference when the age is known. */
export function interpretChloride(chloride: number, age?: { days: number; years: number }): ChlorideInterpretation {
  const band: InterpretationBand =
    chloride >= CHLORIDE_BANDS.consistent_from
      ? 'consistent_with_cf'
      : chloride >= CHLORIDE_BANDS.intermediate_from
        ? 'intermediate'
        : 'cf_unlikely';
  const label = { cf_unlikely: 'CF unlikely', intermediate: 'intermediate', consistent_with_cf: 'consistent with CF' }[
    band
  ];
  const range = {
    cf_unlikely: `< ${CHLORIDE_BANDS.intermediate_from} mmol/L`,
    intermediate: `${CHLORIDE_BANDS.intermediate_from}–${CHLORIDE_BANDS.consistent_from - 1} mmol/L`,
    consistent_with_cf: `≥ ${CHLORIDE_BANDS.consistent_from} mmol/L`,
  }[band];
  const notes: string[] = [];
  if (band === 'intermediate') {
    notes.push(
      'Intermediate is 30–59 mmol/L at all ages (CFF 2017 [47][48]); the older CLSI C34-A3 bands (40–59 over 6 months) are superseded [49] (clinical.md §0).',
    );
  }
  if (age !== undefined) {
    if (age.days >= 35 && age.days < 49) {
      notes.push(
        `Infants aged 5–6 weeks: median 11.2 mmol/L, 99.5th centile 24 mmol/L [102] (clinical.md §5.4); this value is ${chloride > 24 ? 'above' : 'at or below'} that centile.`,
      );
    }
    const ri = AGE_REFERENCE_INTERVALS.find((r) => age.years >= r.from_years && age.years < r.to_years);
    if (ri !== undefined) {
      const where = chloride < ri.low ? 'below' : chloride > ri.high ? 'above' : 'within';
      notes.push(
        `Reference interval ${ri.label}: median ${ri.median}, 95 % RI ${ri.low}–${ri.high} mmol/L [103] (clinical.md §5.5); this value is ${where} it.`,
      );
    }
  }
  return { band, label, range, source: CHLORIDE_BANDS.source, notes };
}

/** Sweat chloride reference intervals by age, clinical.md §5.5 [103]. */
export const AGE_REFERENCE_INTERVALS = [
  { label: '5–9 y', from_years: 5, to_years: 10, median: 13, low: 1, high: 39 },
  { label: '10–14 y', from_years: 10, to_years: 15, median: 18, low: 3, high: 47 },
  { label: '15–19 y', from_years: 15, to_years: 20, median: 20, low: 3, high: 51 },
  { label: '≥20 y', from_years: 20, to_years: Infinity, median: 23, low: 5, high: 56 },
] as const;

export interface ResultInput {
  readonly side: unknown;
  readonly chloride_mmol_l: unknown;
}

/**
 * A chloride result for one side, or for both sides pooled. A QNS side has no result and is never pooled [97]:
 * pooling is refused when either side is QNS (or rejected, or has a result of its own), and when the two were
 * collected by different methods. The reference forbids pooling only for QNS samples, so two sufficient samples may
 * be pooled.
 */
export function recordResult(s: SweatTestState, input: ResultInput, actor: Actor): SweatTestState {
  const target = input.side;
  if (target !== 'left' && target !== 'right' && target !== 'pooled') {
    throw fieldError('side', 'must be "left", "right" or "pooled"');
  }
  const chloride = finiteIn('chloride_mmol_l', input.chloride_mmol_l, 0, ENTRY_LIMITS.chloride_max_mmol_l, 'mmol/L');
  const sides = s.data.sides;
  const qnsSides = SWEAT_SIDES.filter((x) => sides[x].status === 'qns');
  if (target === 'pooled' && qnsSides.length > 0) {
    throw new IontoError(
      'ION_ERR_SWEAT_QNS',
      `pooling refused: the ${qnsSides.join(' and ')} sample is QNS, and QNS samples are never pooled [97]`,
      { sides: qnsSides },
    );
  }
  if (target !== 'pooled' && sides[target].status === 'qns') {
    throw new IontoError('ION_ERR_SWEAT_QNS', `the ${target} sample is QNS: it is not analysed; repeat [97]`, {
      side: target,
    });
  }
  requireInProgress(s, 'result');
  const eligibility = s.data.eligibility!;
  const age = { days: eligibility.age_days, years: eligibility.age_years };
  const result: ChlorideResult = {
    chloride_mmol_l: chloride,
    interpretation: interpretChloride(chloride, age),
    recorded_by: actor.user_id,
    recorded_at: iso(actor.at),
  };
  if (target === 'pooled') {
    for (const x of SWEAT_SIDES) requireSideStatus(s, x, ['sampled'], 'a pooled result');
    if (sides.left.collection!.method !== sides.right.collection!.method) {
      throw stateError('pooling refused: the two sides were collected by different methods');
    }
    const data: SweatTestData = {
      ...s.data,
      pooled_result: result,
      sides: { left: { ...sides.left, status: 'resulted' }, right: { ...sides.right, status: 'resulted' } },
    };
    return settle({ status: s.status, data }, actor);
  }
  requireSideStatus(s, target, ['sampled'], 'a result');
  return settle({ status: s.status, data: withSide(s.data, target, { status: 'resulted', result }) }, actor);
}

// ------------------------------------------------------------------------------------------------ completion

const ENDED: readonly SweatSideStatus[] = ['qns', 'rejected', 'resulted'];

/** When every side has ended, the test is completed and concluded: the highest result decides the band. */
function settle(s: SweatTestState, actor: Actor): SweatTestState {
  if (s.status !== 'in_progress' || !SWEAT_SIDES.every((x) => ENDED.includes(s.data.sides[x].status))) return s;
  const results = reportedResults(s.data);
  const highest = results.reduce<ChlorideResult | null>(
    (m, r) => (m === null || r.result.chloride_mmol_l > m.chloride_mmol_l ? r.result : m),
    null,
  );
  const unfinished = SWEAT_SIDES.filter((x) => s.data.sides[x].status !== 'resulted');
  const notes: string[] = [];
  for (const x of unfinished) notes.push(`${x} side: ${s.data.sides[x].ended_reason ?? s.data.sides[x].status}`);
  const bands = new Set(results.map((r) => r.result.interpretation.band));
  if (bands.size > 1) {
    notes.push('The two sides fall in different bands: the higher is reported; interpret with care (design).');
  }
  if (highest === null) notes.push('No chloride result: the test must be repeated [97].');
  const conclusion: SweatConclusion = {
    chloride_mmol_l: highest?.chloride_mmol_l ?? null,
    interpretation: highest?.interpretation ?? null,
    repeat_required: unfinished.length > 0,
    notes,
    concluded_at: iso(actor.at),
  };
  return { status: 'completed', data: { ...s.data, conclusion } };
}

/** A second member of staff verifies a completed test: not the one who entered any of its results. */
export function verifySweatTest(s: SweatTestState, actor: Actor): SweatTestState {
  if (s.status !== 'completed') {
    throw stateError(`only a completed test can be verified; this one is ${s.status}`, { status: s.status });
  }
  const enteredBy = reportedResults(s.data).map((r) => r.result.recorded_by);
  if (enteredBy.includes(actor.user_id)) {
    throw stateError('the results must be verified by someone other than the person who entered them');
  }
  return {
    status: 'verified',
    data: { ...s.data, verification: { verified_by: actor.user_id, verified_at: iso(actor.at) } },
  };
}
