/** Who may see which patient, ETags, and the audit entries every patient read and write leaves. */
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { appendAudit, findRow, inTransaction } from '../store/index.js';
import type { Patient, Store, User } from '../store/index.js';

/** A strong ETag of the row version: `"3"`. */
export const etagOf = (version: number): string => `"${version}"`;

/** The version an `If-Match` header names, or undefined when it names none we issued. */
export function versionFromIfMatch(header: string): number | undefined {
  const m = /^"(\d{1,9})"$/.exec(header.trim());
  return m === null ? undefined : Number(m[1]);
}

/**
 * The row version an update may change: `If-Match` is required (428 without it) and must carry an ETag we issued
 * (412 otherwise). `what` names the row in the message ("patient 123").
 */
export function expectedVersion(ifMatch: string | undefined, what: string): number {
  if (ifMatch === undefined) {
    throw new IontoError('ION_ERR_PRECONDITION_REQUIRED', 'send If-Match with the ETag of the version you read');
  }
  const v = versionFromIfMatch(ifMatch);
  if (v === undefined) throw staleVersion(what);
  return v;
}

export const staleVersion = (what: string): IontoError =>
  new IontoError('ION_ERR_PRECONDITION', `${what} has changed since it was read: read it again`);

/** Runs a versioned store update; the store's version conflict becomes 412, as for a stale If-Match. */
export async function updateOrStale<R>(what: string, update: () => Promise<R>): Promise<R> {
  try {
    return await update();
  } catch (e) {
    throw isIontoError(e) && e.code === 'ION_ERR_CONFLICT' ? staleVersion(what) : e;
  }
}

/**
 * For a record of a patient (screening, outcome, session, sweat test): the patient's 404 becomes the record's own, so a
 * record of a patient the user may not see answers exactly like a missing one, never naming the patient; the refused
 * patient id stays in `denied` for the audit of `audited`.
 */
export function notFoundAs(what: string, id: string) {
  return (e: unknown): never => {
    if (isIontoError(e) && e.code === 'ION_ERR_NOT_FOUND') {
      throw new IontoError('ION_ERR_NOT_FOUND', `${what} ${id} not found`, {
        id,
        ...(typeof e.details.denied === 'string' ? { denied: e.details.denied } : {}),
      });
    }
    throw e;
  };
}

export const audit = (store: Store, user: User, action: string, patientId: string) =>
  appendAudit(store, { actor: user.id, action, entity: 'patients', entity_id: patientId });

/** Staff see their own clinic's patients; a patient sees only the patient row linked to their user. */
export function canSee(user: User, p: Patient): boolean {
  if (user.role === 'patient') return p.user_id === user.id;
  return user.clinic_id !== null && p.clinic_id === user.clinic_id;
}

/**
 * A patient the user may not see answers 404, exactly like a patient that does not exist: a 403 would confirm to a
 * user of clinic A that an id belongs to some patient elsewhere. The refusal carries the id for `audited`.
 */
export async function visiblePatient(store: Store, user: User, id: string): Promise<Patient> {
  const p = await findRow(store, 'patients', id);
  if (p === undefined || !canSee(user, p)) {
    throw new IontoError('ION_ERR_NOT_FOUND', `patient ${id} not found`, {
      id,
      ...(p === undefined ? {} : { denied: p.id }),
    });
  }
  return p;
}

/**
 * Runs `fn` in one transaction, so the data and its audit entry are written together; a refused look at another
 * clinic's patient is audited after the rollback, so the refusal itself stays on record.
 */
export async function audited<R>(store: Store, user: User, fn: (tx: Store) => Promise<R>): Promise<R> {
  try {
    return await inTransaction(store, fn);
  } catch (e) {
    if (isIontoError(e) && e.code === 'ION_ERR_NOT_FOUND' && typeof e.details.denied === 'string') {
      await audit(store, user, 'patient.read_denied', e.details.denied);
    }
    throw e;
  }
}
