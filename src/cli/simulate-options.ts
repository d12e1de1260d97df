import { IontoError } from '../errors/catalogue.js';
import { integerOption, numberOption } from './cli-errors.js';

/** A number option inside [lo, hi] (or (lo, hi] with `openLow`), with the option named in the error (exit 2). */
export function rangedOption(
  name: string,
  raw: string | undefined,
  lo: number,
  hi: number,
  opts: { readonly openLow?: boolean; readonly integer?: boolean; readonly unit?: string } = {},
): number | undefined {
  const x = opts.integer === true ? integerOption(name, raw) : numberOption(name, raw);
  if (x === undefined) return undefined;
  const okLow = opts.openLow === true ? x > lo : x >= lo;
  if (!okLow || x > hi) {
    const unit = opts.unit === undefined ? '' : ` ${opts.unit}`;
    const range = opts.openLow === true ? `more than ${lo} and at most ${hi}` : `from ${lo} to ${hi}`;
    throw new IontoError('ION_ERR_USAGE', `${name} must be ${range}${unit}, got ${raw}`, { option: name });
  }
  return x;
}

/** A required option, named in the error (exit 2) when it is missing. */
export function required<T>(name: string, x: T | undefined): T {
  if (x === undefined) throw new IontoError('ION_ERR_USAGE', `${name} is required`, { option: name });
  return x;
}
