import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { cm2, fraction, mA, seconds, uSPerCm, volt, type MilliAmp, type Volt } from '../units/quantities.js';
import { emptyLoadSample, type LoadSample, type Polarity } from './electrical-load.js';
import type { TreatmentCircuit } from './treatment-circuit.js';
import { createPatientLoad, drawPatient, typicalPatient, type Zone } from './virtual-patient.js';

interface Drive {
  readonly duty?: number;
  readonly polarity?: Polarity;
  readonly compliance?: number;
}

/** Drive a current source for `duration` s at step `dt`; `amp` may vary with time. Returns the last sample. */
const runCurrent = (
  load: TreatmentCircuit,
  duration: number,
  dt: number,
  amp: number | ((t: number) => number),
  d: Drive = {},
  out: LoadSample = emptyLoadSample(),
): LoadSample => {
  const n = Math.round(duration / dt);
  const step = seconds(dt);
  const comp = volt(d.compliance ?? 100);
  for (let k = 0; k < n; k++) {
    const a = typeof amp === 'number' ? amp : amp((k + 1) * dt);
    load.driveCurrent(step, mA(a), d.duty ?? 1, d.polarity ?? '+', comp, out);
  }
  return out;
};

const runVoltage = (load: TreatmentCircuit, duration: number, dt: number, v: number, limit = 30): LoadSample => {
  const out = emptyLoadSample();
  const n = Math.round(duration / dt);
  for (let k = 0; k < n; k++) load.driveVoltage(seconds(dt), volt(v), 1, '+', mA(limit), out);
  return out;
};

const palms = (): TreatmentCircuit => createPatientLoad(typicalPatient('palms'));
const ramp20 = (t: number): number => Math.min(20, (20 * t) / 30);

describe('water path in the circuit', () => {
  it('follows R = L / (σ A) over the immersed skin and changes with setWaterConductivity', () => {
    const load = createPatientLoad(typicalPatient('palms', { conductivity: uSPerCm(500) }));
    // Typical hand: 160 cm² immersed, 1 cm water layer → 1 / (500e-6 × 160) = 12.5 Ω.
    expect(load.snapshot().water.A).toBeCloseTo(12.5, 9);
    const before = load.resistance();
    load.setWaterConductivity(uSPerCm(50));
    expect(load.snapshot().water.A).toBeCloseTo(125, 9);
    expect(load.resistance()).toBeGreaterThan(before + 2 * (125 - 12.5));
  });

  it('lowers the current at a fixed voltage in low-mineral water [F5]', () => {
    const hard = createPatientLoad(typicalPatient('palms', { conductivity: uSPerCm(800) }));
    const soft = createPatientLoad(typicalPatient('palms', { conductivity: uSPerCm(50) }));
    const iHard = runVoltage(hard, 60, 0.001, 40).current;
    const iSoft = runVoltage(soft, 60, 0.001, 40).current;
    expect(iSoft).toBeLessThan(0.8 * iHard);
  });

  it('rejects a conductivity that is not positive', () => {
    const load = palms();
    expect(() => load.setWaterConductivity(uSPerCm(0))).toThrow(/conductivity/);
    try {
      load.setWaterConductivity(uSPerCm(Number.NaN));
    } catch (e) {
      expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
    }
  });
});

describe('skin conditioning, recovery and sweat', () => {
  it('R falls under DC and recovers about ×3 within 30 min after the current stops [9]', () => {
    const load = palms();
    const r0 = load.skinResistance('A');
    runCurrent(load, 20 * 60, 0.01, ramp20);
    const atStop = load.skinResistance('A');
    expect(atStop).toBeLessThan(0.5 * r0);
    runCurrent(load, 30 * 60, 0.01, 0);
    const ratio = load.skinResistance('A') / atStop;
    expect(ratio).toBeGreaterThan(2.4);
    expect(ratio).toBeLessThan(3.6);
  });

  it('R falls further at a higher current density [4][8]', () => {
    const low = palms();
    const high = palms();
    runCurrent(low, 300, 0.01, 2);
    runCurrent(high, 300, 0.01, 20);
    expect(high.skinResistance('A')).toBeLessThan(0.8 * low.skinResistance('A'));
  });

  it('the sweat-duct shunt makes R rise when the sweat rate falls [H1]', () => {
    const wet = palms();
    const drying = palms();
    drying.setSweatRate(0.1);
    runCurrent(wet, 120, 0.01, 10);
    runCurrent(drying, 120, 0.01, 10);
    expect(drying.skinResistance('A')).toBeGreaterThan(1.1 * wet.skinResistance('A'));
    expect(drying.resistance()).toBeGreaterThan(wet.resistance());
    // And R falls again when sweating resumes.
    const dry = drying.skinResistance('A');
    drying.setSweatRate(3);
    runCurrent(drying, 120, 0.01, 10);
    expect(drying.skinResistance('A')).toBeLessThan(dry);
  });
});

