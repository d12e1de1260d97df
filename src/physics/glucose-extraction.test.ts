import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { cm2, mAPerCm2 } from '../units/quantities.js';
import {
  EXTRACTION,
  electroosmoticFlow,
  extractedGlucose,
  glucoseFlux,
  interstitialGlucose,
  soluteFlux,
} from './glucose-extraction.js';

describe('electro-osmotic volume flow', () => {
  it('is zero without current and rises with current density, never above 37 µL/(h·cm²) [43]', () => {
    expect(electroosmoticFlow(mAPerCm2(0))).toBe(0);
    let last = 0;
    for (const j of [0.05, 0.1, 0.2, 0.36, 0.5, 1, 5, 100]) {
      const f = electroosmoticFlow(mAPerCm2(j));
      expect(f).toBeGreaterThan(last);
      expect(f).toBeLessThan(37);
      last = f;
    }
    expect(electroosmoticFlow(mAPerCm2(1000))).toBeGreaterThan(36);
  });

  it('falls between the two measured flows: 2.7 ± 1.3 at 0.36 mA/cm² [44] and 6.1 at 0.32 mA/cm² [45]', () => {
    const at36 = electroosmoticFlow(mAPerCm2(0.36));
    const at32 = electroosmoticFlow(mAPerCm2(0.32));
    expect(at36).toBeGreaterThan(2.7 - 1.3);
    expect(at36).toBeLessThan(6.1);
    expect(at32).toBeGreaterThan(2.7);
    expect(at32).toBeLessThan(6.1);
    // The fitted slope is the geometric mean of the two studies' flow per density.
    expect(EXTRACTION.flowSlope).toBeCloseTo(Math.sqrt((2.7 / 0.36) * (6.1 / 0.32)), 0);
  });

  it('falls as the NaCl concentration rises [43]', () => {
    const j = mAPerCm2(0.3);
    expect(electroosmoticFlow(j, { nacl_mM: 50 })).toBeGreaterThan(electroosmoticFlow(j));
    expect(electroosmoticFlow(j, { nacl_mM: 500 })).toBeLessThan(electroosmoticFlow(j));
  });

  it('refuses a negative density with a coded error', () => {
    try {
      electroosmoticFlow(mAPerCm2(-1));
      expect.unreachable();
    } catch (e) {
      expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
    }
  });
});

describe('glucose flux at the cathode', () => {
  const j = mAPerCm2(0.36);

  it('is linear in subdermal glucose through the origin [111][112]', () => {
    const f5 = glucoseFlux(j, 5);
    expect(glucoseFlux(j, 0)).toBe(0);
    expect(glucoseFlux(j, 10)).toBeCloseTo(2 * f5, 12);
    expect(glucoseFlux(j, 18)).toBeCloseTo(3.6 * f5, 12);
  });

  it('is the volume flow × concentration × the mannitol/water sieving factor of [44] (µL × mM = nmol)', () => {
    expect(EXTRACTION.glucoseSieving).toBeCloseTo(1.23 / 2.7, 12);
    expect(glucoseFlux(j, 5)).toBeCloseTo(electroosmoticFlow(j) * 5 * (1.23 / 2.7), 12);
    expect(soluteFlux(2, 3, 0.5)).toBe(3);
  });

  it('rises with interstitial pH by the relative amounts of [114] (0.082 mM at 5 mM, 0.146 mM at 10 mM per unit)', () => {
    for (const [c, perUnit] of [
      [5, 0.082],
      [10, 0.146],
    ] as const) {
      const rel = glucoseFlux(j, c, { ph: 8.4 }) / glucoseFlux(j, c) - 1;
      expect(rel).toBeGreaterThan(0.8 * (perUnit / c));
      expect(rel).toBeLessThan(1.2 * (perUnit / c));
    }
    expect(glucoseFlux(j, 5, { ph: 7.0 })).toBeLessThan(glucoseFlux(j, 5));
  });

  it('collects a fraction of a nanomole in a 3-min extraction at 0.3 mA over 2 cm² (DERIVED order of magnitude)', () => {
    const n = extractedGlucose(mAPerCm2(0.15), cm2(2), 3, 5.5);
    expect(n).toBeGreaterThan(0.2);
    expect(n).toBeLessThan(1);
    expect(extractedGlucose(mAPerCm2(0.15), cm2(2), 6, 5.5)).toBeCloseTo(2 * n, 12);
  });
});

describe('interstitial glucose', () => {
  it('follows a step in blood glucose as 1 − e^(−t/τ)', () => {
    const blood = new Float64Array(61).fill(10);
    blood[0] = 5;
    const isf = interstitialGlucose(blood, 1, 5);
    expect(isf[0]).toBe(5);
    // The first minute is a ramp 5 → 10, then a constant: check a later point against the ramp's exact solution.
    const after1 = 10 - 5 * 5 + (5 - 5 + 5 * 5) * Math.exp(-1 / 5);
    expect(isf[1]).toBeCloseTo(after1, 12);
    expect(isf[21]).toBeCloseTo(10 - (10 - after1) * Math.exp(-20 / 5), 12);
    expect(isf[60]).toBeCloseTo(10, 3);
  });

  it('trails a steady ramp by exactly τ', () => {
    const blood = Float64Array.from({ length: 200 }, (_, i) => 5 + 0.05 * i);
    const isf = interstitialGlucose(blood, 1, 6);
    expect(blood[199]! - isf[199]!).toBeCloseTo(0.05 * 6, 6);
  });

  it('with τ = 0 is the blood trace itself', () => {
    const blood = [4, 6, 9, 7];
    expect([...interstitialGlucose(blood, 1, 0)]).toEqual(blood);
  });
});
