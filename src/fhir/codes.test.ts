import { describe, expect, it } from 'vitest';
import { SWEAT_CHLORIDE_LOINC } from '../clinic/sweat-test.js';
import { CS, SWEAT_CHLORIDE, UNITS } from './codes.js';

describe('the codes of the FHIR export', () => {
  it('pins sweat chloride to LOINC 2077-6 (software.md §3.2; never 2078-x), as the sweat-test record names it', () => {
    expect(SWEAT_CHLORIDE).toEqual({
      system: 'http://loinc.org',
      code: '2077-6',
      display: 'Chloride [Moles/volume] in Sweat',
    });
    expect(SWEAT_CHLORIDE.code).toBe(SWEAT_CHLORIDE_LOINC);
  });

  it('pins the UCUM units: case-sensitive codes, mA·min as mA.min', () => {
    expect(Object.fromEntries(Object.entries(UNITS).map(([k, u]) => [k, u.code]))).toEqual({
      mA: 'mA',
      V: 'V',
      mAmin: 'mA.min',
      mmolPerL: 'mmol/L',
      mgPerMin: 'mg/min',
      mg: 'mg',
      min: 'min',
      cm2: 'cm2',
    });
    for (const u of Object.values(UNITS)) expect(u.system).toBe('http://unitsofmeasure.org');
  });

  it('keeps every local code system under the OpenIonto namespace (no invented SNOMED or LOINC codes)', () => {
    for (const url of Object.values(CS)) expect(url).toMatch(/^https:\/\/openionto\.org\/fhir\/CodeSystem\/[a-z-]+$/);
  });
});
