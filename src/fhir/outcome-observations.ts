import type { Observation, Reference } from 'fhir/r4.js';
import { outcomeEntrySchema } from '../clinic/outcome-entry.js';
import type { OutcomeEntry } from '../clinic/outcome-entry.js';
import { HDSS_SCALE, MINOR_GRADE_LABEL, sweatRate } from '../clinic/outcome-scales.js';
import type { OutcomeRecord } from '../store/index.js';
import { CS, SID, UNITS, localCoding, observationCategory } from './codes.js';
import { resourceIdOf } from './bundle-links.js';
import { rowMeta } from './patient-resource.js';

const CODES = {
  hdss: localCoding(CS.observation, 'hdss', 'Hyperhidrosis Disease Severity Scale (HDSS) score'),
  gravimetry: localCoding(CS.observation, 'gravimetric-sweat-rate', 'Gravimetric sweat rate'),
  minor: localCoding(CS.observation, 'minor-starch-iodine-grade', 'Minor starch-iodine test grade'),
  diary: localCoding(CS.observation, 'dryness-diary', 'Dryness diary: dry all day'),
} as const;

/** The stored value as a clinic outcome entry; the row's kind and time fill what the value leaves out. */
function clinicEntry(o: OutcomeRecord): OutcomeEntry | undefined {
  const v = typeof o.value === 'object' && o.value !== null && !Array.isArray(o.value) ? o.value : {};
  const candidate: Record<string, unknown> = { ...v, kind: o.kind };
  if (o.kind !== 'diary' && candidate.at === undefined) candidate.at = o.recorded_at;
  if (o.kind === 'diary' && candidate.date === undefined) candidate.date = o.recorded_at.slice(0, 10);
  const r = outcomeEntrySchema.safeParse(candidate);
  return r.success ? r.data : undefined;
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * A recorded outcome as an Observation (software.md §3.1): HDSS `valueInteger` 1–4 and the Minor grade `valueInteger`
 * 0–5 (with the sweating area, when measured, as a component in cm²) under local codes (no LOINC code located),
 * gravimetry a `valueQuantity` in UCUM mg/min with the collected mass and time as components, the site as
 * `bodySite` and the collection method as `method`, a diary day `valueBoolean` (dry all day). A stored value that is
 * not in the clinic's record form is exported as its JSON text, never dropped.
 */
export function outcomeObservation(o: OutcomeRecord, subject: Reference): Observation {
  const base = {
    resourceType: 'Observation' as const,
    id: resourceIdOf('Observation', o.id),
    meta: rowMeta(o),
    identifier: [{ system: SID.outcome, value: o.id }],
    status: 'final' as const,
    subject,
  };
  const r = clinicEntry(o);
  if (r === undefined) {
    return {
      ...base,
      code: { coding: [CODES[o.kind]], text: CODES[o.kind].display! },
      effectiveDateTime: o.recorded_at,
      valueString: JSON.stringify(o.value),
      note: [{ text: 'The stored value is not in the recorded-outcome form; it is given as stored.' }],
    };
  }
  const site = r.site === undefined ? {} : { bodySite: { text: r.site } };
  const note = r.note === undefined || r.note === '' ? {} : { note: [{ text: r.note }] };
  switch (r.kind) {
    case 'hdss':
      return {
        ...base,
        category: [observationCategory('survey')],
        code: { coding: [CODES.hdss], text: 'HDSS' },
        effectiveDateTime: r.at,
        valueInteger: r.score,
        interpretation: [
          {
            text: `My sweating is ${HDSS_SCALE[r.score].sweating} and ${HDSS_SCALE[r.score].interference} interferes with my daily activities`,
          },
        ],
        ...site,
        ...note,
      };
    case 'gravimetry':
      return {
        ...base,
        category: [observationCategory('exam')],
        code: { coding: [CODES.gravimetry], text: 'Gravimetric sweat rate' },
        effectiveDateTime: r.at,
        valueQuantity: { value: round(sweatRate(r.mg, r.minutes), 3), ...UNITS.mgPerMin },
        ...site,
        ...(r.method === undefined ? {} : { method: { text: r.method } }),
        ...note,
        component: [
          {
            code: { coding: [localCoding(CS.observation, 'sweat-mass', 'Sweat collected on the filter paper')] },
            valueQuantity: { value: r.mg, ...UNITS.mg },
          },
          {
            code: { coding: [localCoding(CS.observation, 'collection-time', 'Collection time')] },
            valueQuantity: { value: r.minutes, ...UNITS.min },
          },
        ],
      };
    case 'minor':
      return {
        ...base,
        category: [observationCategory('exam')],
        code: { coding: [CODES.minor], text: 'Minor starch-iodine test' },
        effectiveDateTime: r.at,
        valueInteger: r.grade,
        interpretation: [{ text: `grade ${MINOR_GRADE_LABEL[r.grade]}` }],
        ...site,
        ...note,
        ...(r.area_cm2 === undefined
          ? {}
          : {
              component: [
                {
                  code: { coding: [localCoding(CS.observation, 'sweating-area', 'Area of sweating')] },
                  valueQuantity: { value: r.area_cm2, ...UNITS.cm2 },
                },
              ],
            }),
      };
    case 'diary':
      return {
        ...base,
        category: [observationCategory('survey')],
        code: { coding: [CODES.diary], text: 'Dry all day' },
        effectiveDateTime: r.date,
        valueBoolean: r.dry,
        ...site,
        ...note,
      };
  }
}
