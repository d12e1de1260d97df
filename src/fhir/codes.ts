import type { Coding } from 'fhir/r4.js';

/**
 * Every code system and code the FHIR export uses, each with its source. A real code system is used only where the
 * code is certain: LOINC 2077-6 for sweat chloride (software.md §3.2, clinical.md §5.6 [60][61]), UCUM units, and
 * HL7 terminology codes that belong to the R4 specification itself (condition-clinical, condition-category,
 * observation-category, data-absent-reason). Everything else is an OpenIonto code under OPENIONTO_CODE_SYSTEM_BASE
 * with a display text. No SNOMED CT code is used (software.md §3.2: the iontophoresis SCTID is unverified); no
 * LOINC code exists for HDSS or the gravimetric sweat rate (software.md §3.1), so those are local too.
 */

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

/** LOINC 2077-6 "Chloride [Moles/volume] in Sweat" (software.md §3.2: verified; NOT 2078-x). */
export const SWEAT_CHLORIDE: Coding = {
  system: LOINC,
  code: '2077-6',
  display: 'Chloride [Moles/volume] in Sweat',
};

/** HL7 FHIR R4 terminology (hl7.org/fhir/R4, terminology.hl7.org). */
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

export const observationCategory = (code: 'procedure' | 'laboratory' | 'exam' | 'survey') => ({
  coding: [{ system: OBSERVATION_CATEGORY, code, display: code[0]!.toUpperCase() + code.slice(1) }],
});

/** OpenIonto's own code systems, naming systems and extensions. */
export const OPENIONTO_BASE = 'https://openionto.org/fhir';
export const OPENIONTO_CODE_SYSTEM_BASE = `${OPENIONTO_BASE}/CodeSystem`;
export const openIontoSystem = (name: string): string => `${OPENIONTO_CODE_SYSTEM_BASE}/${name}`;

export const CS = {
  /** What a course treats: hyperhidrosis, or the indication of another protocol. */
  indication: openIontoSystem('indication'),
  /** Procedures OpenIonto performs (iontophoresis). */
  procedure: openIontoSystem('procedure'),
  /** The protocol library ids (src/protocols/library). */
  protocol: openIontoSystem('protocol'),
  /** Stored session statuses (completed, aborted, fault, interrupted, running). */
  sessionOutcome: openIontoSystem('session-outcome'),
  /** Screening results (allowed, precautions, refused) and reason effects (refuse, precaution, info). */
  screeningResult: openIontoSystem('screening-result'),
  screeningEffect: openIontoSystem('screening-effect'),
  /** Observations OpenIonto records (session traces, HDSS, gravimetry, Minor grade, dryness diary). */
  observation: openIontoSystem('observation'),
  /** CF sweat-test interpretation bands (clinical.md §5.3 [47][48]). */
  sweatInterpretation: openIontoSystem('sweat-chloride-interpretation'),
  /** Device kinds (simulated, serial) and device channels (current, voltage). */
  deviceKind: openIontoSystem('device-kind'),
  deviceChannel: openIontoSystem('device-channel'),
  /** Error and event codes of src/errors/catalogue.ts. */
  error: openIontoSystem('error'),
} as const;

/** Identifier systems: the store's row ids. */
export const SID = {
  patient: `${OPENIONTO_BASE}/sid/patient-id`,
  screening: `${OPENIONTO_BASE}/sid/screening-id`,
  course: `${OPENIONTO_BASE}/sid/course-id`,
  session: `${OPENIONTO_BASE}/sid/session-id`,
  outcome: `${OPENIONTO_BASE}/sid/outcome-id`,
  sweatTest: `${OPENIONTO_BASE}/sid/sweat-test-id`,
  device: `${OPENIONTO_BASE}/sid/device-id`,
} as const;

/** Extensions defined by OpenIonto. */
export const EXT = {
  /** The patient's IANA time zone (valueCode), in which their schedules are computed. */
  timeZone: `${OPENIONTO_BASE}/StructureDefinition/time-zone`,
  /** The charge a session delivered (valueQuantity, UCUM mA.min), integrated from the measured current. */
  deliveredCharge: `${OPENIONTO_BASE}/StructureDefinition/delivered-charge`,
} as const;

/** The canonical URL of the screening questionnaire (src/clinic/screening-questionnaire.ts). */
export const SCREENING_QUESTIONNAIRE_URL = `${OPENIONTO_BASE}/Questionnaire/openionto-contraindication-screening`;

/** UCUM units as FHIR Quantity parts (unit is the human form, code the UCUM expression). */
export const UNITS = {
  mA: { unit: 'mA', system: UCUM, code: 'mA' },
  V: { unit: 'V', system: UCUM, code: 'V' },
  mAmin: { unit: 'mA·min', system: UCUM, code: 'mA.min' },
  mmolPerL: { unit: 'mmol/L', system: UCUM, code: 'mmol/L' },
  mgPerMin: { unit: 'mg/min', system: UCUM, code: 'mg/min' },
  mg: { unit: 'mg', system: UCUM, code: 'mg' },
  min: { unit: 'min', system: UCUM, code: 'min' },
  cm2: { unit: 'cm²', system: UCUM, code: 'cm2' },
} as const;

export const localCoding = (system: string, code: string, display?: string): Coding => ({
  system,
  code,
  ...(display === undefined ? {} : { display }),
});
