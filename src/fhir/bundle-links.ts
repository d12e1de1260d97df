import { createHash } from 'node:crypto';
import type { FhirResource, Reference } from 'fhir/r4.js';

export type ResourceType = FhirResource['resourceType'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * A stable UUID for a resource that has no row of its own (the trace Observation of a session, the DeviceMetric of a
 * device channel, a chloride Observation of one side): an RFC 4122 version-5 style name hash, so the same export of
 * the same data gives the same ids.
 */
export function derivedId(name: string): string {
  const h = createHash('sha1').update(`openionto:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The id a store row's resource carries: the row id when it is a valid FHIR id, else one derived from it. */
export const resourceIdOf = (type: ResourceType, rowId: string): string =>
  FHIR_ID.test(rowId) ? rowId : derivedId(`${type}/${rowId}`);

/**
 * How the entries of one Bundle name and reference each other, so that every reference resolves inside the Bundle:
 *
 * - with a FHIR base URL (the server: `https://host/fhir`), `fullUrl` is `{base}/{type}/{id}` and a reference is the
 *   relative `{type}/{id}`, which resolves against the base of the referring entry's fullUrl (FHIR R4 §2.36.4.1);
 * - without one (a file written by the CLI for no particular server), `fullUrl` and references are both
 *   `urn:uuid:{id}`.
 */
export class BundleLinks {
  readonly base: string | undefined;

  constructor(base?: string) {
    this.base = base?.replace(/\/+$/, '');
  }

  private urn(type: ResourceType, id: string): string {
    return `urn:uuid:${UUID.test(id) ? id.toLowerCase() : derivedId(`${type}/${id}`)}`;
  }

  /** The fullUrl of the resource made from row (or derived id) `id`. */
  fullUrl(type: ResourceType, id: string): string {
    return this.base === undefined ? this.urn(type, id) : `${this.base}/${type}/${resourceIdOf(type, id)}`;
  }

  /** A reference to it; a `urn:uuid:` reference also names the target's type (Reference.type), which it cannot show. */
  ref(type: ResourceType, id: string, display?: string): Reference {
    return {
      ...(this.base === undefined
        ? { reference: this.urn(type, id), type }
        : { reference: `${type}/${resourceIdOf(type, id)}` }),
      ...(display === undefined ? {} : { display }),
    };
  }
}

/**
 * Resolves a reference found in the entry at `fromFullUrl` to the absolute URL it names, as a FHIR client would:
 * absolute URLs and `urn:` stay as they are; a relative `{type}/{id}` takes the base of the referring entry's
 * fullUrl. Undefined for a contained (`#…`) reference.
 */
export function resolveReference(reference: string, fromFullUrl: string): string | undefined {
  if (reference.startsWith('#')) return undefined;
  if (/^(urn:|https?:\/\/)/.test(reference)) return reference;
  const m = /^(.*)\/[A-Za-z]+\/[^/]+$/.exec(fromFullUrl);
  return m === null ? undefined : `${m[1]}/${reference}`;
}