describe('polarisation [5]', () => {
  it('builds within seconds, the anode side settling higher than the cathode side (2.8 V vs 1.8 V)', () => {
    const load = palms();
    runCurrent(load, 0.2, 0.001, 20);
    expect(load.polarisation('A')).toBeLessThan(0.5);
    runCurrent(load, 15, 0.001, 20);
    // '+' makes electrode A the anode.
    expect(load.polarisation('A')).toBeGreaterThan(load.polarisation('B'));
    expect(load.polarisation('A')).toBeGreaterThan(2.4);
    expect(load.polarisation('A')).toBeLessThanOrEqual(2.8);
    expect(load.polarisation('B')).toBeGreaterThan(1.5);
    expect(load.polarisation('B')).toBeLessThanOrEqual(1.8);
  });

  it('reversing polarity swaps the sides: the polarisation relaxes and rebuilds over seconds', () => {
    const load = palms();
    runCurrent(load, 15, 0.001, 20, { polarity: '+' });
    const emfBefore = load.backEmf();
    expect(emfBefore).toBeGreaterThan(0);
    runCurrent(load, 0.05, 0.001, 20, { polarity: '-' });
    // 50 ms after the reversal the back-EMF still points the old way.
    expect(load.backEmf()).toBeGreaterThan(0);
    runCurrent(load, 15, 0.001, 20, { polarity: '-' });
    expect(load.backEmf()).toBeLessThan(-0.9 * emfBefore);
    expect(load.polarisation('B')).toBeGreaterThan(load.polarisation('A'));
    expect(load.polarisation('B')).toBeGreaterThan(2.4);
  });

  it('adds an electrode overpotential of 1–2 V in series at inert electrodes', () => {
    const load = palms();
    runCurrent(load, 15, 0.001, 20);
    const s = load.snapshot();
    expect(s.electrodeOverpotential).toBeGreaterThan(1);
    expect(s.electrodeOverpotential).toBeLessThan(2);
    expect(load.backEmf()).toBeCloseTo(s.polarisation.A + s.polarisation.B + s.electrodeOverpotential, 9);
  });

  it('relaxes to zero once the current stops', () => {
    const load = palms();
    runCurrent(load, 15, 0.001, 20);
    runCurrent(load, 30, 0.001, 0);
    expect(Math.abs(load.backEmf())).toBeLessThan(0.01);
  });
});

