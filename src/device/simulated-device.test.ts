import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { ResistorLoad } from '../physics/resistor-load.js';
import { hertz, fraction, kOhm, mA, ms, ohm, volt, type Millisecond } from '../units/quantities.js';
import { DC, type DeviceCommand, type Telemetry, type Waveform } from './device.js';
import { IDEAL_DEVICE, SimulatedDevice, type SimulatedDeviceOptions } from './simulated-device.js';

const pulsed = (duty: number): Waveform => ({ kind: 'pulsed', frequency: hertz(1000), duty: fraction(duty) });

let seq = 0;
const command = (o: Partial<DeviceCommand> = {}): DeviceCommand => ({
  setpoint: mA(0),
  lease: ms(100),
  polarity: '+',
  waveform: DC,
  outputEnabled: true,
  seq: seq++,
  ...o,
});

const ideal = (load = new ResistorLoad(kOhm(2)), o: SimulatedDeviceOptions = {}): SimulatedDevice =>
  new SimulatedDevice(load, { ...IDEAL_DEVICE, ...o });

/** A host that renews the same command every sample period until device time `until`, reading every sample. */
const hold = (d: SimulatedDevice, c: Partial<DeviceCommand>, until: number): Telemetry[] => {
  const samples: Telemetry[] = [];
  const period = d.info.samplePeriod;
  while (d.now() < until) {
    d.send(command(c));
    d.advanceTo(ms(Math.min(d.now() + period, until)));
    const s = d.read();
    if (s) samples.push(s);
  }
  return samples;
};

/** Run without commands, reading every sample period. */
const coast = (d: SimulatedDevice, until: number): Telemetry[] => {
  const samples: Telemetry[] = [];
  while (d.now() < until) {
    d.advanceTo(ms(Math.min(d.now() + d.info.samplePeriod, until)));
    const s = d.read();
    if (s) samples.push(s);
  }
  return samples;
};

const last = <T>(xs: readonly T[]): T => {
  const x = xs[xs.length - 1];
  if (x === undefined) throw new Error('empty');
  return x;
};

