/**
 * Virtual patients: a seeded generator that draws every parameter of the patient circuit from a stated distribution
 * inside the published ranges, so a cohort is reproducible from its seed, and a factory that builds the
 * `ElectricalLoad` for a patient.
 *
 * Distributions (one draw each, always in this order, so one seed is one individual whatever the zone):
 *
 * | parameter | distribution | source |
 * |---|---|---|
 * | native skin conductance factor | lognormal, median 1, σ_ln 0.35, clip [0.3, 3] | spread ASSUMPTION |
 * | sweat-duct conductance factor | lognormal, median 1, σ_ln 0.5, clip [0.2, 5] | spread ASSUMPTION |
 * | conditioned conductance factor | lognormal, median 1, σ_ln 0.3, clip [0.4, 2.5] | spread ASSUMPTION |
 * | initial hydration | uniform 0.1–0.5 | ASSUMPTION |
 * | conditioning time factor | lognormal, median 1, σ_ln 0.25, clip [0.5, 2] | ASSUMPTION |
 * | recovery time factor | lognormal, median 1, σ_ln 0.2, clip [0.6, 1.7] | around the [9] fit |
 * | SC capacitance | uniform 0.02–0.05 µF/cm² | UNVERIFIED (physics.md §8) |
 * | polarisation factor on 2.8 V / 1.8 V | normal, mean 1, sd 0.1, clip [0.75, 1.25] | [5], spread ASSUMPTION |
 * | appendageal breakdown onset | normal, 30 V, sd 3 V, clip [24, 36] | [6] |
 * | lipid breakdown onset | normal, 50 V, sd 5 V, clip [40, 60] | [12] |
 * | each limb | lognormal, median 250 Ω, σ_ln 0.15, clip [150, 400] | [15] |
 * | torso | uniform 100–500 Ω | [15] |
 * | internal body (short paths) | lognormal, median 300 Ω, σ_ln 0.2, clip [180, 500] | [14] |
 * | electrolysis overpotential (inert electrodes) | uniform 1–2 V | ASSUMPTION (physics.md §6) |
 * | tap water conductivity | lognormal, median 400 µS/cm, σ_ln 0.5, clip [50, 800] | [23] |
 * | immersed area per hand (palms + fingers) | lognormal, median 160 cm², σ_ln 0.12, clip [120, 200] | ASSUMPTION, ≤ tray [SW] |
 * | immersed area per foot (sole + sides) | lognormal, median 200 cm², σ_ln 0.12, clip [150, 260] | ASSUMPTION, ≤ tray [SW] |
 * | axillary pad coverage | uniform 0.6–0.9 of the 99 cm² pocket | [SW], coverage ASSUMPTION |
 *
 * `typicalPatient(zone)` takes the median of every distribution (midpoint for uniforms).
 */
import { IontoError } from '../errors/catalogue.js';
import {
  cm2,
  mA,
  ohm,
  seconds,
  uSPerCm,
  volt,
  type Fraction,
  type MicroSiemensPerCm,
  type SquareCm,
} from '../units/quantities.js';
import {
  AGCL_OVERPOTENTIAL,
  AXILLARY_POCKET_AREA,
  BREAKDOWN_APPENDAGEAL_GAIN,
  BREAKDOWN_APPENDAGEAL_ONSET,
  BREAKDOWN_APPENDAGEAL_WIDTH,
  BREAKDOWN_LIPID_ONSET,
  BREAKDOWN_LIPID_WIDTH,
  BREAKDOWN_MAX_FACTOR,
  BREAKDOWN_OPEN_TAU,
  BREAKDOWN_RESEAL_TAU,
  BODY_INTERNAL,
  DRUG_PAD_PATH_CM,
  DRUG_SOLUTION_CONDUCTIVITY,
  ELECTRODE_HALF_CURRENT,
  ELECTRODE_TAU,
  ELECTROLYSIS_OVERPOTENTIAL_MAX,
  ELECTROLYSIS_OVERPOTENTIAL_MIN,
  FACIAL_GEL_CONDUCTIVITY,
  FACIAL_GEL_PATH_CM,
  IONIC_EXPONENT,
  LIMB,
  POLARISATION_ANODE,
  POLARISATION_CATHODE,
  POLARISATION_HALF_DENSITY,
  POLARISATION_TAU,
  SC_CAPACITANCE_MAX_UF_PER_CM2,
  SC_CAPACITANCE_MIN_UF_PER_CM2,
  SPONGE_PATH_CM,
  SWEAT_TAU,
  TAP_WATER_MAX,
  TAP_WATER_MIN,
  TORSO_MAX,
  TORSO_MIN,
  TRAY_AREA,
  TRAY_WATER_PATH_CM,
} from './constants.js';
import { deriveSeed, Random } from './random.js';
import type { SkinSiteParams } from './skin-site.js';
import { TreatmentCircuit, type CircuitParams } from './treatment-circuit.js';
import { AXILLARY, FACIAL, GLABROUS, LIMB_SKIN, isZone, type SkinType, type Zone } from './zone-profiles.js';

