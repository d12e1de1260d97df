import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';

/** A stored CF sweat test: its status and its data (collection, QNS check, chloride) as JSON. */
export interface SweatTestRecord extends Omit<Row<'sweat_tests'>, 'data'> {
  data: unknown;
}

const decode = (row: Row<'sweat_tests'>): SweatTestRecord => ({ ...row, data: fromJsonText(row.data) });

export const createSweatTest = async (
  store: Store,
  input: { patient_id: string; status: string; data: unknown },
): Promise<SweatTestRecord> =>
  decode(await insertRow(store, 'sweat_tests', { ...input, data: toJsonText(input.data) }));

export const getSweatTest = async (store: Store, id: string): Promise<SweatTestRecord> =>
  decode(await getRow(store, 'sweat_tests', id));

export const listSweatTests = async (
  store: Store,
  page?: PageRequest,
  filter: { patient_id?: string } = {},
): Promise<Page<SweatTestRecord>> => {
  const p = await listRows(store, 'sweat_tests', page, filter);
  return { items: p.items.map(decode), next: p.next };
};

export const updateSweatTest = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: { status?: string; data?: unknown },
): Promise<SweatTestRecord> =>
  decode(
    await updateRow(store, 'sweat_tests', id, expectedVersion, {
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.data === undefined ? {} : { data: toJsonText(patch.data) }),
    }),
  );
