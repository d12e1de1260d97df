/**
 * The protocol library and the screening questionnaire, read-only, for the web app's protocol browser and intake
 * page. Both are the software's own reference data, not patient data: any signed-in user may read them (patients
 * too), a user's script token as its user; a device token is refused (401), as on every route meant for people.
 *
 * `GET /api/protocols/:id` answers the protocol document exactly as the library holds it (src/protocols/library),
 * every number with its source; the list answers a summary of each, with the numbers a list shows (current range,
 * time or dose per zone) and their sources.
 */
import { z } from 'zod';
import { SCREENING_QUESTIONNAIRE_ID, SCREENING_QUESTIONS } from '../clinic/screening-questionnaire.js';
import { IontoError } from '../errors/catalogue.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { protocolSchema } from '../protocols/protocol-schema.js';
import type { App, ServerContext } from './app-types.js';
import { requireUser } from './authentication.js';
import { IdParams } from './request-schemas.js';

/** A range an operator may choose within, with the value the protocol uses and the source of all three. */
const RangeSchema = z.object({ value: z.number(), min: z.number(), max: z.number(), source: z.string() });

export const ProtocolSummarySchema = z.object({
  id: z.string(),
  /** The document's title. */
  name: z.string(),
  /** What the protocol is for (the document's `use`). */
  purpose: z.enum(['hyperhidrosis', 'drug-delivery', 'cosmetic', 'diagnostic', 'extraction']),
  summary: z.string(),
  /** 'dose': a session ends when its charge is delivered; 'duration': when its time runs out. */
  end_on: z.enum(['dose', 'duration']),
  agent: z.object({ name: z.string(), charge: z.string() }),
  zones: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      setup: z.enum(['tray', 'pad', 'facial']),
      area_cm2: z.number(),
      current_mA: RangeSchema,
      /** Treatment time, when the zone states one. */
      duration_min: RangeSchema.optional(),
      /** Prescribed charge in mA·min, when the zone is dosed by charge. */
      dose_mAmin: RangeSchema.optional(),
    }),
  ),
  default_zone: z.string(),
  modes: z.array(z.object({ id: z.string(), name: z.string(), waveform: z.enum(['dc', 'pulsed']) })),
  default_mode: z.string(),
  evidence: z.object({ level: z.enum(['high', 'moderate', 'low', 'very-low']), source: z.string() }),
  course: z.object({
    induction_template: z.string(),
    induction_sessions: z.number().int(),
    /** Days between maintenance sessions; null when the protocol has no maintenance. */
    maintenance_interval_days: RangeSchema.nullable(),
  }),
  min_age_years: z.number(),
});
export type ProtocolSummary = z.infer<typeof ProtocolSummarySchema>;

export const ScreeningQuestionSchema = z.object({
  /** The item's id: the field name in a screening's `answers`, and the key of its translations in the web app. */
  id: z.string(),
  /** 'boolean': yes or no; 'decimal': a number (the age in years). */
  kind: z.enum(['boolean', 'decimal']),
  required: z.boolean(),
  /** The question in English. */
  text: z.string(),
});

const range = (r: { value: number; min: number; max: number; source: string }) => ({
  value: r.value,
  min: r.min,
  max: r.max,
  source: r.source,
});

/** The summary of a protocol a list shows; every number is the document's, with its source. */
export function protocolSummary(p: Protocol): ProtocolSummary {
  return {
    id: p.id,
    name: p.title,
    purpose: p.use,
    summary: p.summary,
    end_on: p.end_on,
    agent: { name: p.agent.name, charge: p.agent.charge },
    zones: Object.entries(p.zones).map(([id, z]) => ({
      id,
      name: z.label,
      setup: z.setup,
      area_cm2: z.area_cm2.value,
      current_mA: range(z.current_mA),
      ...(z.duration_min === undefined ? {} : { duration_min: range(z.duration_min) }),
      ...(z.dose_mAmin === undefined ? {} : { dose_mAmin: range(z.dose_mAmin) }),
    })),
    default_zone: p.default_zone,
    modes: Object.entries(p.modes).map(([id, m]) => ({ id, name: m.label, waveform: m.waveform.kind })),
    default_mode: p.default_mode,
    evidence: { level: p.evidence.level, source: p.evidence.source },
    course: {
      induction_template: p.course.induction.template,
      induction_sessions: p.course.induction.sessions.value,
      maintenance_interval_days: p.course.maintenance === null ? null : range(p.course.maintenance.interval_days),
    },
    min_age_years: p.age.min_years.value,
  };
}

export function protocolRoutes(app: App, _ctx: ServerContext): void {
  app.get(
    '/api/protocols',
    {
      schema: {
        summary: 'Every protocol of the library, summarised for a list, in id order (any signed-in user)',
        response: { 200: z.object({ items: z.array(ProtocolSummarySchema) }) },
      },
    },
    async (request) => {
      requireUser(request);
      return { items: [...protocolLibrary().values()].map(protocolSummary) };
    },
  );

  app.get(
    '/api/protocols/:id',
    {
      schema: {
        summary:
          'One protocol document exactly as the library holds it, every number with its source (any signed-in user)',
        params: IdParams,
        response: { 200: protocolSchema },
      },
    },
    async (request) => {
      requireUser(request);
      const p = protocolLibrary().get(request.params.id);
      if (p === undefined) {
        throw new IontoError('ION_ERR_NOT_FOUND', `protocol ${request.params.id} not found`, { id: request.params.id });
      }
      return p;
    },
  );

  app.get(
    '/api/screening/questionnaire',
    {
      schema: {
        summary:
          'The contraindication screening questionnaire: each question in order, with its id (the answer field), its ' +
          'answer kind, whether it is required, and its English text (any signed-in user)',
        response: { 200: z.object({ id: z.string(), items: z.array(ScreeningQuestionSchema) }) },
      },
    },
    async (request) => {
      requireUser(request);
      return {
        id: SCREENING_QUESTIONNAIRE_ID,
        items: SCREENING_QUESTIONS.map((q) => ({ id: q.linkId, kind: q.type, required: q.required, text: q.text })),
      };
    },
  );
}
