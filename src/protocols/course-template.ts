import { IontoError } from '../errors/catalogue.js';

export type InductionTemplate =
  'clinic' | 'every-2-3-days' | 'daily' | 'weekly' | 'twice-weekly' | 'fortnightly' | 'single';

/** Every induction template, in the order they are documented below. */
export const INDUCTION_TEMPLATES: readonly InductionTemplate[] = Object.freeze([
  'clinic',
  'every-2-3-days',
  'daily',
  'weekly',
  'twice-weekly',
  'fortnightly',
  'single',
]);

export const isInductionTemplate = (x: unknown): x is InductionTemplate =>
  typeof x === 'string' && (INDUCTION_TEMPLATES as readonly string[]).includes(x);

/** Days 1, 2, 4, 7, 10, 15, 22 of the UK clinic course [73], as offsets from the first session. */
export const CLINIC_DAYS: readonly number[] = Object.freeze([0, 1, 3, 6, 9, 14, 21]);

/**
 * Day offsets (0 = the first session) of an induction course of `sessions` sessions:
 * - `clinic`: days 1, 2, 4, 7, 10, 15, 22 [73], then weekly if more sessions are asked for;
 * - `every-2-3-days`: alternately 2 and 3 days apart [F5];
 * - `daily`: one a day, five days out of seven (never more than five a week [74]);
 * - `weekly`: every 7 days (glycopyrronium iontophoresis weekly for 4 weeks [89]);
 * - `twice-weekly`: alternately 3 and 4 days apart, two a week (home galvanic device twice weekly [122]);
 * - `fortnightly`: every 14 days (salon facials, 4 over 8 weeks [120]);
 * - `single`: one session.
 * Calendar placement (weekdays, time zones, missed sessions) is the course planner's; these are plain offsets.
 */
export function inductionDays(template: InductionTemplate, sessions: number): number[] {
  if (!(Number.isInteger(sessions) && sessions >= 1 && sessions <= 365)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `sessions must be a whole number from 1 to 365, got ${sessions}`);
  }
  const out: number[] = [];
  switch (template) {
    case 'single':
      return [0];
    case 'clinic':
      for (let k = 0; k < sessions; k++) out.push(k < CLINIC_DAYS.length ? CLINIC_DAYS[k]! : 21 + 7 * (k - 6));
      return out;
    case 'every-2-3-days':
      for (let k = 0, d = 0; k < sessions; k++, d += k % 2 === 1 ? 2 : 3) out.push(d);
      return out;
    case 'daily':
      for (let d = 0; out.length < sessions; d++) if (d % 7 < 5) out.push(d);
      return out;
    case 'weekly':
      for (let k = 0; k < sessions; k++) out.push(7 * k);
      return out;
    case 'twice-weekly':
      for (let k = 0; k < sessions; k++) out.push(7 * Math.floor(k / 2) + (k % 2) * 3);
      return out;
    case 'fortnightly':
      for (let k = 0; k < sessions; k++) out.push(14 * k);
      return out;
  }
}

/**
 * Whether day offsets keep to the frequency caps: at most `perDay` sessions on one day and `perWeek` in any seven
 * consecutive days [74][D2]. Returns the first offending day, or undefined.
 */
export function capViolation(days: readonly number[], perDay: number, perWeek: number): number | undefined {
  const sorted = [...days].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    let sameDay = 0;
    let week = 0;
    for (let j = 0; j <= i; j++) {
      if (sorted[j] === sorted[i]) sameDay++;
      if (sorted[j]! > sorted[i]! - 7) week++;
    }
    if (sameDay > perDay || week > perWeek) return sorted[i];
  }
  return undefined;
}
