import type { Polarity } from '../physics/electrical-load.js';
import type { Fraction, Hertz, MilliAmp, MilliAmpPerSecond, Millisecond, Volt } from '../units/quantities.js';

export type { Polarity } from '../physics/electrical-load.js';

export type Waveform =
  { readonly kind: 'dc' } | { readonly kind: 'pulsed'; readonly frequency: Hertz; readonly duty: Fraction };

export const DC: Waveform = Object.freeze({ kind: 'dc' });

/** Duty cycle of a waveform: 1 for DC. */
export const dutyOf = (w: Waveform): number => (w.kind === 'dc' ? 1 : w.duty);

/** One command from the host. Every command is a lease: valid for `lease` after the device receives it. */
export interface DeviceCommand {
  /** Average output current (≥ 0). In pulsed mode the pulse amplitude is setpoint / duty. */
  readonly setpoint: MilliAmp;
  readonly lease: Millisecond;
  readonly polarity: Polarity;
  readonly waveform: Waveform;
  readonly outputEnabled: boolean;
  /** Host's command counter; echoed back in telemetry as `ackSeq`. */
  readonly seq: number;
}

export interface DeviceFlags {
  /** Hardware over-current trip latched; only a power cycle clears it. */
  readonly tripped: boolean;
  /** Output stage at its compliance voltage: the set point is not reached. */
  readonly compliance: boolean;
  /** The last lease ran out; the output ramps (or has ramped) to zero by itself. */
  readonly leaseExpired: boolean;
  /** Output switch state. */
  readonly outputEnabled: boolean;
}

/** One telemetry sample, averaged over the device's sample period. */
export interface Telemetry {
  /** Device time at the end of the sample window. */
  readonly t: Millisecond;
  readonly seq: number;
  /** Measured average current, signed: positive when current leaves through electrode A. */
  readonly current: MilliAmp;
  /** Measured average terminal voltage, signed like current. */
  readonly voltage: Volt;
  /** Largest measured current magnitude within the window. */
  readonly peakCurrent: MilliAmp;
  /** Polarity the device believes it has set (its relay drive, not a measurement). */
  readonly polarity: Polarity;
  /** Sequence number of the last command applied. */
  readonly ackSeq: number;
  readonly flags: DeviceFlags;
}

export interface DeviceInfo {
  readonly model: string;
  /** Largest average current the output stage can deliver. */
  readonly maxCurrent: MilliAmp;
  readonly compliance: Volt;
  /** Hardware over-current trip (not software-overridable). */
  readonly hardTrip: MilliAmp;
  /** Telemetry sample period, which is also the host's control period. */
  readonly samplePeriod: Millisecond;
  /** Rate at which the output falls to zero when the lease expires. */
  readonly leaseRamp: MilliAmpPerSecond;
  readonly supportsPulsed: boolean;
}

/**
 * State of the link to a device that can lose it (a serial line): `connected`, `lost` (nothing goes out; the
 * device's lease takes the output to zero), or `awaiting-rearm` (the link is back, commands still withheld).
 */
export type DeviceLinkState = 'connected' | 'lost' | 'awaiting-rearm';

/** Optional capability of a device whose link can drop and come back. A simulated device has none. */
export interface DeviceLink {
  state(): DeviceLinkState;
  /**
   * Let commands through again after the link came back (`awaiting-rearm` → `connected`). Refused (false) while
   * the device reports current flowing; the caller must then start from zero with a soft start.
   */
  rearm(): boolean;
}

/** The port the engine's runner drives. Simulated and serial devices implement it. */
export interface Device {
  readonly info: DeviceInfo;
  /** Present on devices whose link can drop (serial); absent means always connected. */
  readonly connection?: DeviceLink | undefined;
  /** Send a command; it takes effect at once and holds for its lease. */
  send(cmd: DeviceCommand): void;
  /** The newest telemetry sample not yet read, or undefined when none arrived since the last read. */
  read(): Telemetry | undefined;
}

/** A device whose time is driven by the caller (simulation). */
export interface ClockedDevice extends Device {
  /** Run the device (and the patient behind it) up to device time `t`. */
  advanceTo(t: Millisecond): void;
  now(): Millisecond;
}
