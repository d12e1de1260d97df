import { appendAudit } from '../store/index.js';
import type { Store, User } from '../store/index.js';

/**
 * The audit entry of a change to clinics, users, devices or script tokens (and of reading the audit log): who did
 * what to which row, written in the same transaction as the change. Ids only, never names or other free text.
 */
export const auditAction = (store: Store, actor: User, action: string, entity: string, entityId: string) =>
  appendAudit(store, { actor: actor.id, action, entity, entity_id: entityId });
