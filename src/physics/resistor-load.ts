import type { Fraction, MicroSiemensPerCm, MilliAmp, Ohm, Second, Volt } from '../units/quantities.js';
import type { ElectricalLoad, LoadSample, Polarity } from './electrical-load.js';

const OPEN_OHMS = 1e9;

/**
 * A plain resistor behind the electrodes: a bench load for device tests and the firmware emulator. Contact
 * scales the conductance linearly (fraction 0 is an open circuit). No skin, no polarisation.
 */
export class ResistorLoad implements ElectricalLoad {
  private ohms: number;
  private contactNow = 1;
  private contactTarget = 1;
  private contactRate = Infinity;

  constructor(resistance: Ohm) {
    this.ohms = resistance;
  }

  setResistance(r: Ohm): void {
    this.ohms = r;
  }

  private advanceContact(dt: number): void {
    if (this.contactNow === this.contactTarget) return;
    const step = this.contactRate * dt;
    const d = this.contactTarget - this.contactNow;
    this.contactNow = Math.abs(d) <= step ? this.contactTarget : this.contactNow + Math.sign(d) * step;
  }

  resistance(): Ohm {
    return (this.contactNow <= 0 ? OPEN_OHMS : this.ohms / this.contactNow) as Ohm;
  }

  driveCurrent(
    dt: Second,
    amplitude: MilliAmp,
    duty: number,
    polarity: Polarity,
    compliance: Volt,
    out: LoadSample,
  ): void {
    this.advanceContact(dt);
    const r = this.resistance();
    const reachable = (compliance * 1000) / r;
    const peak = amplitude < reachable ? amplitude : reachable;
    const sign = polarity === '+' ? 1 : -1;
    out.peakCurrent = peak as MilliAmp;
    out.peakVoltage = ((peak * r) / 1000) as Volt;
    out.current = (sign * peak * duty) as MilliAmp;
    out.voltage = (sign * out.peakVoltage * duty) as Volt;
    out.complianceLimited = amplitude > reachable;
  }

  driveVoltage(dt: Second, voltage: Volt, duty: number, polarity: Polarity, limit: MilliAmp, out: LoadSample): void {
    this.advanceContact(dt);
    const r = this.resistance();
    const free = (voltage * 1000) / r;
    const peak = free < limit ? free : limit;
    const sign = polarity === '+' ? 1 : -1;
    out.peakCurrent = peak as MilliAmp;
    out.peakVoltage = ((peak * r) / 1000) as Volt;
    out.current = (sign * peak * duty) as MilliAmp;
    out.voltage = (sign * out.peakVoltage * duty) as Volt;
    out.complianceLimited = false;
  }

  setContact(target: Fraction, transition?: Second): void {
    this.contactTarget = target;
    this.contactRate = transition && transition > 0 ? Math.abs(target - this.contactNow) / transition : Infinity;
    if (this.contactRate === Infinity) this.contactNow = target;
  }

  setWaterConductivity(_sigma: MicroSiemensPerCm): void {}
  setSweatRate(_factor: number): void {}

  contact(): Fraction {
    return this.contactNow as Fraction;
  }
}
