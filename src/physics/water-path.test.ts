import { describe, expect, it } from 'vitest';
import { cm2, uSPerCm } from '../units/quantities.js';
import { waterPathResistance } from './water-path.js';

describe('water path R = L / (σ A) (physics.md §3, DERIVED)', () => {
  it.each([
    [800, 12.5],
    [500, 20],
    [50, 200],
    [10, 1000],
  ])('gives %d µS/cm over a 1 cm layer of 100 cm² → %d Ω', (sigma, ohms) => {
    expect(waterPathResistance(1, cm2(100), uSPerCm(sigma))).toBeCloseTo(ohms, 9);
  });

  it('is an open path with no area or no conductivity', () => {
    expect(waterPathResistance(1, cm2(0), uSPerCm(500))).toBe(Infinity);
    expect(waterPathResistance(1, cm2(100), uSPerCm(0))).toBe(Infinity);
  });
});