export type { Zone } from './zone-profiles.js';

/** Electrode choices that are the setup's, not the patient's. */
export interface SetupOptions {
  /** Active electrode area: 'face' 1–10 cm² (default 5), 'pad' 1–50 cm² (default 10). Ignored for trays, axillae. */
  readonly area?: SquareCm;
  /** Return electrode area for 'pad' (default twice the active area) and 'face' (hand-held, default 40 cm²). */
  readonly returnArea?: SquareCm;
  /** Water or pad solution conductivity. Default: drawn tap water for trays and sponges; a gel or drug solution. */
  readonly conductivity?: MicroSiemensPerCm;
  /** Contact fraction at the start (default 1). */
  readonly initialContact?: Fraction;
}

/** One virtual patient: plain data (structured-clone safe, so cohorts can cross worker threads). */
export interface VirtualPatient {
  readonly id: string;
  /** Seed the patient was drawn from; null for the typical and reference patients. */
  readonly seed: number | null;
  readonly zone: Zone;
  readonly circuit: CircuitParams;
}

/** Draws from a random stream, or the medians when there is none. */
interface Sampler {
  lognormal(median: number, sigmaLn: number, lo: number, hi: number): number;
  uniform(lo: number, hi: number): number;
  normal(mean: number, sd: number, lo: number, hi: number): number;
}

const clip = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

const randomSampler = (rng: Random): Sampler => ({
  lognormal: (m, sg, lo, hi) => clip(rng.lognormal(m, sg), lo, hi),
  uniform: (lo, hi) => rng.uniform(lo, hi),
  normal: (m, sd, lo, hi) => clip(rng.normal(m, sd), lo, hi),
});

const medianSampler: Sampler = {
  lognormal: (m, _sg, lo, hi) => clip(m, lo, hi),
  uniform: (lo, hi) => (lo + hi) / 2,
  normal: (m, _sd, lo, hi) => clip(m, lo, hi),
};

/** The individual's draws, independent of zone. */
interface Individual {
  native: number;
  sweat: number;
  conditioned: number;
  hydration0: number;
  conditioningTime: number;
  recoveryTime: number;
  capacitance: number;
  polarisation: number;
  appendagealOnset: number;
  lipidOnset: number;
  limb1: number;
  limb2: number;
  torso: number;
  internal: number;
  overpotential: number;
  tapWater: number;
  handArea: number;
  footArea: number;
  axillaCoverage: number;
}

const drawIndividual = (d: Sampler): Individual => ({
  native: d.lognormal(1, 0.45, 0.3, 3),
  sweat: d.lognormal(1, 0.6, 0.2, 5),
  conditioned: d.lognormal(1, 0.4, 0.4, 2.5),
  hydration0: d.uniform(0.1, 0.5),
  conditioningTime: d.lognormal(1, 0.25, 0.5, 2),
  recoveryTime: d.lognormal(1, 0.2, 0.6, 1.7),
  capacitance: d.uniform(SC_CAPACITANCE_MIN_UF_PER_CM2, SC_CAPACITANCE_MAX_UF_PER_CM2), // UNVERIFIED
  polarisation: d.normal(1, 0.1, 0.75, 1.25), // around [5]
  appendagealOnset: d.normal(BREAKDOWN_APPENDAGEAL_ONSET, 3, 24, 36), // [6]
  lipidOnset: d.normal(BREAKDOWN_LIPID_ONSET, 5, 40, 60), // [12]
  limb1: d.lognormal(LIMB, 0.15, 150, 400), // [15]
  limb2: d.lognormal(LIMB, 0.15, 150, 400), // [15]
  torso: d.uniform(TORSO_MIN, TORSO_MAX), // [15]
  internal: d.lognormal(BODY_INTERNAL, 0.2, 180, 500), // [14]
  overpotential: d.uniform(ELECTROLYSIS_OVERPOTENTIAL_MIN, ELECTROLYSIS_OVERPOTENTIAL_MAX),
  tapWater: d.lognormal(400, 0.5, TAP_WATER_MIN, TAP_WATER_MAX), // [23]
  handArea: d.lognormal(160, 0.12, 120, 200),
  footArea: d.lognormal(200, 0.12, 150, 260),
  axillaCoverage: d.uniform(0.6, 0.9),
});

