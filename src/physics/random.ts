/**
 * Seeded pseudo-random numbers for reproducible virtual-patient cohorts: xoshiro128** (Blackman & Vigna), seeded
 * through splitmix32, with uniform, normal, lognormal and clipped draws. Not for cryptography. The same seed gives
 * the same sequence on every platform (32-bit integer arithmetic only).
 */

/** splitmix32 step: a good 32-bit mixer, also used to derive independent seeds. */
const mix32 = (x: number): number => {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
};

/**
 * A seed for member `index` of a cohort drawn from `cohortSeed`. Each patient has its own stream, so a patient does
 * not depend on the cohort size or on the order (or the worker thread) in which patients are drawn.
 */
export const deriveSeed = (cohortSeed: number, index: number): number =>
  mix32(mix32(cohortSeed >>> 0) ^ Math.imul((index >>> 0) + 1, 0x27d4eb2d));

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = NaN;

  constructor(seed: number) {
    let x = Number.isFinite(seed) ? Math.floor(seed) >>> 0 : 0;
    x = mix32(x);
    this.s0 = x;
    x = mix32(x);
    this.s1 = x;
    x = mix32(x);
    this.s2 = x;
    x = mix32(x);
    this.s3 = x;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  gaussian(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normal(mean: number, sd: number): number {
    return mean + sd * this.gaussian();
  }

  /** Lognormal with the given median and standard deviation of the logarithm. */
  lognormal(median: number, sigmaLn: number): number {
    return median * Math.exp(sigmaLn * this.gaussian());
  }

  /** Log-uniform in [lo, hi] (lo > 0). */
  logUniform(lo: number, hi: number): number {
    return lo * Math.exp(Math.log(hi / lo) * this.next());
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Clip a draw into [lo, hi]: keeps tails of a distribution inside a published range. */
export const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
