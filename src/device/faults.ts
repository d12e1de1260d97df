import type { MilliAmp, Millisecond } from '../units/quantities.js';

/** Faults the simulated device can be made to suffer, for tests, scenarios and the fault campaign. */
export type DeviceFault =
  /** Current sensor reads `offset` mA more than flows (signed). */
  | { readonly kind: 'sensor_offset'; readonly offset: MilliAmp }
  /** Current sensor repeats its last reading forever. */
  | { readonly kind: 'sensor_stuck' }
  /** DAC ignores new set points; the output holds its present level (or `level`, if given). */
  | { readonly kind: 'dac_stuck'; readonly level?: MilliAmp }
  /** Polarity relay stays where it is. */
  | { readonly kind: 'relay_stuck' }
  /** An electrode lead is disconnected: open circuit. */
  | { readonly kind: 'electrode_open' }
  /** The two electrodes are shorted together (the patient is bypassed). */
  | { readonly kind: 'short' }
  /** No telemetry for `duration`. */
  | { readonly kind: 'telemetry_dropout'; readonly duration: Millisecond }
  /** Telemetry arrives `delay` late from now on. */
  | { readonly kind: 'telemetry_delay'; readonly delay: Millisecond };

export type DeviceFaultKind = DeviceFault['kind'];
