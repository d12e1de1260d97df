import type { Store } from './open-store.js';
import { fromJsonText, toJsonText } from './json-column.js';
import { toUtcInstant } from './store-time.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';

/** A stored screening: the answers given, the result and the reasons, as the clinic layer produced them. */
export interface ScreeningRecord extends Omit<Row<'screenings'>, 'answers' | 'reasons'> {
  answers: unknown;
  reasons: unknown;
}

export interface NewScreening {
  patient_id: string;
  protocol: string;
  answers: unknown;
  result: string;
  reasons: unknown;
  answered_at: Date | string;
}

const decode = (row: Row<'screenings'>): ScreeningRecord => ({
  ...row,
  answers: fromJsonText(row.answers),
  reasons: fromJsonText(row.reasons),
});

export const createScreening = async (store: Store, input: NewScreening): Promise<ScreeningRecord> =>
  decode(
    await insertRow(store, 'screenings', {
      ...input,
      answers: toJsonText(input.answers),
      reasons: toJsonText(input.reasons),
      answered_at: toUtcInstant(input.answered_at),
    }),
  );

export const getScreening = async (store: Store, id: string): Promise<ScreeningRecord> =>
  decode(await getRow(store, 'screenings', id));

export const listScreenings = async (
  store: Store,
  page?: PageRequest,
  filter: { patient_id?: string } = {},
): Promise<Page<ScreeningRecord>> => {
  const p = await listRows(store, 'screenings', page, filter);
  return { items: p.items.map(decode), next: p.next };
};

export const updateScreening = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: Partial<NewScreening>,
): Promise<ScreeningRecord> =>
  decode(
    await updateRow(store, 'screenings', id, expectedVersion, {
      ...(patch.protocol === undefined ? {} : { protocol: patch.protocol }),
      ...(patch.result === undefined ? {} : { result: patch.result }),
      ...(patch.answers === undefined ? {} : { answers: toJsonText(patch.answers) }),
      ...(patch.reasons === undefined ? {} : { reasons: toJsonText(patch.reasons) }),
      ...(patch.answered_at === undefined ? {} : { answered_at: toUtcInstant(patch.answered_at) }),
    }),
  );
