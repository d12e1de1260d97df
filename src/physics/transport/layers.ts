/**
 * The three layers of the 1D skin model (physics.md §4) and their transport properties.
 *
 * Thicknesses are sourced; everything else is a modelling choice, marked. Each layer has an aqueous pathway of
 * volume fraction ε (where the ions are), a hindrance f_ion (the effective diffusivity of a small ion is f_ion times
 * its aqueous value: porosity over tortuosity), a fixed charge per aqueous volume and a capillary clearance rate.
 */
export interface SkinLayerSpec {
  readonly name: 'stratum corneum' | 'viable epidermis' | 'dermis';
  readonly thickness_um: number;
  /** Range of the thickness in the source, µm. */
  readonly thicknessRange_um: readonly [number, number];
  readonly source: string;
  readonly porosity: number;
  readonly ionHindrance: number;
  readonly fixedCharge_mM: number;
  readonly clearance_per_s: number;
}

/**
 * Stratum corneum: 15 µm, the middle of 10–20 µm [29] (≈ 10 µm when dry [30]); palms are much thicker (≈ 350 µm to
 * the first conductive layer [32]).
 * - ε = 0.05, ASSUMPTION: a small aqueous (polar, appendageal and defect) pathway through a lipid matrix.
 * - fixed charge −30 mM, ASSUMPTION: skin is net negative above its isoelectric point ≈ 4.8 [42] and cation
 *   permselective; with it Na⁺ carries ≈ 0.8 of the current at a cathode, as [46] measured.
 * - f_ion = 1.3e-5, FITTED: with 150 mM of Na⁺/Cl⁻ it gives the SC a specific resistance of ≈ 5 kΩ·cm², inside the
 *   2.3–8.0 kΩ·cm² of human epidermal membrane [3], and a drop of ≈ 2 V at 0.4 mA/cm², the order of the 1.8–2.8 V
 *   DC polarisation [5]. Conditioning (R falling under current [4][8]) is not modelled: f_ion is constant.
 */
export const STRATUM_CORNEUM: SkinLayerSpec = {
  name: 'stratum corneum',
  thickness_um: 15,
  thicknessRange_um: [10, 20],
  source: '[29], [30]',
  porosity: 0.05,
  ionHindrance: 1.3e-5,
  fixedCharge_mM: -30,
  clearance_per_s: 0,
};

/**
 * Viable epidermis: 61 ± 7 µm, volar forearm [31]. ε = 0.15 (extracellular space, ASSUMPTION), f_ion = ε/τ² with
 * τ² = 2.5 (ASSUMPTION, typical of cellular tissue), uncharged, not perfused (the epidermis has no capillaries).
 */
export const VIABLE_EPIDERMIS: SkinLayerSpec = {
  name: 'viable epidermis',
  thickness_um: 61,
  thicknessRange_um: [54, 68],
  source: '[31]',
  porosity: 0.15,
  ionHindrance: 0.15 / 2.5,
  fixedCharge_mM: 0,
  clearance_per_s: 0,
};

/**
 * Dermis: 1.0 ± 0.2 mm, volar forearm [31]. ε = 0.3 (interstitial fluid fraction, ASSUMPTION), f_ion = ε/τ² with
 * τ² = 2.5 (ASSUMPTION). Capillary clearance k = 1e-3 s⁻¹ (t½ ≈ 12 min), ASSUMPTION within 1e-4–1e-2 s⁻¹: the
 * dermal clearance of small solutes is perfusion-limited and varies with blood flow (vasoconstriction by
 * dexamethasone [63] or epinephrine [64] lowers it). Below the dermis the model ends in well-perfused body fluid.
 */
export const DERMIS: SkinLayerSpec = {
  name: 'dermis',
  thickness_um: 1000,
  thicknessRange_um: [800, 1200],
  source: '[31]',
  porosity: 0.3,
  ionHindrance: 0.3 / 2.5,
  fixedCharge_mM: 0,
  clearance_per_s: 1e-3,
};

export const SKIN_LAYERS: readonly SkinLayerSpec[] = [STRATUM_CORNEUM, VIABLE_EPIDERMIS, DERMIS];

/** Default cells per layer: fine where the gradients are steep (the SC), coarser in the dermis. */
export const DEFAULT_CELLS: readonly number[] = [16, 12, 48];
