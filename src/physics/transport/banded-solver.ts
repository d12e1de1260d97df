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

/**
 * Block-tridiagonal solver (block Thomas algorithm) for m block rows of nb × nb blocks, row-major, stored one after
 * the other: block j of `lower` is lower[j·nb² …], and the same for `diag` and `upper`. Solves
 *
 *   L_j x_{j−1} + D_j x_j + U_j x_{j+1} = r_j,
 *
 * overwriting `diag` (with LU factors), `upper` (with D⁻¹U) and `rhs` (with the solution). Each diagonal block is
 * factorised by Gaussian elimination with partial pivoting (`pivots`: m·nb integers). Cost O(m·nb³), no allocation.
 * Stable for the block diagonally dominant Jacobians of the transport solver.
 */
export function solveBlockTridiagonal(
  m: number,
  nb: number,
  lower: Float64Array,
  diag: Float64Array,
  upper: Float64Array,
  rhs: Float64Array,
  pivots: Int32Array,
): void {
  const bb = nb * nb;
  for (let j = 0; j < m; j++) {
    const dOff = j * bb;
    const rOff = j * nb;
    if (j > 0) {
      // D_j ← D_j − L_j X_{j−1};  r_j ← r_j − L_j y_{j−1}  (X and y of the previous row are in upper / rhs).
      const lOff = j * bb;
      const xOff = (j - 1) * bb;
      const yOff = (j - 1) * nb;
      for (let r = 0; r < nb; r++) {
        let acc = rhs[rOff + r]!;
        for (let k = 0; k < nb; k++) {
          const l = lower[lOff + r * nb + k]!;
          if (l === 0) continue;
          acc -= l * rhs[yOff + k]!;
          for (let col = 0; col < nb; col++)
            diag[dOff + r * nb + col] = diag[dOff + r * nb + col]! - l * upper[xOff + k * nb + col]!;
        }
        rhs[rOff + r] = acc;
      }
    }
    luFactor(nb, diag, dOff, pivots, rOff);
    luSolve(nb, diag, dOff, pivots, rOff, rhs, rOff, 1);
    if (j < m - 1) luSolve(nb, diag, dOff, pivots, rOff, upper, dOff, nb);
  }
  for (let j = m - 2; j >= 0; j--) {
    const xOff = j * bb;
    const rOff = j * nb;
    const nOff = (j + 1) * nb;
    for (let r = 0; r < nb; r++) {
      let acc = rhs[rOff + r]!;
      for (let col = 0; col < nb; col++) acc -= upper[xOff + r * nb + col]! * rhs[nOff + col]!;
      rhs[rOff + r] = acc;
    }
  }
}

/** In-place LU with partial pivoting of the nb × nb block at a[off …]; pivot rows to piv[pOff …]. */
function luFactor(nb: number, a: Float64Array, off: number, piv: Int32Array, pOff: number): void {
  for (let k = 0; k < nb; k++) {
    let p = k;
    let best = Math.abs(a[off + k * nb + k]!);
    for (let r = k + 1; r < nb; r++) {
      const v = Math.abs(a[off + r * nb + k]!);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    piv[pOff + k] = p;
    if (p !== k) {
      for (let col = 0; col < nb; col++) {
        const t = a[off + k * nb + col]!;
        a[off + k * nb + col] = a[off + p * nb + col]!;
        a[off + p * nb + col] = t;
      }
    }
    const pivot = a[off + k * nb + k]!;
    for (let r = k + 1; r < nb; r++) {
      const f = a[off + r * nb + k]! / pivot;
      a[off + r * nb + k] = f;
      if (f === 0) continue;
      for (let col = k + 1; col < nb; col++)
        a[off + r * nb + col] = a[off + r * nb + col]! - f * a[off + k * nb + col]!;
    }
  }
}

/** Solve with the LU factors for `cols` right-hand sides stored row-major (nb × cols) at b[bOff …], in place. */
function luSolve(
  nb: number,
  a: Float64Array,
  off: number,
  piv: Int32Array,
  pOff: number,
  b: Float64Array,
  bOff: number,
  cols: number,
): void {
  for (let k = 0; k < nb; k++) {
    const p = piv[pOff + k]!;
    if (p !== k) {
      for (let c = 0; c < cols; c++) {
        const t = b[bOff + k * cols + c]!;
        b[bOff + k * cols + c] = b[bOff + p * cols + c]!;
        b[bOff + p * cols + c] = t;
      }
    }
  }
  for (let r = 1; r < nb; r++) {
    for (let k = 0; k < r; k++) {
      const f = a[off + r * nb + k]!;
      if (f === 0) continue;
      for (let c = 0; c < cols; c++) b[bOff + r * cols + c] = b[bOff + r * cols + c]! - f * b[bOff + k * cols + c]!;
    }
  }
  for (let r = nb - 1; r >= 0; r--) {
    const d = a[off + r * nb + r]!;
    for (let k = r + 1; k < nb; k++) {
      const f = a[off + r * nb + k]!;
      if (f === 0) continue;
      for (let c = 0; c < cols; c++) b[bOff + r * cols + c] = b[bOff + r * cols + c]! - f * b[bOff + k * cols + c]!;
    }
    for (let c = 0; c < cols; c++) b[bOff + r * cols + c] = b[bOff + r * cols + c]! / d;
  }
}