describe('high-voltage breakdown [6][12]', () => {
  /** A very dry, small, unconditionable site: 5 cm² of skin at 0.5 µS/cm² (400 kΩ), no sweat. */
  const drySite = (): TreatmentCircuit => {
    const p = typicalPatient('pad', { area: cm2(5) });
    const dry = { ...p.circuit.siteA, nativeUSPerCm2: 0.5, sweatUSPerCm2: 0, conditionedUSPerCm2: 0 };
    return createPatientLoad(p, { siteA: dry });
  };

  it('R drops steeply once the site voltage passes ~30–50 V, continuously in the current', () => {
    const load = drySite();
    const out = emptyLoadSample();
    const rest = load.skinResistance('A');
    let prevV = 0;
    let largestJump = 0;
    let rAt20V = NaN;
    // A slow current sweep, 0 → 5 mA over 100 s, compliance 200 V.
    for (let k = 1; k <= 100_000; k++) {
      load.driveCurrent(seconds(0.001), mA((5 * k) / 100_000), 1, '+', volt(200), out);
      if (k % 100 === 0) {
        const v = Math.abs(load.snapshot().skinVoltage.A);
        largestJump = Math.max(largestJump, Math.abs(v - prevV));
        prevV = v;
        if (Number.isNaN(rAt20V) && v > 20) rAt20V = load.skinResistance('A');
      }
    }
    const vEnd = Math.abs(load.snapshot().skinVoltage.A);
    expect(rAt20V).toBeGreaterThan(0.9 * rest); // below the onset the site is untouched
    expect(vEnd).toBeGreaterThan(30);
    expect(vEnd).toBeLessThan(75);
    expect(load.skinResistance('A')).toBeLessThan(rest / 10); // more than an order of magnitude
    expect(largestJump).toBeLessThan(2); // volts per 0.005 mA step: no discontinuity
    expect(out.complianceLimited).toBe(false);
  });

  it('reaches about three orders of magnitude when driven hard', () => {
    const load = drySite();
    const rest = load.skinResistance('A');
    runCurrent(load, 20, 0.001, (t) => Math.min(100, 5 * t), { compliance: 400 });
    expect(load.skinResistance('A')).toBeLessThan(rest / 300);
  });
});

describe('contact fraction', () => {
  it('no contact is an open circuit: a current source gives no current and sits at its compliance', () => {
    const load = palms();
    load.setContact(fraction(0), seconds(0));
    const out = runCurrent(load, 1, 0.001, 20, { compliance: 60 });
    expect(out.current).toBe(0);
    expect(out.peakCurrent).toBe(0);
    expect(out.voltage).toBe(60);
    expect(out.peakVoltage).toBe(60);
    expect(out.complianceLimited).toBe(true);
    expect(load.resistance()).toBeGreaterThan(1e8);
    const v = emptyLoadSample();
    load.driveVoltage(seconds(0.001), volt(20), 1, '+', mA(30), v);
    expect(v.current).toBe(0);
  });

  it('partial contact raises the skin R in proportion to 1/f', () => {
    const load = palms();
    const full = load.skinResistance('A');
    load.setContact(fraction(0.5), seconds(0));
    expect(load.skinResistance('A')).toBeCloseTo(2 * full, 6);
    load.setContact(fraction(0.25), seconds(0));
    expect(load.skinResistance('A')).toBeCloseTo(4 * full, 6);
    expect(load.contact()).toBe(0.25);
  });

  it('moves linearly to its target over the transition time (default 0.3 s)', () => {
    const load = palms();
    load.setContact(fraction(0.5), seconds(1));
    runCurrent(load, 0.5, 0.001, 5);
    expect(load.contact()).toBeCloseTo(0.75, 2);
    runCurrent(load, 0.6, 0.001, 5);
    expect(load.contact()).toBe(0.5);
    load.setContact(fraction(1));
    runCurrent(load, 0.15, 0.001, 5);
    expect(load.contact()).toBeCloseTo(0.75, 2);
    runCurrent(load, 0.2, 0.001, 5);
    expect(load.contact()).toBe(1);
  });

  it('lifting the hands out makes the current fall smoothly to zero under a voltage source', () => {
    const load = palms();
    const out = emptyLoadSample();
    for (let k = 0; k < 20_000; k++) load.driveVoltage(seconds(0.001), volt(30), 1, '+', mA(30), out);
    load.setContact(fraction(0), seconds(0.3));
    let prev = out.current;
    let largestDrop = 0;
    for (let k = 0; k < 400; k++) {
      load.driveVoltage(seconds(0.001), volt(30), 1, '+', mA(30), out);
      largestDrop = Math.max(largestDrop, prev - out.current);
      prev = out.current;
    }
    expect(out.current).toBe(0);
    expect(largestDrop).toBeLessThan(1);
  });

  it('rejects a contact fraction outside [0, 1]', () => {
    expect(() => palms().setContact(fraction(1.5))).toThrow(/contact/);
  });
});

