import type { Annotation, Observation, ObservationComponent, Procedure, Reference } from 'fhir/r4.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { SessionRecord } from '../store/index.js';
import { CS, EXT, SID, UNITS, localCoding, observationCategory } from './codes.js';
import { derivedId, resourceIdOf } from './bundle-links.js';
import { procedureCode, zoneLabel } from './course-resources.js';
import { rowMeta } from './patient-resource.js';
import { toSampledData, TRACE_PERIOD_MS } from './sampled-data.js';
import type { SessionTraces } from './trace-query.js';

type ProcedureStatus = Procedure['status'];

/** Stored session status → Procedure.status (R4, required binding), with the reason when it did not complete. */
export function procedureStatus(status: string): { status: ProcedureStatus; reason?: string } {
  switch (status) {
    case 'completed':
      return { status: 'completed' };
    case 'running':
      return { status: 'in-progress' };
    case 'aborted':
      return { status: 'stopped', reason: 'stopped by the user' };
    case 'fault':
      return { status: 'stopped', reason: 'stopped by a latched safety fault' };
    case 'interrupted':
      return { status: 'stopped', reason: 'interrupted: the process running it ended; dose from stored telemetry' };
    default:
      return { status: 'unknown', reason: status };
  }
}

interface ReportFacts {
  readonly target_mAmin?: number;
  readonly faults: { t_s: number; code: string; message: string }[];
}

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** What the export reads from a stored SessionReport, checked field by field (it is stored JSON). */
function reportFacts(report: unknown): ReportFacts {
  if (typeof report !== 'object' || report === null) return { faults: [] };
  const r = report as Record<string, unknown>;
  const faults = Array.isArray(r.faults)
    ? r.faults.filter(
        (f): f is { t_s: number; code: string; message: string } =>
          typeof f === 'object' &&
          f !== null &&
          typeof (f as { code?: unknown }).code === 'string' &&
          typeof (f as { message?: unknown }).message === 'string' &&
          num((f as { t_s?: unknown }).t_s) !== undefined,
      )
    : [];
  const target = num(r.target_mAmin);
  return { faults, ...(target === undefined ? {} : { target_mAmin: target }) };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export const deliveredQuantity = (mAmin: number) => ({ value: round2(mAmin), ...UNITS.mAmin });

/**
 * One session as a Procedure: performed period, status (with the reason it stopped), protocol, treated zone,
 * device, the plan it was part of, the delivered charge (an OpenIonto extension, UCUM mA.min) and an outcome
 * stating the charge against its target; latched faults are notes with their catalogue codes.
 */
export function sessionProcedure(
  s: SessionRecord,
  protocol: Protocol | undefined,
  subject: Reference,
  device: Reference | undefined,
  carePlan: Reference | undefined,
): Procedure {
  const st = procedureStatus(s.status);
  const facts = reportFacts(s.report);
  const delivered = `${round2(s.delivered_mamin)} mA·min delivered`;
  const notes: Annotation[] = facts.faults.map((f) => ({
    text: `${f.code} at ${f.t_s} s: ${f.message}`,
  }));
  return {
    resourceType: 'Procedure',
    id: resourceIdOf('Procedure', s.id),
    meta: rowMeta(s),
    extension: [{ url: EXT.deliveredCharge, valueQuantity: deliveredQuantity(s.delivered_mamin) }],
    identifier: [{ system: SID.session, value: s.id }],
    ...(carePlan === undefined ? {} : { basedOn: [carePlan] }),
    status: st.status,
    ...(st.reason === undefined ? {} : { statusReason: { text: st.reason } }),
    code: procedureCode(s.protocol, protocol),
    subject,
    performedPeriod: { start: s.started_at, ...(s.ended_at === null ? {} : { end: s.ended_at }) },
    bodySite: [{ text: zoneLabel(protocol, s.zone) }],
    outcome: {
      coding: [localCoding(CS.sessionOutcome, s.status)],
      text:
        facts.target_mAmin === undefined
          ? `${s.status}: ${delivered}`
          : `${s.status}: ${delivered} of ${round2(facts.target_mAmin)} mA·min prescribed`,
    },
    ...(device === undefined ? {} : { focalDevice: [{ manipulated: device }] }),
    ...(notes.length === 0 ? {} : { note: notes }),
  };
}

export const traceObservationId = (sessionId: string): string => derivedId(`Observation/trace/${sessionId}`);

/** Resolution of the encoded traces: 0.01 mA and 0.01 V. */
export const CURRENT_FACTOR = 0.01;
export const VOLTAGE_FACTOR = 0.01;

/**
 * The session's measured current and voltage as one Observation, `partOf` its Procedure: a component per channel
 * with `valueSampledData` (decimated to TRACE_PERIOD_MS bins from the stored 20 ms telemetry: see
 * sampled-data.ts and trace-query.ts), and a component with the delivered charge. Time zero of the traces is `effectivePeriod.start`,
 * the session's start. A session without stored telemetry has only the charge component.
 */
export function sessionTraceObservation(
  s: SessionRecord,
  traces: SessionTraces | undefined,
  subject: Reference,
  procedure: Reference,
  device: Reference | undefined,
): Observation {
  const component: ObservationComponent[] = [];
  const notes: Annotation[] = [];
  if (traces !== undefined) {
    const { current, voltage } = traces;
    component.push(
      {
        code: { coding: [localCoding(CS.observation, 'measured-current', 'Measured current')] },
        valueSampledData: toSampledData(current, UNITS.mA, CURRENT_FACTOR),
      },
      {
        code: { coding: [localCoding(CS.observation, 'measured-voltage', 'Measured voltage')] },
        valueSampledData: toSampledData(voltage, UNITS.V, VOLTAGE_FACTOR),
      },
    );
    notes.push({
      text:
        `Traces: means over ${current.periodMs} ms bins of ${current.sampleCount} stored telemetry samples ` +
        `(the control period is 20 ms; ${TRACE_PERIOD_MS} ms bins keep ramps and reversals visible); ` +
        `time zero is the session start; E marks a bin without a reading.`,
    });
  }
  component.push({
    code: { coding: [localCoding(CS.observation, 'delivered-charge', 'Delivered charge')] },
    valueQuantity: deliveredQuantity(s.delivered_mamin),
  });
  return {
    resourceType: 'Observation',
    id: traceObservationId(s.id),
    partOf: [procedure],
    status: s.status === 'running' ? 'preliminary' : 'final',
    category: [observationCategory('procedure')],
    code: {
      coding: [localCoding(CS.observation, 'session-trace', 'Iontophoresis session trace')],
      text: 'Measured current and voltage of an iontophoresis session',
    },
    subject,
    effectivePeriod: { start: s.started_at, ...(s.ended_at === null ? {} : { end: s.ended_at }) },
    ...(device === undefined ? {} : { device }),
    ...(notes.length === 0 ? {} : { note: notes }),
    component,
  };
}
