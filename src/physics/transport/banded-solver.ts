/**
 * Tridiagonal solver (Thomas algorithm) on typed arrays. The matrix rows are
 *
 *   lower[k]·x[k−1] + diag[k]·x[k] + upper[k]·x[k+1] = rhs[k],   k = 0 … n−1   (lower[0], upper[n−1] unused).
 *
 * Cost is 8n floating-point operations and no allocation: the caller owns a scratch array of length n. No pivoting:
 * the systems the transport solver builds are M-matrices (strictly diagonally dominant columns, positive diagonal,
 * non-positive off-diagonals), for which the Thomas algorithm is stable.
 */
export function solveTridiagonal(
  n: number,
  lower: Float64Array,
  diag: Float64Array,
  upper: Float64Array,
  rhs: Float64Array,
  x: Float64Array,
  scratch: Float64Array,
): void {
  let beta = diag[0]!;
  x[0] = rhs[0]! / beta;
  for (let k = 1; k < n; k++) {
    const g = upper[k - 1]! / beta;
    scratch[k] = g;
    beta = diag[k]! - lower[k]! * g;
    x[k] = (rhs[k]! - lower[k]! * x[k - 1]!) / beta;
  }
  for (let k = n - 2; k >= 0; k--) x[k] = x[k]! - scratch[k + 1]! * x[k + 1]!;
}
