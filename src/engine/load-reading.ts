import type { Telemetry } from '../device/device.js';
import type { MilliAmp, Ohm, Volt } from '../units/quantities.js';

/**
 * Below this measured current a load cannot be read from V / I (mA): ten times the simulated sensor's noise
 * (σ 0.02 mA) and its 0.024 mA quantum, and half the smallest probe current of the library.
 */
export const MEASURABLE_CURRENT = 0.25 as MilliAmp;

export type CircuitReading = 'closed' | 'open' | 'short' | 'unknown';

/**
 * Classify the circuit from one telemetry sample: the load is |V| / |I| when enough current flows; a commanded
 * current that does not flow means an open circuit; with nothing commanded nothing can be said.
 */
export function readCircuit(
  tel: Telemetry,
  commanded: MilliAmp,
  shortBelow: Ohm,
  openAbove: Ohm,
): { reading: CircuitReading; load: Ohm } {
  const i = Math.abs(tel.current);
  if (i >= MEASURABLE_CURRENT) {
    const load = ((Math.abs(tel.voltage) * 1000) / i) as Ohm;
    if (load < shortBelow) return { reading: 'short', load };
    if (load > openAbove) return { reading: 'open', load };
    return { reading: 'closed', load };
  }
  if (commanded >= MEASURABLE_CURRENT * 1.2 && tel.flags.outputEnabled) {
    return { reading: 'open', load: Infinity as Ohm };
  }
  return { reading: 'unknown', load: NaN as Ohm };
}

/** Magnitude of the measured average current. */
export const measuredCurrent = (tel: Telemetry): MilliAmp => Math.abs(tel.current) as MilliAmp;
export const measuredVoltage = (tel: Telemetry): Volt => Math.abs(tel.voltage) as Volt;
