import { IontoError } from '../errors/catalogue.js';
import type { DeviceKind } from './database.js';
import type { Store } from './open-store.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

/** A registered device; `token_hash` is the hash of the agent's device token (hashed by the caller). */
export type DeviceRow = Row<'devices'>;

function checkKind(kind: DeviceKind): DeviceKind {
  if (kind !== 'simulated' && kind !== 'serial') {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown device kind '${String(kind)}'`);
  }
  return kind;
}

/** A new device; `port` (a serial device the server drives) defaults to none. */
export type NewDevice = Omit<NewRow<'devices'>, 'port'> & { port?: string | null };

export const createDevice = async (store: Store, input: NewDevice): Promise<DeviceRow> =>
  insertRow(store, 'devices', { ...input, port: input.port ?? null, kind: checkKind(input.kind) });

export const getDevice = async (store: Store, id: string): Promise<DeviceRow> => getRow(store, 'devices', id);

export const findDeviceByTokenHash = async (store: Store, tokenHash: string): Promise<DeviceRow | undefined> =>
  store.db.selectFrom('devices').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();

export const listDevices = async (
  store: Store,
  page?: PageRequest,
  filter: { clinic_id?: string } = {},
): Promise<Page<DeviceRow>> => listRows(store, 'devices', page, filter);

export const updateDevice = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'devices'>,
): Promise<DeviceRow> =>
  updateRow(store, 'devices', id, expectedVersion, {
    ...patch,
    ...(patch.kind === undefined ? {} : { kind: checkKind(patch.kind) }),
  });
