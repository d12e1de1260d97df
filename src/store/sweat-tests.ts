import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { decodeCursor, encodeCursor, getRow, insertRow, listRows, pageLimit, updateRow } from './versioned-rows.js';
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

/**
 * One page of a clinic's sweat tests with their patient's name, by id; `statuses` keeps only tests in those states
 * (the lab's worklist of open tests).
 */
export async function listClinicSweatTests(
  store: Store,
  clinicId: string,
  page: PageRequest = {},
  statuses?: readonly string[],
): Promise<Page<SweatTestRecord & { patient_name: string }>> {
  const limit = pageLimit(page.limit);
  let q = store.db
    .selectFrom('sweat_tests as t')
    .innerJoin('patients as p', 'p.id', 't.patient_id')
    .selectAll('t')
    .select('p.name as patient_name')
    .where('p.clinic_id', '=', clinicId)
    .orderBy('t.id')
    .limit(limit + 1);
  if (statuses !== undefined) q = q.where('t.status', 'in', statuses.length > 0 ? [...statuses] : ['']);
  if (page.cursor !== undefined) q = q.where('t.id', '>', decodeCursor(page.cursor));
  const rows = await q.execute();
  const items = rows.slice(0, limit).map((r) => ({ ...decode(r), patient_name: r.patient_name }));
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? encodeCursor(last.id) : undefined };
}

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