describe('current source drive', () => {
  it('delivers the amplitude when the compliance allows it, signed by polarity', () => {
    const load = palms();
    let out = runCurrent(load, 120, 0.001, ramp20, { compliance: 100 });
    expect(out.current).toBeCloseTo(20, 9);
    expect(out.complianceLimited).toBe(false);
    expect(out.voltage).toBeGreaterThan(0);
    out = runCurrent(load, 1, 0.001, 20, { compliance: 100, polarity: '-' });
    expect(out.current).toBeCloseTo(-20, 9);
    expect(out.peakCurrent).toBeCloseTo(20, 9);
  });

  it('is compliance-limited when the load needs more than the compliance', () => {
    const load = palms();
    const out = runCurrent(load, 20, 0.001, 20, { compliance: 30 });
    expect(out.complianceLimited).toBe(true);
    expect(out.current).toBeLessThan(20);
    expect(out.peakVoltage).toBeCloseTo(30, 6);
  });

  it('pulsed DC: capacitors see the average, the series resistance the pulse amplitude', () => {
    const dc = palms();
    const pulsed = palms();
    const a = runCurrent(dc, 120, 0.001, ramp20, { compliance: 200 });
    const b = runCurrent(pulsed, 120, 0.001, (t) => 2 * ramp20(t), { compliance: 200, duty: 0.5 });
    expect(b.current).toBeCloseTo(a.current, 6);
    expect(b.peakCurrent).toBeCloseTo(40, 6);
    // Same average voltage (skin charged by the same average current) …
    expect(b.voltage).toBeCloseTo(a.voltage, 0);
    // … but the peak adds amplitude × series resistance on top of the skin voltages.
    const rSeries = dc.snapshot().body + 2 * dc.snapshot().water.A;
    expect(b.peakVoltage - a.peakVoltage).toBeCloseTo((20e-3 * rSeries) / 1, 0);
  });

  it('applies the compliance to the pulse peak', () => {
    const dc = palms();
    const pulsed = palms();
    runCurrent(dc, 120, 0.001, ramp20, { compliance: 200 });
    runCurrent(pulsed, 120, 0.001, ramp20, { compliance: 200 });
    const vDc = runCurrent(dc, 1, 0.001, 20, { compliance: 200 }).peakVoltage;
    // A compliance just above the DC voltage lets DC through but clips a 10 % duty, 200 mA pulse.
    const out = runCurrent(pulsed, 1, 0.001, 200, { compliance: vDc + 5, duty: 0.1 });
    expect(out.complianceLimited).toBe(true);
    expect(out.peakVoltage).toBeLessThanOrEqual(vDc + 5 + 1e-9);
    expect(out.peakCurrent).toBeLessThan(200);
  });
});

describe('voltage source drive', () => {
  it('is current-limited at the limit and otherwise follows the load', () => {
    const load = palms();
    const free = runVoltage(load, 60, 0.001, 20, 30);
    expect(free.peakVoltage).toBe(20);
    expect(free.current).toBeGreaterThan(0);
    const limited = runVoltage(load, 5, 0.001, 100, 5);
    expect(limited.current).toBeCloseTo(5, 9);
    expect(limited.peakVoltage).toBeLessThan(100);
  });
});

describe('numerical behaviour', () => {
  const session = (dt: number): { meanI: number; meanV: number; v: number[]; i: number[] } => {
    const load = palms();
    const out = emptyLoadSample();
    const n = Math.round(600 / dt);
    const v: number[] = [];
    const i: number[] = [];
    let sumI = 0;
    let sumV = 0;
    for (let k = 1; k <= n; k++) {
      load.driveCurrent(seconds(dt), mA(ramp20(k * dt)), 1, '+', volt(60), out);
      sumI += out.current;
      sumV += out.voltage;
      if (k % Math.round(60 / dt) === 0) {
        v.push(out.voltage);
        i.push(out.current);
      }
    }
    return { meanI: sumI / n, meanV: sumV / n, v, i };
  };

  it('dt = 1 ms and dt = 0.1 ms give the same session current and voltage within 1 %', () => {
    const coarse = session(0.001);
    const fine = session(0.0001);
    expect(Math.abs(coarse.meanI / fine.meanI - 1)).toBeLessThan(0.01);
    expect(Math.abs(coarse.meanV / fine.meanV - 1)).toBeLessThan(0.01);
    coarse.v.forEach((v, k) => expect(Math.abs(v / (fine.v[k] as number) - 1)).toBeLessThan(0.01));
    coarse.i.forEach((i, k) => expect(Math.abs(i / (fine.i[k] as number) - 1)).toBeLessThan(0.01));
  });

  it('sanity-runs a 20-minute session of 1.2 million 1 ms steps (speed is measured in bench/physics-step.ts)', () => {
    const load = palms();
    const out = emptyLoadSample();
    let charge = 0;
    for (let k = 1; k <= 1_200_000; k++) {
      load.driveCurrent(seconds(0.001), mA(ramp20(k / 1000)), 1, '+', volt(60), out);
      charge += out.current;
    }
    expect(Number.isFinite(charge)).toBe(true);
    expect((charge * 0.001) / 60).toBeGreaterThan(350); // mA·min: ≈ 20 mA × 20 min minus the ramp
  });

  it('reports the terminal resistance as water + skin + body', () => {
    const load = palms();
    runCurrent(load, 30, 0.001, ramp20);
    const s = load.snapshot();
    expect(s.resistance).toBeCloseTo(s.body + s.water.A + s.water.B + s.skin.A + s.skin.B, 6);
  });
});

