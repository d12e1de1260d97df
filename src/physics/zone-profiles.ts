/**
 * Treatment zones and the skin types they put under the electrodes. A zone fixes the electrode setup (trays, wet
 * pads, small electrodes), the body path between the two sites, and the typical (median) skin of each site; the
 * virtual-patient generator draws the individual around these medians.
 *
 * The specific conductances below have no located source per zone. They are ASSUMPTIONS, calibrated so that the
 * whole circuit reproduces the sourced loads: palms 1.8–3.3 kΩ after minutes at 18–22 mA [16], 4–6 kΩ at first
 * contact [S1], recovery ≈ ×3 in 30 min [9]. They sit inside the range that unprepared skin spans at low frequency
 * (10 kΩ–1 MΩ for 1 cm² [1]), thinner skin being more conductive (palmar stratum corneum is much thicker than
 * forearm [32]).
 */
import type { MilliAmpPerSqCm, Second } from '../units/quantities.js';
import { mAPerCm2, minutes } from '../units/quantities.js';

export type Zone = 'palms' | 'soles' | 'axillae' | 'face' | 'pad';
export const ZONES: readonly Zone[] = Object.freeze(['palms', 'soles', 'axillae', 'face', 'pad']);

export const isZone = (x: unknown): x is Zone => typeof x === 'string' && (ZONES as readonly string[]).includes(x);

/** Median skin of one type (before the individual's draws). Specific conductances in µS/cm². */
export interface SkinType {
  readonly name: string;
  readonly nativeUSPerCm2: number;
  readonly sweatUSPerCm2: number;
  readonly conditionedUSPerCm2: number;
  /** Conductance gain from soaking (≤ 14 [11]). */
  readonly hydrationGain: number;
  readonly hydrationTau: Second;
  readonly dryingTau: Second;
  readonly conditioningHalfDensity: MilliAmpPerSqCm;
  readonly conditioningTau: Second;
  readonly recoveryTau: Second;
}

/**
 * Palmar and plantar (glabrous) skin: thick stratum corneum [32], dense eccrine glands. Medians calibrated to
 * [16] and [S1]; recovery time fitted so that R recovers ≈ ×3 in 30 min after a 20-minute session [9].
 */
export const GLABROUS: SkinType = Object.freeze({
  name: 'glabrous',
  nativeUSPerCm2: 1.8,
  sweatUSPerCm2: 1.0,
  conditionedUSPerCm2: 10,
  hydrationGain: 1.3,
  hydrationTau: minutes(5),
  dryingTau: minutes(15),
  conditioningHalfDensity: mAPerCm2(0.02),
  conditioningTau: minutes(4),
  recoveryTau: minutes(12),
});

/** Axillary skin: thin, hair follicles, eccrine and apocrine glands. ASSUMPTION (no per-zone source). */
export const AXILLARY: SkinType = Object.freeze({
  ...GLABROUS,
  name: 'axillary',
  nativeUSPerCm2: 10,
  sweatUSPerCm2: 4,
  conditionedUSPerCm2: 30,
});

/** Facial skin: thin, sebaceous. ASSUMPTION. */
export const FACIAL: SkinType = Object.freeze({
  ...GLABROUS,
  name: 'facial',
  nativeUSPerCm2: 15,
  sweatUSPerCm2: 1,
  conditionedUSPerCm2: 30,
});

/** Limb skin under a drug electrode (forearm, knee, elbow). ASSUMPTION. */
export const LIMB_SKIN: SkinType = Object.freeze({
  ...GLABROUS,
  name: 'limb',
  nativeUSPerCm2: 8,
  sweatUSPerCm2: 0.5,
  conditionedUSPerCm2: 25,
});

/** How the body path between the two sites is composed. */
export type BodyPath =
  /** arm – torso – arm, palms [15] */
  | 'limb-torso-limb'
  /** one arm and the upper trunk/neck (face to a hand-held return electrode), ASSUMPTION: limb + torso / 2 */
  | 'limb-half-torso'
  /** across the chest, axilla to axilla [15] */
  | 'torso'
  /** a short path within one region (drug electrode and its return on one limb): internal body ≈ 300 Ω [14] */
  | 'internal';

export const SKIN_TYPES = Object.freeze({ GLABROUS, AXILLARY, FACIAL, LIMB_SKIN });
