import type { SimDrug, SimField, SimLimits } from './types';

/** What is wrong with a field, with the numbers its message needs (translated by the page). */
export type FieldProblem =
  | { kind: 'missing' }
  | { kind: 'notNumber' }
  | { kind: 'above'; min: number }
  | { kind: 'atLeast'; min: number }
  | { kind: 'atMost'; max: number }
  | { kind: 'density'; max: number; got: number }
  | { kind: 'charge'; max: number; got: number };

export interface FormText {
  drug: string;
  current_mA: string;
  minutes: string;
  area_cm2: string;
  electrode: string;
}

/** A number typed in any of the app's languages: a decimal comma is taken as a point. */
export const parseNumber = (text: string): number => (text.trim() === '' ? NaN : Number(text.trim().replace(',', '.')));

/**
 * The same limits the server applies (the model's DELIVERY_LIMITS and the Ag/AgCl anode's charge limit), checked as the
 * user types so each field says what is wrong before anything is sent; the server checks again.
 */
export function validate(
  f: FormText,
  limits: SimLimits,
  drug: SimDrug | undefined,
): Partial<Record<SimField, FieldProblem>> {
  const out: Partial<Record<SimField, FieldProblem>> = {};
  if (drug === undefined) out.drug = { kind: 'missing' };
  const num = (field: 'current_mA' | 'minutes' | 'area_cm2'): number | undefined => {
    const text = f[field];
    if (text.trim() === '') {
      out[field] = { kind: 'missing' };
      return undefined;
    }
    const v = parseNumber(text);
    if (!Number.isFinite(v)) {
      out[field] = { kind: 'notNumber' };
      return undefined;
    }
    return v;
  };
  const current = num('current_mA');
  const minutes = num('minutes');
  const area = num('area_cm2');
  if (current !== undefined) {
    if (current <= limits.current_mA.above) out.current_mA = { kind: 'above', min: limits.current_mA.above };
    else if (current > limits.current_mA.max) out.current_mA = { kind: 'atMost', max: limits.current_mA.max };
  }
  if (minutes !== undefined) {
    if (minutes <= limits.minutes.above) out.minutes = { kind: 'above', min: limits.minutes.above };
    else if (minutes > limits.minutes.max) out.minutes = { kind: 'atMost', max: limits.minutes.max };
  }
  if (area !== undefined) {
    if (area < limits.area_cm2.min) out.area_cm2 = { kind: 'atLeast', min: limits.area_cm2.min };
    else if (area > limits.area_cm2.max) out.area_cm2 = { kind: 'atMost', max: limits.area_cm2.max };
  }
  if (current !== undefined && area !== undefined && !out.current_mA && !out.area_cm2) {
    const density = current / area;
    if (density > limits.density_mA_per_cm2.max) {
      out.current_mA = { kind: 'density', max: limits.density_mA_per_cm2.max, got: density };
    } else if (minutes !== undefined && !out.minutes && typeof drug?.max_charge_mAmin_per_cm2 === 'number') {
      const perArea = (current * minutes) / area;
      if (f.electrode === 'ag-agcl' && perArea > drug.max_charge_mAmin_per_cm2) {
        out.minutes = { kind: 'charge', max: drug.max_charge_mAmin_per_cm2, got: perArea };
      }
    }
  }
  return out;
}

/** The field a server refusal names: a schema path (`/body/current_mA`) or a detail that starts with the field. */
export function fieldOfProblem(
  errors: readonly { path: string }[],
  detail: string,
  fields: readonly SimField[],
): SimField | undefined {
  for (const e of errors) {
    const name = e.path.split('/').pop();
    const hit = fields.find((f) => f === name);
    if (hit) return hit;
  }
  return fields.find((f) => detail.startsWith(`${f}:`));
}
