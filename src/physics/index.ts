/**
 * The physics layer: the patient circuit a device drives (`ElectricalLoad`), the physics-based virtual patient that
 * implements it, and the seeded cohort generator. Imports only `src/units` and `src/errors`.
 */
export { emptyLoadSample, type ElectricalLoad, type LoadSample, type Polarity } from './electrical-load.js';
export { ResistorLoad } from './resistor-load.js';
export {
  SLOW_INTERVAL,
  TreatmentCircuit,
  type CircuitParams,
  type CircuitSnapshot,
  type SiteId,
} from './treatment-circuit.js';
export { SkinSite, type SkinSiteParams } from './skin-site.js';
export { breakdownFactor, smoothstep, type BreakdownParams } from './skin-breakdown.js';
export { waterPathResistance } from './water-path.js';
export { clip, deriveSeed, Random } from './random.js';
export {
  AXILLARY,
  FACIAL,
  GLABROUS,
  LIMB_SKIN,
  SKIN_TYPES,
  ZONES,
  isZone,
  type SkinType,
  type Zone,
} from './zone-profiles.js';
export {
  createPatientLoad,
  drawCohort,
  drawCohortMember,
  drawPatient,
  F4_CURRENT_LIMIT,
  F4_REFERENCE_PATIENT,
  typicalPatient,
  type SetupOptions,
  type VirtualPatient,
} from './virtual-patient.js';
export * as physicsConstants from './constants.js';
