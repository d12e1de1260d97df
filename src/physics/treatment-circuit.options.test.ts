import { describe, expect, it } from 'vitest';
import { mA, seconds, volt } from '../units/quantities.js';
import { emptyLoadSample } from './electrical-load.js';
import { SLOW_INTERVAL, TreatmentCircuit } from './treatment-circuit.js';
import { typicalPatient } from './virtual-patient.js';

const params = typicalPatient('palms').circuit;

/** 20 minutes at 15 mA after a 30 s ramp, at step `dt`; returns the circuit and the last terminal voltage. */
const run = (c: TreatmentCircuit, dt: number) => {
  const out = emptyLoadSample();
  for (let t = 0; t < 1200; t += dt) c.driveCurrent(seconds(dt), mA(Math.min(15, t / 2)), 1, '+', volt(200), out);
  return { c, v: out.voltage };
};

describe('TreatmentCircuit options', () => {
  it('defaults to full fidelity: a 10 ms slow interval and the baseline sweat rate', () => {
    const a = new TreatmentCircuit(params);
    const b = new TreatmentCircuit(params, { slowInterval: seconds(SLOW_INTERVAL), initialSweatRate: 1 });
    expect(a.snapshot()).toEqual(b.snapshot());
    expect(a.snapshot().sweat).toBe(1);
  });

  it('a coarse slow interval reaches the same state as the 10 ms one (quasi-static at 1 s steps)', () => {
    const fine = run(new TreatmentCircuit(params), 0.01);
    const coarse = run(new TreatmentCircuit(params, { slowInterval: seconds(1) }), 1);
    const f = fine.c.snapshot();
    const g = coarse.c.snapshot();
    expect(g.resistance / f.resistance).toBeCloseTo(1, 2);
    expect(g.conditioning.A).toBeCloseTo(f.conditioning.A, 3);
    expect(g.hydration.A).toBeCloseTo(f.hydration.A, 3);
    expect(coarse.v / fine.v).toBeCloseTo(1, 2);
  });

  it('starts at a given sweat rate: less sweating, a more resistive skin from the first moment', () => {
    const base = new TreatmentCircuit(params);
    const dry = new TreatmentCircuit(params, { initialSweatRate: 0.2 });
    expect(dry.snapshot().sweat).toBe(0.2);
    expect(dry.skinResistance('A')).toBeGreaterThan(base.skinResistance('A'));
    // The same as setting the rate and letting the ducts settle.
    const settled = new TreatmentCircuit(params);
    settled.setSweatRate(0.2);
    const out = emptyLoadSample();
    for (let k = 0; k < 60_000; k++) settled.driveCurrent(seconds(0.01), mA(0), 1, '+', volt(60), out);
    const idle = new TreatmentCircuit(params, { initialSweatRate: 0.2 });
    for (let k = 0; k < 60_000; k++) idle.driveCurrent(seconds(0.01), mA(0), 1, '+', volt(60), out);
    expect(idle.skinResistance('A') / settled.skinResistance('A')).toBeCloseTo(1, 6);
  });

  it('refuses a slow interval or a sweat rate out of range', () => {
    expect(() => new TreatmentCircuit(params, { slowInterval: seconds(0) })).toThrow(/slow interval/);
    expect(() => new TreatmentCircuit(params, { initialSweatRate: -1 })).toThrow(/sweat rate/);
    expect(() => new TreatmentCircuit(params, { initialSweatRate: NaN })).toThrow(/sweat rate/);
  });
});