describe('SimulatedDevice: output stage', () => {
  it('publishes the reference limits: 30 mA [F4], 60 V [S1], 35 mA trip [H1], 20 ms period', () => {
    const d = new SimulatedDevice(new ResistorLoad(kOhm(2)));
    expect(d.info).toMatchObject({
      maxCurrent: 30,
      compliance: 60,
      hardTrip: 35,
      samplePeriod: 20,
      supportsPulsed: true,
    });
    expect(d.now()).toBe(0);
  });

  it('delivers the set point into a resistor and reports current, voltage and peak', () => {
    const d = ideal();
    const samples = hold(d, { setpoint: mA(15) }, 1000);
    const s = last(samples);
    expect(s.current).toBeCloseTo(15, 9);
    expect(s.voltage).toBeCloseTo(30, 9); // 15 mA × 2 kΩ
    expect(s.peakCurrent).toBeCloseTo(15, 9);
    expect(s.polarity).toBe('+');
    expect(s.flags).toEqual({ tripped: false, compliance: false, leaseExpired: false, outputEnabled: true });
    const truth = d.truth();
    expect(truth.current).toBeCloseTo(15, 9);
    expect(truth.voltage).toBeCloseTo(30, 9);
    expect(truth.resistance).toBe(2000);
    expect(truth.contact).toBe(1);
  });

  it('misses the set point by its seeded calibration error, so the host must regulate on the measurement', () => {
    const d = new SimulatedDevice(new ResistorLoad(kOhm(2)), { seed: 11 });
    expect(Math.abs(d.dacGain - 1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(d.dacOffset)).toBeLessThanOrEqual(0.05);
    expect(d.dacGain).not.toBe(1);
    const s = last(hold(d, { setpoint: mA(15) }, 1000));
    const truth = d.truth();
    expect(truth.current).toBeCloseTo(15 * d.dacGain + d.dacOffset, 9);
    // The measurement follows the true current, not the set point: within noise (σ 0.02 mA) and one ADC step.
    expect(Math.abs(s.current - truth.current)).toBeLessThan(5 * 0.02 + 100 / 4096);
  });

  it('reproduces calibration and noise exactly for a seed, and differs for another seed', () => {
    const trace = (seed: number) =>
      hold(new SimulatedDevice(new ResistorLoad(kOhm(2)), { seed }), { setpoint: mA(10) }, 400);
    seq = 0;
    const a = trace(5);
    seq = 0;
    const b = trace(5);
    seq = 0;
    const c = trace(6);
    expect(a).toEqual(b);
    expect(a.map((s) => s.current)).not.toEqual(c.map((s) => s.current));
  });

  it('caps the average current at maxCurrent whatever is commanded', () => {
    const d = ideal();
    hold(d, { setpoint: mA(50) }, 500);
    expect(d.truth().current).toBeCloseTo(30, 9);
  });

  it('limits the DAC slew to 2 mA per millisecond', () => {
    const d = ideal(undefined, { info: { samplePeriod: ms(1) } });
    d.send(command({ setpoint: mA(9), lease: ms(1000) }));
    const seen: number[] = [];
    for (let t = 1; t <= 6; t++) {
      d.advanceTo(ms(t));
      seen.push(d.truth().current);
    }
    expect(seen.map((x) => +x.toFixed(9))).toEqual([2, 4, 6, 8, 9, 9]);
  });

  it('cuts the output at once when the output is disabled (a hardware switch)', () => {
    const d = ideal();
    hold(d, { setpoint: mA(20) }, 200);
    expect(d.truth().current).toBeCloseTo(20, 9);
    d.send(command({ setpoint: mA(20), outputEnabled: false }));
    d.advanceTo(ms(220));
    expect(d.truth().current).toBe(0); // the whole window after the switch, not a ramp
    expect(d.read()?.flags.outputEnabled).toBe(false);
  });

  it('parks the DAC while the output is disabled, so enabling it again starts from zero', () => {
    const d = ideal(undefined, { info: { samplePeriod: ms(1) } });
    d.send(command({ setpoint: mA(10), lease: ms(1000), outputEnabled: false }));
    d.advanceTo(ms(50));
    expect(d.truth().current).toBe(0);
    expect(d.truth().dacLevel).toBe(0);
    d.send(command({ setpoint: mA(10), lease: ms(1000) }));
    d.advanceTo(ms(51));
    expect(d.truth().current).toBeCloseTo(2, 9); // slewing up from zero, not a 10 mA step
  });

  it('flags compliance when the load needs more than 60 V for the set point', () => {
    const d = ideal(new ResistorLoad(kOhm(5)));
    const s = last(hold(d, { setpoint: mA(20) }, 500));
    expect(s.flags.compliance).toBe(true);
    expect(s.current).toBeCloseTo(12, 9); // 60 V / 5 kΩ
    expect(s.voltage).toBeCloseTo(60, 9);
  });

  it('sees an open circuit when contact is lost: no current, the voltage at compliance', () => {
    const load = new ResistorLoad(kOhm(2));
    const d = ideal(load);
    hold(d, { setpoint: mA(10) }, 500);
    load.setContact(fraction(0));
    const s = last(hold(d, { setpoint: mA(10) }, 600));
    expect(Math.abs(s.current)).toBeLessThan(1e-3);
    expect(s.flags.compliance).toBe(true);
    expect(d.truth().contact).toBe(0);
  });

  it('reports the average current and its peak in pulsed mode; amplitude = set point / duty', () => {
    const d = ideal();
    const s = last(hold(d, { setpoint: mA(10), waveform: pulsed(0.5) }, 500));
    expect(s.current).toBeCloseTo(10, 9);
    expect(s.peakCurrent).toBeCloseTo(20, 9);
    expect(d.truth().peakCurrent).toBeCloseTo(20, 9);
  });

  it('integrates the true delivered charge at 1 ms: 15 mA for a minute is 15 mA·min', () => {
    const d = ideal();
    hold(d, { setpoint: mA(15) }, 60_000);
    // The slew from zero costs 7.5 ms × 7.5 mA on average: about 1e-3 mA·min.
    expect(d.truth().deliveredCharge).toBeCloseTo(15, 2);
    expect(d.truth().netCharge).toBeCloseTo(15, 2);
    expect(d.truth().maxAverageCurrent).toBeCloseTo(15, 9);
    expect(d.truth().maxPeakCurrent).toBeCloseTo(15, 9);
  });
});

describe('SimulatedDevice: telemetry', () => {
  it('emits one sample per sample period, stamped with the end of its window', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(5), lease: ms(10_000) }));
    d.advanceTo(ms(10));
    expect(d.read()).toBeUndefined();
    d.advanceTo(ms(20));
    const first = d.read();
    expect(first?.t).toBe(20);
    expect(d.read()).toBeUndefined(); // read once
    d.advanceTo(ms(100));
    const s = d.read();
    expect(s?.t).toBe(100); // the newest of the four windows
    expect(s?.seq).toBe((first?.seq ?? 0) + 4);
  });

  it('echoes the sequence number of the last command it applied', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(5), seq: 41 }));
    d.advanceTo(ms(20));
    expect(d.read()?.ackSeq).toBe(41);
  });

  it('quantises the reading to the 12-bit ADC step over ±50 mA', () => {
    const d = ideal(undefined, { adc: { bits: 12 } });
    const s = last(hold(d, { setpoint: mA(12.345) }, 400));
    const lsb = 100 / 4096;
    expect(Math.abs(s.current / lsb - Math.round(s.current / lsb))).toBeLessThan(1e-9);
    expect(Math.abs(s.current - 12.345)).toBeLessThanOrEqual(lsb / 2 + 1e-12);
  });

  it('adds Gaussian noise of the configured σ once per sample', () => {
    const d = new SimulatedDevice(new ResistorLoad(kOhm(2)), {
      seed: 3,
      calibration: { gain: 1, offset: mA(0) },
      adc: { bits: 0 },
    });
    const samples = hold(d, { setpoint: mA(10) }, 40_000).slice(5);
    const err = samples.map((s) => s.current - 10);
    const mean = err.reduce((a, b) => a + b, 0) / err.length;
    const sd = Math.sqrt(err.reduce((a, b) => a + (b - mean) ** 2, 0) / err.length);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(sd).toBeGreaterThan(0.017);
    expect(sd).toBeLessThan(0.023);
  });
});

