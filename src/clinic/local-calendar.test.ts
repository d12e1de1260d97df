import { describe, expect, it } from 'vitest';
import { IontoError } from '../errors/catalogue.js';
import {
  checkZone,
  dateOf,
  localDayOf,
  localInstant,
  parseDate,
  parseInstant,
  parseTimeOfDay,
  parseWeekdaySet,
  weekdayOf,
} from './local-calendar.js';

const at = (date: string, time: string, tz: string) => localInstant(parseDate(date), parseTimeOfDay(time), tz);

describe('local dates and instants', () => {
  it('counts days on the calendar, not in 24-hour steps', () => {
    expect(dateOf(parseDate('2025-03-29') + 2)).toBe('2025-03-31');
    expect(weekdayOf(parseDate('1970-01-01'))).toBe('thu');
    expect(weekdayOf(parseDate('2025-03-30'))).toBe('sun');
    expect(dateOf(parseDate('2024-02-28') + 1)).toBe('2024-02-29');
  });

  it.each([
    // [zone, date, local time, UTC instant, local time used]
    ['Europe/Berlin', '2025-03-29', '09:00', '2025-03-29T08:00:00Z', '09:00'],
    ['Europe/Berlin', '2025-03-30', '09:00', '2025-03-30T07:00:00Z', '09:00'],
    ['Europe/Berlin', '2025-03-30', '02:30', '2025-03-30T01:30:00Z', '03:30'],
    ['Europe/Berlin', '2025-10-25', '09:00', '2025-10-25T07:00:00Z', '09:00'],
    ['Europe/Berlin', '2025-10-26', '09:00', '2025-10-26T08:00:00Z', '09:00'],
    ['Europe/Berlin', '2025-10-26', '02:30', '2025-10-26T00:30:00Z', '02:30'],
    ['America/New_York', '2025-03-08', '09:00', '2025-03-08T14:00:00Z', '09:00'],
    ['America/New_York', '2025-03-09', '09:00', '2025-03-09T13:00:00Z', '09:00'],
    ['America/New_York', '2025-03-09', '02:15', '2025-03-09T07:15:00Z', '03:15'],
    ['America/New_York', '2025-11-02', '01:30', '2025-11-02T05:30:00Z', '01:30'],
    ['America/New_York', '2025-11-02', '09:00', '2025-11-02T14:00:00Z', '09:00'],
    ['America/Santiago', '2024-09-08', '00:00', '2024-09-08T04:00:00Z', '01:00'],
    ['America/Santiago', '2025-04-05', '23:30', '2025-04-06T02:30:00Z', '23:30'],
    ['Asia/Beirut', '2025-03-30', '00:00', '2025-03-29T22:00:00Z', '01:00'],
    ['Asia/Beirut', '2025-03-30', '00:45', '2025-03-29T22:45:00Z', '01:45'],
  ])('%s %s %s local is %s (local %s)', (tz, date, time, utc, local) => {
    const r = at(date, time, tz)!;
    expect(r.utc).toBe(utc);
    expect(r.localTime).toBe(local);
    expect(dateOf(localDayOf(r.epochMs, tz))).toBe(date);
    if (local !== time) expect(r.note).toMatch(/does not exist/);
  });

  it('takes the earlier of two instants in the hour that happens twice, and says so', () => {
    expect(at('2025-10-26', '02:30', 'Europe/Berlin')!.note).toMatch(/occurs twice.*earlier/);
    expect(at('2025-11-02', '01:30', 'America/New_York')!.offsetMin).toBe(-240);
  });

  it('has no instant on a date the zone skipped (Pacific/Apia, 2011-12-30)', () => {
    expect(at('2011-12-30', '09:00', 'Pacific/Apia')).toBeUndefined();
    expect(at('2011-12-31', '09:00', 'Pacific/Apia')!.utc).toBe('2011-12-30T19:00:00Z');
  });
});

describe('input checks name the field', () => {
  const fails = (f: () => unknown, message: RegExp) => {
    expect(f).toThrow(IontoError);
    expect(f).toThrow(message);
  };
  it.each(['2025-02-30', '2025-2-3', '25-03-01', '2025-03-01T00:00', '', 'tomorrow'])('refuses date %j', (d) =>
    fails(() => parseDate(d, 'start'), /^start must be a calendar date YYYY-MM-DD/),
  );
  it.each(['UTC+1', '+01:00', 'Mars/Olympus', '', 'CET+1'])('refuses zone %j', (z) =>
    fails(() => checkZone(z), /^tz must be an IANA time zone/),
  );
  it('returns the canonical zone name', () => {
    expect(checkZone('europe/berlin')).toBe('Europe/Berlin');
    expect(checkZone('UTC')).toBe('UTC');
  });
  it.each(['9:00', '24:00', '09:60', '0900'])('refuses time %j', (t) =>
    fails(() => parseTimeOfDay(t, 'time'), /^time must be a local time HH:MM/),
  );
  it.each(['2025-03-30T07:00:00', '2025-03-30', 'now'])('refuses an instant without a zone: %j', (t) =>
    fails(() => parseInstant(t, 'now'), /^now must be an ISO 8601 instant with Z or an offset/),
  );
  it('reads weekday sets, ranges wrap', () => {
    expect(parseWeekdaySet('mon-fri')).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(parseWeekdaySet('sat-mon')).toEqual(['mon', 'sat', 'sun']);
    expect(parseWeekdaySet('Monday,wed,FRI')).toEqual(['mon', 'wed', 'fri']);
    fails(() => parseWeekdaySet('mon-fri-sat', 'days'), /^days must be weekdays/);
    fails(() => parseWeekdaySet('funday', 'days'), /^days must be a weekday/);
  });
});
