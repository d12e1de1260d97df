import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ElectricalLoad, LoadSample, Polarity } from '../physics/electrical-load.js';
import { ResistorLoad } from '../physics/resistor-load.js';
import {
  fraction,
  hertz,
  mA,
  ms,
  ohm,
  volt,
  type Fraction,
  type MicroSiemensPerCm,
  type MilliAmp,
  type Ohm,
  type Second,
  type Volt,
} from '../units/quantities.js';
import type { Telemetry, Waveform } from './device.js';
import type { DeviceFault } from './faults.js';
import { SimulatedDevice } from './simulated-device.js';

/** A resistor that records what flowed through it at every 1 ms substep. */
class RecordingLoad implements ElectricalLoad {
  readonly inner: ResistorLoad;
  readonly current: number[] = [];
  readonly peak: number[] = [];
  readonly duty: number[] = [];

  constructor(r: Ohm) {
    this.inner = new ResistorLoad(r);
  }
  private record(out: LoadSample, duty: number): void {
    this.current.push(out.current);
    this.peak.push(out.peakCurrent);
    this.duty.push(duty);
  }
  driveCurrent(dt: Second, amplitude: MilliAmp, duty: number, p: Polarity, compliance: Volt, out: LoadSample): void {
    this.inner.driveCurrent(dt, amplitude, duty, p, compliance, out);
    this.record(out, duty);
  }
  driveVoltage(dt: Second, voltage: Volt, duty: number, p: Polarity, limit: MilliAmp, out: LoadSample): void {
    this.inner.driveVoltage(dt, voltage, duty, p, limit, out);
    this.record(out, duty);
  }
  setContact(target: Fraction, transition?: Second): void {
    this.inner.setContact(target, transition);
  }
  setWaterConductivity(sigma: MicroSiemensPerCm): void {
    this.inner.setWaterConductivity(sigma);
  }
  setSweatRate(factor: number): void {
    this.inner.setSweatRate(factor);
  }
  contact(): Fraction {
    return this.inner.contact();
  }
  resistance(): Ohm {
    return this.inner.resistance();
  }
}

type Step =
  | {
      readonly kind: 'current';
      readonly gap: number;
      readonly setpoint: number;
      readonly lease: number;
      readonly polarity: Polarity;
      readonly duty: number;
      readonly enabled: boolean;
    }
  | {
      readonly kind: 'voltage';
      readonly gap: number;
      readonly voltage: number;
      readonly lease: number;
      readonly polarity: Polarity;
      readonly duty: number;
      readonly enabled: boolean;
    }
  | { readonly kind: 'load'; readonly gap: number; readonly ohms: number; readonly contact: number }
  | { readonly kind: 'fault'; readonly gap: number; readonly fault: DeviceFault }
  | { readonly kind: 'clear'; readonly gap: number; readonly fault: DeviceFault['kind'] };

const gap = fc.integer({ min: 0, max: 400 });
const polarity = fc.constantFrom<Polarity>('+', '-');
const duty = fc.oneof(fc.constant(1), fc.double({ min: 0.2, max: 1, noNaN: true }));
const common = { gap, lease: fc.integer({ min: 1, max: 300 }), polarity, duty, enabled: fc.boolean() };

