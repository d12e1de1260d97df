import { IontoError } from '../errors/catalogue.js';
import type { OutcomeKind } from './database.js';
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { Page, PageRequest, Row } from './versioned-rows.js';

export const OUTCOME_KINDS: readonly OutcomeKind[] = ['hdss', 'gravimetry', 'minor', 'diary'];

/** A stored outcome measurement (HDSS score, gravimetry, Minor test, diary entry); `value` as the clinic made it. */
export interface OutcomeRecord extends Omit<Row<'outcomes'>, 'value'> {
  value: unknown;
}

export interface NewOutcome {
  patient_id: string;
  kind: OutcomeKind;
  value: unknown;
  recorded_at: Date | string;
}

const decode = (row: Row<'outcomes'>): OutcomeRecord => ({ ...row, value: fromJsonText(row.value) });

function checkKind(kind: OutcomeKind): OutcomeKind {
  if (!OUTCOME_KINDS.includes(kind)) throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown outcome kind '${kind}'`);
  return kind;
}

export const recordOutcome = async (store: Store, input: NewOutcome): Promise<OutcomeRecord> =>
  decode(
    await insertRow(store, 'outcomes', {
      patient_id: input.patient_id,
      kind: checkKind(input.kind),
      value: toJsonText(input.value),
      recorded_at: toUtcInstant(input.recorded_at),
    }),
  );

export const getOutcome = async (store: Store, id: string): Promise<OutcomeRecord> =>
  decode(await getRow(store, 'outcomes', id));

export const listOutcomes = async (
  store: Store,
  page?: PageRequest,
  filter: { patient_id?: string; kind?: OutcomeKind } = {},
): Promise<Page<OutcomeRecord>> => {
  const p = await listRows(store, 'outcomes', page, filter);
  return { items: p.items.map(decode), next: p.next };
};

export const updateOutcome = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: { value?: unknown; recorded_at?: Date | string },
): Promise<OutcomeRecord> =>
  decode(
    await updateRow(store, 'outcomes', id, expectedVersion, {
      ...(patch.value === undefined ? {} : { value: toJsonText(patch.value) }),
      ...(patch.recorded_at === undefined ? {} : { recorded_at: toUtcInstant(patch.recorded_at) }),
    }),
  );
