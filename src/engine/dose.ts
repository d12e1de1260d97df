import type { MilliAmp, MilliAmpMinute, MilliAmpPerSecond } from '../units/quantities.js';

/**
 * Charge still delivered while ramping a current down to zero at a slope: I² / (2 × slope), in mA·min. The engine
 * starts its final ramp-down early by this much so that the session ends on the prescribed dose, not past it.
 */
export const rampDownCharge = (i: MilliAmp, slope: MilliAmpPerSecond): MilliAmpMinute =>
  (slope > 0 ? (i * i) / (2 * slope) / 60 : 0) as MilliAmpMinute;

/**
 * The largest current from which a ramp-down at `slope` still ends within `remaining` mA·min: the inverse of
 * `rampDownCharge`. The supervisor uses it as a smooth dose envelope.
 */
export const currentForRemainingCharge = (remaining: MilliAmpMinute, slope: MilliAmpPerSecond): MilliAmp =>
  (remaining > 0 ? Math.sqrt(2 * slope * remaining * 60) : 0) as MilliAmp;

/**
 * Charge a device delivers unseen by the host around a lost link, mA·ms: the current `i` held for `heldMs` (from the
 * last sample read until the loss was noticed, as commands sent meanwhile may still arrive, plus one more lease), then
 * the device's own ramp to zero at its lease ramp. Engine and supervisor each count it from their own readings: an
 * upper bound unless the device applies a command later than that, so the dose is not under-counted.
 */
export const unseenLinkCharge = (i: number, heldMs: number, leaseRamp: MilliAmpPerSecond): number =>
  i > 0 ? i * Math.max(0, heldMs) + rampDownCharge(i as MilliAmp, leaseRamp) * 60_000 : 0;