describe('properties (fast-check)', () => {
  const zones: Zone[] = ['palms', 'soles', 'axillae', 'face', 'pad'];
  const action = fc.record({
    kind: fc.constantFrom('current', 'current', 'voltage', 'contact', 'sweat', 'water'),
    dt: fc.double({ min: 1e-5, max: 0.01, noNaN: true }),
    steps: fc.integer({ min: 1, max: 400 }),
    amp: fc.double({ min: 0, max: 60, noNaN: true }),
    duty: fc.double({ min: 0, max: 1, noNaN: true }),
    polarity: fc.constantFrom<Polarity>('+', '-'),
    limit: fc.double({ min: 0, max: 150, noNaN: true }),
    value: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('never exceeds the requested current or the compliance, and never produces NaN or Infinity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom(...zones),
        fc.array(action, { minLength: 1, maxLength: 12 }),
        (seed, zone, actions) => {
          const load = createPatientLoad(drawPatient(seed, zone));
          const out = emptyLoadSample();
          const eps = 1e-9;
          for (const a of actions) {
            if (a.kind === 'contact') load.setContact(fraction(a.value), seconds(a.dt * a.steps * a.value));
            else if (a.kind === 'sweat') load.setSweatRate(a.value * 3);
            else if (a.kind === 'water') load.setWaterConductivity(uSPerCm(1 + a.value * 5000));
            else
              for (let k = 0; k < a.steps; k++) {
                // Plain checks in the loop (expect() per step would dominate the run time).
                let ok: boolean;
                if (a.kind === 'current') {
                  load.driveCurrent(seconds(a.dt), a.amp as MilliAmp, a.duty, a.polarity, a.limit as Volt, out);
                  ok =
                    out.peakCurrent <= a.amp + eps &&
                    Math.abs(out.current) <= a.amp * a.duty + eps &&
                    out.peakVoltage <= a.limit + eps &&
                    Math.abs(out.voltage) <= a.limit + eps &&
                    (a.polarity === '+' ? out.current >= 0 : out.current <= 0);
                } else {
                  load.driveVoltage(seconds(a.dt), a.limit as Volt, a.duty, a.polarity, a.amp as MilliAmp, out);
                  ok =
                    out.peakCurrent <= a.amp + eps &&
                    Math.abs(out.current) <= a.amp * a.duty + eps &&
                    out.peakVoltage <= a.limit + eps;
                }
                ok &&= [out.current, out.voltage, out.peakCurrent, out.peakVoltage].every(Number.isFinite);
                if (!ok) throw new Error(`bad sample ${JSON.stringify(out)} for ${JSON.stringify(a)}`);
              }
            const r = load.resistance();
            if (!(r > 0)) throw new Error(`bad resistance ${r}`);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('delivers the full current whenever the compliance is ample', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0.1, max: 30, noNaN: true }), (seed, amp) => {
        const load = createPatientLoad(drawPatient(seed, 'palms'));
        const out = runCurrent(load, 2, 0.001, amp, { compliance: 10_000 });
        expect(out.current).toBeCloseTo(amp, 9);
        expect(out.complianceLimited).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});
