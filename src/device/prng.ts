/**
 * A small, fast, seeded pseudo-random source for the simulated device: mulberry32 for uniforms and the Box–Muller
 * transform for Gaussians. Deterministic for a given seed, so every simulated session is reproducible. Not for
 * cryptography. Kept inside the device layer so the device does not depend on the physics helpers.
 */
export class DevicePrng {
  private state: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    // Any finite number is a valid seed; fold it to 32 bits (and mix the fraction in, so 1.5 ≠ 1).
    const s = Number.isFinite(seed) ? seed : 0;
    this.state = (Math.trunc(s) ^ Math.trunc((s % 1) * 0x100000000)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    // mulberry32 (Tommy Ettinger, public domain).
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (mean 0, σ 1). Box–Muller yields two values per pair of uniforms; the second is kept. */
  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }
}