const siteParams = (type: SkinType, area: number, ind: Individual, hydration0 = ind.hydration0): SkinSiteParams => ({
  area: cm2(area),
  nativeUSPerCm2: type.nativeUSPerCm2 * ind.native,
  hydrationGain: type.hydrationGain,
  initialHydration: hydration0,
  hydrationTau: type.hydrationTau,
  dryingTau: type.dryingTau,
  sweatUSPerCm2: type.sweatUSPerCm2 * ind.sweat,
  sweatTau: SWEAT_TAU,
  conditionedUSPerCm2: type.conditionedUSPerCm2 * ind.conditioned,
  conditioningHalfDensity: type.conditioningHalfDensity,
  conditioningTau: seconds(type.conditioningTau * ind.conditioningTime),
  recoveryTau: seconds(type.recoveryTau * ind.recoveryTime),
  initialConditioning: 0,
  ionicExponent: IONIC_EXPONENT,
  capacitanceUFPerCm2: ind.capacitance,
  anodePolarisation: volt(POLARISATION_ANODE * ind.polarisation),
  cathodePolarisation: volt(POLARISATION_CATHODE * ind.polarisation),
  polarisationHalfDensity: POLARISATION_HALF_DENSITY,
  polarisationTau: POLARISATION_TAU,
  breakdown: {
    appendagealOnset: volt(ind.appendagealOnset),
    appendagealWidth: BREAKDOWN_APPENDAGEAL_WIDTH,
    appendagealGain: BREAKDOWN_APPENDAGEAL_GAIN,
    lipidOnset: volt(ind.lipidOnset),
    lipidWidth: BREAKDOWN_LIPID_WIDTH,
    lipidGain: BREAKDOWN_MAX_FACTOR - 1 - BREAKDOWN_APPENDAGEAL_GAIN,
  },
  breakdownOpenTau: BREAKDOWN_OPEN_TAU,
  breakdownResealTau: BREAKDOWN_RESEAL_TAU,
});

const checkArea = (zone: Zone, area: number, lo: number, hi: number): number => {
  if (!(area >= lo && area <= hi)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `electrode area for ${zone} must be ${lo}–${hi} cm², got ${area}`, {
      zone,
      area,
    });
  }
  return area;
};

const build = (ind: Individual, zone: Zone, setup: SetupOptions): CircuitParams => {
  const inert = {
    electrodeOverpotential: volt(ind.overpotential),
    electrodeHalfCurrent: ELECTRODE_HALF_CURRENT,
    electrodeTau: ELECTRODE_TAU,
  };
  const tap = uSPerCm(setup.conductivity ?? ind.tapWater);
  const contact = setup.initialContact === undefined ? {} : { initialContact: setup.initialContact };
  switch (zone) {
    case 'palms':
    case 'soles': {
      // Tray 150 × 220 mm [SW]; path arm–torso–arm or leg–pelvis–leg [15].
      const area = Math.min(zone === 'palms' ? ind.handArea : ind.footArea, TRAY_AREA);
      const site = siteParams(GLABROUS, area, ind);
      return {
        siteA: site,
        siteB: site,
        body: ohm(ind.limb1 + ind.torso + ind.limb2),
        pathLengthA: TRAY_WATER_PATH_CM,
        pathLengthB: TRAY_WATER_PATH_CM,
        conductivity: tap,
        ...inert,
        ...contact,
      };
    }
    case 'axillae': {
      // Sponge pockets ≈ 90 × 110 mm [SW]; across the chest [15].
      const site = siteParams(AXILLARY, AXILLARY_POCKET_AREA * ind.axillaCoverage, ind);
      return {
        siteA: site,
        siteB: site,
        body: ohm(ind.torso),
        pathLengthA: SPONGE_PATH_CM,
        pathLengthB: SPONGE_PATH_CM,
        conductivity: tap,
        ...inert,
        ...contact,
      };
    }
    case 'face': {
      // Small facial electrode (1–10 cm²) with gel; return electrode held in a moistened hand (ASSUMPTION).
      const area = checkArea(zone, setup.area ?? 5, 0.5, 10);
      const ret = checkArea(zone, setup.returnArea ?? 40, 5, 200);
      return {
        siteA: siteParams(FACIAL, area, ind),
        siteB: siteParams(GLABROUS, ret, ind, 0),
        body: ohm(ind.limb1 + ind.torso / 2),
        pathLengthA: FACIAL_GEL_PATH_CM,
        pathLengthB: FACIAL_GEL_PATH_CM,
        conductivity: uSPerCm(setup.conductivity ?? FACIAL_GEL_CONDUCTIVITY),
        ...inert,
        ...contact,
      };
    }
    case 'pad': {
      // Drug electrode (a few to ~20 cm²) and a larger return pad on the same region; Ag/AgCl [43][46].
      const area = checkArea(zone, setup.area ?? 10, 1, 50);
      const ret = checkArea(zone, setup.returnArea ?? 2 * area, 1, 200);
      return {
        siteA: siteParams(LIMB_SKIN, area, ind),
        siteB: siteParams(LIMB_SKIN, ret, ind),
        body: ohm(ind.internal),
        pathLengthA: DRUG_PAD_PATH_CM,
        pathLengthB: DRUG_PAD_PATH_CM,
        conductivity: uSPerCm(setup.conductivity ?? DRUG_SOLUTION_CONDUCTIVITY),
        electrodeOverpotential: AGCL_OVERPOTENTIAL,
        electrodeHalfCurrent: ELECTRODE_HALF_CURRENT,
        electrodeTau: ELECTRODE_TAU,
        ...contact,
      };
    }
  }
};