describe('SimulatedDevice: lease', () => {
  it('ramps the output to zero by itself when the lease lapses', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(20), lease: ms(100) }));
    d.advanceTo(ms(100));
    expect(d.truth().current).toBeCloseTo(20, 9);
    coast(d, 1100);
    // 1 s after the lapse at 10 mA/s: about 10 mA (the window average of 1080–1100 ms).
    expect(d.truth().current).toBeCloseTo(10.1, 1);
    const s = d.read() ?? last(coast(d, 1120));
    expect(s.flags.leaseExpired).toBe(true);
    coast(d, 2200);
    expect(d.truth().current).toBe(0);
    expect(d.events().map((e) => [e.t, e.code])).toContainEqual([100, 'ION_ERR_LEASE_EXPIRED']);
  });

  it('opens the output switch once the lease ramp reaches zero', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(5), lease: ms(50) }));
    const samples = coast(d, 1000);
    expect(last(samples).flags).toMatchObject({ leaseExpired: true, outputEnabled: false });
  });

  it('clears leaseExpired with the next command', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(5), lease: ms(20) }));
    coast(d, 200);
    d.send(command({ setpoint: mA(5), lease: ms(100) }));
    d.advanceTo(ms(220));
    expect(d.read()?.flags).toMatchObject({ leaseExpired: false, outputEnabled: true });
  });

  it('leaves no current flowing when the host stops renewing the lease', () => {
    const d = ideal();
    hold(d, { setpoint: mA(30), lease: ms(100) }, 5000);
    expect(d.truth().current).toBeCloseTo(30, 9);
    // The host is gone: lease 100 ms, then 30 mA at 10 mA/s = 3 s.
    coast(d, 5000 + 100 + 3000 + 20);
    expect(d.truth().current).toBe(0);
    const charge = d.truth().deliveredCharge;
    coast(d, 20_000);
    expect(d.truth().deliveredCharge).toBe(charge);
    expect(d.truth().maxPeakCurrent).toBeCloseTo(30, 9);
  });

  it('ignores an invalid command, logs it, and lets the previous lease run out', () => {
    const d = ideal();
    d.send(command({ setpoint: mA(10), lease: ms(100), seq: 1 }));
    d.advanceTo(ms(40));
    d.send(command({ setpoint: mA(Number.NaN), lease: ms(10_000), seq: 2 }));
    d.send(command({ setpoint: mA(10), lease: ms(-5), seq: 3 }));
    d.send(command({ setpoint: mA(10), waveform: pulsed(0), seq: 4 }));
    d.advanceTo(ms(60));
    expect(d.read()?.ackSeq).toBe(1);
    expect(d.events().filter((e) => e.code === 'ION_ERR_OUT_OF_RANGE')).toHaveLength(3);
    coast(d, 100 + 1000 + 40);
    expect(d.truth().current).toBe(0);
  });

  it('rejects pulsed commands on a device that does not support them', () => {
    const d = ideal(undefined, { info: { supportsPulsed: false } });
    d.send(command({ setpoint: mA(10), waveform: pulsed(0.5) }));
    d.advanceTo(ms(20));
    expect(d.truth().current).toBe(0);
    expect(d.events()[0]?.message).toMatch(/pulsed/);
  });
});

