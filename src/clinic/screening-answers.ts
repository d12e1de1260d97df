import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { ScreeningItem } from '../protocols/screening-items.js';
import { SCREENING_ITEM_IDS } from '../protocols/screening-items.js';

/**
 * A patient's answers to the contraindication screening, as a flat JSON object: one `true` (yes) or `false` (no) for
 * every item of SCREENING_ITEMS, the age, and optionally the site, who answered and when. For example
 *
 *     { "pacemaker": false, "pregnancy": false, …every other item…, "age_years": 35,
 *       "zone": "palms", "answered_at": "2025-03-01T09:30:00Z", "answered_by": "nurse A. Jones" }
 *
 * Every item is required: an unanswered item is an error, never taken as "no". The item ids are the questions'
 * stable link ids, so a file maps one to one onto a FHIR QuestionnaireResponse (see screening-questionnaire.ts).
 *
 * `age_years` is the age in years, fractions allowed, compared exactly and never rounded: 5.99 is under 6. A whole
 * number is the age reached at the last birthday, as people state it, so "5" means "not yet 6". `ageInYears`
 * computes the exact fraction from a date of birth.
 */

/** Items whose answer holds only for the site it was given for; `zone` in the answers names that site. */
export const SITE_ITEMS = [
  'wound-at-site',
  'skin-irritation',
  'impaired-sensation',
  'metal-implant-in-path',
] as const satisfies readonly ScreeningItem[];

export const AGE_LIMITS = { min: 0, max: 120 } as const;

const show = (x: unknown): string => {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const answerSchema = z.boolean({
  error: (iss) =>
    iss.input === undefined
      ? 'is missing: every item must be answered yes or no'
      : iss.input === null
        ? 'is not answered (null): every item must be answered true (yes) or false (no)'
        : `must be true (yes) or false (no), got ${show(iss.input)}`,
});

const ageMessage = (input: unknown): string =>
  input === undefined
    ? `is missing: the age in years (${AGE_LIMITS.min} to ${AGE_LIMITS.max}) is required`
    : `must be the age in years, a number from ${AGE_LIMITS.min} to ${AGE_LIMITS.max}, got ${show(input)}`;

const itemShape = Object.fromEntries(SCREENING_ITEM_IDS.map((id) => [id, answerSchema])) as Record<
  ScreeningItem,
  typeof answerSchema
>;

export const screeningAnswersSchema = z.strictObject({
  ...itemShape,
  age_years: z
    .number({ error: (iss) => ageMessage(iss.input) })
    .min(AGE_LIMITS.min, { error: (iss) => ageMessage(iss.input) })
    .max(AGE_LIMITS.max, { error: (iss) => ageMessage(iss.input) }),
  /** The zone (site) the site items were answered for; absent: they hold for every site. */
  zone: z
    .string({ error: (iss) => `must be a zone id like "palms", got ${show(iss.input)}` })
    .regex(/^[a-z][a-z0-9-]*$/, { error: (iss) => `must be a zone id like "palms", got ${show(iss.input)}` })
    .optional(),
  /** When the patient answered: an ISO 8601 date-time with Z or an offset (stored as a UTC instant). */
  answered_at: z.iso
    .datetime({
      offset: true,
      error: (iss) => `must be an ISO 8601 date-time like "2025-03-01T09:30:00Z", got ${show(iss.input)}`,
    })
    .optional(),
  /** Who took the answers (the patient, a nurse): free text for the record. */
  answered_by: z
    .string({ error: (iss) => `must be a name (text), got ${show(iss.input)}` })
    .trim()
    .min(1, { error: 'must not be empty' })
    .optional(),
  /** Free-text notes for the record (which implant, which site). They never change the result. */
  notes: z.string({ error: (iss) => `must be text, got ${show(iss.input)}` }).optional(),
});

export type ScreeningAnswers = z.output<typeof screeningAnswersSchema>;

/** The field names of an answers file, in their canonical order. */
export const ANSWER_FIELDS: readonly string[] = Object.keys(screeningAnswersSchema.shape);

/** Answers with every item "no" at the given age: a base for forms and tests. */
export const noToEverything = (age_years: number): ScreeningAnswers =>
  ({ ...Object.fromEntries(SCREENING_ITEM_IDS.map((id) => [id, false])), age_years }) as ScreeningAnswers;

/**
 * Parse a patient's answers from the text of a JSON file; `fileName` only names the file in messages. A bad file
 * throws `IontoError('ION_ERR_ANSWERS_INVALID')` whose message names the
 * file, every faulty field and the rule, e.g.
 * `answers.json: "pregnancy" is missing: every item must be answered yes or no`.
 */
export function parseScreeningAnswers(text: string, fileName: string): ScreeningAnswers {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new IontoError('ION_ERR_ANSWERS_INVALID', `${fileName}: not valid JSON (${(e as Error).message})`, {
      file: fileName,
    });
  }
  return validateScreeningAnswers(raw, fileName, text);
}

/** Validate an already-parsed answers value; `text`, when given, is its JSON and lets messages give line numbers. */
export function validateScreeningAnswers(raw: unknown, fileName: string, text?: string): ScreeningAnswers {
  const r = screeningAnswersSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = answerProblems(raw, r.error.issues, text);
  throw new IontoError('ION_ERR_ANSWERS_INVALID', `${fileName}: ${problems.join('; ')}`, { file: fileName, problems });
}

function answerProblems(raw: unknown, issues: readonly z.core.$ZodIssue[], text: string | undefined): string[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return [`must be a JSON object like {"pacemaker": false, …, "age_years": 35}, got ${show(raw)}`];
  }
  const out: string[] = [];
  const where = (key: string): string => {
    const line = text === undefined ? undefined : lineOfKey(text, key);
    return line === undefined ? '' : `(line ${line}) `;
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const near = closest(key, ANSWER_FIELDS);
        out.push(
          `${where(key)}unknown field "${key}"${near ? ` (did you mean "${near}"?)` : ''}: ` +
            'the fields are the screening items, age_years, zone, answered_at, answered_by and notes',
        );
      }
      continue;
    }
    const key = issue.path[0];
    if (typeof key !== 'string') {
      out.push(issue.message);
      continue;
    }
    const present = key in (raw as Record<string, unknown>);
    out.push(`${present ? where(key) : ''}"${key}" ${issue.message}`);
  }
  return out;
}

/** Line (from 1) of the first `"key":` in a JSON text, if any. */
function lineOfKey(text: string, key: string): number | undefined {
  const m = new RegExp(`${JSON.stringify(key).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).exec(text);
  if (!m) return undefined;
  return text.slice(0, m.index).split('\n').length;
}

/** The known name within edit distance 2 of `s`, for "did you mean". */
function closest(s: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = editDistance(s, n);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// ------------------------------------------------------------------------------------------------ age

/**
 * An age for people, truncated (never rounded) to two decimals: 5.997 is "5.99 years", never "6.00 years", so a
 * refusal never shows an age that looks like the limit.
 */
export function formatAge(years: number): string {
  let shown = String(years);
  const m = /^(\d+)\.(\d+)$/.exec(shown);
  if (m) shown = `${m[1]}.${(m[2] + '0').slice(0, 2)}`;
  else if (/e-/.test(shown)) shown = '0.00'; // tiny: 1e-7
  return `${shown} year${shown === '1' ? '' : 's'}`;
}

export { ageInYears } from './age.js';
