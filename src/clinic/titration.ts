import { IontoError } from '../errors/catalogue.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { zoneOf } from '../protocols/compile-plan.js';
import type { Protocol, ProtocolTitration, ProtocolZone } from '../protocols/protocol-schema.js';
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import { mA } from '../units/quantities.js';
import { parseInstant } from './local-calendar.js';
import { assessTolerance } from './tolerance.js';
import type { ToleranceEntry } from './tolerance.js';

/**
 * The next session's target current from the tolerance of the sessions before it (docs/home-treatment.md).
 *
 * The rule, with its numbers in the zone's `titration` block (each sourced there):
 * 1. stopped: a burn or vesicles recorded after the last clinician review → no session (current 0) [F5][U2][U3][U4];
 * 2. start: no usable history (no session, or only faults with nothing recorded) → `start_mA`;
 * 3. step-down: the latest usable session was uncomfortable (discomfort above `discomfort_max`, pain or redness), or
 *    was aborted with any discomfort (sensation "discomfort"/"pain" or a score above 0) → its current − `step_down_mA`;
 * 4. step-up: the last `comfortable_sessions` sessions all completed, comfortable, at the latest current → its
 *    current + `step_up_mA`, toward "the highest comfortable current" [D2];
 * 5. hold otherwise (not recorded, a pause asked for, a finding such as waterline irritation, too few comfortable
 *    sessions yet);
 * and always within the zone's current range, below min(zone maximum, max density × area, clinician's cap). A
 * clinician's pin fixes the current (still within those limits). A zone without `titration` runs at its own value
 * ('fixed').
 */

export type TitrationRule = ProtocolTitration;

export interface TitrationSession {
  /** ISO instant the session started. */
  readonly at: string;
  /** The target current it ran at. */
  readonly target: MilliAmp;
  readonly status: 'completed' | 'aborted' | 'fault' | 'interrupted';
  /** Absent: not recorded. */
  readonly tolerance?: ToleranceEntry;
}

export interface TitrationOverride {
  readonly pin?: MilliAmp;
  readonly cap?: MilliAmp;
  /** ISO instant of the last clinician review: burns or vesicles before it no longer stop the course. */
  readonly reviewedAt?: string;
}

export type TitrationStep = 'start' | 'step-up' | 'hold' | 'step-down' | 'pinned' | 'capped' | 'stopped' | 'fixed';

export interface TitrationResult {
  /** The next session's target (0 with step 'stopped'). */
  readonly current: MilliAmp;
  readonly step: TitrationStep;
  /** One sentence, with the source key(s). */
  readonly reason: string;
  /** The highest current allowed: min(zone max, max density × area, cap). */
  readonly limit: MilliAmp;
  /** No session until a clinician reviews (burn / vesicles). */
  readonly stopped: boolean;
}

/** Currents are set to 0.01 mA. */
const round = (x: number): number => Math.round(x * 100) / 100;
/** A limit to 0.01 mA, never above it. */
const floor = (x: number): number => {
  const r = round(x);
  return r <= x ? r : (Math.round(r * 100) - 1) / 100;
};
const fmt = (x: number): string => `${round(x)} mA`;

function checkOverride(zone: ProtocolZone, where: string, name: 'pin_mA' | 'cap_mA', v: number | undefined): void {
  if (v === undefined) return;
  const { min, max, source } = zone.current_mA;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `${name} ${String(v)} mA is outside ${min}–${max} mA for ${where} (${source})`,
      { field: name, min, max },
    );
  }
}

