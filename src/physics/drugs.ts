/**
 * Drugs for the transport simulator: charge, molar mass, the pole they are given from, the vehicle they come in and
 * the transport parameters of the model. Every number says where it comes from:
 * - sourced: a reference key of `reference/physics.md` / `clinical.md`;
 * - ASSUMPTION: a modelling choice with no source;
 * - FITTED: chosen so that the model reproduces a sourced observation, which is named.
 */
import { cm2, type SquareCm } from '../units/quantities.js';
import { DRUG_PAD_PATH_CM } from './constants.js';

export type Pole = 'anode' | 'cathode';

export interface DrugSpec {
  readonly id: string;
  readonly name: string;
  /** g/mol of the form the dose is expressed in. */
  readonly mw_g_per_mol: number;
  /** Charge number of the delivered ion at skin pH. */
  readonly charge: number;
  readonly pole: Pole;
  readonly sources: readonly string[];
  /** Donor (gel or solution) drug concentration, mM. */
  readonly donor_mM: number;
  /** The drug's counter-ion in the vehicle (its id among the small ions) and its concentration, mM. */
  readonly counterIon: { readonly id: 'Na+' | 'Cl-' | 'NO3-'; readonly mM: number };
  /** Vehicle volume per electrode area (gel or soaked-pad thickness), cm. */
  readonly vehicleThickness_cm: number;
  /** Aqueous diffusivity at 37 °C, cm²/s. */
  readonly dAqueous: number;
  /**
   * Extra hindrance of the drug in the SC's aqueous pathway relative to a small ion (size exclusion), ≤ 1; in the
   * viable tissue the drug moves with its aqueous diffusivity times the layer's f_ion.
   */
  readonly scHindrance: number;
  /** Partition coefficient from the vehicle into the SC's aqueous pathway (non-electrostatic). */
  readonly partition: number;
  /** Capillary clearance relative to the dermis' default (1 = the layer's rate). */
  readonly clearanceFactor: number;
  /** Electrode area used when none is given, cm². */
  readonly defaultArea: SquareCm;
  /** Remarks on where the figures come from. */
  readonly provenance: readonly string[];
}

/**
 * Dexamethasone phosphate, the dianion at skin pH, from the cathode [46][63]. MW 472.4 as in physics.md §7.
 * Vehicle: 4 mg/mL dexamethasone sodium phosphate (the clinical strength of [63]; salt MW 516.4) = 7.75 mM with
 * 15.5 mM Na⁺, no background electrolyte (as in [46]).
 */
export const DEXAMETHASONE_PHOSPHATE: DrugSpec = {
  id: 'dexamethasone-phosphate',
  name: 'Dexamethasone sodium phosphate',
  mw_g_per_mol: 472.4,
  charge: -2,
  pole: 'cathode',
  sources: ['[46]', '[50]', '[63]', 'physics.md §7'],
  donor_mM: (4 / 516.4) * 1000,
  counterIon: { id: 'Na+', mM: ((2 * 4) / 516.4) * 1000 },
  vehicleThickness_cm: DRUG_PAD_PATH_CM,
  dAqueous: 6.0e-6, // ASSUMPTION: Stokes–Einstein for MW ≈ 470 at 37 °C (range 4–8e-6)
  scHindrance: 0.3, // ASSUMPTION: a molecule of ≈ 1 nm in pores of a few nm
  partition: 0.5, // FITTED: transport number 0.012 for 4 mA × 10 min (40 mA·min) over 10 cm², no background electrolyte [46]
  clearanceFactor: 1,
  defaultArea: cm2(10), // ASSUMPTION: 4 mA over 10 cm² = 0.4 mA/cm², inside the 0.1–0.5 clinical range [CD3]
  provenance: [
    'transport number 0.012 without background electrolyte [46] is the calibration target (partition FITTED)',
    'Ag/AgCl cathode: each electron releases one Cl⁻ into the gel, which competes with the drug [50]',
  ],
};

/**
 * Lidocaine, the cation (pKa ≈ 7.9: mostly protonated in the acidic vehicle; the neutral fraction in tissue is not
 * modelled), from the anode [64][65]. MW 234.3 of the base. Vehicle: 2 % lidocaine HCl (20 mg/mL, salt MW 270.8) =
 * 73.9 mM with its Cl⁻. No transport number located (physics.md §5.7): the parameters are ASSUMPTIONS, not fitted.
 */