const currentStep = fc.record({
  kind: fc.constant('current' as const),
  setpoint: fc.double({ min: 0, max: 60, noNaN: true }),
  ...common,
});
const voltageStep = fc.record({
  kind: fc.constant('voltage' as const),
  voltage: fc.double({ min: 0, max: 80, noNaN: true }),
  ...common,
});
const loadStep = fc.record({
  kind: fc.constant('load' as const),
  gap,
  ohms: fc.double({ min: 50, max: 100_000, noNaN: true }),
  // Contact fractions below 1e-3 are left out: ResistorLoad divides by them (1/5e-324 = ∞, then 0 × ∞ = NaN).
  contact: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 1e-3, max: 1, noNaN: true })),
});
const faultStep = fc.record({
  kind: fc.constant('fault' as const),
  gap,
  fault: fc.oneof(
    fc.record({
      kind: fc.constant('sensor_offset' as const),
      offset: fc.double({ min: -5, max: 5, noNaN: true }).map(mA),
    }),
    fc.constant({ kind: 'sensor_stuck' as const }),
    fc.constant({ kind: 'dac_stuck' as const }),
    fc.constant({ kind: 'relay_stuck' as const }),
    fc.constant({ kind: 'electrode_open' as const }),
    fc.constant({ kind: 'short' as const }),
    fc.record({ kind: fc.constant('telemetry_dropout' as const), duration: fc.integer({ min: 0, max: 500 }).map(ms) }),
    fc.record({ kind: fc.constant('telemetry_delay' as const), delay: fc.integer({ min: 0, max: 200 }).map(ms) }),
  ) as fc.Arbitrary<DeviceFault>,
});
const clearStep = fc.record({
  kind: fc.constant('clear' as const),
  gap,
  fault: fc.constantFrom<DeviceFault['kind']>(
    'sensor_offset',
    'sensor_stuck',
    'dac_stuck',
    'relay_stuck',
    'electrode_open',
    'short',
    'telemetry_dropout',
    'telemetry_delay',
  ),
});

const waveform = (d: number): Waveform =>
  d >= 1 ? { kind: 'dc' } : { kind: 'pulsed', frequency: hertz(1000), duty: fraction(d) };

interface Lease {
  readonly at: number;
  readonly until: number;
  readonly enabled: boolean;
  /** Time the firmware's ramp takes from this command's level to zero. */
  readonly rampMs: number;
}

/** Run a sequence; return the recording, the leases in force at each substep, and every sample read. */
const run = (initialOhms: number, steps: readonly Step[], tail: number) => {
  const load = new RecordingLoad(ohm(initialOhms));
  const d = new SimulatedDevice(load, { seed: 1 });
  const info = d.info;
  const leases: Lease[] = [];
  const samples: Telemetry[] = [];
  let seq = 0;
  const advance = (by: number) => {
    const end = d.now() + by;
    while (d.now() < end) {
      d.advanceTo(ms(Math.min(d.now() + info.samplePeriod, end)));
      const s = d.read();
      if (s) samples.push(s);
    }
  };
  for (const s of steps) {
    advance(s.gap);
    const at = d.now();
    switch (s.kind) {
      case 'current': {
        const level = Math.min(s.setpoint, info.maxCurrent);
        d.send({
          setpoint: mA(s.setpoint),
          lease: ms(s.lease),
          polarity: s.polarity,
          waveform: waveform(s.duty),
          outputEnabled: s.enabled,
          seq: seq++,
        });
        leases.push({ at, until: at + s.lease, enabled: s.enabled, rampMs: (level / info.leaseRamp) * 1000 });
        break;
      }
      case 'voltage': {
        const level = Math.min(s.voltage, info.compliance);
        const vRamp = (info.leaseRamp * info.compliance) / info.maxCurrent;
        d.sendVoltage({
          voltage: volt(s.voltage),
          lease: ms(s.lease),
          polarity: s.polarity,
          waveform: waveform(s.duty),
          outputEnabled: s.enabled,
          seq: seq++,
        });
        leases.push({ at, until: at + s.lease, enabled: s.enabled, rampMs: (level / vRamp) * 1000 });
        break;
      }
      case 'load':
        load.inner.setResistance(ohm(s.ohms));
        load.setContact(fraction(s.contact));
        break;
      case 'fault':
        d.inject(s.fault);
        break;
      case 'clear':
        d.clear(s.fault);
        break;
    }
  }
  advance(tail);
  return { d, load, leases, samples };
};

/** Plain checks in the per-substep loops: `expect` is too slow for a million substeps. */
const ensure = (ok: boolean, what: () => string): void => {
  if (!ok) throw new Error(what());
};