const checkZone = (zone: unknown): Zone => {
  if (!isZone(zone)) throw new IontoError('ION_ERR_UNKNOWN_ZONE', `unknown zone: ${String(zone)}`, { zone });
  return zone;
};

/**
 * Draw one patient for a zone. A number is a seed (the patient's own stream); a `Random` is consumed in place (the
 * caller owns the stream). Same seed → same patient; the zone does not change the individual, only the setup.
 */
export const drawPatient = (source: number | Random, zone: Zone, setup: SetupOptions = {}): VirtualPatient => {
  checkZone(zone);
  const seed = typeof source === 'number' ? source >>> 0 : null;
  const rng = typeof source === 'number' ? new Random(source) : source;
  const circuit = build(drawIndividual(randomSampler(rng)), zone, setup);
  return { id: seed === null ? `${zone}-stream` : `${zone}-${seed.toString(16)}`, seed, zone, circuit };
};

/** Patient `index` of the cohort `cohortSeed`: independent of cohort size and drawing order. */
export const drawCohortMember = (
  cohortSeed: number,
  index: number,
  zone: Zone,
  setup: SetupOptions = {},
): VirtualPatient => drawPatient(deriveSeed(cohortSeed, index), zone, setup);

/** A reproducible cohort of `size` patients. */
export const drawCohort = (
  cohortSeed: number,
  zone: Zone,
  size: number,
  setup: SetupOptions = {},
): VirtualPatient[] => {
  const out: VirtualPatient[] = [];
  for (let i = 0; i < size; i++) out.push(drawCohortMember(cohortSeed, i, zone, setup));
  return out;
};

/** The median patient of a zone (every distribution at its median). */
export const typicalPatient = (zone: Zone, setup: SetupOptions = {}): VirtualPatient => ({
  id: `${checkZone(zone)}-typical`,
  seed: null,
  zone,
  circuit: build(drawIndividual(medianSampler), zone, setup),
});

/** Build the electrical load (the patient circuit) for a patient. Each call gives a fresh circuit at rest. */
export const createPatientLoad = (patient: VirtualPatient, overrides: Partial<CircuitParams> = {}): TreatmentCircuit =>
  new TreatmentCircuit({ ...patient.circuit, ...overrides });

/**
 * Reference patient for the [F4] constant-voltage rig: both palms in plastic containers on aluminium-foil
 * electrodes under paper towels, "just enough tap water to cover my palms", salt and baking soda added to
 * low-mineral water; 8.5 V held constant, current drifting 2 → 4.5 mA over 10 minutes. Fitted to that drift
 * (every value below is an ASSUMPTION of the fit, not a measurement):
 * - immersed area 150 cm² per hand (palms covered, fingers partly);
 * - water 2000 µS/cm (salt + soda in soft water);
 * - aluminium foil is not inert: the anode dissolves rather than electrolysing water, so a small electrode
 *   overpotential, 0.3 V;
 * - body at the low end of [15] (limbs 220 Ω, torso 150 Ω);
 * - a sweaty (hyperhidrotic) individual whose skin conditions strongly at low current: sweat-duct shunt 3 µS/cm²,
 *   conditioned conductance 27 µS/cm² (the cohort medians are 1 and 10).
 */
export const F4_REFERENCE_PATIENT: VirtualPatient = Object.freeze({
  id: 'f4-reference',
  seed: null,
  zone: 'palms' as Zone,
  circuit: Object.freeze(
    ((): CircuitParams => {
      const ind = { ...drawIndividual(medianSampler), overpotential: 0.3, limb1: 220, limb2: 220, torso: 150 };
      const base = build(ind, 'palms', { conductivity: uSPerCm(2000) });
      const site: SkinSiteParams = {
        ...siteParams(GLABROUS, 150, ind),
        nativeUSPerCm2: 1.7,
        sweatUSPerCm2: 3,
        conditionedUSPerCm2: 27,
      };
      return { ...base, siteA: site, siteB: site };
    })(),
  ),
});

/** Current limit used with the [F4] rig in tests (the 9 V battery rig had none; a generous ceiling). */
export const F4_CURRENT_LIMIT = mA(30);
