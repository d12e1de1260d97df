/**
 * The clinic's planned sessions over a range of days, for the dashboard: every planned session of every course of
 * the clinic's patients whose local date (in the course's zone) falls in the range, whatever its status, in time
 * order, with the patient's name, the course's protocol and the protocol's zone. Staff of a clinic only; each page
 * is audited as a read of each patient it shows, in the same transaction.
 *
 * A course stores its protocol, not a zone: the zone answered is the protocol's treatment zone (its default_zone,
 * the zone a course of it is planned for).
 */
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import { appendAuditMany, listClinicPlannedSessionsInRange, MAX_PAGE } from '../store/index.js';
import type { Store } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireRole, STAFF_ROLES } from './authentication.js';
import { PlannedSessionSchema, sessionView } from './course-routes.js';
import { audited } from './patient-access.js';

/** The longest range one request may ask for, in days (a month of a dashboard's calendar). */
export const MAX_RANGE_DAYS = 31;

const LocalDate = z.iso.date({ error: 'must be a calendar date YYYY-MM-DD' });

const RangeQuery = z.strictObject({
  from: LocalDate,
  to: LocalDate,
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().max(400).optional(),
});

/** A planned session of a course, as course-routes answers it, with its course and patient. */
export const ClinicPlannedSessionSchema = PlannedSessionSchema.extend({
  course_id: z.string(),
  patient_id: z.string(),
  patient_name: z.string(),
  protocol_id: z.string(),
  /** The protocol's treatment zone; null for a protocol no longer in the library. */
  zone: z.string().nullable(),
  /** The IANA zone the course's local dates are in. */
  time_zone: z.string(),
});
type ClinicPlannedSession = z.infer<typeof ClinicPlannedSessionSchema>;

const dayNumber = (date: string): number => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10));

/** Days from `from` to `to`, both counted. */
export const daysInRange = (from: string, to: string): number => (dayNumber(to) - dayNumber(from)) / 86_400_000 + 1;

/** One page of a clinic's planned sessions with a local date in [from, to], as the route answers them. */
async function clinicPlannedSessions(
  tx: Store,
  clinicId: string,
  range: { from: string; to: string },
  page: { limit?: number; cursor?: string },
): Promise<{ items: ClinicPlannedSession[]; next: string | undefined }> {
  const rows = await listClinicPlannedSessionsInRange(tx, clinicId, range, page);
  const items = rows.items.map((r) => ({
    ...sessionView(r),
    course_id: r.course_id,
    patient_id: r.patient_id,
    patient_name: r.patient_name,
    protocol_id: r.protocol,
    zone: protocolLibrary().get(r.protocol)?.default_zone ?? null,
    time_zone: r.time_zone,
  }));
  return { items, next: rows.next };
}

export function planningRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/planned-sessions',
    {
      schema: {
        summary:
          "One page of the clinic's planned sessions whose local date lies from `from` to `to` (both counted, at most " +
          `${MAX_RANGE_DAYS} days), any status, by start time, with patient, course and protocol (staff of a clinic)`,
        querystring: RangeQuery,
        response: {
          200: z.object({ items: z.array(ClinicPlannedSessionSchema), next: z.string().optional() }),
        },
      },
    },
    async (request) => {
      const user = requireRole(request, STAFF_ROLES);
      const { from, to, limit, cursor } = request.query;
      const days = daysInRange(from, to);
      if (days < 1) {
        throw new IontoError('ION_ERR_VALIDATION', `to (${to}) must not be before from (${from})`, { field: 'to' });
      }
      if (days > MAX_RANGE_DAYS) {
        throw new IontoError(
          'ION_ERR_VALIDATION',
          `to: the range from ${from} to ${to} is ${days} days; at most ${MAX_RANGE_DAYS}`,
          { field: 'to', limit: MAX_RANGE_DAYS },
        );
      }
      // The installation admin belongs to no clinic and has no patients.
      if (user.clinic_id === null) return { items: [] };
      const clinicId = user.clinic_id;
      return audited(store, user, async (tx) => {
        const page = await clinicPlannedSessions(tx, clinicId, { from, to }, { limit, cursor });
        const patients = [...new Set(page.items.map((i) => i.patient_id))];
        await appendAuditMany(
          tx,
          patients.map((id) => ({ actor: user.id, action: 'planned_session.list', entity: 'patients', entity_id: id })),
        );
        return { items: page.items, ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );
}
