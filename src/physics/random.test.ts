import { describe, expect, it } from 'vitest';
import { clip, deriveSeed, Random } from './random.js';

describe('Random (xoshiro128**)', () => {
  it('repeats the same sequence from the same seed and differs between seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    const sb = Array.from({ length: 20 }, () => b.next());
    const sc = Array.from({ length: 20 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('draws uniforms in [0, 1) with mean ≈ 1/2', () => {
    const r = new Random(1);
    let sum = 0;
    let inRange = true;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      inRange &&= x >= 0 && x < 1;
      sum += x;
    }
    expect(inRange).toBe(true);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const r = new Random(7);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(3, 2);
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const sd = Math.sqrt(s2 / n - mean * mean);
    expect(mean).toBeCloseTo(3, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('draws lognormals around the requested median', () => {
    const r = new Random(9);
    const xs = Array.from({ length: 20_001 }, () => r.lognormal(250, 0.15)).sort((a, b) => a - b);
    expect(xs[10_000]).toBeGreaterThan(245);
    expect(xs[10_000]).toBeLessThan(255);
  });

  it('derives independent per-member seeds from a cohort seed', () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(5, i)));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(5, 3)).toBe(deriveSeed(5, 3));
    expect(deriveSeed(5, 3)).not.toBe(deriveSeed(6, 3));
  });

  it('clips into a range', () => {
    expect(clip(5, 0, 1)).toBe(1);
    expect(clip(-5, 0, 1)).toBe(0);
    expect(clip(0.5, 0, 1)).toBe(0.5);
  });
});
