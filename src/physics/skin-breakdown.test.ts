import { describe, expect, it } from 'vitest';
import {
  BREAKDOWN_APPENDAGEAL_GAIN,
  BREAKDOWN_APPENDAGEAL_ONSET,
  BREAKDOWN_APPENDAGEAL_WIDTH,
  BREAKDOWN_LIPID_ONSET,
  BREAKDOWN_LIPID_WIDTH,
  BREAKDOWN_MAX_FACTOR,
} from './constants.js';
import { breakdownFactor, smoothstep, type BreakdownParams } from './skin-breakdown.js';

const params: BreakdownParams = {
  appendagealOnset: BREAKDOWN_APPENDAGEAL_ONSET,
  appendagealWidth: BREAKDOWN_APPENDAGEAL_WIDTH,
  appendagealGain: BREAKDOWN_APPENDAGEAL_GAIN,
  lipidOnset: BREAKDOWN_LIPID_ONSET,
  lipidWidth: BREAKDOWN_LIPID_WIDTH,
  lipidGain: BREAKDOWN_MAX_FACTOR - 1 - BREAKDOWN_APPENDAGEAL_GAIN,
};

describe('skin breakdown factor [6][12]', () => {
  it('leaves the skin alone below the appendageal onset (~30 V)', () => {
    for (let v = 0; v <= 30; v += 0.5) expect(breakdownFactor(v, params)).toBe(1);
    expect(breakdownFactor(-20, params)).toBe(1);
  });

  it('drops R by up to three orders of magnitude above the lipid onset (~50 V)', () => {
    expect(breakdownFactor(45, params)).toBeGreaterThan(5);
    expect(breakdownFactor(45, params)).toBeLessThan(11);
    expect(breakdownFactor(70, params)).toBeCloseTo(BREAKDOWN_MAX_FACTOR, 6);
    expect(breakdownFactor(-70, params)).toBeCloseTo(BREAKDOWN_MAX_FACTOR, 6);
  });

  it('rises steeply but without a discontinuity (no jump between neighbouring millivolts)', () => {
    let prev = breakdownFactor(0, params);
    let largestStep = 0;
    let monotonic = true;
    for (let mv = 1; mv <= 80_000; mv++) {
      const f = breakdownFactor(mv / 1000, params);
      monotonic &&= f >= prev;
      largestStep = Math.max(largestStep, f - prev);
      prev = f;
    }
    expect(monotonic).toBe(true);
    // The steepest slope is ~ 990 × 1.875 / 15 V ≈ 124 per volt: ≈ 0.12 per millivolt.
    expect(largestStep).toBeLessThan(0.2);
  });

  it('uses a C² smoothstep: 0 and 1 at the ends with flat slopes', () => {
    expect(smoothstep(0)).toBe(0);
    expect(smoothstep(1)).toBe(1);
    expect(smoothstep(0.5)).toBeCloseTo(0.5, 12);
    const h = 1e-6;
    expect((smoothstep(h) - smoothstep(0)) / h).toBeLessThan(1e-9);
    expect((smoothstep(1) - smoothstep(1 - h)) / h).toBeLessThan(1e-9);
  });
});
