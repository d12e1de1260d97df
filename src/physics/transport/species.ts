/**
 * Small ions of body fluid, drug vehicles and electrode reactions: charge and aqueous diffusivity.
 *
 * Diffusivities at infinite dilution, 25 °C, from the limiting ionic conductivities of the CRC Handbook of
 * Chemistry and Physics ("Ionic conductivity and diffusion at infinite dilution", P. Vanýsek): Na⁺ 1.334, K⁺ 1.957,
 * Cl⁻ 2.032, HCO₃⁻ 1.185, NO₃⁻ 1.902, H⁺ 9.311, OH⁻ 5.273 (× 10⁻⁵ cm²/s). Scaled to 37 °C by Stokes–Einstein,
 * D ∝ T/η: (310.15/298.15) · (0.890/0.692 mPa·s) = 1.338 (viscosities of water at 25 and 37 °C).
 */
export const STOKES_EINSTEIN_25_TO_37 = (310.15 / 298.15) * (0.89 / 0.692);

export interface Ion {
  readonly id: string;
  readonly z: number;
  /** Aqueous diffusivity at 37 °C, cm²/s. */
  readonly dAqueous: number;
}

const at37 = (d25: number) => d25 * STOKES_EINSTEIN_25_TO_37;

export const SODIUM: Ion = { id: 'Na+', z: 1, dAqueous: at37(1.334e-5) };
export const POTASSIUM: Ion = { id: 'K+', z: 1, dAqueous: at37(1.957e-5) };
export const CHLORIDE: Ion = { id: 'Cl-', z: -1, dAqueous: at37(2.032e-5) };
export const BICARBONATE: Ion = { id: 'HCO3-', z: -1, dAqueous: at37(1.185e-5) };
export const NITRATE: Ion = { id: 'NO3-', z: -1, dAqueous: at37(1.902e-5) };
export const PROTON: Ion = { id: 'H+', z: 1, dAqueous: at37(9.311e-5) };
export const HYDROXIDE: Ion = { id: 'OH-', z: -1, dAqueous: at37(5.273e-5) };

/**
 * Interstitial fluid, simplified to three ions (mM): Na⁺ 140, Cl⁻ 110 and the remaining anions (mostly HCO₃⁻ ≈ 25,
 * plus phosphate, proteins, lactate) lumped as 30 mM with the diffusivity of bicarbonate, so that the fluid is
 * electroneutral. Textbook plasma/interstitial values (Na⁺ 135–145, Cl⁻ 98–110, HCO₃⁻ 22–28 mM); K⁺, Ca²⁺ and Mg²⁺
 * (≈ 8 mM of charge together) are left out.
 */
export const BODY_FLUID_mM: Readonly<Record<string, number>> = { 'Na+': 140, 'Cl-': 110, 'HCO3-': 30 };
