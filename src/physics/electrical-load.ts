import type { Fraction, MicroSiemensPerCm, MilliAmp, Ohm, Second, Volt } from '../units/quantities.js';

/** Polarity of electrode A (the treatment electrode): '+' makes A the anode, '-' makes A the cathode. */
export type Polarity = '+' | '-';

/**
 * What the output stage reads back after one integration step. Written into a caller-owned object so that the
 * 1 ms physics step allocates nothing.
 */
export interface LoadSample {
  /** Average current over the step, signed: positive when current leaves through electrode A. */
  current: MilliAmp;
  /** Average terminal voltage over the step, signed like `current`. */
  voltage: Volt;
  /** Peak current magnitude during the step (pulsed DC: the pulse amplitude actually reached). */
  peakCurrent: MilliAmp;
  /** Peak terminal voltage magnitude during the step. */
  peakVoltage: Volt;
  /** True when the source could not deliver the requested current within its compliance voltage. */
  complianceLimited: boolean;
}

export const emptyLoadSample = (): LoadSample => ({
  current: 0 as MilliAmp,
  voltage: 0 as Volt,
  peakCurrent: 0 as MilliAmp,
  peakVoltage: 0 as Volt,
  complianceLimited: false,
});

/**
 * The patient circuit seen from the device terminals: electrode → water/pad → skin → body → skin → water/pad →
 * electrode. Implemented by the virtual patient; driven by the simulated device's output stage at 1 ms or finer.
 */
export interface ElectricalLoad {
  /**
   * Drive with a current source for `dt`. `amplitude` is the pulse amplitude (for DC, the current), `duty` the
   * fraction of time it is on (1 for DC). The source cannot exceed `compliance` volts at its terminals.
   */
  driveCurrent(
    dt: Second,
    amplitude: MilliAmp,
    duty: number,
    polarity: Polarity,
    compliance: Volt,
    out: LoadSample,
  ): void;
  /** Drive with a voltage source (used by the constant-voltage baseline controller), current-limited at `limit`. */
  driveVoltage(dt: Second, voltage: Volt, duty: number, polarity: Polarity, limit: MilliAmp, out: LoadSample): void;
  /** Set the target contact fraction (immersed / covered); contact moves there over `transition` seconds. */
  setContact(target: Fraction, transition?: Second): void;
  /** Change the tray water (or pad solution) conductivity. */
  setWaterConductivity(sigma: MicroSiemensPerCm): void;
  /** Scale the sweat rate (1 = the patient's baseline); the sweat-duct shunt scales with it. */
  setSweatRate(factor: number): void;
  /** Present contact fraction. */
  contact(): Fraction;
  /** Present DC load resistance at the terminals (ground truth for traces; a device cannot read this directly). */
  resistance(): Ohm;
}
