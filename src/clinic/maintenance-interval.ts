/**
 * Adaptive maintenance interval ("treat and extend").
 *
 * The protocol gives the interval between maintenance sessions as a value within [min, max] (tap water: 14 days
 * within 7–28, "every 2–4 weeks" [F5], "every 1–4 weeks" [77]). The sources give the range, not a rule for moving
 * within it; the rule here is a design decision, modelled on treat-and-extend dosing: shorten when the disease comes
 * back before the next session, lengthen only on recorded evidence that the patient stays dry.
 *
 * 1. Relapse sooner than the interval: a relapse recorded d days after the last session, with d < interval,
 *    shortens the interval by whole steps until it is shorter than d (at most d − 1 days), never below min.
 *    A relapse at or after the interval (the maintenance session came late) leaves the interval as it is.
 * 2. Long dry spell: a maintenance session reached with the patient recorded dry at least interval + step days
 *    after the previous session lengthens the interval by one step at once, never above max.
 * 3. Dry streak: two maintenance intervals in a row that end with the patient recorded dry (no relapse, and at
 *    least one dry record within the interval) lengthen the interval by one step, never above max.
 *    An interval without a dry record is no evidence either way: it resets the streak and changes nothing.
 * The step is one week, so a weekly clinic rhythm keeps its weekday.
 */

export interface IntervalBounds {
  /** The protocol's (or prescriber's) starting interval, days. */
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

export interface IntervalRule {
  /** Days added or removed at one step. */
  readonly stepDays: number;
  /** Dry intervals in a row before the interval is lengthened. */
  readonly extendAfter: number;
}

export const MAINTENANCE_RULE: IntervalRule = Object.freeze({ stepDays: 7, extendAfter: 2 });

export type IntervalChangeRule = 'relapse-early' | 'long-dry-spell' | 'dry-streak';

export interface IntervalChange {
  /** Local date of the relapse or maintenance session that moved the interval. */
  readonly date: string;
  readonly fromDays: number;
  readonly toDays: number;
  readonly rule: IntervalChangeRule;
  readonly reason: string;
}

export interface IntervalState {
  readonly intervalDays: number;
  /** Dry maintenance intervals in a row since the last change or relapse. */
  readonly dryStreak: number;
}

export const initialInterval = (b: IntervalBounds): IntervalState => ({ intervalDays: b.value, dryStreak: 0 });

const clamp = (x: number, b: IntervalBounds) => Math.min(b.max, Math.max(b.min, x));

/** Rule 1: a relapse `dryDays` after the last session. */
export function afterRelapse(
  s: IntervalState,
  b: IntervalBounds,
  dryDays: number,
  date: string,
  rule: IntervalRule = MAINTENANCE_RULE,
): { state: IntervalState; change?: IntervalChange } {
  if (dryDays >= s.intervalDays) return { state: { intervalDays: s.intervalDays, dryStreak: 0 } };
  const steps = Math.ceil((s.intervalDays - dryDays + 1) / rule.stepDays);
  const to = clamp(s.intervalDays - steps * rule.stepDays, b);
  const state = { intervalDays: to, dryStreak: 0 };
  if (to === s.intervalDays) return { state };
  return {
    state,
    change: {
      date,
      fromDays: s.intervalDays,
      toDays: to,
      rule: 'relapse-early',
      reason:
        `relapse ${dryDays} days after the last session, sooner than the ${s.intervalDays}-day interval: ` +
        `shortened to ${to} days` +
        (to === b.min && s.intervalDays - steps * rule.stepDays < b.min ? ` (the minimum)` : ''),
    },
  };
}

/**
 * Rules 2 and 3, at a maintenance session. `documentedDryDays` is how long after the previous session the patient
 * was last recorded dry within this interval, or undefined if there is no dry record in it.
 */
export function afterMaintenanceSession(
  s: IntervalState,
  b: IntervalBounds,
  documentedDryDays: number | undefined,
  date: string,
  rule: IntervalRule = MAINTENANCE_RULE,
): { state: IntervalState; change?: IntervalChange } {
  if (documentedDryDays === undefined) return { state: { intervalDays: s.intervalDays, dryStreak: 0 } };
  const longSpell = documentedDryDays >= s.intervalDays + rule.stepDays;
  const streak = s.dryStreak + 1;
  if (!longSpell && streak < rule.extendAfter) return { state: { intervalDays: s.intervalDays, dryStreak: streak } };
  const to = clamp(s.intervalDays + rule.stepDays, b);
  const state = { intervalDays: to, dryStreak: 0 };
  if (to === s.intervalDays) return { state };
  return {
    state,
    change: longSpell
      ? {
          date,
          fromDays: s.intervalDays,
          toDays: to,
          rule: 'long-dry-spell',
          reason: `recorded dry ${documentedDryDays} days after the previous session: lengthened to ${to} days`,
        }
      : {
          date,
          fromDays: s.intervalDays,
          toDays: to,
          rule: 'dry-streak',
          reason: `${streak} maintenance intervals in a row ended dry: lengthened to ${to} days`,
        },
  };
}
