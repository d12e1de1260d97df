import { IontoError, isIontoError } from '../errors/catalogue.js';

/** Exit codes of the command line. */
export const EXIT = {
  ok: 0,
  /** The session ended on a latched fault. */
  fault: 1,
  /** Usage error: bad option, unknown protocol or zone, out-of-range value, malformed file. Nothing was started. */
  usage: 2,
  /** The session was stopped (by the operator, a timeout or a lost contact that never came back). */
  aborted: 3,
} as const;

const USAGE_CODES = new Set([
  'ION_ERR_USAGE',
  'ION_ERR_UNKNOWN_PROTOCOL',
  'ION_ERR_UNKNOWN_ZONE',
  'ION_ERR_OUT_OF_RANGE',
  'ION_ERR_SCENARIO',
  'ION_ERR_PROTOCOL_INVALID',
  'ION_ERR_INVALID_PLAN',
  'ION_ERR_ANSWERS_INVALID',
]);

/** Exit code for an error thrown before or during a command. */
export const exitCodeFor = (e: unknown): number =>
  isIontoError(e) && USAGE_CODES.has(e.code)
    ? EXIT.usage
    : isIontoError(e) && e.code === 'ION_ERR_CONTRAINDICATED'
      ? EXIT.aborted
      : EXIT.fault;

/** A number option: plain decimal only, finite, with the option named in the error. */
export function numberOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    throw new IontoError('ION_ERR_USAGE', `${name} must be a number, got "${raw}"`, { option: name });
  }
  return Number(s);
}

export function integerOption(name: string, raw: string | undefined): number | undefined {
  const n = numberOption(name, raw);
  if (n !== undefined && !Number.isSafeInteger(n)) {
    throw new IontoError('ION_ERR_USAGE', `${name} must be a whole number, got "${raw}"`, { option: name });
  }
  return n;
}
