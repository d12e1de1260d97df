import { z } from 'zod';
import { catalogue } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';

/**
 * Tolerance and side effects recorded after a session, and what they call for (docs/home-treatment.md):
 * - a burn or vesicles (blisters) stop the course until a clinician has reviewed it ([F5][U2] blisters; burns [U3][U4]);
 * - redness, pain, or discomfort above the zone's threshold call for a lower current next time;
 * - dryness calls for a moisturiser [A003]; itching or irritation at the waterline for petroleum jelly at the
 *   waterline next time [F5][U2][A003];
 * - an engine fault calls for the electrodes and the device to be checked, and contact lost more than once for the
 *   contact (water level, pads, hands kept in the water) to be checked [H4][U1][U4];
 * - "comfortable" (what titration steps up on, toward "the highest comfortable current" [D2]): discomfort at or
 *   below the threshold, a sensation of none or tingling, no skin finding other than dryness, and no pause the
 *   contact does not explain (at home a pause is how a patient stops a current that hurts).
 */

export const SENSATIONS = ['none', 'tingling', 'discomfort', 'pain'] as const;
export type Sensation = (typeof SENSATIONS)[number];
export const SKIN_FINDINGS = ['redness', 'dryness', 'waterline-irritation', 'vesicles', 'burn'] as const;
export type SkinFinding = (typeof SKIN_FINDINGS)[number];

/** Discomfort (0–10) at and below which a session counts as comfortable when the protocol names no threshold. */
export const DEFAULT_COMFORT_MAX = 3;

/** What the operator or patient records after a session. */
export const toleranceEntrySchema = z
  .strictObject({
    sensation: z.enum(SENSATIONS),
    /** 0 none … 10 worst. */
    discomfort: z.number().int().min(0).max(10),
    findings: z.array(z.enum(SKIN_FINDINGS)).max(5),
    /** Codes the engine raised during the session. */
    engine_events: z
      .array(z.string().regex(/^ION_[A-Z]+_[A-Z0-9_]+$/))
      .max(100)
      .default([]),
    note: z.string().max(2000).optional(),
  })
  .refine((e) => new Set(e.findings).size === e.findings.length, {
    message: 'each finding at most once',
    path: ['findings'],
  });
export type ToleranceEntry = z.infer<typeof toleranceEntrySchema>;

export type AdviceCode =
  | 'stop-course'
  | 'clinician-review'
  | 'moisturiser'
  | 'petroleum-jelly-waterline'
  | 'lower-current'
  | 'check-contact'
  | 'check-electrodes';

export interface ToleranceAdvice {
  readonly code: AdviceCode;
  readonly text: string;
  readonly source: string;
}

export interface ToleranceAssessment {
  /** Burn or vesicles: the course stops until a clinician reviews it. */
  readonly stopCourse: boolean;
  readonly reviewRequired: boolean;
  /** Titration may step up after this session (see the module comment). */
  readonly comfortable: boolean;
  /** Titration steps down after this session: discomfort above the threshold, pain, or redness. */
  readonly uncomfortable: boolean;
  readonly advice: readonly ToleranceAdvice[];
}

/** Findings that stop the course ([F5][U2] blisters; [U3][U4] burns). */
const STOPPING: readonly SkinFinding[] = ['burn', 'vesicles'];
/** Contact lost this many times in one session is worth a check of the contact (design: once happens; twice is a pattern). */
export const CONTACT_LOSSES_FOR_ADVICE = 2;

const isCode = (c: string): c is ErrorCode => Object.hasOwn(catalogue, c);

/**
 * What a tolerance record calls for. `comfortMax` is the zone's `titration.discomfort_max` (default 3, design).
 */
export function assessTolerance(e: ToleranceEntry, comfortMax: number = DEFAULT_COMFORT_MAX): ToleranceAssessment {
  const advice: ToleranceAdvice[] = [];
  const has = (f: SkinFinding) => e.findings.includes(f);
  const stopCourse = STOPPING.some(has);
  if (stopCourse) {
    const what = STOPPING.filter(has).join(' and ');
    advice.push({
      code: 'stop-course',
      text: `${what === 'vesicles' ? 'Blisters' : what === 'burn' ? 'A burn' : 'A burn and blisters'} after the session: no further session until a clinician has reviewed the skin.`,
      source: '[F5][U2] blisters; [U3][U4] burns (clinical.md §4)',
    });
    advice.push({
      code: 'clinician-review',
      text: 'Show the treated skin to the clinician before the next session.',
      source: '[F5][U2][U3][U4] (clinical.md §4)',
    });
  }
  const painful = e.sensation === 'pain' || e.discomfort > comfortMax;
  const uncomfortable = painful || has('redness');
  if (uncomfortable && !stopCourse) {
    const why = [
      ...(e.sensation === 'pain' ? ['pain'] : []),
      ...(e.discomfort > comfortMax ? [`discomfort ${e.discomfort}/10 above ${comfortMax}`] : []),
      ...(has('redness') ? ['redness'] : []),
    ].join(', ');
    advice.push({
      code: 'lower-current',
      text: `${why}: the next session runs at a lower current.`,
      source: '"highest comfortable current" [D2]; more pain and erythema with a harsher session [H6]',
    });
  }
  if (has('dryness')) {
    advice.push({
      code: 'moisturiser',
      text: 'Dry skin: apply a moisturiser to the treated skin after each session.',
      source: '[A003] moisturisers reduce dryness after treatment',
    });
  }
  if (has('waterline-irritation')) {
    advice.push({
      code: 'petroleum-jelly-waterline',
      text: 'Irritation at the waterline: apply petroleum jelly along the waterline before the next session.',
      source: '[F5][U2] itching and irritation at the waterline; [A003] petroleum jelly',
    });
  }
  const events = e.engine_events;
  const faults = [...new Set(events.filter((c) => isCode(c) && catalogue[c].severity === 'fault'))];
  if (faults.length > 0) {
    advice.push({
      code: 'check-electrodes',
      text: `The device stopped on a fault (${faults.join(', ')}): check the electrodes, cables and trays for damage or corrosion before the next session; if it happens again, contact the clinic.`,
      source: '[U5] corroded electrodes; [U4] electrode-off followed by a shock and a burn',
    });
  }
  const contactLosses = events.filter((c) => c === 'ION_ERR_OPEN_CIRCUIT').length;
  if (contactLosses >= CONTACT_LOSSES_FOR_ADVICE) {
    advice.push({
      code: 'check-contact',
      text: `Contact was lost ${contactLosses} times: keep the skin in the water (or the pads wet and pressed on) for the whole session, and check the water level.`,
      source: '[H4][U1] shocks when hands are lifted out or an electrode disconnects',
    });
  }
  // A pause that contact loss does not explain was asked for by the user: not a comfortable session.
  const pauses = events.filter((c) => c === 'ION_EVT_PAUSE').length;
  const userPause = pauses > contactLosses;
  const findingAgainst = e.findings.some((f) => f !== 'dryness');
  const comfortable =
    !stopCourse &&
    !uncomfortable &&
    !findingAgainst &&
    !userPause &&
    (e.sensation === 'none' || e.sensation === 'tingling') &&
    e.discomfort <= comfortMax;
  return { stopCourse, reviewRequired: stopCourse, comfortable, uncomfortable: uncomfortable && !stopCourse, advice };
}