/** The zone's limit and what sets it. */
function limitOf(zone: ProtocolZone, cap: number | undefined): { limit: number; byCap: boolean; what: string } {
  const density = zone.max_density_mA_per_cm2.value * zone.area_cm2.value;
  const base = Math.min(zone.current_mA.max, density);
  const what =
    zone.current_mA.max <= density
      ? `the zone maximum ${fmt(zone.current_mA.max)} (${zone.current_mA.source})`
      : `${zone.max_density_mA_per_cm2.value} mA/cm² × ${zone.area_cm2.value} cm² (${zone.max_density_mA_per_cm2.source})`;
  if (cap !== undefined && cap < base) return { limit: cap, byCap: true, what: `the clinician's cap ${fmt(cap)}` };
  return { limit: base, byCap: false, what };
}

/** A session the rule can read: anything with a tolerance record, or a session that was not a fault. */
const usable = (s: TitrationSession): boolean => s.tolerance !== undefined || s.status !== 'fault';

function uncomfortable(s: TitrationSession, rule: TitrationRule | undefined): boolean {
  const t = s.tolerance;
  if (!t) return false;
  if (assessTolerance(t, rule?.discomfort_max.value).uncomfortable) return true;
  // An aborted session after any discomfort counts as uncomfortable: the patient stopped the current.
  return s.status === 'aborted' && (t.sensation === 'discomfort' || t.sensation === 'pain' || t.discomfort > 0);
}

const comfortable = (s: TitrationSession, rule: TitrationRule): boolean =>
  s.status === 'completed' &&
  s.tolerance !== undefined &&
  assessTolerance(s.tolerance, rule.discomfort_max.value).comfortable;

/**
 * The next session's target current for a zone of a protocol, from the zone's sessions so far (any order) and the
 * clinician's pin or cap. Throws IontoError ION_ERR_OUT_OF_RANGE (field 'pin_mA' / 'cap_mA') when a pin or cap lies
 * outside the zone's range, and ION_ERR_UNKNOWN_ZONE for a zone the protocol lacks.
 */
