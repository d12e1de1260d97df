import { z } from 'zod';
import { isSerialPortPath, SERIAL_PORT_RULE } from '../device/serial-port-path.js';
import { IontoError } from '../errors/catalogue.js';
import { createDevice, findRow, inTransaction, listDevices, updateDevice } from '../store/index.js';
import type { DeviceRow, Store, User } from '../store/index.js';
import type { App, ServerContext } from './app-types.js';
import { requireDevice, requireRole, STAFF_ROLES } from './authentication.js';
import { auditAction } from './admin-audit.js';
import { etagOf, expectedVersion, updateOrStale } from './patient-access.js';
import { IdParams, PageQuery, PlainText, SMALL_BODY } from './request-schemas.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';

/** A device as the API shows it: never its token hash. */
export const DeviceSchema = z.object({
  id: z.string(),
  clinic_id: z.string(),
  kind: z.enum(['simulated', 'serial']),
  name: z.string(),
  /** A serial device the server drives: its port on the server's computer. */
  port: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
const deviceView = (d: DeviceRow): z.infer<typeof DeviceSchema> => ({
  id: d.id,
  clinic_id: d.clinic_id,
  kind: d.kind,
  name: d.name,
  port: d.port,
  version: d.version,
  created_at: d.created_at,
  updated_at: d.updated_at,
});
/** A serial port on the server's computer (src/device/serial-port-path.ts). */
export const SerialPortPath = z
  .string()
  .max(200)
  .refine(isSerialPortPath, `${SERIAL_PORT_RULE}; no "..", spaces or shell characters`);

/** A device with its token: the one answer that carries it (registration and rotation). */
const WithToken = z.object({ device: DeviceSchema, token: z.string() });

function clinicOf(user: User): string {
  if (user.clinic_id === null) throw new IontoError('ION_ERR_FORBIDDEN', 'this user belongs to no clinic');
  return user.clinic_id;
}

/** A device of the user's clinic; another clinic's answers 404 like a missing one. */
async function clinicDevice(store: Store, user: User, id: string): Promise<DeviceRow> {
  const d = await findRow(store, 'devices', id);
  if (d === undefined || d.clinic_id !== user.clinic_id)
    throw new IontoError('ION_ERR_NOT_FOUND', `device ${id} not found`);
  return d;
}

/** Devices of a clinic: its admin registers them and rotates their tokens; its staff list them. */
export function deviceRoutes(app: App, ctx: ServerContext): void {
  const { store } = ctx;

  app.get(
    '/api/devices',
    {
      schema: {
        summary: "One page of the devices of the user's clinic (staff)",
        querystring: z.object(PageQuery),
        response: { 200: z.object({ items: z.array(DeviceSchema), next: z.string().optional() }) },
      },
    },
    async (request) => {
      const clinicId = clinicOf(requireRole(request, STAFF_ROLES));
      const page = await listDevices(
        store,
        { limit: request.query.limit, cursor: request.query.cursor },
        {
          clinic_id: clinicId,
        },
      );
      const items = page.items.map(deviceView);
      return page.next === undefined ? { items } : { items, next: page.next };
    },
  );

  app.post(
    '/api/devices',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary: "Register a device for the admin's clinic; the answer carries its token, once",
        body: z
          .strictObject({
            kind: z.enum(['simulated', 'serial']),
            name: PlainText(100),
            /** For a serial device this server drives; leave it out for one run by its own agent. */
            port: SerialPortPath.optional(),
          })
          .refine((b) => b.port === undefined || b.kind === 'serial', {
            message: 'only a serial device has a port',
            path: ['port'],
          }),
        response: { 201: WithToken },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, ['admin']);
      const clinicId = clinicOf(user);
      const token = newSecretToken('device');
      const created = await inTransaction(store, async (tx) => {
        const d = await createDevice(tx, { ...request.body, clinic_id: clinicId, token_hash: hashSecretToken(token) });
        await auditAction(tx, user, 'device.create', 'devices', d.id);
        return d;
      });
      return reply
        .code(201)
        .header('etag', etagOf(created.version))
        .header('location', `/api/devices/${created.id}`)
        .header('cache-control', 'no-store')
        .send({ device: deviceView(created), token });
    },
  );

  app.get(
    '/api/devices/self',
    {
      schema: {
        summary: 'The device whose token the request carries (for its agent)',
        response: { 200: DeviceSchema },
      },
    },
    async (request) => deviceView(requireDevice(request)),
  );

  app.get(
    '/api/devices/:id',
    {
      schema: {
        summary: "One device of the user's clinic (staff)",
        params: IdParams,
        response: { 200: DeviceSchema },
      },
    },
    async (request, reply) => {
      const d = await clinicDevice(store, requireRole(request, STAFF_ROLES), request.params.id);
      return reply.header('etag', etagOf(d.version)).send(deviceView(d));
    },
  );

  app.patch(
    '/api/devices/:id',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary:
          "Rename a device or set a serial device's port on this server (admin); If-Match must carry the ETag of the " +
          'version read. A port of null: the device runs on its own computer with its own agent',
        params: IdParams,
        headers: z.object({ 'if-match': z.string().optional() }),
        body: z.strictObject({ name: PlainText(100).optional(), port: SerialPortPath.nullable().optional() }),
        response: { 200: DeviceSchema },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, ['admin']);
      const updated = await inTransaction(store, async (tx) => {
        const d = await clinicDevice(tx, user, request.params.id);
        const what = `device ${d.id}`;
        const expected = expectedVersion(request.headers['if-match'], what);
        if (request.body.port !== undefined && request.body.port !== null && d.kind !== 'serial') {
          throw new IontoError(
            'ION_ERR_VALIDATION',
            `port: ${what} is a ${d.kind} device; only a serial device has a port`,
            {
              field: 'port',
            },
          );
        }
        const u = await updateOrStale(what, () => updateDevice(tx, d.id, expected, request.body));
        await auditAction(tx, user, 'device.update', 'devices', d.id);
        return u;
      });
      return reply.header('etag', etagOf(updated.version)).send(deviceView(updated));
    },
  );

  app.post(
    '/api/devices/:id/token',
    {
      schema: {
        summary: 'Give a device a new token; the old one stops working at once. The answer carries it, once',
        params: IdParams,
        response: { 200: WithToken },
      },
    },
    async (request, reply) => {
      const user = requireRole(request, ['admin']);
      const token = newSecretToken('device');
      const updated = await inTransaction(store, async (tx) => {
        const d = await clinicDevice(tx, user, request.params.id);
        const u = await updateOrStale(`device ${d.id}`, () =>
          updateDevice(tx, d.id, d.version, { token_hash: hashSecretToken(token) }),
        );
        await auditAction(tx, user, 'device.token_rotate', 'devices', d.id);
        return u;
      });
      return reply
        .header('etag', etagOf(updated.version))
        .header('cache-control', 'no-store')
        .send({ device: deviceView(updated), token });
    },
  );
}
