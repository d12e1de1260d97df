import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { solveTridiagonal } from './banded-solver.js';

describe('Thomas algorithm', () => {
  it('solves diagonally dominant tridiagonal systems (residual below 1e-12)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 180, maxLength: 180 }),
        (n, r) => {
          const lower = new Float64Array(n);
          const diag = new Float64Array(n);
          const upper = new Float64Array(n);
          const rhs = new Float64Array(n);
          for (let k = 0; k < n; k++) {
            lower[k] = k > 0 ? -r[k]! : 0;
            upper[k] = k < n - 1 ? -r[60 + k]! : 0;
            diag[k] = Math.abs(lower[k]!) + Math.abs(upper[k]!) + 0.1 + r[120 + k]!;
            rhs[k] = r[(k * 7) % 180]! - 0.5;
          }
          const x = new Float64Array(n);
          solveTridiagonal(n, lower, diag, upper, rhs, x, new Float64Array(n));
          for (let k = 0; k < n; k++) {
            const ax = (k > 0 ? lower[k]! * x[k - 1]! : 0) + diag[k]! * x[k]! + (k < n - 1 ? upper[k]! * x[k + 1]! : 0);
            expect(Math.abs(ax - rhs[k]!)).toBeLessThan(1e-12);
          }
        },
      ),
    );
  });
});