describe('SimulatedDevice: hardware trip', () => {
  it('trips at 35 mA and stays tripped whatever is commanded', () => {
    const d = ideal(new ResistorLoad(kOhm(1))); // 60 V reach 60 mA through 1 kΩ
    // Pulsed 20 mA at 50 % duty: 40 mA pulses, above the 35 mA trip [H1].
    const samples = hold(d, { setpoint: mA(20), waveform: pulsed(0.5) }, 200);
    expect(last(samples).flags.tripped).toBe(true);
    expect(last(samples).flags.outputEnabled).toBe(false);
    const truth = d.truth();
    expect(truth.tripped).toBe(true);
    expect(truth.maxPeakCurrent).toBeGreaterThanOrEqual(35);
    expect(truth.maxPeakCurrent).toBeLessThan(37); // caught within one 1 ms substep of the 2 mA/ms slew
    const trips = d.events().filter((e) => e.code === 'ION_ERR_HW_TRIP');
    expect(trips).toHaveLength(1);
    expect(trips[0]?.t).toBe(18); // 2 mA per ms reaches 36 mA at the 18th ms
    // Nothing a host sends brings the current back.
    hold(d, { setpoint: mA(1) }, 400);
    hold(d, { setpoint: mA(10), polarity: '-', outputEnabled: true }, 600);
    expect(d.truth().current).toBe(0);
    expect(d.read() ?? last(coast(d, 620))).toMatchObject({ flags: { tripped: true } });
    expect(d.events().filter((e) => e.code === 'ION_ERR_HW_TRIP')).toHaveLength(1);
  });

  it('trips on a DC over-current when the stage could exceed 35 mA', () => {
    const d = ideal(new ResistorLoad(kOhm(1)), { info: { maxCurrent: mA(40) } });
    hold(d, { setpoint: mA(36) }, 100);
    expect(d.truth().tripped).toBe(true);
    expect(d.truth().current).toBe(0);
  });

  it('only a power cycle clears the trip', () => {
    const d = ideal(new ResistorLoad(kOhm(1)));
    hold(d, { setpoint: mA(20), waveform: pulsed(0.5) }, 100);
    expect(d.truth().tripped).toBe(true);
    d.powerCycle();
    const s = last(hold(d, { setpoint: mA(10) }, 400));
    expect(s.flags.tripped).toBe(false);
    expect(d.truth().current).toBeCloseTo(10, 9);
  });
});

