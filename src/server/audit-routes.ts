import { z } from 'zod';
import { inTransaction, MAX_PAGE, searchAudit } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { isInstallationAdmin, requireRole } from './authentication.js';
import { auditAction } from './admin-audit.js';

const Ident = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'a short identifier');
const Instant = z.iso.datetime({ offset: true });

const AuditEntrySchema = z.object({
  seq: z.number().int(),
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entity_id: z.string(),
  at: z.string(),
});

/** The audit log, for admins: a clinic's admin sees what the clinic's users and devices did; reading is audited. */
export function auditRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/audit',
    {
      schema: {
        summary: 'One page of the audit log, oldest first (admins; a clinic admin sees entries of their clinic)',
        querystring: z.strictObject({
          entity: Ident.optional(),
          entity_id: Ident.optional(),
          actor: Ident.optional(),
          from: Instant.optional(),
          to: Instant.optional(),
          limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
          cursor: z
            .string()
            .regex(/^\d{1,15}$/, 'the next of the previous page')
            .optional(),
        }),
        response: { 200: z.object({ items: z.array(AuditEntrySchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const user = requireRole(request, ['admin']);
      const { cursor, limit, ...filter } = request.query;
      const clinicId = isInstallationAdmin(user) ? undefined : (user.clinic_id ?? undefined);
      return inTransaction(store, async (tx) => {
        const page = await searchAudit(tx, {
          ...filter,
          ...(clinicId === undefined ? {} : { clinic_id: clinicId }),
          ...(cursor === undefined ? {} : { afterSeq: Number(cursor) }),
          limit: limit ?? 100,
        });
        // Reading the log is itself on the log: who looked, and at which clinic's entries.
        await auditAction(tx, user, 'audit.read', 'audit_log', clinicId ?? 'installation');
        const last = page.items[page.items.length - 1];
        return page.more && last !== undefined ? { items: page.items, next: String(last.seq) } : { items: page.items };
      });
    },
  );
}
