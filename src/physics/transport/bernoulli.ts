/**
 * The Bernoulli function B(x) = x / (eˣ − 1) of Scharfetter–Gummel fluxes, its derivative, and the constant-field
 * (Goldman) enhancement factor E(x) = B(−x) = x / (1 − e⁻ˣ) of physics.md §5.3.
 *
 * Near x = 0 the closed form is 0/0; there the series 1 − x/2 + x²/12 − x⁴/720 is used (physics.md §5.3 gives it
 * for E(x) = B(−x): 1 + x/2 + x²/12 − x⁴/720). Its truncation error below |x| = 1e-2 is x⁶/30240 < 1e-16. Elsewhere
 * x / expm1(x) is accurate to a few ulp (expm1 has no cancellation) and handles both tails: B → 0 for x ≫ 1
 * (expm1 overflows to Infinity above x ≈ 709) and B → −x for x ≪ −1.
 */
const SERIES_LIMIT = 1e-2;

export function bernoulli(x: number): number {
  if (x > -SERIES_LIMIT && x < SERIES_LIMIT) {
    const x2 = x * x;
    return 1 - x / 2 + x2 / 12 - (x2 * x2) / 720;
  }
  return x / Math.expm1(x);
}

/**
 * dB/dx. From B(−x) = B(x) + x it follows B′(x) = B(x) (1 − B(x) − x) / x; near 0 the series
 * −1/2 + x/6 − x³/180 + x⁵/5040 (error below 1e-17 for |x| < 1e-2). B′ < 0 everywhere, B′ → −1 as x → −∞ and
 * → 0 as x → +∞.
 */
export function bernoulliDerivative(x: number): number {
  if (x > -SERIES_LIMIT && x < SERIES_LIMIT) {
    const x2 = x * x;
    return -0.5 + x / 6 - (x2 * x) / 180 + (x2 * x2 * x) / 5040;
  }
  const b = x / Math.expm1(x);
  if (b === 0) return 0;
  return (b * (1 - b - x)) / x;
}

/** Constant-field enhancement factor E(x) = x / (1 − e⁻ˣ) = B(−x), x = K + Pe (physics.md §5.3, [38]). */
export const goldmanEnhancement = (x: number): number => bernoulli(-x);

/**
 * B(x) and B′(x) from one exponential, written to `out[0]`, `out[1]` (no allocation; the closure's Newton iteration
 * calls it for every charged species at every face).
 */
export function bernoulliWithDerivative(x: number, out: Float64Array): void {
  if (x > -SERIES_LIMIT && x < SERIES_LIMIT) {
    const x2 = x * x;
    out[0] = 1 - x / 2 + x2 / 12 - (x2 * x2) / 720;
    out[1] = -0.5 + x / 6 - (x2 * x) / 180 + (x2 * x2 * x) / 5040;
    return;
  }
  const b = x / Math.expm1(x);
  out[0] = b;
  out[1] = b === 0 ? 0 : (b * (1 - b - x)) / x;
}
