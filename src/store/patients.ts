import type { Store } from './open-store.js';
import { assertLocalDate, assertTimeZone } from './store-time.js';
import { nameKey } from './name-key.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

export type Patient = Row<'patients'>;
export type NewPatient = Omit<NewRow<'patients'>, 'name_key'>;

export const createPatient = async (store: Store, input: NewPatient): Promise<Patient> =>
  insertRow(store, 'patients', {
    ...input,
    name_key: nameKey(input.name),
    birth_date: assertLocalDate(input.birth_date),
    time_zone: assertTimeZone(input.time_zone),
  });

export const getPatient = async (store: Store, id: string): Promise<Patient> => getRow(store, 'patients', id);

/**
 * One page of patients, optionally only those whose name contains `search` (folded as nameKey: accents and case do
 * not matter).
 */
export const listPatients = async (
  store: Store,
  page?: PageRequest,
  filter: { clinic_id?: string; user_id?: string } = {},
  search?: string,
): Promise<Page<Patient>> => {
  const key = search === undefined ? '' : nameKey(search);
  return listRows(store, 'patients', page, filter, key === '' ? undefined : { column: 'name_key', contains: key });
};

export const updatePatient = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'patients'>,
): Promise<Patient> =>
  updateRow(store, 'patients', id, expectedVersion, {
    ...patch,
    ...(patch.name === undefined ? {} : { name_key: nameKey(patch.name) }),
    ...(patch.birth_date === undefined ? {} : { birth_date: assertLocalDate(patch.birth_date) }),
    ...(patch.time_zone === undefined ? {} : { time_zone: assertTimeZone(patch.time_zone) }),
  });
