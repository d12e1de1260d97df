/** zod pieces the clinic, user, device, account and audit routes share. */
import { z } from 'zod';
import { assertTimeZone, MAX_PAGE } from '../store/index.js';

/** C0 and C1 control characters (NUL included, which PostgreSQL's text cannot hold) and lone UTF-16 surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

/**
 * A short human text (a name): trimmed, 1 to `max` characters, no control characters. Anything else, markup and
 * SQL included, is kept verbatim: it is data, bound as a parameter and never interpreted.
 */
export const PlainText = (max = 200) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !UNPRINTABLE.test(s), 'must not contain control characters or unpaired surrogates');

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      assertTimeZone(zone);
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Berlin');

/** The length of a string in Unicode code points, as NIST SP 800-63B counts password length. */
const codePoints = (s: string): number => [...s].length;

/**
 * A new password: at least 15 characters (NIST SP 800-63B-4 §3.1.1.2: passwords used as the only factor are at
 * least 15 characters; no composition rules) and at most 1024, the longest the sign-in route accepts.
 */
export const NewPassword = z
  .string()
  .max(1024)
  .refine((s) => codePoints(s) >= 15, 'at least 15 characters')
  .refine((s) => !/\p{Cs}/u.test(s), 'must not contain unpaired surrogates');

export const Email = z.email().max(320);

/** A row id (the store's are UUIDs): letters, digits and `_.:-`, so an id never carries markup or quotes. */
export const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'an id');

export const IdParams = z.object({ id: Id });

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().max(200).optional(),
};

/** Bodies of the account, clinic, user and device routes are small: 16 KiB is ample, and more is refused (413). */
export const SMALL_BODY = 16 * 1024;
