/**
 * Tolerance after every session (issue 8): the operator or the patient records sensation, discomfort, skin findings
 * and the engine's events; the clinic rule (assessTolerance) says what they call for. A burn or vesicles stop the
 * patient's active home plan in the same transaction, until a clinician reviews it (PATCH /api/patients/:id/home-plan).
 */
import { z } from 'zod';
import { assessTolerance, toleranceEntrySchema } from '../clinic/tolerance.js';
import type { ToleranceAssessment, ToleranceEntry } from '../clinic/tolerance.js';
import { IontoError } from '../errors/catalogue.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { findRow, findToleranceBySession, getSession, listToleranceRecords, recordTolerance } from '../store/index.js';
import type { RecordedTolerance, SessionRecord, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireUser } from './authentication.js';
import { audit, audited, notFoundAs, visiblePatient } from './patient-access.js';
import { IdParams } from './request-schemas.js';
import { PageQuery } from './screening-routes.js';
import { toleranceJson, ToleranceRecordSchema } from './home-view.js';

export const ToleranceBody = z.strictObject({
  entry: toleranceEntrySchema,
  /** The id a home device gave the record: a repeated upload answers the stored record. */
  client_id: z.uuid().optional(),
});

/** The zone's discomfort threshold for "comfortable" (its titration block), or the rule's default. */
export function assessFor(
  session: Pick<SessionRecord, 'protocol' | 'zone'>,
  entry: ToleranceEntry,
): ToleranceAssessment {
  let comfortMax: number | undefined;
  try {
    comfortMax = findProtocol(session.protocol).zones[session.zone]?.titration?.discomfort_max.value;
  } catch {
    comfortMax = undefined;
  }
  return assessTolerance(entry, comfortMax);
}

/** Why a stopping finding stopped the plan, for the plan's `stopped_reason`. */
export function stopReason(entry: ToleranceEntry, session: Pick<SessionRecord, 'id' | 'started_at'>): string {
  const found = entry.findings.filter((f) => f === 'burn' || f === 'vesicles').join(' and ');
  return `${found} recorded after the session of ${session.started_at} (${session.id}): a clinician must review the skin before the next session`;
}

/**
 * Records a session's tolerance (in its own transaction, with the audit entry and the plan stop); `recordedBy` is the
 * user's id. A session still running takes no record yet.
 */
export async function recordSessionTolerance(
  store: Store,
  user: User,
  session: SessionRecord,
  entry: ToleranceEntry,
  clientId: string | undefined,
  at: Date,
): Promise<RecordedTolerance> {
  if (session.status === 'running') {
    throw new IontoError('ION_ERR_CONFLICT', `session ${session.id} is still running: record tolerance after it ends`);
  }
  const assessment = assessFor(session, entry);
  return recordTolerance(
    store,
    {
      session_id: session.id,
      patient_id: session.patient_id,
      home_plan_id: session.home_plan_id,
      entry,
      assessment,
      recorded_by: user.id,
      recorded_at: at,
      client_id: clientId ?? null,
      ...(assessment.stopCourse ? { stop_reason: stopReason(entry, session) } : {}),
    },
    async (tx, r) => {
      await audit(tx, user, 'tolerance.create', r.patient_id);
      if (assessment.stopCourse) await audit(tx, user, 'home_plan.stop', r.patient_id);
    },
  );
}

export function toleranceRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.post(
    '/api/sessions/:id/tolerance',
    {
      schema: {
        summary:
          'Record how a session was tolerated (staff, or the patient of that session). 201 with the record, 200 with ' +
          'the stored one when its client_id was stored before, 409 when the session has another record. A burn or ' +
          "vesicles stop the patient's active home plan until a clinician reviews it",
        params: IdParams,
        body: ToleranceBody,
        response: { 200: ToleranceRecordSchema, 201: ToleranceRecordSchema },
      },
    },
    async (request, reply) => {
      const { user } = requireUser(request);
      const id = request.params.id;
      // The visibility check and its audit first (a refusal is audited); the record then in its own transaction.
      const session = await audited(store, user, async (tx) => {
        const row = await findRow(tx, 'sessions', id);
        if (row === undefined) throw new IontoError('ION_ERR_NOT_FOUND', `session ${id} not found`, { id });
        await visiblePatient(tx, user, row.patient_id).catch(notFoundAs('session', id));
        return getSession(tx, id);
      });
      const r = await recordSessionTolerance(
        store,
        user,
        session,
        request.body.entry,
        request.body.client_id,
        ctx.now(),
      );
      return reply
        .code(r.status === 'created' ? 201 : 200)
        .header('location', `/api/sessions/${session.id}/tolerance`)
        .send(toleranceJson(r.record));
    },
  );

  app.get(
    '/api/sessions/:id/tolerance',
    {
      schema: {
        summary: "A session's tolerance record (staff, or the patient of that session); 404 when none is recorded yet",
        params: IdParams,
        response: { 200: ToleranceRecordSchema },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const id = request.params.id;
      return audited(store, user, async (tx) => {
        const row = await findRow(tx, 'sessions', id);
        if (row === undefined) throw new IontoError('ION_ERR_NOT_FOUND', `session ${id} not found`, { id });
        await visiblePatient(tx, user, row.patient_id).catch(notFoundAs('session', id));
        const r = await findToleranceBySession(tx, id);
        await audit(tx, user, 'tolerance.read', row.patient_id);
        if (r === undefined) {
          throw new IontoError('ION_ERR_NOT_FOUND', `session ${id} has no tolerance record yet`, { id });
        }
        return toleranceJson(r);
      });
    },
  );

  app.get(
    '/api/patients/:id/tolerance',
    {
      schema: {
        summary: "One page of a patient's tolerance records, newest first",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: z.object({ items: z.array(ToleranceRecordSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const { user } = requireUser(request);
      const { limit, cursor } = request.query;
      return audited(store, user, async (tx) => {
        const p = await visiblePatient(tx, user, request.params.id);
        const page = await listToleranceRecords(tx, p.id, { limit, cursor });
        await audit(tx, user, 'tolerance.list', p.id);
        return { items: page.items.map(toleranceJson), ...(page.next === undefined ? {} : { next: page.next }) };
      });
    },
  );
}
