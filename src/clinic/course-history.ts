import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import { localDayOf, parseDate, parseInstant } from './local-calendar.js';

/**
 * What happened in a course so far: sessions done or missed, relapses, and dry / not-dry assessments. The planner
 * takes these as plain dated facts; what counts as a relapse or as "dry" is defined once, in `outcomes.ts`.
 *
 * Each record carries either a UTC instant (`at`, how times are stored) or a local date (`date`, for what is only
 * known to the day, such as a missed appointment or a diary entry). Instants are placed on the patient's local
 * calendar in the course's time zone.
 */

const isoDate = z.iso.date();
const isoInstant = z.iso.datetime({ offset: true });

const dated = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object({ ...shape, date: isoDate.optional(), at: isoInstant.optional() })
    .strict()
    .refine((r) => ((r as { date?: string }).date === undefined) !== ((r as { at?: string }).at === undefined), {
      message: 'give either date (local YYYY-MM-DD) or at (UTC instant), not both',
      path: ['date'],
    });

export const sessionRecordSchema = dated({
  status: z.enum(['done', 'missed']),
  /** Protocol id, when one history file holds several courses. */
  protocol: z.string().min(1).optional(),
});

export const relapseRecordSchema = dated({ note: z.string().optional() });

export const assessmentRecordSchema = dated({
  /** Whether the patient was dry (controlled) at this assessment. */
  dry: z.boolean(),
  /** What the assessment was (HDSS 2, gravimetry 12 mg/min, diary), for the audit trail. */
  basis: z.string().optional(),
});

export const courseHistorySchema = z
  .object({
    sessions: z.array(sessionRecordSchema).default([]),
    relapses: z.array(relapseRecordSchema).default([]),
    assessments: z.array(assessmentRecordSchema).default([]),
  })
  .strict();

export type SessionRecord = z.infer<typeof sessionRecordSchema>;
export type RelapseRecord = z.infer<typeof relapseRecordSchema>;
export type AssessmentRecord = z.infer<typeof assessmentRecordSchema>;
export type CourseHistory = Partial<z.input<typeof courseHistorySchema>>;

/** A history record placed on the local calendar. */
export interface DatedFact<T> {
  readonly day: number;
  /** The recorded instant, when there is one. */
  readonly epochMs?: number;
  readonly field: string;
  readonly record: T;
}

/** Day number of a record in the zone, with the field named in any error. */
export function recordDay(r: { date?: string; at?: string }, tz: string, field: string): DatedFact<unknown> {
  if (r.at !== undefined && r.date !== undefined) {
    throw new IontoError('ION_ERR_USAGE', `${field}: give either date or at, not both`, { field });
  }
  if (r.at !== undefined) {
    const epochMs = parseInstant(r.at, `${field}.at`);
    return { day: localDayOf(epochMs, tz), epochMs, field, record: r };
  }
  if (r.date !== undefined) return { day: parseDate(r.date, `${field}.date`), field, record: r };
  throw new IontoError('ION_ERR_USAGE', `${field}: needs a date (local YYYY-MM-DD) or at (UTC instant)`, { field });
}

export interface PlacedHistory {
  readonly sessions: DatedFact<SessionRecord>[];
  readonly relapses: DatedFact<RelapseRecord>[];
  readonly assessments: DatedFact<AssessmentRecord>[];
}

/** Validate a history and place it on the local calendar, each list sorted by day (stable). */
export function placeHistory(h: CourseHistory | undefined, tz: string, field = 'history'): PlacedHistory {
  const parsed = courseHistorySchema.safeParse(h ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const where = [field, ...i.path].map((p, k) => (typeof p === 'number' ? `[${p}]` : k === 0 ? p : `.${String(p)}`));
    throw new IontoError('ION_ERR_USAGE', `${where.join('')}: ${i.message}`, { field: where.join('') });
  }
  const place = <T extends { date?: string; at?: string }>(list: T[], name: string): DatedFact<T>[] =>
    list
      .map((r, i) => recordDay(r, tz, `${field}.${name}[${i}]`) as DatedFact<T>)
      .map((f, i) => ({ f, i }))
      .sort((a, b) => a.f.day - b.f.day || (a.f.epochMs ?? 0) - (b.f.epochMs ?? 0) || a.i - b.i)
      .map(({ f }) => f);
  return {
    sessions: place(parsed.data.sessions, 'sessions'),
    relapses: place(parsed.data.relapses, 'relapses'),
    assessments: place(parsed.data.assessments, 'assessments'),
  };
}