/** Safety properties every run must satisfy, faults or not. */
const checkSafety = (r: ReturnType<typeof run>): void => {
  const { d, load, leases, samples } = r;
  const info = d.info;
  let li = -1;
  let tripAt = -1;
  for (let k = 0; k < load.current.length; k++) {
    while (li + 1 < leases.length && (leases[li + 1] as Lease).at <= k) li++;
    const i = load.current[k] as number;
    const peak = load.peak[k] as number;
    ensure(Number.isFinite(i) && Number.isFinite(peak), () => `non-finite current ${i} / peak ${peak} at ${k} ms`);
    const lease = leases[li];
    if (lease === undefined) ensure(i === 0, () => `${i} mA at ${k} ms before any command`);
    else {
      ensure(lease.enabled || i === 0, () => `${i} mA at ${k} ms with the output disabled`);
      // Lapsed for longer than level / leaseRamp (+ a substep for the ramp's own granularity): no current.
      ensure(k < lease.until + lease.rampMs + 1 || i === 0, () => `${i} mA at ${k} ms; lease ended ${lease.until} ms`);
    }
    if (tripAt >= 0) ensure(i === 0, () => `${i} mA at ${k} ms after the trip at ${tripAt} ms`);
    else if (peak >= info.hardTrip) tripAt = k; // one substep over the trip at most, then nothing
  }
  for (const s of samples)
    for (const x of [s.t, s.seq, s.current, s.voltage, s.peakCurrent, s.ackSeq])
      ensure(Number.isFinite(x), () => `non-finite telemetry ${JSON.stringify(s)}`);
  const t = d.truth();
  for (const x of [t.current, t.voltage, t.peakCurrent, t.patientCurrent, t.deliveredCharge, t.maxPeakCurrent])
    expect(Number.isFinite(x)).toBe(true);
  expect(t.maxPeakCurrent).toBeGreaterThanOrEqual(0);
};

describe('SimulatedDevice properties', () => {
  it('never exceeds maxCurrent on average or maxCurrent/duty in a pulse, and is always safe, for random hosts and loads', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 50, max: 100_000, noNaN: true }),
        fc.array(
          fc.oneof(
            { weight: 5, arbitrary: currentStep },
            { weight: 1, arbitrary: voltageStep },
            { weight: 2, arbitrary: loadStep },
          ),
          { maxLength: 25 },
        ),
        fc.integer({ min: 0, max: 7000 }),
        (ohms, steps, tail) => {
          const r = run(ohms, steps, tail);
          const info = r.d.info;
          for (let k = 0; k < r.load.current.length; k++) {
            const i = r.load.current[k] as number;
            const peak = r.load.peak[k] as number;
            const duty = r.load.duty[k] as number;
            ensure(Math.abs(i) <= info.maxCurrent + 1e-9, () => `${i} mA average at ${k} ms`);
            ensure(peak <= info.maxCurrent / duty + 1e-9, () => `${peak} mA peak at duty ${duty} at ${k} ms`);
          }
          checkSafety(r);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps its safety properties under random faults', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 50, max: 100_000, noNaN: true }),
        fc.array(
          fc.oneof(
            { weight: 5, arbitrary: currentStep },
            { weight: 1, arbitrary: voltageStep },
            { weight: 1, arbitrary: loadStep },
            { weight: 2, arbitrary: faultStep },
            { weight: 1, arbitrary: clearStep },
          ),
          { maxLength: 25 },
        ),
        fc.integer({ min: 0, max: 7000 }),
        (ohms, steps, tail) => checkSafety(run(ohms, steps, tail)),
      ),
      { numRuns: 150 },
    );
  });

  it('a stuck DAC never outlives a lapsed lease', () => {
    fc.assert(
      fc.property(
        fc.array(currentStep, { minLength: 1, maxLength: 8 }),
        fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: undefined }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 7000 }),
        (steps, level, stuckAfter, tail) => {
          const fault: DeviceFault =
            level === undefined ? { kind: 'dac_stuck' } : { kind: 'dac_stuck', level: mA(level) };
          checkSafety(run(1000, [...steps, { kind: 'fault', gap: stuckAfter, fault }], tail));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('timestamps samples on the period grid in increasing order, whatever the link does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(currentStep, faultStep, clearStep), { maxLength: 20 }),
        fc.integer({ min: 0, max: 2000 }),
        (steps, tail) => {
          const { samples, d } = run(2000, steps, tail);
          for (let j = 0; j < samples.length; j++) {
            const s = samples[j] as Telemetry;
            expect(s.t % d.info.samplePeriod).toBe(0);
            if (j > 0) expect(s.t).toBeGreaterThan((samples[j - 1] as Telemetry).t);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
