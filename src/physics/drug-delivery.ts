/**
 * Drug iontophoresis through the three-layer skin: how much of a drug a session delivers, how fast, and how deep it
 * gets. A thin front end on the Nernst–Planck solver (`transport/nernst-planck-solver.ts`): it builds the problem
 * (skin layers, body-fluid ions, the drug's vehicle and the electrode reaction) from a drug id, a current, a
 * duration and an electrode area, runs it and reports in clinical units.
 *
 * The ions of every run: the drug, its counter-ion in the vehicle, Na⁺ / Cl⁻ / lumped HCO₃⁻ of the body fluid
 * (which also carry current out of or into the skin) and the ion the electrode makes or takes (Ag/AgCl cathode:
 * one Cl⁻ released per electron; anode: one vehicle anion taken up per electron — Ag + Cl⁻ → AgCl for chloride
 * salts, or the gel's buffer neutralising the H⁺ of water oxidation).
 */
import { IontoError } from '../errors/catalogue.js';
import { type MilliAmp, type SquareCm } from '../units/quantities.js';
import { DRUGS, DRUG_IDS, type DrugSpec } from './drugs.js';
import { DEFAULT_CELLS, SKIN_LAYERS } from './transport/layers.js';
import {
  FARADAY,
  NernstPlanckSolver,
  type TransportLayer,
  type TransportProblem,
  type TransportSpecies,
} from './transport/nernst-planck-solver.js';
import {
  BICARBONATE,
  BODY_FLUID_mM,
  CHLORIDE,
  HYDROXIDE,
  NITRATE,
  PROTON,
  SODIUM,
  type Ion,
} from './transport/species.js';

export { DRUG_IDS } from './drugs.js';

/**
 * Drug electrode: Ag/AgCl-like (default; the cathode releases Cl⁻, the anode takes up a vehicle anion, no pH change
 * [43][46]) or inert (platinum, carbon: the anode makes H⁺, the cathode OH⁻, which then compete with the drug).
 */
export type DrugElectrode = 'ag-agcl' | 'inert';

export interface DrugDeliveryInput {
  readonly drug: string;
  readonly current: MilliAmp;
  readonly minutes: number;
  readonly area?: SquareCm;
  readonly electrode?: DrugElectrode;
}

export interface DrugDeliveryResult {
  readonly drug: {
    id: string;
    name: string;
    mw_g_per_mol: number;
    charge: number;
    pole: 'anode' | 'cathode';
    sources: string[];
  };
  readonly current_mA: number;
  readonly minutes: number;
  readonly area_cm2: number;
  readonly charge_mAmin: number;
  readonly density_mA_per_cm2: number;
  /** Amount that crossed the skin surface during the session. */
  readonly delivered_ug: number;
  readonly delivered_umol: number;
  /** Transport number 1: every charge carried by the drug. */
  readonly faraday_bound_ug: number;
  /** Achieved: delivered / Faraday bound (per charge). */
  readonly transport_number: number;
  readonly mean_flux_ug_per_cm2_per_h: number;
  readonly timeline: readonly { t_min: number; delivered_ug: number; flux_ug_per_cm2_per_h: number }[];
  /** Amount per tissue volume at the end of the session. */
  readonly depth_profile: readonly { depth_um: number; conc_ug_per_cm3: number }[];
  readonly depth_reached_um: { readonly above_1pct_of_surface: number; readonly above_10pct_of_surface: number };
  readonly layers: readonly { name: string; from_um: number; to_um: number }[];
  /** Where the delivered drug is at the end, µg: still in the skin, cleared by capillaries, past the dermis. */
  readonly fate_ug: { readonly in_skin: number; readonly cleared: number; readonly below_dermis: number };
  /** Potential drop across the skin at the end, V. */
  readonly skin_voltage_V: number;
  readonly notes: readonly string[];
}

