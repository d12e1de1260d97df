import { IontoError } from '../errors/catalogue.js';

/*
 * Exact age from a date of birth, with no dependency beyond the error catalogue, so the web app computes the age it
 * shows by the very rule the screening compares (it imports this module).
 */

const show = (x: string): string => {
  const s = JSON.stringify(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function calendarDay(s: string, what: string): { y: number; m: number; d: number; t: number } {
  const m = DATE_RE.exec(s);
  const [y, mo, d] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (!m || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new IontoError('ION_ERR_USAGE', `${what} must be a calendar date YYYY-MM-DD, got ${show(s)}`);
  }
  return { y, m: mo, d, t };
}

/** The birthday in a given year; 29 February falls on 1 March in common years. */
const birthdayIn = (year: number, month: number, day: number): number => Date.UTC(year, month - 1, day);

/**
 * Exact age in years on a calendar day, from the date of birth (both `YYYY-MM-DD`): the whole years reached plus the
 * fraction of the current year of life, counted in days. On a birthday it is a whole number exactly (6, never
 * 5.9999…); the day before it is below (5 + 365/366 on the eve of a 6th birthday after a leap day). A 29 February
 * birthday falls on 1 March in common years.
 */
export function ageInYears(birthDate: string, onDate: string): number {
  const b = calendarDay(birthDate, 'date of birth');
  const o = calendarDay(onDate, 'date');
  if (o.t < b.t) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `date of birth ${birthDate} is after ${onDate}`);
  }
  let years = o.y - b.y;
  if (o.t < birthdayIn(o.y, b.m, b.d)) years -= 1;
  const last = birthdayIn(b.y + years, b.m, b.d);
  const next = birthdayIn(b.y + years + 1, b.m, b.d);
  return years + (o.t - last) / (next - last);
}
