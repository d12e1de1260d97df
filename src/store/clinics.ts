import type { Store } from './open-store.js';
import { assertTimeZone } from './store-time.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

export type Clinic = Row<'clinics'>;

export const createClinic = async (store: Store, input: NewRow<'clinics'>): Promise<Clinic> =>
  insertRow(store, 'clinics', { ...input, time_zone: assertTimeZone(input.time_zone) });

export const getClinic = async (store: Store, id: string): Promise<Clinic> => getRow(store, 'clinics', id);

export const listClinics = async (store: Store, page?: PageRequest): Promise<Page<Clinic>> =>
  listRows(store, 'clinics', page);

export const updateClinic = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'clinics'>,
): Promise<Clinic> =>
  updateRow(store, 'clinics', id, expectedVersion, {
    ...patch,
    ...(patch.time_zone === undefined ? {} : { time_zone: assertTimeZone(patch.time_zone) }),
  });