/** Limits of the simulator's inputs (model validity, not treatment advice). */
export const DELIVERY_LIMITS = {
  /** mA. */
  maxCurrent: 10,
  /** min; fentanyl research sessions ran 2 h [53]. */
  maxMinutes: 240,
  /** cm². */
  minArea: 0.5,
  maxArea: 200,
  /** mA/cm²: twice the ≈ 0.5 proposed human maximum [68]; beyond it breakdown and burns, not transport, dominate. */
  maxDensity: 1,
} as const;

/**
 * Electro-osmotic volume flux per current density, cm³/C: 2.7 µL/h/cm² at 0.36 mA/cm² across human skin at the
 * anode [44] (2.1e-3 cm³/C). Flow runs anode → cathode at pH 7.4 [42]: into the skin under the anode, out of it
 * under the cathode.
 */
export const ELECTROOSMOTIC_FLOW_PER_CHARGE = 2.7e-3 / 3600 / 0.36e-3;

const SMALL_IONS: Readonly<Record<string, Ion>> = {
  'Na+': SODIUM,
  'Cl-': CHLORIDE,
  'HCO3-': BICARBONATE,
  'NO3-': NITRATE,
  'H+': PROTON,
  'OH-': HYDROXIDE,
};

/**
 * Largest time step, s: 4 s, or a sixtieth of a short session. With BDF2 the time-stepping error of the delivered
 * amount is then below 1e-4 (relative); the grid's error is larger (see the convergence tests).
 */
const stepFor = (seconds: number) => Math.min(4, seconds / 60);

/** The Nernst–Planck problem of a session (exported for tests and the benchmark). */
export function deliveryProblem(
  drug: DrugSpec,
  density_mA_per_cm2: number,
  cells: readonly number[] = DEFAULT_CELLS,
  electrode: DrugElectrode = 'ag-agcl',
): TransportProblem {
  const sign = drug.pole === 'anode' ? 1 : -1;
  const i = sign * density_mA_per_cm2 * 1e-3; // A/cm²
  const layers: TransportLayer[] = SKIN_LAYERS.map((l, k) => ({
    name: l.name,
    thickness_cm: l.thickness_um * 1e-4,
    cells: cells[k]!,
    porosity: l.porosity,
    fixedCharge_mM: l.fixedCharge_mM,
    clearance_per_s: l.clearance_per_s,
  }));
  const ionIds = ['Na+', 'Cl-', 'HCO3-'];
  if (!ionIds.includes(drug.counterIon.id)) ionIds.push(drug.counterIon.id);
  // Inert electrodes electrolyse water (physics.md §6): H⁺ at the anode, OH⁻ at the cathode, one per electron.
  const waterIon = electrode === 'inert' ? (drug.pole === 'anode' ? 'H+' : 'OH-') : undefined;
  if (waterIon !== undefined) ionIds.push(waterIon);
  const species: TransportSpecies[] = [
    {
      id: drug.id,
      z: drug.charge,
      diffusivity: SKIN_LAYERS.map((l, k) => drug.dAqueous * l.ionHindrance * (k === 0 ? drug.scHindrance : 1)),
      partition: drug.partition,
      donor_mM: drug.donor_mM,
      body_mM: 0,
      clearanceFactor: drug.clearanceFactor,
    },
  ];
  for (const id of ionIds) {
    const ion = SMALL_IONS[id]!;
    let yieldPerElectron = 0;
    if (waterIon !== undefined) {
      if (id === waterIon) yieldPerElectron = 1;
    } else {
      if (drug.pole === 'cathode' && id === 'Cl-') yieldPerElectron = 1; // AgCl + e⁻ → Ag + Cl⁻
      if (drug.pole === 'anode' && id === drug.counterIon.id) yieldPerElectron = -1; // anion taken up at the anode
    }
    species.push({
      id,
      z: ion.z,
      diffusivity: SKIN_LAYERS.map((l) => ion.dAqueous * l.ionHindrance),
      partition: 1,
      donor_mM: id === drug.counterIon.id ? drug.counterIon.mM : 0,
      body_mM: BODY_FLUID_mM[id] ?? 0,
      electrodeYield: yieldPerElectron,
    });
  }
  return {
    layers,
    species,
    currentDensity_A_per_cm2: i,
    volumeFlux_cm_per_s: ELECTROOSMOTIC_FLOW_PER_CHARGE * i,
    donorThickness_cm: drug.vehicleThickness_cm,
  };
}

