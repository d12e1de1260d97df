import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bernoulli, bernoulliDerivative, bernoulliWithDerivative, goldmanEnhancement } from './bernoulli.js';

describe('Goldman enhancement E(x) = B(−x) (physics.md §5.3, §7 oracles)', () => {
  it.each([
    [0.1, 1.0508, 1e-4],
    [1, 1.582, 1e-4],
    [5, 5.0339, 1e-4],
    [10, 10.00045, 1e-5],
    [-1, 0.582, 1e-4],
    [-5, 0.03392, 1e-5],
  ])('E(%d) = %d', (x, e, tol) => {
    expect(Math.abs(goldmanEnhancement(x) - e)).toBeLessThan(tol);
  });

  it('E → 1 at 0, E → x for x ≫ 1, E → 0 for x ≪ 0', () => {
    expect(goldmanEnhancement(0)).toBe(1);
    expect(goldmanEnhancement(800)).toBe(800);
    expect(goldmanEnhancement(-800)).toBe(0);
  });

  it('E(x) − E(−x) = x for every x', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 700, noNaN: true }), (x) => {
        const d = goldmanEnhancement(x) - goldmanEnhancement(-x);
        expect(Math.abs(d - x)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x)));
      }),
    );
  });

  it('the series near 0 joins the closed form without a step', () => {
    for (const x of [1e-2 * (1 - 1e-12), 1e-2, -1e-2 * (1 - 1e-12), -1e-2]) {
      const closed = x / Math.expm1(x);
      expect(Math.abs(bernoulli(x) - closed)).toBeLessThan(1e-15);
    }
  });
});

describe('B′(x)', () => {
  it('matches a central difference and is negative everywhere', () => {
    fc.assert(
      fc.property(fc.double({ min: -60, max: 60, noNaN: true }), (x) => {
        const h = 1e-5 * Math.max(1, Math.abs(x));
        const fd = (bernoulli(x + h) - bernoulli(x - h)) / (2 * h);
        const d = bernoulliDerivative(x);
        expect(Math.abs(d - fd)).toBeLessThan(1e-7);
        expect(d).toBeLessThanOrEqual(0);
        const out = new Float64Array(2);
        bernoulliWithDerivative(x, out);
        expect(out[0]).toBe(bernoulli(x));
        expect(out[1]).toBe(d);
      }),
    );
  });
});
