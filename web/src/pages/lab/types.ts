/**
 * The sweat-test record as the API returns it (src/server/sweat-test-routes.ts, src/clinic/sweat-test.ts). Staff are
 * user ids; instants are ISO 8601 UTC strings.
 */
import { reportedResults, SWEAT_RULES, SWEAT_SIDES, type SweatSide } from '../../../../src/clinic/sweat-test-rules';

export type SweatTestStatus = 'ordered' | 'ineligible' | 'in_progress' | 'completed' | 'verified';
export type Side = SweatSide;
export const SIDES: readonly Side[] = SWEAT_SIDES;
export type SideStatus =
  'pending' | 'stimulated' | 'collecting' | 'collected' | 'sampled' | 'qns' | 'rejected' | 'resulted';
export type CollectionMethod = 'macroduct' | 'gauze' | 'filter_paper';
export const COLLECTION_METHODS: readonly CollectionMethod[] = ['macroduct', 'gauze', 'filter_paper'];
export type Band = 'cf_unlikely' | 'intermediate' | 'consistent_with_cf';

/** The protocol every stimulation runs (src/clinic/sweat-test.ts SWEAT_TEST_PROTOCOL_ID). */
export const SWEAT_TEST_PROTOCOL = 'pilocarpine-sweat-test';

export interface Interpretation {
  band: Band;
  label: string;
  range: string;
  source: string;
  notes: string[];
}

export interface ChlorideResult {
  chloride_mmol_l: number;
  interpretation: Interpretation;
  recorded_by: string;
  recorded_at: string;
}

export interface Stimulation {
  session_id: string;
  protocol: string;
  zone: string;
  started_at: string;
  ended_at: string;
  target_mA: number;
  peak_current_mA: number;
  duration_s: number;
  treated_s: number;
  delivered_mAmin: number;
  target_mAmin: number;
  area_cm2: number;
  linked_by: string;
  linked_at: string;
}

export interface Collection {
  method: CollectionMethod;
  started_at: string;
  ended_at: string | null;
  due_by: string;
  duration_min: number | null;
  over_limit: boolean;
  started_by: string;
  ended_by: string | null;
}

export interface Sample {
  volume_ul: number | null;
  weight_mg: number | null;
  minimum: number;
  unit: 'uL' | 'mg';
  qns: boolean;
  recorded_by: string;
  recorded_at: string;
}

export interface SideRecord {
  status: SideStatus;
  stimulation: Stimulation | null;
  collection: Collection | null;
  sample: Sample | null;
  result: ChlorideResult | null;
  ended_reason: string | null;
}

export interface EligibilityReason {
  item: string;
  effect: 'refuse' | 'precaution' | 'info';
  text: string;
  source: string;
}

export interface Eligibility {
  assessed_by: string;
  assessed_at: string;
  age_days: number;
  age_years: number;
  weight_kg: number;
  gestational_age_at_birth_weeks: number | null;
  corrected_gestational_age_weeks: number | null;
  answers: Record<string, boolean>;
  result: 'eligible' | 'ineligible';
  reasons: EligibilityReason[];
  precautions_accepted: boolean;
}

export interface SweatTestData {
  schema: 1;
  order: { ordered_by: string; ordered_at: string; indication: string | null; requesting_physician: string | null };
  eligibility: Eligibility | null;
  sides: Record<Side, SideRecord>;
  pooled_result: ChlorideResult | null;
  conclusion: {
    chloride_mmol_l: number | null;
    interpretation: Interpretation | null;
    repeat_required: boolean;
    notes: string[];
    concluded_at: string;
  } | null;
  verification: { verified_by: string; verified_at: string } | null;
}

export interface SweatTest {
  id: string;
  patient_id: string;
  status: SweatTestStatus;
  data: SweatTestData;
  /** Minutes left on each side's running collection (negative: overdue) when the server answered. */
  collection_minutes_left: { left: number | null; right: number | null };
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Patient {
  id: string;
  name: string;
  birth_date: string;
  time_zone: string;
}

export interface SessionRow {
  id: string;
  patient_id: string;
  protocol: string;
  zone: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  delivered_mamin: number;
}

/** Sample minimums and the collection limit, as the clinic layer applies them (src/clinic/sweat-test-rules.ts). */
export const SAMPLE_MINIMUM: Record<CollectionMethod, { amount: number; unit: 'uL' | 'mg' }> = {
  macroduct: { amount: SWEAT_RULES.macroduct_min_ul, unit: 'uL' },
  gauze: { amount: SWEAT_RULES.gauze_min_mg, unit: 'mg' },
  filter_paper: { amount: SWEAT_RULES.gauze_min_mg, unit: 'mg' },
};
export const COLLECTION_LIMIT_MIN = SWEAT_RULES.collection_max_min;

/** The results a report rests on: the pooled one, or each side's own. */
export { reportedResults };

/** Whole days from a YYYY-MM-DD birth date to today (the browser's calendar; the server decides eligibility). */
export function ageInDays(birthDate: string, now = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  const birth = Date.UTC(y!, m! - 1, d!);
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.floor((today - birth) / 86_400_000);
}
