import { z } from 'zod';
import { OUTCOME_SITES } from './outcome-scales.js';

/**
 * Recorded outcomes, as a server will receive and store them. Measurements carry a UTC instant (`at`, ISO 8601 with
 * Z or an offset); a diary entry is one local day of the patient's calendar (`date`). In FHIR each record is an
 * Observation (software.md §3): HDSS `valueInteger` 1–4 under a local code (no LOINC located), gravimetry a
 * `valueQuantity` in UCUM mg/min with `bodySite`, the Minor grade a `valueInteger` 0–5.
 */

const at = z.iso.datetime({ offset: true });
const site = z.enum(OUTCOME_SITES);
const common = {
  /** Stable id of the record, when the store has one. */
  id: z.string().min(1).optional(),
  note: z.string().optional(),
};

export const hdssRecordSchema = z
  .object({
    kind: z.literal('hdss'),
    at,
    score: z.literal([1, 2, 3, 4]),
    /** The HDSS is a patient-level scale; a site is given when it is scored per treated area. */
    site: site.optional(),
    ...common,
  })
  .strict();

export const gravimetryRecordSchema = z
  .object({
    kind: z.literal('gravimetry'),
    at,
    site,
    /** Sweat collected on the filter paper, mg. */
    mg: z.number().finite().nonnegative(),
    /** Collection time, minutes (commonly 5 [41]). */
    minutes: z.number().finite().positive().max(60),
    ...common,
  })
  .strict();

export const minorRecordSchema = z
  .object({
    kind: z.literal('minor'),
    at,
    site,
    grade: z.literal([0, 1, 2, 3, 4, 5]),
    ...common,
  })
  .strict();

export const diaryRecordSchema = z
  .object({
    kind: z.literal('diary'),
    /** Local calendar day in the patient's zone. */
    date: z.iso.date(),
    /** The patient's answer: was the site dry all day? */
    dry: z.boolean(),
    site: site.optional(),
    ...common,
  })
  .strict();

export const outcomeRecordSchema = z.discriminatedUnion('kind', [
  hdssRecordSchema,
  gravimetryRecordSchema,
  minorRecordSchema,
  diaryRecordSchema,
]);

export const outcomeRecordsSchema = z.array(outcomeRecordSchema);

export type HdssRecord = z.infer<typeof hdssRecordSchema>;
export type GravimetryRecord = z.infer<typeof gravimetryRecordSchema>;
export type MinorRecord = z.infer<typeof minorRecordSchema>;
export type DiaryRecord = z.infer<typeof diaryRecordSchema>;
export type OutcomeRecord = HdssRecord | GravimetryRecord | MinorRecord | DiaryRecord;
