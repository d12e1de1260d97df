/** The drug-delivery simulator's API (src/server/simulation-routes.ts). */

export type Electrode = 'ag-agcl' | 'inert';

export interface SimDrug {
  id: string;
  name: string;
  charge: number;
  pole: 'anode' | 'cathode';
  mw_g_per_mol: number;
  default_area_cm2: number;
  /** The Ag/AgCl anode's charge limit for the drug's vehicle, mA·min per cm²; null when there is none. */
  max_charge_mAmin_per_cm2: number | null;
  sources: string[];
  provenance: string[];
}

export interface SimLimits {
  current_mA: { above: number; max: number };
  minutes: { above: number; max: number };
  area_cm2: { min: number; max: number };
  density_mA_per_cm2: { above: number; max: number };
  electrodes: Electrode[];
}

export interface SimCatalogue {
  items: SimDrug[];
  limits: SimLimits;
  model: { sources: string };
}

export interface SimRequest {
  drug: string;
  current_mA: number;
  minutes: number;
  area_cm2: number;
  electrode: Electrode;
}

export interface SimResult {
  drug: Pick<SimDrug, 'id' | 'name' | 'charge' | 'pole' | 'mw_g_per_mol' | 'sources'>;
  current_mA: number;
  minutes: number;
  area_cm2: number;
  electrode: Electrode;
  density_mA_per_cm2: number;
  dose_mAmin: number;
  delivered_ug: number;
  delivered_umol: number;
  faraday_bound_ug: number;
  efficiency: number;
  mean_flux_ug_per_cm2_per_h: number;
  depth_profile: { depth_um: number[]; conc_ug_per_cm3: number[] };
  timeline: { t_min: number[]; delivered_ug: number[] };
  depth_reached_um: { above_1pct_of_surface: number; above_10pct_of_surface: number };
  layers: { name: string; from_um: number; to_um: number }[];
  fate_ug: { in_skin: number; cleared: number; below_dermis: number };
  skin_voltage_V: number;
  notes: string[];
  model: { sources: string };
  compute_ms: number;
}

/** The form's fields, as the API names them. */
export type SimField = 'drug' | 'current_mA' | 'minutes' | 'area_cm2' | 'electrode';
