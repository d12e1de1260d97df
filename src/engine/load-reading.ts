import type { Telemetry } from '../device/device.js';
import type { MilliAmp, Ohm, Volt } from '../units/quantities.js';

/**
 * Below this current a load is not read from V / I (mA): five times the simulated sensor's noise (σ 0.02 mA) and
 * four of its 0.024 mA steps.
 */
export const MEASURABLE_CURRENT = 0.1 as MilliAmp;

/**
 * A current source that delivers less than this share of its command (less a margin for the sensor and the DAC
 * offset at small commands) is up against an open circuit.
 */
const DELIVERED_SHARE_OPEN = 0.5;

export type CircuitReading = 'closed' | 'open' | 'short' | 'unknown';

/**
 * Classify the circuit from one sample and the command it was produced under. A current source that cannot
 * deliver half its command has no circuit to drive (open); otherwise the load is |V| / |I|, checked against the
 * short and open thresholds. With nothing commanded and nothing flowing, nothing can be said.
 */
export function readCircuit(
  tel: Telemetry,
  commanded: MilliAmp,
  shortBelow: Ohm,
  openAbove: Ohm,
): { reading: CircuitReading; load: Ohm } {
  const i = Math.abs(tel.current);
  const driven = commanded >= MEASURABLE_CURRENT && tel.flags.outputEnabled;
  // Less than half the command, by more than the sensor can misread and the DAC offset can take away: no circuit.
  if (driven && i < DELIVERED_SHARE_OPEN * commanded - MEASURABLE_CURRENT) {
    return { reading: 'open', load: Infinity as Ohm };
  }
  // At its compliance voltage with nothing measurable flowing: open, whatever the command (a small probe, or a
  // command already followed down to the little that flowed, would never pass the share test above).
  if (driven && tel.flags.compliance && i < MEASURABLE_CURRENT) return { reading: 'open', load: Infinity as Ohm };
  if (i >= MEASURABLE_CURRENT) {
    const load = ((Math.abs(tel.voltage) * 1000) / i) as Ohm;
    if (load < shortBelow) return { reading: 'short', load };
    if (load > openAbove) return { reading: 'open', load };
    return { reading: 'closed', load };
  }
  return { reading: 'unknown', load: NaN as Ohm };
}

/** Magnitude of the measured average current. */
export const measuredCurrent = (tel: Telemetry): MilliAmp => Math.abs(tel.current) as MilliAmp;
export const measuredVoltage = (tel: Telemetry): Volt => Math.abs(tel.voltage) as Volt;