export function nextCurrent(
  protocol: Protocol,
  zone: string,
  history: readonly TitrationSession[],
  override: TitrationOverride = {},
): TitrationResult {
  const z = zoneOf(protocol, zone);
  const where = `${protocol.id}/${zone}`;
  checkOverride(z, where, 'pin_mA', override.pin);
  checkOverride(z, where, 'cap_mA', override.cap);
  const { limit, byCap, what } = limitOf(z, override.cap);
  const rule = z.titration;
  const reviewed = override.reviewedAt === undefined ? -Infinity : parseInstant(override.reviewedAt, 'reviewedAt');
  const sessions = history
    .map((s, i) => ({ s, t: parseInstant(s.at, `history[${i}].at`), i }))
    .sort((a, b) => a.t - b.t || a.i - b.i);
  const result = (current: number, step: TitrationStep, reason: string): TitrationResult => ({
    current: mA(current),
    step,
    // One sentence: it starts with a capital whatever clause led to it.
    reason: reason.charAt(0).toUpperCase() + reason.slice(1),
    limit: mA(floor(limit)),
    stopped: step === 'stopped',
  });

  const stop = sessions.find(
    ({ s, t }) => t > reviewed && (s.tolerance?.findings ?? []).some((f) => f === 'burn' || f === 'vesicles'),
  );
  if (stop) {
    const f = stop.s.tolerance!.findings.filter((x) => x === 'burn' || x === 'vesicles').join(' and ');
    return result(
      0,
      'stopped',
      `${f} recorded after the session of ${stop.s.at}: no session until a clinician reviews the skin ([F5][U2] blisters, [U3][U4] burns).`,
    );
  }
  /** Clamp into [zone min, limit]; a value cut down by the clinician's cap is reported as 'capped'. */
  const bounded = (x: number, step: TitrationStep, reason: string): TitrationResult => {
    const v = round(x);
    if (v > limit) {
      return result(floor(limit), byCap ? 'capped' : step === 'step-up' ? 'hold' : step, `${reason}; held at ${what}.`);
    }
    return result(Math.max(z.current_mA.min, v), step, `${reason}.`);
  };

  if (override.pin !== undefined) {
    return bounded(override.pin, 'pinned', `pinned by the clinician at ${fmt(override.pin)}`);
  }
  if (!rule) {
    return bounded(
      z.current_mA.value,
      'fixed',
      `${where} has no titration rule: the zone's ${fmt(z.current_mA.value)} (${z.current_mA.source})`,
    );
  }
  const used = sessions.map((x) => x.s).filter(usable);
  const last = used.at(-1);
  if (!last) {
    return bounded(
      rule.start_mA.value,
      'start',
      `no usable session yet: start low at ${fmt(rule.start_mA.value)} (${rule.start_mA.source})`,
    );
  }
  const at = last.target as number;
  if (uncomfortable(last, rule)) {
    const t = last.tolerance!;
    const why =
      last.status === 'aborted' && !assessTolerance(t, rule.discomfort_max.value).uncomfortable
        ? 'the session was aborted after discomfort'
        : `discomfort ${t.discomfort}/10${t.sensation === 'pain' ? ' with pain' : ''}${t.findings.includes('redness') ? ' and redness' : ''} (threshold ${rule.discomfort_max.value}, ${rule.discomfort_max.source})`;
    return bounded(
      Math.max(z.current_mA.min, at - rule.step_down_mA.value),
      'step-down',
      `${why} at ${fmt(at)}: one step of ${fmt(rule.step_down_mA.value)} down (${rule.step_down_mA.source})`,
    );
  }
  const n = rule.comfortable_sessions.value;
  const recent = used.slice(-n);
  const streak = recent.length === n && recent.every((s) => comfortable(s, rule) && round(s.target) === round(at));
  if (streak) {
    if (round(at) >= floor(limit)) {
      return result(
        floor(limit),
        byCap ? 'capped' : 'hold',
        `comfortable at ${fmt(at)}, already at ${what}; "highest comfortable current" [D2].`,
      );
    }
    return bounded(
      at + rule.step_up_mA.value,
      'step-up',
      `${n} comfortable session(s) without findings at ${fmt(at)}: one step of ${fmt(rule.step_up_mA.value)} up toward the highest comfortable current [D2] (${rule.step_up_mA.source})`,
    );
  }
  const why = !last.tolerance
    ? 'tolerance of the last session not recorded'
    : last.status !== 'completed'
      ? `the last session ended ${last.status}`
      : comfortable(last, rule)
        ? `${recent.filter((s) => comfortable(s, rule)).length} of ${n} comfortable session(s) needed at this current`
        : 'the last session was not comfortable enough to step up (a finding, a pause or a sensation beyond tingling)';
  return bounded(Math.max(z.current_mA.min, at), 'hold', `${why}: hold at ${fmt(at)}`);
}

/**
 * The plan choices (zone, current, minutes or dose) that compilePlan accepts for the titrated current. A timed zone
 * keeps its own minutes (10–30 min are equally effective [H6]). A dosed zone keeps its dose when the time that takes
 * at the titrated current lies within its duration range, and otherwise the dose nearest to it that does.
 */
export function titratedChoices(protocol: Protocol, zone: string, result: TitrationResult): PlanChoices {
  const z = zoneOf(protocol, zone);
  if (result.stopped || !(result.current > 0)) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `${protocol.id}/${zone}: the course is stopped until a clinician reviews it; no session can be planned`,
      { field: 'current' },
    );
  }
  const current = result.current;
  if (!z.dose_mAmin) {
    return { zone, current, minutes: z.duration_min!.value };
  }
  const d = z.dose_mAmin;
  let lo = d.min;
  let hi = d.max;
  if (z.duration_min) {
    lo = Math.max(lo, current * z.duration_min.min);
    hi = Math.min(hi, current * z.duration_min.max);
  }
  const dose = lo <= hi ? Math.min(hi, Math.max(lo, d.value)) : Math.min(d.max, Math.max(d.min, d.value));
  return { zone, current, dose: dose as MilliAmpMinute };
}
