import { DateTime, IANAZone } from 'luxon';
import { IontoError } from '../errors/catalogue.js';

/**
 * Local calendar dates and their UTC instants in an IANA time zone.
 *
 * A course is laid out on local calendar dates ('YYYY-MM-DD'); a date is zone-free, so day arithmetic is done on
 * day numbers (days since 1970-01-01) and never by adding 24 h to an instant. Only the step from a local date and
 * time of day to a UTC instant needs the zone, and that step is DST-safe (luxon's IANA zone data; never a fixed
 * offset, Nightscout #4901).
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** ISO order: index 0 is Monday. */
export const WEEKDAYS: readonly Weekday[] = Object.freeze(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export const WEEKDAY_LABEL: Readonly<Record<Weekday, string>> = Object.freeze({
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
});

const MS_PER_DAY = 86_400_000;
const MS_PER_MIN = 60_000;

/** A canonical IANA zone name, or an IontoError naming the field. Fixed offsets ("UTC+1", "+01:00") are refused. */
export function checkZone(tz: unknown, field = 'tz'): string {
  if (typeof tz !== 'string' || tz.trim() === '' || !IANAZone.isValidZone(tz)) {
    throw new IontoError(
      'ION_ERR_USAGE',
      `${field} must be an IANA time zone such as Europe/Berlin or America/New_York, got ${JSON.stringify(tz)}`,
      { field },
    );
  }
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

/** Day number (days since 1970-01-01) of a strict 'YYYY-MM-DD' calendar date, or an IontoError naming the field. */
export function parseDate(date: unknown, field = 'date'): number {
  const bad = () =>
    new IontoError('ION_ERR_USAGE', `${field} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(date)}`, {
      field,
    });
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw bad();
  const dt = DateTime.fromFormat(date, 'yyyy-MM-dd', { zone: 'utc' });
  if (!dt.isValid) throw bad();
  return Math.round(dt.toMillis() / MS_PER_DAY);
}

/** 'YYYY-MM-DD' of a day number. */
export const dateOf = (day: number): string => DateTime.fromMillis(day * MS_PER_DAY, { zone: 'utc' }).toISODate()!;

/** Weekday of a day number (1970-01-01 was a Thursday). */
export const weekdayOf = (day: number): Weekday => WEEKDAYS[(((day + 3) % 7) + 7) % 7]!;

/** Parse a weekday name ('mon', 'Monday', 'TUE'), or an IontoError naming the field. */
export function parseWeekday(raw: unknown, field = 'weekday'): Weekday {
  const s = typeof raw === 'string' ? raw.trim().toLowerCase().slice(0, 3) : '';
  const w = WEEKDAYS.find((d) => d === s);
  if (w === undefined || typeof raw !== 'string' || !/^[a-z]+$/i.test(raw.trim())) {
    throw new IontoError('ION_ERR_USAGE', `${field} must be a weekday (mon … sun), got ${JSON.stringify(raw)}`, {
      field,
    });
  }
  return w;
}

/** Parse a weekday set: 'mon-fri', 'mon,wed,fri', 'sat-mon' (wraps), 'all'. */
export function parseWeekdaySet(raw: string, field = 'weekdays'): Weekday[] {
  const s = raw.trim().toLowerCase();
  if (s === 'all') return [...WEEKDAYS];
  const out = new Set<Weekday>();
  for (const part of s.split(',')) {
    const [a, b, ...rest] = part.split('-');
    if (rest.length > 0 || a === undefined || a.trim() === '') {
      throw new IontoError('ION_ERR_USAGE', `${field} must be weekdays like mon-fri or mon,wed,fri, got "${raw}"`, {
        field,
      });
    }
    const from = WEEKDAYS.indexOf(parseWeekday(a, field));
    const to = b === undefined ? from : WEEKDAYS.indexOf(parseWeekday(b, field));
    for (let i = from; ; i = (i + 1) % 7) {
      out.add(WEEKDAYS[i]!);
      if (i === to) break;
    }
  }
  return WEEKDAYS.filter((d) => out.has(d));
}

/** Minutes after local midnight of a strict 'HH:MM' (00:00–23:59), or an IontoError naming the field. */
export function parseTimeOfDay(raw: unknown, field = 'time'): number {
  const m = typeof raw === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(raw) : null;
  if (!m) {
    throw new IontoError(
      'ION_ERR_USAGE',
      `${field} must be a local time HH:MM (00:00–23:59), got ${JSON.stringify(raw)}`,
      {
        field,
      },
    );
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Milliseconds since the epoch of an ISO 8601 instant that carries Z or an offset; an IontoError naming the field. */
export function parseInstant(raw: unknown, field = 'at'): number {
  const ok = typeof raw === 'string' && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw);
  const dt = ok ? DateTime.fromISO(raw, { setZone: true }) : undefined;
  if (!dt?.isValid) {
    throw new IontoError(
      'ION_ERR_USAGE',
      `${field} must be an ISO 8601 instant with Z or an offset (e.g. 2025-03-30T07:00:00Z), got ${JSON.stringify(raw)}`,
      { field },
    );
  }
  return dt.toMillis();
}

/** The local calendar day (day number) of an instant in a zone. */
export function localDayOf(epochMs: number, tz: string): number {
  return parseDate(DateTime.fromMillis(epochMs, { zone: tz }).toISODate());
}

export interface LocalInstant {
  /** The UTC instant, ISO 8601 with Z. */
  readonly utc: string;
  readonly epochMs: number;
  /** Local wall-clock time actually used, HH:MM. */
  readonly localTime: string;
  /** UTC offset in minutes at that instant (for display; never stored: the zone is). */
  readonly offsetMin: number;
  /** Why the local time differs from the one asked for, or why there were two candidates. */
  readonly note?: string;
}

/**
 * The UTC instant of a local date and time of day in an IANA zone, DST-safe. The rules follow Temporal's
 * 'compatible' disambiguation (and RFC 5545):
 * - a time that occurs twice (the fall-back hour) is the earlier of the two instants;
 * - a time that does not exist (the spring-forward gap) moves forward by the length of the gap
 *   (Berlin 02:30 on the last Sunday of March is 03:30 CEST; Santiago 00:00 on its DST day is 01:00);
 * - if moving forward would leave the date, the latest valid minute before the gap on that date is used;
 * - a date with no valid minute at all (Pacific/Apia skipped 2011-12-30) has no instant: undefined.
 * The local date is never changed here.
 */
export function localInstant(day: number, minuteOfDay: number, tz: string): LocalInstant | undefined {
  const zone = IANAZone.create(tz);
  /** Every instant whose local wall time in the zone is `wall`, earliest first (none in a gap, two in an overlap). */
  const instants = (wall: number): number[] =>
    [...new Set([zone.offset(wall - MS_PER_DAY), zone.offset(wall), zone.offset(wall + MS_PER_DAY)])]
      .map((o) => wall - o * MS_PER_MIN)
      .filter((t) => zone.offset(t) * MS_PER_MIN === wall - t)
      .sort((a, b) => a - b);
  const wall = day * MS_PER_DAY + minuteOfDay * MS_PER_MIN;
  const asked = hhmm(minuteOfDay);
  const build = (t: number, note?: string): LocalInstant => {
    const local = DateTime.fromMillis(t, { zone: tz });
    return {
      utc: DateTime.fromMillis(t, { zone: 'utc' }).toISO({ suppressMilliseconds: true })!,
      epochMs: t,
      localTime: local.toFormat('HH:mm'),
      offsetMin: local.offset,
      ...(note === undefined ? {} : { note }),
    };
  };
  const found = instants(wall);
  if (found.length > 0) {
    return build(
      found[0]!,
      found.length > 1
        ? `${asked} occurs twice on this date in ${tz} (clocks go back): the earlier one is used`
        : undefined,
    );
  }
  // In a gap: the offset in force before the transition moves the wall time forward by the gap.
  const before = zone.offset(wall - MS_PER_DAY);
  const forward = wall - before * MS_PER_MIN;
  if (localDayOf(forward, tz) === day) {
    return build(
      forward,
      `${asked} does not exist on this date in ${tz} (clocks go forward): moved to the end of the gap`,
    );
  }
  for (let m = minuteOfDay - 1; m >= 0; m--) {
    const back = instants(day * MS_PER_DAY + m * MS_PER_MIN)[0];
    if (back !== undefined && localDayOf(back, tz) === day) {
      return build(back, `${asked} does not exist on this date in ${tz}: the last minute before the gap is used`);
    }
  }
  return undefined;
}