function check(name: string, value: number, lo: number, hi: number, unit: string, loOpen = false): void {
  if (!Number.isFinite(value) || (loOpen ? value <= lo : value < lo) || value > hi) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `${name} must be ${loOpen ? '>' : '≥'} ${lo} and ≤ ${hi} ${unit} (got ${value})`,
      { field: name, value, min: lo, max: hi },
    );
  }
}

/**
 * Electrons per electrode area an Ag/AgCl anode may pass before the vehicle runs out of the anion it takes up,
 * µmol/cm²: 80 % of the vehicle's counter-ion (counter-ion mM × vehicle thickness). None at a cathode (it releases
 * Cl⁻) or with an inert electrode (it electrolyses water).
 */
export function anodeChargeCapacity_umol_per_cm2(drug: DrugSpec, electrode: DrugElectrode): number | null {
  if (drug.pole !== 'anode' || electrode !== 'ag-agcl') return null;
  return 0.8 * drug.counterIon.mM * drug.vehicleThickness_cm;
}

export function simulateDrugDelivery(input: DrugDeliveryInput): DrugDeliveryResult {
  const drug = DRUGS[input.drug];
  if (drug === undefined) {
    throw new IontoError('ION_ERR_USAGE', `drug must be one of ${DRUG_IDS.join(', ')} (got ${String(input.drug)})`, {
      field: 'drug',
      value: input.drug,
      allowed: DRUG_IDS,
    });
  }
  const current = +input.current;
  const minutes = input.minutes;
  const area = input.area === undefined ? +drug.defaultArea : +input.area;
  check('current', current, 0, DELIVERY_LIMITS.maxCurrent, 'mA', true);
  check('minutes', minutes, 0, DELIVERY_LIMITS.maxMinutes, 'min', true);
  check('area', area, DELIVERY_LIMITS.minArea, DELIVERY_LIMITS.maxArea, 'cm²');
  const density = current / area;
  check('current density (current / area)', density, 0, DELIVERY_LIMITS.maxDensity, 'mA/cm²', true);
  // The vehicle must hold enough of the anion the anode takes up (cathode: Cl⁻ is released, nothing runs out).
  const chargeDensity_umol = ((density * 1e-3 * minutes * 60) / FARADAY) * 1e6; // µmol e⁻ per cm²
  const electrode = input.electrode ?? 'ag-agcl';
  if (electrode !== 'ag-agcl' && electrode !== 'inert') {
    throw new IontoError('ION_ERR_USAGE', `electrode must be ag-agcl or inert (got ${String(electrode)})`, {
      field: 'electrode',
      value: electrode,
      allowed: ['ag-agcl', 'inert'],
    });
  }
  const capacity = anodeChargeCapacity_umol_per_cm2(drug, electrode);
  if (capacity !== null) {
    check('charge density (current × minutes / area)', chargeDensity_umol, 0, capacity, 'µmol e⁻/cm² for this vehicle');
  }

  const problem = deliveryProblem(drug, density, DEFAULT_CELLS, electrode);
  const solver = new NernstPlanckSolver(problem, { scheme: 'bdf2' });
  const seconds = minutes * 60;
  const samples = Math.max(1, Math.min(120, Math.round(minutes)));
  const sampleSeconds = seconds / samples;
  const maxStep = stepFor(seconds);
  const mw = drug.mw_g_per_mol;
  const timeline: { t_min: number; delivered_ug: number; flux_ug_per_cm2_per_h: number }[] = [
    { t_min: 0, delivered_ug: 0, flux_ug_per_cm2_per_h: 0 },
  ];
  for (let k = 1; k <= samples; k++) {
    solver.advanceTo(k * sampleSeconds, maxStep);
    timeline.push({
      t_min: (k * sampleSeconds) / 60,
      delivered_ug: solver.balance(0).in * area * mw,
      flux_ug_per_cm2_per_h: solver.surfaceFlux(0) * mw * 3600,
    });
  }
  const bal = solver.balance(0);
  const delivered_umol = bal.in * area;
  const faraday_umol = (chargeDensity_umol * area) / Math.abs(drug.charge);

  const grid = solver.grid;
  const depth_profile: { depth_um: number; conc_ug_per_cm3: number }[] = [];
  for (let k = 0; k < grid.n; k++) {
    depth_profile.push({ depth_um: grid.centres[k]! * 1e4, conc_ug_per_cm3: solver.tissueConcentration(0, k) * mw });
  }
  // "Surface" concentration: the highest tissue concentration of the profile, which lies in the stratum corneum or
  // just under it (the SC holds little water, so its tissue concentration can be below the epidermis' one).
  const surface = depth_profile.reduce((mx, p) => Math.max(mx, p.conc_ug_per_cm3), 0);
  const reach = (fraction: number) => {
    const ref = surface * fraction;
    let deepest = 0;
    for (let k = 0; k < depth_profile.length; k++) {
      const p = depth_profile[k]!;
      if (p.conc_ug_per_cm3 < ref) continue;
      const next = depth_profile[k + 1];
      deepest =
        next === undefined || next.conc_ug_per_cm3 >= ref
          ? p.depth_um
          : p.depth_um +
            ((next.depth_um - p.depth_um) * (p.conc_ug_per_cm3 - ref)) / (p.conc_ug_per_cm3 - next.conc_ug_per_cm3);
    }
    return ref > 0 ? deepest : 0;
  };
  const depth_reached_um = { above_1pct_of_surface: reach(0.01), above_10pct_of_surface: reach(0.1) };
  let from = 0;
  const layers = SKIN_LAYERS.map((l) => {
    const out = { name: l.name, from_um: from, to_um: from + l.thickness_um };
    from += l.thickness_um;
    return out;
  });

  const notes = deliveryNotes(drug, {
    density,
    minutes,
    transportNumber: delivered_umol / faraday_umol,
    depth1: depth_reached_um.above_1pct_of_surface,
    depth10: depth_reached_um.above_10pct_of_surface,
    dermisEnd: from,
    voltage: Math.abs(solver.potentialDrop_V()),
    electrode,
    donorPh:
      electrode === 'inert'
        ? drug.pole === 'anode'
          ? -Math.log10(Math.max(solver.donorConcentration(solver.indexOf('H+')), 1e-12) * 1e-3)
          : 14 + Math.log10(Math.max(solver.donorConcentration(solver.indexOf('OH-')), 1e-12) * 1e-3)
        : undefined,
  });
  return {
    drug: {
      id: drug.id,
      name: drug.name,
      mw_g_per_mol: mw,
      charge: drug.charge,
      pole: drug.pole,
      sources: [...drug.sources],
    },
    current_mA: current,
    minutes,
    area_cm2: area,
    charge_mAmin: current * minutes,
    density_mA_per_cm2: density,
    delivered_ug: delivered_umol * mw,
    delivered_umol,
    faraday_bound_ug: faraday_umol * mw,
    transport_number: delivered_umol / faraday_umol,
    mean_flux_ug_per_cm2_per_h: (delivered_umol * mw) / area / (minutes / 60),
    timeline,
    depth_profile,
    depth_reached_um,
    layers,
    fate_ug: {
      in_skin: bal.stored * area * mw,
      cleared: bal.cleared * area * mw,
      below_dermis: bal.out * area * mw,
    },
    skin_voltage_V: Math.abs(solver.potentialDrop_V()),
    notes,
  };
}

