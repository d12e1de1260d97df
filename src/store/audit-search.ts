import type { AuditEntry } from './audit-log.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';

/** What an audit reader may narrow the log to; every field is optional and they combine with AND. */
export interface AuditQuery {
  /** Only entries whose actor is a user or a device of this clinic. */
  clinic_id?: string;
  actor?: string;
  entity?: string;
  entity_id?: string;
  /** Entries at or after this instant. */
  from?: Date | string;
  /** Entries strictly before this instant. */
  to?: Date | string;
  /** Entries appended after this sequence number (the cursor of the previous page). */
  afterSeq?: number;
  /** At most this many (1 to 500). */
  limit: number;
}

/** One page of the audit log in the order it was appended, and whether more entries follow. */
export async function searchAudit(store: Store, query: AuditQuery): Promise<{ items: AuditEntry[]; more: boolean }> {
  let q = store.db
    .selectFrom('audit_log')
    .selectAll()
    .orderBy('seq')
    .limit(query.limit + 1);
  if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
  if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
  if (query.entity !== undefined) q = q.where('entity', '=', query.entity);
  if (query.entity_id !== undefined) q = q.where('entity_id', '=', query.entity_id);
  if (query.from !== undefined) q = q.where('at', '>=', toUtcInstant(query.from));
  if (query.to !== undefined) q = q.where('at', '<', toUtcInstant(query.to));
  const clinic = query.clinic_id;
  if (clinic !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('actor', 'in', eb.selectFrom('users').select('id').where('clinic_id', '=', clinic)),
        eb('actor', 'in', eb.selectFrom('devices').select('id').where('clinic_id', '=', clinic)),
      ]),
    );
  }
  const rows = (await q.execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
  return { items: rows.slice(0, query.limit), more: rows.length > query.limit };
}
