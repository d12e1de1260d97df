import { z } from 'zod';
import type { SweatTestData } from './sweat-test.js';
import { COLLECTION_METHODS, INTERPRETATION_BANDS, SIDE_STATUSES, SWEAT_TEST_STATUSES } from './sweat-test.js';

/**
 * The stored sweat test's JSON as a zod schema: checks a record read back from the store, and documents the API's
 * responses. The type annotation below makes the compiler hold it to the `SweatTestData` interface.
 */
const instant = z.string();
const num = z.number();

const interpretation = z.object({
  band: z.enum(INTERPRETATION_BANDS),
  label: z.string(),
  range: z.string(),
  source: z.string(),
  notes: z.array(z.string()),
});

const result = z.object({
  chloride_mmol_l: num,
  interpretation,
  recorded_by: z.string(),
  recorded_at: instant,
});

const side = z.object({
  status: z.enum(SIDE_STATUSES),
  stimulation: z
    .object({
      session_id: z.string(),
      protocol: z.string(),
      zone: z.string(),
      started_at: instant,
      ended_at: instant,
      target_mA: num,
      peak_current_mA: num,
      duration_s: num,
      treated_s: num,
      delivered_mAmin: num,
      target_mAmin: num,
      area_cm2: num,
      linked_by: z.string(),
      linked_at: instant,
    })
    .nullable(),
  collection: z
    .object({
      method: z.enum(COLLECTION_METHODS),
      started_at: instant,
      ended_at: instant.nullable(),
      due_by: instant,
      duration_min: num.nullable(),
      over_limit: z.boolean(),
      started_by: z.string(),
      ended_by: z.string().nullable(),
    })
    .nullable(),
  sample: z
    .object({
      volume_ul: num.nullable(),
      weight_mg: num.nullable(),
      minimum: num,
      unit: z.enum(['uL', 'mg']),
      qns: z.boolean(),
      recorded_by: z.string(),
      recorded_at: instant,
    })
    .nullable(),
  result: result.nullable(),
  ended_reason: z.string().nullable(),
});

export const SweatTestDataSchema: z.ZodType<SweatTestData> = z.object({
  schema: z.literal(1),
  order: z.object({
    ordered_by: z.string(),
    ordered_at: instant,
    indication: z.string().nullable(),
    requesting_physician: z.string().nullable(),
  }),
  eligibility: z
    .object({
      assessed_by: z.string(),
      assessed_at: instant,
      age_days: num,
      age_years: num,
      weight_kg: num,
      gestational_age_at_birth_weeks: num.nullable(),
      corrected_gestational_age_weeks: num.nullable(),
      answers: z.record(z.string(), z.boolean()),
      result: z.enum(['eligible', 'ineligible']),
      reasons: z.array(
        z.object({
          item: z.string(),
          effect: z.enum(['refuse', 'precaution', 'info']),
          text: z.string(),
          source: z.string(),
        }),
      ),
      precautions_accepted: z.boolean(),
    })
    .nullable(),
  sides: z.object({ left: side, right: side }),
  pooled_result: result.nullable(),
  conclusion: z
    .object({
      chloride_mmol_l: num.nullable(),
      interpretation: interpretation.nullable(),
      repeat_required: z.boolean(),
      notes: z.array(z.string()),
      concluded_at: instant,
    })
    .nullable(),
  verification: z.object({ verified_by: z.string(), verified_at: instant }).nullable(),
});

export const SweatTestStatusSchema = z.enum(SWEAT_TEST_STATUSES);
