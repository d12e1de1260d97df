/** Home plans: a course's maintenance phase handed over to the patient's home, one current plan per patient. */
import { IontoError } from '../errors/catalogue.js';
import { HOME_PLAN_STATUSES } from './database.js';
import type { HomePlanStatus } from './database.js';
import { fromJsonText, toJsonText } from './json-column.js';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';
import { inTransaction } from './transaction.js';
import { getRow, insertRow, updateRow } from './versioned-rows.js';
import type { Row } from './versioned-rows.js';

/** A stored home plan; `warning_signs` decoded. */
export interface HomePlanRecord extends Omit<Row<'home_plans'>, 'warning_signs'> {
  warning_signs: string[];
}

export interface NewHomePlan {
  patient_id: string;
  course_id: string;
  device_id?: string | null;
  protocol: string;
  zone: string;
  mode: string;
  interval_days: number;
  pin_ma?: number | null;
  cap_ma?: number | null;
  warning_signs: readonly string[];
  created_by: string;
}

export interface HomePlanPatch {
  interval_days?: number;
  pin_ma?: number | null;
  cap_ma?: number | null;
  warning_signs?: readonly string[];
  status?: HomePlanStatus;
  stopped_reason?: string | null;
  review_note?: string | null;
  reviewed_at?: Date | string | null;
}

const decode = (row: Row<'home_plans'>): HomePlanRecord => ({
  ...row,
  interval_days: Number(row.interval_days),
  pin_ma: row.pin_ma === null ? null : Number(row.pin_ma),
  cap_ma: row.cap_ma === null ? null : Number(row.cap_ma),
  warning_signs: fromJsonText<string[]>(row.warning_signs),
});

function checkInterval(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `interval_days must be a whole number of days from 1 to 365`, {
      field: 'interval_days',
      value: days,
    });
  }
  return days;
}

function checkCurrent(field: 'pin_mA' | 'cap_mA', x: number | null | undefined): number | null {
  if (x === undefined || x === null) return null;
  if (!Number.isFinite(x) || x <= 0) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `${field} must be a current above 0 mA`, { field, value: x });
  }
  return x;
}

/** The plans of a patient that are not ended (active or stopped), newest first. */
const openPlans = (store: Store, patientId: string) =>
  store.db
    .selectFrom('home_plans')
    .selectAll()
    .where('patient_id', '=', patientId)
    .where('status', '!=', 'ended')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();

/** Runs `fn` in a transaction: the caller's, when it already is in one (the store's transactions do not nest). */
const withinTransaction = <R>(store: Store, fn: (tx: Store) => Promise<R>): Promise<R> =>
  store.db.isTransaction ? fn(store) : inTransaction(store, fn);

/**
 * Creates a plan; in the same transaction (the caller's, if it is in one) every earlier plan of the patient that was
 * not ended becomes 'ended'.
 */
export const createHomePlan = (store: Store, input: NewHomePlan): Promise<HomePlanRecord> =>
  withinTransaction(store, async (tx) => {
    for (const p of await openPlans(tx, input.patient_id)) {
      await updateRow(tx, 'home_plans', p.id, p.version, { status: 'ended' });
    }
    return decode(
      await insertRow(tx, 'home_plans', {
        patient_id: input.patient_id,
        course_id: input.course_id,
        device_id: input.device_id ?? null,
        protocol: input.protocol,
        zone: input.zone,
        mode: input.mode,
        interval_days: checkInterval(input.interval_days),
        pin_ma: checkCurrent('pin_mA', input.pin_ma),
        cap_ma: checkCurrent('cap_mA', input.cap_ma),
        warning_signs: toJsonText([...input.warning_signs]),
        status: 'active',
        stopped_reason: null,
        review_note: null,
        reviewed_at: null,
        created_by: input.created_by,
      }),
    );
  });

export const getHomePlan = async (store: Store, id: string): Promise<HomePlanRecord> =>
  decode(await getRow(store, 'home_plans', id));

/** The patient's newest plan, whatever its status; undefined when the patient never had one. */
export async function currentHomePlan(store: Store, patientId: string): Promise<HomePlanRecord | undefined> {
  const row = await store.db
    .selectFrom('home_plans')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : decode(row);
}

/** Applies a patch at the expected version (ION_ERR_CONFLICT when the plan changed since it was read). */
export async function updateHomePlan(
  store: Store,
  id: string,
  expectedVersion: number,
  patch: HomePlanPatch,
): Promise<HomePlanRecord> {
  if (patch.status !== undefined && !HOME_PLAN_STATUSES.includes(patch.status)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `status must be one of ${HOME_PLAN_STATUSES.join(', ')}`, {
      field: 'status',
    });
  }
  return decode(
    await updateRow(store, 'home_plans', id, expectedVersion, {
      ...(patch.interval_days === undefined ? {} : { interval_days: checkInterval(patch.interval_days) }),
      ...(patch.pin_ma === undefined ? {} : { pin_ma: checkCurrent('pin_mA', patch.pin_ma) }),
      ...(patch.cap_ma === undefined ? {} : { cap_ma: checkCurrent('cap_mA', patch.cap_ma) }),
      ...(patch.warning_signs === undefined ? {} : { warning_signs: toJsonText([...patch.warning_signs]) }),
      ...(patch.status === undefined ? {} : { status: patch.status }),
      ...(patch.stopped_reason === undefined ? {} : { stopped_reason: patch.stopped_reason }),
      ...(patch.review_note === undefined ? {} : { review_note: patch.review_note }),
      ...(patch.reviewed_at === undefined
        ? {}
        : { reviewed_at: patch.reviewed_at === null ? null : toUtcInstant(patch.reviewed_at) }),
    }),
  );
}

/**
 * Stops the patient's active plan until a clinician reviews it (a burn or vesicles were recorded); call it inside the
 * transaction that stores the finding. Returns the stopped plan, or undefined when no plan was active.
 */
export async function stopActiveHomePlan(
  store: Store,
  patientId: string,
  reason: string,
): Promise<HomePlanRecord | undefined> {
  const active = (await openPlans(store, patientId)).filter((p) => p.status === 'active');
  let stopped: HomePlanRecord | undefined;
  for (const p of active) {
    stopped = decode(
      await updateRow(store, 'home_plans', p.id, p.version, { status: 'stopped', stopped_reason: reason }),
    );
  }
  return stopped;
}
