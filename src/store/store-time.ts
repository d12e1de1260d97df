import { DateTime, IANAZone } from 'luxon';
import { IontoError } from '../errors/catalogue.js';

/** A UTC ISO-8601 instant with milliseconds, the one form instants take in the store. */
const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The canonical UTC text of an instant: a Date, epoch milliseconds or an ISO string with any offset. A string
 * without an offset is refused: it names no instant.
 */
export function toUtcInstant(at: Date | number | string): string {
  let dt: DateTime;
  if (typeof at === 'string') {
    if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(at)) {
      throw new IontoError('ION_ERR_INVALID_INSTANT', `instant '${at}' has no UTC offset`, { at });
    }
    dt = DateTime.fromISO(at, { setZone: true });
  } else {
    dt = DateTime.fromMillis(typeof at === 'number' ? at : at.getTime());
  }
  if (!dt.isValid) throw new IontoError('ION_ERR_INVALID_INSTANT', `'${String(at)}' is not an instant`, { at });
  return dt.toUTC().toISO({ suppressMilliseconds: false })!.replace('+00:00', 'Z');
}

export const isUtcInstant = (s: string): boolean => UTC_ISO.test(s);

/** Refuses anything that is not an IANA zone name (fixed offsets like '+02:00' are not zones). */
export function assertTimeZone(zone: string): string {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone) || !IANAZone.isValidZone(zone)) {
    throw new IontoError('ION_ERR_INVALID_TIME_ZONE', `'${zone}' is not an IANA time zone`, { zone });
  }
  return zone;
}

/** Refuses anything that is not a real calendar date `YYYY-MM-DD`. */
export function assertLocalDate(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !DateTime.fromISO(date).isValid) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `'${date}' is not a calendar date (YYYY-MM-DD)`, { date });
  }
  return date;
}
