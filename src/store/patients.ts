import type { Store } from './open-store.js';
import { assertLocalDate, assertTimeZone } from './store-time.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

export type Patient = Row<'patients'>;

export const createPatient = async (store: Store, input: NewRow<'patients'>): Promise<Patient> =>
  insertRow(store, 'patients', {
    ...input,
    birth_date: assertLocalDate(input.birth_date),
    time_zone: assertTimeZone(input.time_zone),
  });

export const getPatient = async (store: Store, id: string): Promise<Patient> => getRow(store, 'patients', id);

export const listPatients = async (
  store: Store,
  page?: PageRequest,
  filter: { clinic_id?: string } = {},
): Promise<Page<Patient>> => listRows(store, 'patients', page, filter);

export const updatePatient = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'patients'>,
): Promise<Patient> =>
  updateRow(store, 'patients', id, expectedVersion, {
    ...patch,
    ...(patch.birth_date === undefined ? {} : { birth_date: assertLocalDate(patch.birth_date) }),
    ...(patch.time_zone === undefined ? {} : { time_zone: assertTimeZone(patch.time_zone) }),
  });