export const LIDOCAINE: DrugSpec = {
  id: 'lidocaine',
  name: 'Lidocaine hydrochloride',
  mw_g_per_mol: 234.3,
  charge: 1,
  pole: 'anode',
  sources: ['[64]', '[65]'],
  donor_mM: (20 / 270.8) * 1000,
  counterIon: { id: 'Cl-', mM: (20 / 270.8) * 1000 },
  vehicleThickness_cm: DRUG_PAD_PATH_CM,
  dAqueous: 7.5e-6, // ASSUMPTION: Stokes–Einstein for MW ≈ 235
  scHindrance: 0.4, // ASSUMPTION
  partition: 1, // ASSUMPTION
  clearanceFactor: 1,
  defaultArea: cm2(10), // ASSUMPTION: 4 mA over 10 cm²
  provenance: ['no transport number located (physics.md §5.7): parameters are assumptions, not fitted'],
};

/**
 * Pilocarpine, the cation (pKa ≈ 7: about half protonated at skin pH; the model treats it as fully charged, which
 * overstates electromigration), from the anode for the CF sweat test [56][13]. The dose is expressed as pilocarpine
 * nitrate, MW 271, as [56] does. Vehicle: 0.5 % pilocarpine nitrate gel (ASSUMPTION for the strength) = 18.4 mM with
 * its NO₃⁻. The 5 cm² default site is [13]'s.
 */
export const PILOCARPINE: DrugSpec = {
  id: 'pilocarpine',
  name: 'Pilocarpine nitrate',
  mw_g_per_mol: 271.3,
  charge: 1,
  pole: 'anode',
  sources: ['[56]', '[57]', '[13]', 'physics.md §7'],
  donor_mM: (5 / 271.3) * 1000,
  counterIon: { id: 'NO3-', mM: (5 / 271.3) * 1000 },
  vehicleThickness_cm: DRUG_PAD_PATH_CM,
  dAqueous: 8.0e-6, // ASSUMPTION: Stokes–Einstein for MW ≈ 208
  scHindrance: 0.4, // ASSUMPTION
  partition: 1, // ASSUMPTION
  clearanceFactor: 1,
  defaultArea: cm2(5),
  provenance: ['no transport number located (physics.md §5.7): parameters are assumptions, not fitted'],
};

/**
 * Fentanyl, the cation (pKa 8.4 [IO1]: ≈ 90 % protonated at pH 7.4), from the anode [53][IO1]. MW 336.5 as in
 * physics.md §7. Vehicle: 40 mM fentanyl HCl in a 5 mm reservoir (ASSUMPTION; IONSYS holds 10.8 mg fentanyl HCl [IO1]), enough
 * chloride for the Ag anode over 2 h at 0.2 mA/cm².
 * Lipophilic (octanol:water 860:1 [IO1]) but delivered as the ion through the aqueous pathway.
 */
export const FENTANYL: DrugSpec = {
  id: 'fentanyl',
  name: 'Fentanyl hydrochloride',
  mw_g_per_mol: 336.5,
  charge: 1,
  pole: 'anode',
  sources: ['[53]', '[IO1]', '[55]'],
  donor_mM: 40,
  counterIon: { id: 'Cl-', mM: 40 },
  vehicleThickness_cm: 0.5, // ASSUMPTION: a reservoir for 2-h sessions at 2 mA [53]
  dAqueous: 6.5e-6, // ASSUMPTION: Stokes–Einstein for MW ≈ 340
  scHindrance: 0.3, // ASSUMPTION
  partition: 1, // ASSUMPTION (not fitted: see provenance)
  clearanceFactor: 1,
  defaultArea: cm2(10), // ASSUMPTION: the electrode area of [53] is not in the sources
  provenance: [
    'not fitted to the t ≈ 0.11 implied by the UNVERIFIED 170 µA IONSYS current (physics.md §7): at the anode the ' +
      "SC's cation pool comes from the vehicle, so the model's t is ≈ 0.1–0.5 whatever the partition coefficient",
    'charge–dose linearity (1 vs 2 mA [53]) is a test, not an input',
  ],
};

export const DRUGS: Readonly<Record<string, DrugSpec>> = Object.fromEntries(
  [DEXAMETHASONE_PHOSPHATE, LIDOCAINE, PILOCARPINE, FENTANYL].map((d) => [d.id, d]),
);

export const DRUG_IDS: readonly string[] = Object.keys(DRUGS);