describe('SimulatedDevice: a load model gone wrong', () => {
  it('trips and reads the ADC rail, never NaN, when the load returns a non-finite current', () => {
    const load = new ResistorLoad(kOhm(2));
    const broken = Object.assign(Object.create(load) as ResistorLoad, {
      driveCurrent(...args: Parameters<ResistorLoad['driveCurrent']>) {
        load.driveCurrent(...args);
        const out = args[5];
        out.current = mA(Number.NaN);
        out.peakCurrent = mA(Number.NaN);
      },
    });
    const d = ideal(broken);
    const s = last(hold(d, { setpoint: mA(5) }, 100));
    expect(s.current).toBe(50);
    expect(s.flags.tripped).toBe(true);
  });
});

describe('SimulatedDevice: polarity relay', () => {
  it('switches the relay when commanded and reports the polarity it set', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10) }, 200);
    const s = last(hold(d, { setpoint: mA(10), polarity: '-' }, 400));
    expect(s.polarity).toBe('-');
    expect(s.current).toBeCloseTo(-10, 9);
    expect(s.voltage).toBeCloseTo(-20, 9); // 10 mA × 2 kΩ, signed like the current
    expect(d.truth().relayPolarity).toBe('-');
  });

  it('opens the contacts for 3 ms while the relay changes over', () => {
    const d = ideal(undefined, { info: { samplePeriod: ms(1) } });
    d.send(command({ setpoint: mA(4), lease: ms(1000) }));
    d.advanceTo(ms(10));
    d.send(command({ setpoint: mA(4), lease: ms(1000), polarity: '-' }));
    const seen: number[] = [];
    for (let t = 11; t <= 15; t++) {
      d.advanceTo(ms(t));
      seen.push(d.truth().current);
    }
    expect(seen).toEqual([0, 0, 0, -4, -4]);
  });

  it('relay stuck: reports the commanded polarity while the current keeps its sign', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10) }, 200);
    d.inject({ kind: 'relay_stuck' });
    const s = last(hold(d, { setpoint: mA(10), polarity: '-' }, 400));
    expect(s.polarity).toBe('-');
    expect(s.current).toBeCloseTo(10, 9);
    expect(d.truth().relayPolarity).toBe('+');
    d.clear('relay_stuck');
    const after = last(hold(d, { setpoint: mA(10), polarity: '-' }, 600));
    expect(after.current).toBeCloseTo(-10, 9);
  });
});

