import { toSiemensPerCm, type MicroSiemensPerCm, type Ohm, type SquareCm } from '../units/quantities.js';

/**
 * Resistance of a layer of water (or pad solution) of thickness `lengthCm` over `area`: R = L / (σ A), the bath
 * path of physics.md §3. A zero area or zero conductivity is an open path (Infinity).
 *
 * DERIVED oracle (physics.md §3): 1 cm over 100 cm² gives 12.5 Ω at 800, 20 Ω at 500 and 200 Ω at 50 µS/cm.
 */
export const waterPathResistance = (lengthCm: number, area: SquareCm, sigma: MicroSiemensPerCm): Ohm => {
  const g = toSiemensPerCm(sigma) * area;
  return (g > 0 ? lengthCm / g : Infinity) as Ohm;
};