function deliveryNotes(
  drug: DrugSpec,
  r: {
    density: number;
    minutes: number;
    transportNumber: number;
    depth1: number;
    depth10: number;
    dermisEnd: number;
    voltage: number;
    electrode: DrugElectrode;
    donorPh: number | undefined;
  },
): string[] {
  const notes: string[] = [];
  const fmt = (x: number, d = 0) => x.toFixed(d);
  const electrodeText =
    r.electrode === 'inert'
      ? `inert: it electrolyses water, making one ${drug.pole === 'anode' ? 'H⁺' : 'OH⁻'} per electron, which competes ` +
        `with the drug (an unbuffered vehicle reaches pH ≈ ${(r.donorPh ?? 7).toFixed(1)} by the end; tissue buffering ` +
        `of H⁺/OH⁻ is not modelled, so their competition is an upper bound)`
      : `Ag/AgCl-like (${drug.pole === 'cathode' ? 'releases Cl⁻, which competes with the drug [50]' : 'takes up one vehicle anion per electron'})`;
  notes.push(
    `Model: electroneutral Nernst–Planck (diffusion, electromigration, electro-osmosis) through stratum corneum 15 µm, ` +
      `viable epidermis 61 µm and dermis 1.0 mm [29][31], with first-order capillary clearance in the dermis; ` +
      `the ${drug.pole} is ${electrodeText}.`,
  );
  notes.push(
    `Achieved transport number ${r.transportNumber.toFixed(4)}: the drug carries that fraction of the current; body ions ` +
      `(Na⁺ out of the skin at a cathode, Cl⁻ out at an anode) carry most of the rest [37][46].`,
  );
  notes.push(...drug.provenance);
  notes.push(
    `Depth: at the end the drug is above 10 % of its highest tissue concentration down to ${fmt(r.depth10)} µm and above 1 % ` +
      `down to ${fmt(r.depth1)} µm (dermis ends at ${fmt(r.dermisEnd)} µm); what passes the dermis is counted as ` +
      `systemic. In the dermis the drug spreads by diffusion (2√(Dt) ≈ ` +
      `${fmt(2 * Math.sqrt(((drug.dAqueous * 0.12) / 0.3) * r.minutes * 60) * 1e4)} µm in this time) and is ` +
      `cleared by the capillaries, which limit its steady reach to √(D/k) ≈ ` +
      `${fmt(Math.sqrt((drug.dAqueous * 0.12) / (0.3 * 1e-3)) * 1e4)} µm.`,
  );
  notes.push(
    `The 12 mm reported for dexamethasone at 40 mA·min [63] was measured in a gel model: no stratum corneum, no ` +
      `capillaries, a drug that accumulates wherever it diffuses (free diffusion over this session alone reaches ` +
      `2√(D t) ≈ ${(2 * Math.sqrt(drug.dAqueous * r.minutes * 60) * 10).toFixed(1)} mm in water). Living skin clears ` +
      `what reaches the dermis into the blood (t½ ≈ 12 min in this model), so the local tissue depth is about a ` +
      `millimetre; beyond it the drug is systemic. ` +
      `Cosmetic claims of penetration "up to 5 mm" have no support from this model or from the sources.`,
  );
  if (r.voltage > 3) {
    notes.push(
      `The model's voltage across the skin, ${r.voltage.toFixed(1)} V, is above the 1.8 V (cathode) – 2.8 V (anode) ` +
        `measured [5]: its stratum corneum runs short of mobile ions under current (the ions entering from a ` +
        `low-strength vehicle are partly excluded by the SC's fixed charge) and the fall of skin resistance under ` +
        `current [4][8] is not modelled. The delivered amount follows the transport number, not the voltage.`,
    );
  }
  if (r.density > 0.5) {
    notes.push(
      `Current density ${r.density.toFixed(2)} mA/cm² is above the ≈ 0.5 mA/cm² proposed human maximum [68] and the ` +
        `0.1–0.5 clinical range [CD3]; the model ignores skin breakdown and pH burns.`,
    );
  }
  if (r.minutes * r.density < 1) {
    notes.push('Low charge per area: most of the drug is still in the stratum corneum at the end (depot).');
  }
  return notes;
}
