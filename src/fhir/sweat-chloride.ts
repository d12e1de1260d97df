import type { Observation, Reference } from 'fhir/r4.js';
import type { ChlorideResult, SweatSide, SweatSideRecord, SweatTestData } from '../clinic/sweat-test.js';
import { SWEAT_SIDES } from '../clinic/sweat-test.js';
import { SweatTestDataSchema } from '../clinic/sweat-test-schema.js';
import type { SweatTestRecord } from '../store/index.js';
import { CS, DATA_ABSENT_REASON, SID, SWEAT_CHLORIDE, UNITS, localCoding, observationCategory } from './codes.js';
import { derivedId } from './bundle-links.js';

const METHOD: Record<string, string> = {
  macroduct: 'Macroduct coil collection',
  gauze: 'Weighed gauze collection',
  filter_paper: 'Weighed filter-paper collection',
};

/** The stored data when it is the sweat-test record of schema 1 (src/clinic/sweat-test.ts), checked by its schema. */
function sweatData(raw: unknown): SweatTestData | undefined {
  const r = SweatTestDataSchema.safeParse(raw);
  return r.success ? r.data : undefined;
}

export const chlorideObservationId = (testId: string, part: SweatSide | 'pooled'): string =>
  derivedId(`Observation/sweat-chloride/${testId}/${part}`);

export interface SweatContext {
  readonly subject: Reference;
  /** The Procedure of a stimulation session, when that session is in the bundle. */
  readonly procedureOf: (sessionId: string) => Reference | undefined;
}

function resultFields(r: ChlorideResult) {
  return {
    valueQuantity: { value: r.chloride_mmol_l, ...UNITS.mmolPerL },
    interpretation: [
      {
        coding: [localCoding(CS.sweatInterpretation, r.interpretation.band, r.interpretation.label)],
        text: `${r.interpretation.label} (${r.interpretation.range}) ${r.interpretation.source}`,
      },
    ],
    referenceRange: [{ text: '< 30 mmol/L CF unlikely; 30–59 mmol/L intermediate; ≥ 60 mmol/L consistent with CF' }],
    issued: r.recorded_at,
    ...(r.interpretation.notes.length === 0 ? {} : { note: r.interpretation.notes.map((text) => ({ text })) }),
  };
}

/**
 * The sweat chloride of one CF sweat test as Observations, LOINC 2077-6 in UCUM mmol/L (clinical.md §5.3, §5.6):
 * one per side with its own result, one for a pooled result, and, once the test is completed, one per side that
 * ended without a result (QNS or a rejected collection) with a data-absent reason. The interpretation band is an
 * OpenIonto code ([47][48] bands). Status: `final` once a second member of staff verified the test, else
 * `preliminary`. Each side's Observation is `partOf` the Procedure of its stimulation session when that session is
 * exported too.
 */
export function sweatChlorideObservations(t: SweatTestRecord, ctx: SweatContext): Observation[] {
  const d = sweatData(t.data);
  if (d === undefined) return [];
  const status = t.status === 'verified' ? 'final' : 'preliminary';
  const ended = t.status === 'completed' || t.status === 'verified';
  const base = (part: SweatSide | 'pooled') => ({
    resourceType: 'Observation' as const,
    id: chlorideObservationId(t.id, part),
    identifier: [{ system: SID.sweatTest, value: `${t.id}/${part}` }],
    status: status as Observation['status'],
    category: [observationCategory('laboratory')],
    code: { coding: [SWEAT_CHLORIDE], text: 'Sweat chloride' },
    subject: ctx.subject,
  });
  const sideFields = (side: SweatSide, rec: SweatSideRecord) => {
    const proc = rec.stimulation === null ? undefined : ctx.procedureOf(rec.stimulation.session_id);
    const when = rec.collection?.ended_at ?? rec.collection?.started_at ?? rec.stimulation?.ended_at;
    return {
      ...(proc === undefined ? {} : { partOf: [proc] }),
      ...(when === undefined || when === null ? {} : { effectiveDateTime: when }),
      bodySite: { text: `${side} ${rec.stimulation?.zone ?? 'forearm'}` },
      ...(rec.collection === null ? {} : { method: { text: METHOD[rec.collection.method] ?? rec.collection.method } }),
    };
  };
  const out: Observation[] = [];
  for (const side of SWEAT_SIDES) {
    const rec = d.sides[side];
    if (rec.result !== null) {
      out.push({ ...base(side), ...sideFields(side, rec), ...resultFields(rec.result) });
    } else if (ended && (rec.status === 'qns' || rec.status === 'rejected')) {
      out.push({
        ...base(side),
        ...sideFields(side, rec),
        dataAbsentReason: {
          coding: [{ system: DATA_ABSENT_REASON, code: 'not-performed', display: 'Not Performed' }],
          text:
            rec.status === 'qns'
              ? `quantity not sufficient (QNS): not analysed, never pooled; repeat the test${rec.ended_reason === null ? '' : ` (${rec.ended_reason})`}`
              : `collection rejected${rec.ended_reason === null ? '' : `: ${rec.ended_reason}`}; repeat the test`,
        },
      });
    }
  }
  if (d.pooled_result !== null) {
    out.push({
      ...base('pooled'),
      bodySite: { text: 'left and right forearm, pooled' },
      effectiveDateTime: d.pooled_result.recorded_at,
      ...resultFields(d.pooled_result),
    });
  }
  return out;
}
