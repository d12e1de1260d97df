import type { Meta, Patient as FhirPatient } from 'fhir/r4.js';
import type { Patient } from '../store/index.js';
import { EXT, SID } from './codes.js';
import { resourceIdOf } from './bundle-links.js';

/** `meta` of a resource made from one stored row: its version and last change. */
export const rowMeta = (row: { version: number; updated_at: string }): Meta => ({
  versionId: String(row.version),
  lastUpdated: row.updated_at,
});

/**
 * The Patient: our id as an identifier, the name as stored (one text: the clinic records a name as people write
 * it, so it is not split into given and family), the birth date, and the IANA time zone in an OpenIonto extension
 * (software.md §3.1).
 */
export function patientResource(p: Patient): FhirPatient {
  return {
    resourceType: 'Patient',
    id: resourceIdOf('Patient', p.id),
    meta: rowMeta(p),
    extension: [{ url: EXT.timeZone, valueCode: p.time_zone }],
    identifier: [{ use: 'official', system: SID.patient, value: p.id }],
    active: true,
    name: [{ use: 'official', text: p.name }],
    birthDate: p.birth_date,
  };
}