describe('SimulatedDevice: faults', () => {
  it('sensor offset: reads the true current plus the offset', () => {
    const d = ideal();
    d.inject({ kind: 'sensor_offset', offset: mA(1.5) });
    const s = last(hold(d, { setpoint: mA(10) }, 300));
    expect(s.current).toBeCloseTo(11.5, 9);
    expect(s.peakCurrent).toBeCloseTo(11.5, 9);
    expect(d.truth().current).toBeCloseTo(10, 9);
    d.clear('sensor_offset');
    expect(last(hold(d, { setpoint: mA(10) }, 400)).current).toBeCloseTo(10, 9);
  });

  it('sensor stuck: repeats its last reading while the current changes', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10) }, 300);
    d.inject({ kind: 'sensor_stuck' });
    const s = last(hold(d, { setpoint: mA(20) }, 600));
    expect(s.current).toBeCloseTo(10, 9);
    expect(s.voltage).toBeCloseTo(40, 9); // the voltage channel still works
    expect(d.truth().current).toBeCloseTo(20, 9);
    d.clear('sensor_stuck');
    expect(last(hold(d, { setpoint: mA(20) }, 700)).current).toBeCloseTo(20, 9);
  });

  it('DAC stuck: holds its level whatever is commanded, but the output switch still cuts it', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10) }, 300);
    d.inject({ kind: 'dac_stuck' });
    hold(d, { setpoint: mA(20) }, 500);
    expect(d.truth().current).toBeCloseTo(10, 9);
    hold(d, { setpoint: mA(0) }, 700);
    expect(d.truth().current).toBeCloseTo(10, 9);
    hold(d, { setpoint: mA(0), outputEnabled: false }, 720);
    expect(d.truth().current).toBe(0);
    d.clear('dac_stuck');
    hold(d, { setpoint: mA(4) }, 1000);
    expect(d.truth().current).toBeCloseTo(4, 9);
  });

  it('DAC stuck at 40 mA: the hardware trip still stops it', () => {
    const d = ideal(new ResistorLoad(kOhm(1)));
    hold(d, { setpoint: mA(10) }, 300);
    d.inject({ kind: 'dac_stuck', level: mA(40) });
    hold(d, { setpoint: mA(10) }, 400);
    expect(d.truth().tripped).toBe(true);
    expect(d.truth().current).toBe(0);
    expect(d.truth().maxPeakCurrent).toBe(40); // one substep at 40 mA, then off
  });

  it('DAC stuck: a lapsed lease still leaves no current once the ramp has run', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10), lease: ms(100) }, 300);
    d.inject({ kind: 'dac_stuck' });
    coast(d, 300 + 80 + 1000 + 40);
    expect(d.truth().current).toBe(0);
  });

  it('open electrode: no current, the voltage at compliance, flagged', () => {
    const d = ideal();
    hold(d, { setpoint: mA(10) }, 300);
    d.inject({ kind: 'electrode_open' });
    const s = last(hold(d, { setpoint: mA(10) }, 500));
    expect(s.current).toBe(0);
    expect(s.voltage).toBe(60);
    expect(s.flags.compliance).toBe(true);
    expect(d.truth().patientCurrent).toBe(0);
    d.clear('electrode_open');
    expect(last(hold(d, { setpoint: mA(10) }, 700)).current).toBeCloseTo(10, 9);
  });

  it('delivers the set point into a short and reports the collapsed voltage', () => {
    const d = ideal();
    hold(d, { setpoint: mA(15) }, 300);
    d.inject({ kind: 'short' });
    const s = last(hold(d, { setpoint: mA(15) }, 500));
    expect(s.current).toBeCloseTo(15, 9);
    expect(s.voltage).toBeGreaterThan(0);
    expect(s.voltage).toBeLessThan(0.1); // 15 mA × ≈5 Ω
    expect(s.flags.compliance).toBe(false);
    // The patient is bypassed: only the share through 2 kΩ in parallel with 5 Ω.
    expect(d.truth().patientCurrent).toBeCloseTo((15 * 5) / 2005, 6);
    d.clear('short');
    expect(last(hold(d, { setpoint: mA(15) }, 700)).voltage).toBeCloseTo(30, 9);
  });

  it('telemetry dropout: no samples for its duration, then they resume', () => {
    const d = ideal();
    hold(d, { setpoint: mA(5) }, 1000);
    d.inject({ kind: 'telemetry_dropout', duration: ms(200) });
    const during = hold(d, { setpoint: mA(5) }, 1180);
    expect(during).toEqual([]);
    const after = hold(d, { setpoint: mA(5) }, 1300);
    expect(after[0]?.t).toBe(1200);
    expect(d.truth().current).toBeCloseTo(5, 9); // the output was never affected
  });

  it('telemetry delay: samples arrive late, with their original timestamps', () => {
    const d = ideal();
    hold(d, { setpoint: mA(5) }, 1000);
    d.inject({ kind: 'telemetry_delay', delay: ms(100) });
    const late = hold(d, { setpoint: mA(5) }, 1300);
    // Each sample read at time T was produced 100 ms earlier.
    expect(late[0]?.t).toBe(1020);
    expect(late.every((s, i) => i === 0 || s.t === (late[i - 1] as Telemetry).t + 20)).toBe(true);
    expect(last(late).t).toBe(1200);
    d.clear('telemetry_delay');
    // Samples in flight still arrive, in order; then the link is live again.
    const after = hold(d, { setpoint: mA(5) }, 1500);
    expect(last(after).t).toBe(1500);
    expect(after.every((s, i) => i === 0 || s.t > (after[i - 1] as Telemetry).t)).toBe(true);
  });

  it('lists the faults injected and not cleared', () => {
    const d = ideal();
    d.inject({ kind: 'short' });
    d.inject({ kind: 'sensor_offset', offset: mA(-0.5) });
    d.inject({ kind: 'electrode_open' }); // replaces the short
    expect(d.activeFaults().map((f) => f.kind)).toEqual(['sensor_offset', 'electrode_open']);
    d.clear('sensor_offset');
    d.clear('short'); // not active: nothing changes
    expect(d.activeFaults().map((f) => f.kind)).toEqual(['electrode_open']);
  });

  it('refuses a fault with a non-finite value', () => {
    const d = ideal();
    expect(() => d.inject({ kind: 'sensor_offset', offset: mA(Number.NaN) })).toThrow(/offset/);
    expect(() => d.inject({ kind: 'telemetry_delay', delay: ms(-1) })).toThrow(/delay/);
  });
});

