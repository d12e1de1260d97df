import { describe, expect, it } from 'vitest';
import {
  cm2,
  chargeDensityOf,
  chargeOf,
  currentAt,
  currentThrough,
  densityOf,
  fromCoulomb,
  kOhm,
  mA,
  mAPerCm2,
  mAmin,
  minutes,
  resistanceOf,
  toCoulomb,
  toSiemensPerCm,
  uSPerCm,
  volt,
  voltageAcross,
} from './quantities.js';

describe('units', () => {
  it('counts 1 mA·min as 0.06 C and 40 mA·min as 2.4 C (physics.md §7)', () => {
    expect(toCoulomb(mAmin(1))).toBeCloseTo(0.06, 12);
    expect(toCoulomb(mAmin(40))).toBeCloseTo(2.4, 12);
    expect(fromCoulomb(toCoulomb(mAmin(37.5)))).toBeCloseTo(37.5, 12);
  });

  it('turns 4 mA for 10 minutes into 40 mA·min', () => {
    expect(chargeOf(mA(4), minutes(10))).toBeCloseTo(40, 12);
  });

  it('applies Ohm’s law in mA, V and Ω: palms 20 mA at 50 V is 2.5 kΩ (physics.md §2.2)', () => {
    expect(resistanceOf(volt(50), mA(20))).toBeCloseTo(2500, 9);
    expect(voltageAcross(mA(20), kOhm(2.5))).toBeCloseTo(50, 9);
    expect(currentThrough(volt(60), kOhm(6))).toBeCloseTo(10, 9);
  });

  it('derives current density and the current a density limit allows', () => {
    expect(densityOf(mA(9.6), cm2(96))).toBeCloseTo(0.1, 12);
    expect(currentAt(mAPerCm2(0.1), cm2(201))).toBeCloseTo(20.1, 12);
    expect(chargeDensityOf(mAmin(40), cm2(10))).toBeCloseTo(4, 12);
  });

  it('converts µS/cm to S/cm', () => {
    expect(toSiemensPerCm(uSPerCm(500))).toBeCloseTo(5e-4, 15);
  });
});
