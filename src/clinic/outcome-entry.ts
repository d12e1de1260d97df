import { z } from 'zod';
import {
  diaryRecordSchema,
  gravimetryRecordSchema,
  hdssRecordSchema,
  minorRecordSchema,
  outcomeRecordSchema,
} from './outcome-records.js';
import type { OutcomeRecord } from './outcome-records.js';

/**
 * An outcome as a clinic records it: the record of outcome-records.ts, plus what the clinic notes beside it and the
 * rules never read: the gravimetric method (filter paper, collection bag …) and the area of a Minor test.
 */
export const outcomeEntrySchema = z.discriminatedUnion('kind', [
  hdssRecordSchema,
  gravimetryRecordSchema.extend({ method: z.string().trim().min(1).max(100).optional() }).strict(),
  minorRecordSchema.extend({ area_cm2: z.number().finite().positive().max(10_000).optional() }).strict(),
  diaryRecordSchema,
]);
export type OutcomeEntry = z.infer<typeof outcomeEntrySchema>;

/** The record the outcome rules read: the entry without its notes. */
export function clinicRecord(entry: unknown): OutcomeRecord {
  const { method: _m, area_cm2: _a, ...rest } = entry as Record<string, unknown>;
  return outcomeRecordSchema.parse(rest);
}
