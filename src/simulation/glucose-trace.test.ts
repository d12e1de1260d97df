import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../physics/random.js';
import { GLUCOSE_RANGE_MMOL_L, drawGlucoseTrace, glucoseAt, softLimit } from './glucose-trace.js';

describe('virtual blood-glucose traces', () => {
  it('are the same for the same seed and differ between seeds', () => {
    const a = drawGlucoseTrace(7, 600);
    const b = drawGlucoseTrace(7, 600);
    const c = drawGlucoseTrace(8, 600);
    expect([...a.mmol_L]).toEqual([...b.mmol_L]);
    expect([...a.mmol_L]).not.toEqual([...c.mmol_L]);
    expect(a.mmol_L.length).toBe(601);
  });

  it('stay inside the physiological range 2.2–22.2 mmol/L [109] across a cohort', () => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < 200; i++) {
      const t = drawGlucoseTrace(deriveSeed(1, i), 900);
      for (const g of t.mmol_L) {
        lo = Math.min(lo, g);
        hi = Math.max(hi, g);
      }
    }
    expect(lo).toBeGreaterThanOrEqual(GLUCOSE_RANGE_MMOL_L.min);
    expect(hi).toBeLessThanOrEqual(GLUCOSE_RANGE_MMOL_L.max);
    // A diabetic cohort visits both ends of the range.
    expect(lo).toBeLessThan(3.9);
    expect(hi).toBeGreaterThan(13.9);
  });

  it('rise after a meal: glucose an hour after the meal is above glucose at the meal on average', () => {
    let up = 0;
    let n = 0;
    for (let i = 0; i < 100; i++) {
      const t = drawGlucoseTrace(deriveSeed(2, i), 900);
      for (const m of t.meals) {
        if (m.t_min < 0 || m.t_min + 60 > 900) continue;
        n++;
        if (glucoseAt(t, m.t_min + 60) > glucoseAt(t, m.t_min)) up++;
      }
    }
    expect(up / n).toBeGreaterThan(0.8);
  });

  it('interpolate linearly between minutes and hold at the ends', () => {
    const t = drawGlucoseTrace(3, 10);
    expect(glucoseAt(t, 2.5)).toBeCloseTo((t.mmol_L[2]! + t.mmol_L[3]!) / 2, 12);
    expect(glucoseAt(t, -5)).toBe(t.mmol_L[0]);
    expect(glucoseAt(t, 99)).toBe(t.mmol_L[10]);
  });

  it('limit smoothly: identity in the middle, monotone and inside the bounds at the edges', () => {
    expect(softLimit(10, 2.2, 22.2)).toBe(10);
    let last = -Infinity;
    for (let x = -10; x <= 40; x += 0.25) {
      const y = softLimit(x, 2.2, 22.2);
      expect(y).toBeGreaterThanOrEqual(2.2);
      expect(y).toBeLessThanOrEqual(22.2);
      expect(y).toBeGreaterThanOrEqual(last);
      last = y;
    }
  });
});
