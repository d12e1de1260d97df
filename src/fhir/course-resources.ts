import type { CarePlan, CarePlanActivity, CodeableConcept, Condition, Reference } from 'fhir/r4.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { Course, PlannedSessionRow } from '../store/index.js';
import { CONDITION_CATEGORY, CONDITION_CLINICAL, CS, SID, localCoding } from './codes.js';
import { derivedId, resourceIdOf } from './bundle-links.js';
import type { BundleLinks } from './bundle-links.js';
import { rowMeta } from './patient-resource.js';

/** The zone a protocol's course treats: its default zone (a stored course names its protocol, not a zone). */
export const zoneLabel = (protocol: Protocol | undefined, zone: string): string => protocol?.zones[zone]?.label ?? zone;

export const procedureCode = (protocolId: string, protocol: Protocol | undefined): CodeableConcept => ({
  coding: [
    localCoding(CS.procedure, 'iontophoresis', 'Iontophoresis'),
    localCoding(CS.protocol, protocolId, protocol?.title),
  ],
  text: protocol?.title ?? `Iontophoresis, protocol ${protocolId}`,
});

/** What a course is for: hyperhidrosis at the protocol's zone, or the indication of another kind of protocol. */
export interface Indication {
  /** Stable within a patient: one Condition per indication, however many courses address it. */
  readonly key: string;
  readonly code: CodeableConcept;
  readonly bodySite: string | undefined;
}

export function indicationOf(protocolId: string, protocol: Protocol | undefined): Indication {
  if (protocol?.use === 'hyperhidrosis') {
    const site = zoneLabel(protocol, protocol.default_zone);
    return {
      key: `hyperhidrosis:${protocol.default_zone}`,
      code: {
        coding: [localCoding(CS.indication, 'hyperhidrosis', 'Hyperhidrosis')],
        text: `Hyperhidrosis, ${site}`,
      },
      bodySite: site,
    };
  }
  const title = protocol?.title ?? protocolId;
  return {
    key: `protocol:${protocolId}`,
    code: {
      coding: [localCoding(CS.indication, `protocol-indication`, 'Indication of an iontophoresis protocol')],
      text: `Indication for ${title}${protocol === undefined ? '' : ` (${protocol.use})`}`,
    },
    bodySite: protocol === undefined ? undefined : zoneLabel(protocol, protocol.default_zone),
  };
}

export const conditionId = (patientId: string, ind: Indication): string =>
  derivedId(`Condition/${patientId}/${ind.key}`);

/**
 * The indication of a course as a Condition: active, on the problem list, coded with an OpenIonto code and a text
 * (no ICD-10 or SNOMED code: a course says which site is treated, not whether the hyperhidrosis is primary or
 * secondary, and the reference marks most site codes unverified; software.md §3.2).
 */
export function indicationCondition(
  patientId: string,
  ind: Indication,
  subject: Reference,
  recordedDate: string,
): Condition {
  return {
    resourceType: 'Condition',
    id: conditionId(patientId, ind),
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active', display: 'Active' }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'problem-list-item', display: 'Problem List Item' }] }],
    code: ind.code,
    ...(ind.bodySite === undefined ? {} : { bodySite: [{ text: ind.bodySite }] }),
    subject,
    recordedDate,
  };
}

type ActivityStatus = NonNullable<CarePlanActivity['detail']>['status'];

/**
 * Planned-session status (src/server/course-routes.ts: planned, done, missed, cancelled; the planner's rescheduled)
 * → CarePlan activity status (R4, required binding).
 */
export function activityStatus(status: string): { status: ActivityStatus; reason?: string } {
  switch (status) {
    case 'planned':
    case 'rescheduled':
      return { status: 'scheduled' };
    case 'done':
      return { status: 'completed' };
    case 'missed':
      // R4 has no "not-done" for an activity: a missed appointment is a cancelled occurrence, with the reason.
      return { status: 'cancelled', reason: 'missed' };
    case 'cancelled':
      return { status: 'cancelled', reason: 'cancelled' };
    default:
      return { status: 'unknown', reason: status };
  }
}

/**
 * A course as a CarePlan: one activity per planned session (its date, phase and status), each done session linked
 * to the Procedure that recorded it; the plan `addresses` the indication's Condition.
 */
export function courseCarePlan(
  course: Course,
  planned: readonly PlannedSessionRow[],
  protocol: Protocol | undefined,
  links: BundleLinks,
  subject: Reference,
  condition: Reference,
  procedureOf: (p: PlannedSessionRow) => string | undefined,
): CarePlan {
  const code = procedureCode(course.protocol, protocol);
  const activity: CarePlanActivity[] = planned.map((p) => {
    const st = activityStatus(p.status);
    const sessionId = procedureOf(p);
    return {
      ...(sessionId === undefined ? {} : { outcomeReference: [links.ref('Procedure', sessionId)] }),
      detail: {
        code,
        status: st.status,
        ...(st.reason === undefined ? {} : { statusReason: { text: st.reason } }),
        description: `Session ${p.seq} (${p.phase}), ${p.local_date}`,
        scheduledPeriod: { start: p.starts_at },
      },
    };
  });
  const open = planned.some((p) => p.status === 'planned' || p.status === 'rescheduled');
  const starts = planned.map((p) => p.starts_at).sort();
  const first = starts[0];
  const last = starts[starts.length - 1];
  return {
    resourceType: 'CarePlan',
    id: resourceIdOf('CarePlan', course.id),
    meta: rowMeta(course),
    identifier: [{ system: SID.course, value: course.id }],
    status: open || planned.length === 0 ? 'active' : 'completed',
    intent: 'plan',
    title: `${protocol?.title ?? course.protocol}: ${course.template} course`,
    description: `Course of ${protocol?.title ?? course.protocol} (${course.template}), from ${course.start_date} (${course.time_zone})`,
    subject,
    ...(first === undefined || last === undefined ? {} : { period: { start: first, end: last } }),
    created: course.created_at,
    addresses: [condition],
    activity,
  };
}
