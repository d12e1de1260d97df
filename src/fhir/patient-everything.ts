import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, FhirResource, Reference } from 'fhir/r4.js';
import { DateTime } from 'luxon';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import {
  findRow,
  getPatient,
  listCourses,
  listOutcomes,
  listPlannedSessions,
  listScreenings,
  listSessions,
  listSweatTests,
  MAX_PAGE,
  toUtcInstant,
} from '../store/index.js';
import type { DeviceRow, Page, PageRequest, SessionRecord, Store } from '../store/index.js';
import { BundleLinks } from './bundle-links.js';
import type { ResourceType } from './bundle-links.js';
import { conditionId, courseCarePlan, indicationCondition, indicationOf } from './course-resources.js';
import { deviceMetrics, deviceResource } from './device-resources.js';
import { outcomeObservation } from './outcome-observations.js';
import { patientResource } from './patient-resource.js';
import { screeningResponse } from './screening-response.js';
import { sessionProcedure, sessionTraceObservation, traceObservationId } from './session-resources.js';
import { sweatChlorideObservations } from './sweat-chloride.js';
import { sessionTraces } from './trace-query.js';

export interface EverythingOptions {
  /**
   * The FHIR base URL entries live under (`https://host/fhir`): fullUrls become `{base}/{type}/{id}` and references
   * relative. Without it, fullUrls and references are `urn:uuid:` (see BundleLinks).
   */
  readonly base?: string;
}

/** Every row of a paged list. */
async function all<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit: MAX_PAGE, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

const byText =
  <T>(key: (x: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

const protocolOf = (id: string): Protocol | undefined => protocolLibrary().get(id);

/**
 * `Patient/{id}/$everything` (FHIR R4 OperationDefinition Patient-everything: "a Bundle of type searchset"): the
 * patient and everything the store holds about them, each entry with a fullUrl, every reference resolvable inside
 * the Bundle. Read only; the caller writes the audit entry, in the same transaction when it wants one.
 *
 * Entries, in this order: Patient; a Condition per indication of a course; a QuestionnaireResponse per screening; a
 * CarePlan per course; a Device and its DeviceMetrics per device a session ran on; a Procedure and a trace
 * Observation per session; an Observation per recorded outcome (HDSS, gravimetry, Minor grade, diary); sweat
 * chloride Observations per CF sweat test. Throws ION_ERR_NOT_FOUND for an unknown patient.
 */
export async function patientEverything(
  store: Store,
  patientId: string,
  options: EverythingOptions = {},
): Promise<Bundle<FhirResource>> {
  const links = new BundleLinks(options.base);
  const patient = await getPatient(store, patientId);
  const filter = { patient_id: patient.id };
  const screenings = (await all((p) => listScreenings(store, p, filter))).sort(byText((s) => s.answered_at));
  const courses = (await all((p) => listCourses(store, p, filter))).sort(byText((c) => c.start_date));
  const sessions = (await all((p) => listSessions(store, p, filter))).sort(byText((s) => s.started_at));
  const outcomes = (await all((p) => listOutcomes(store, p, filter))).sort(byText((o) => o.recorded_at));
  const sweatTests = (await all((p) => listSweatTests(store, p, filter))).sort(byText((t) => t.created_at));

  const entries: BundleEntry<FhirResource>[] = [];
  const add = (type: ResourceType, rowId: string, resource: FhirResource): void => {
    entries.push({ fullUrl: links.fullUrl(type, rowId), resource, search: { mode: 'match' } });
  };
  const subject: Reference = links.ref('Patient', patient.id);
  add('Patient', patient.id, patientResource(patient));

  // Courses: their indications (one Condition each, shared by the courses that address it) and plans.
  const plans = [];
  for (const course of courses) plans.push({ course, planned: await listPlannedSessions(store, course.id) });
  const conditions = new Map<string, { id: string; recorded: string; ind: ReturnType<typeof indicationOf> }>();
  for (const { course } of plans) {
    const ind = indicationOf(course.protocol, protocolOf(course.protocol));
    if (!conditions.has(ind.key))
      conditions.set(ind.key, { id: conditionId(patient.id, ind), recorded: course.created_at, ind });
  }
  for (const c of conditions.values()) {
    add('Condition', c.id, indicationCondition(patient.id, c.ind, subject, c.recorded));
  }

  for (const s of screenings) add('QuestionnaireResponse', s.id, screeningResponse(s, subject));

  // A done planned session is the stored session of the same protocol that started on its local date.
  const claimed = new Set<string>();
  const courseOfSession = new Map<string, string>();
  const matchSession = (protocol: string, localDate: string, zone: string): SessionRecord | undefined =>
    sessions.find(
      (s) =>
        !claimed.has(s.id) &&
        s.protocol === protocol &&
        DateTime.fromISO(s.started_at, { zone: 'utc' }).setZone(zone).toISODate() === localDate,
    );
  for (const { course, planned } of plans) {
    const ind = indicationOf(course.protocol, protocolOf(course.protocol));
    const plan = courseCarePlan(
      course,
      planned,
      protocolOf(course.protocol),
      links,
      subject,
      links.ref('Condition', conditions.get(ind.key)!.id),
      (p) => {
        if (p.status !== 'done') return undefined;
        const s = matchSession(course.protocol, p.local_date, course.time_zone);
        if (s === undefined) return undefined;
        claimed.add(s.id);
        courseOfSession.set(s.id, course.id);
        return s.id;
      },
    );
    add('CarePlan', course.id, plan);
  }

  // Devices the sessions ran on.
  const devices = new Map<string, DeviceRow>();
  for (const s of sessions) {
    if (s.device_id === null || devices.has(s.device_id)) continue;
    const d = await findRow(store, 'devices', s.device_id);
    if (d !== undefined) devices.set(d.id, d);
  }
  for (const d of devices.values()) {
    add('Device', d.id, deviceResource(d));
    for (const m of deviceMetrics(d, links.ref('Device', d.id))) add('DeviceMetric', m.id!, m);
  }

  for (const s of sessions) {
    const protocol = protocolOf(s.protocol);
    const device = s.device_id !== null && devices.has(s.device_id) ? links.ref('Device', s.device_id) : undefined;
    const courseId = courseOfSession.get(s.id);
    const carePlan = courseId === undefined ? undefined : links.ref('CarePlan', courseId);
    add('Procedure', s.id, sessionProcedure(s, protocol, subject, device, carePlan));
    const traces = await sessionTraces(store, s.id);
    const traceId = traceObservationId(s.id);
    add('Observation', traceId, sessionTraceObservation(s, traces, subject, links.ref('Procedure', s.id), device));
  }

  for (const o of outcomes) add('Observation', o.id, outcomeObservation(o, subject));

  const sessionIds = new Set(sessions.map((s) => s.id));
  for (const t of sweatTests) {
    for (const obs of sweatChlorideObservations(t, {
      subject,
      procedureOf: (id) => (sessionIds.has(id) ? links.ref('Procedure', id) : undefined),
    })) {
      add('Observation', obs.id!, obs);
    }
  }

  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: toUtcInstant(store.now()) },
    type: 'searchset',
    timestamp: toUtcInstant(store.now()),
    total: entries.length,
    ...(links.base === undefined
      ? {}
      : { link: [{ relation: 'self', url: `${links.base}/Patient/${patient.id}/$everything` }] }),
    entry: entries,
  };
}