describe('SimulatedDevice: constant-voltage mode', () => {
  it('drives a voltage: 30 V into 2 kΩ is 15 mA', () => {
    const d = ideal();
    d.sendVoltage({ voltage: volt(30), lease: ms(1000), polarity: '+', outputEnabled: true, seq: 1 });
    d.advanceTo(ms(200));
    expect(d.truth().current).toBeCloseTo(15, 9);
    expect(d.truth().mode).toBe('voltage');
    expect(d.read()?.voltage).toBeCloseTo(30, 9);
  });

  it('limits the current at maxCurrent in voltage mode', () => {
    const d = ideal(new ResistorLoad(ohm(500)));
    d.sendVoltage({ voltage: volt(60), lease: ms(1000), polarity: '-', outputEnabled: true, seq: 1 });
    d.advanceTo(ms(200));
    expect(d.truth().current).toBeCloseTo(-30, 9);
  });

  it('the hardware trip still applies in voltage mode', () => {
    const d = ideal(new ResistorLoad(ohm(500)));
    d.sendVoltage({
      voltage: volt(60),
      lease: ms(1000),
      polarity: '+',
      outputEnabled: true,
      seq: 1,
      waveform: pulsed(0.5),
    });
    d.advanceTo(ms(200));
    expect(d.truth().tripped).toBe(true);
    expect(d.truth().current).toBe(0);
  });

  it('ramps the voltage to zero when its lease lapses', () => {
    const d = ideal();
    d.sendVoltage({ voltage: volt(30), lease: ms(100), polarity: '+', outputEnabled: true, seq: 1 });
    coast(d, 100 + 1500 + 40); // 30 V at 20 V/s (10 mA/s × 60 V / 30 mA)
    expect(d.truth().current).toBe(0);
  });
});

describe('SimulatedDevice: construction', () => {
  it('refuses a sample period that is not a whole number of 1 ms substeps', () => {
    const make = () => new SimulatedDevice(new ResistorLoad(kOhm(2)), { info: { samplePeriod: ms(2.5) } });
    expect(make).toThrow(/samplePeriod/);
    try {
      make();
    } catch (e) {
      expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
    }
  });

  it('refuses a non-positive limit', () => {
    expect(() => new SimulatedDevice(new ResistorLoad(kOhm(2)), { info: { hardTrip: mA(0) } })).toThrow(/hardTrip/);
  });

  it('does nothing when asked to advance to the past', () => {
    const d = ideal();
    d.advanceTo(ms(100));
    d.advanceTo(ms(50) as Millisecond);
    expect(d.now()).toBe(100);
  });
});
