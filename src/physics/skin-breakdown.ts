import type { Volt } from '../units/quantities.js';

/**
 * High-voltage breakdown of the skin: the conductance of a site is multiplied by a factor that is exactly 1 below
 * the appendageal onset and rises smoothly (C², no discontinuity in value, slope or curvature) to the full factor:
 * appendageal-duct electroporation from ~30 V [6], lipid-matrix breakdown from ~50 V [12], up to 3 orders of
 * magnitude in all [6]. The transition shape (a quintic smoothstep) is an ASSUMPTION.
 */
export interface BreakdownParams {
  /** Site voltage where appendageal breakdown begins ([6]: ~30 V). */
  readonly appendagealOnset: Volt;
  /** Width of the appendageal transition (ASSUMPTION). */
  readonly appendagealWidth: Volt;
  /** Added conductance factor once the appendageal pathway is fully open (ASSUMPTION: 9, i.e. 10×). */
  readonly appendagealGain: number;
  /** Site voltage where lipid-matrix breakdown begins ([12]: above 50 V). */
  readonly lipidOnset: Volt;
  /** Width of the lipid transition (ASSUMPTION). */
  readonly lipidWidth: Volt;
  /** Added conductance factor once the lipid matrix has broken down (total up to 1000× [6]). */
  readonly lipidGain: number;
}

/** Quintic smoothstep on [0, 1]: 0 below, 1 above, C² in between. No exp, so cheap enough for the slow loop. */
export const smoothstep = (t: number): number => (t <= 0 ? 0 : t >= 1 ? 1 : t * t * t * (t * (6 * t - 15) + 10));

/** Conductance multiplier for a site voltage of magnitude `v` (≥ 1; 1 + appendagealGain + lipidGain at most). */
export const breakdownFactor = (v: number, p: BreakdownParams): number => {
  const a = v < 0 ? -v : v;
  return (
    1 +
    p.appendagealGain * smoothstep((a - p.appendagealOnset) / p.appendagealWidth) +
    p.lipidGain * smoothstep((a - p.lipidOnset) / p.lipidWidth)
  );
};
