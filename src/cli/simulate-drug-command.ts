import type { Command } from 'commander';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { DRUG_IDS, simulateDrugDelivery, type DrugDeliveryResult } from '../physics/drug-delivery.js';
import { simulateTrayPh, type TrayPhResult } from '../physics/tray-ph.js';
import { cm2, mA } from '../units/quantities.js';
import { EXIT } from './cli-errors.js';
import type { CliIo } from './main.js';
import { rangedOption, required } from './simulate-options.js';
import { bar, xyPlot } from './text-plot.js';

/**
 * The drug model's range of validity (not treatment advice: drug delivery runs at ≤ 4 mA [E5]): ≤ 10 mA, ≤ 4 h
 * (Zecuity's 6.5 mg over 4 h, devices.md §1.2), electrodes of 0.5–200 cm². The model checks the current density
 * itself.
 */
const MAX_DRUG_CURRENT = 10;
const MAX_DRUG_MINUTES = 240;
const MIN_AREA = 0.5;
const MAX_AREA = 200;
/** Proposed human maximum current density for iontophoresis, mA/cm² [68][CD2]. */
const MAX_DENSITY = 0.5;
/** Tray currents: palms and soles 15–20 mA [SP], "up to 20 mA" [U1]; some headroom for exploring. */
const MAX_TRAY_CURRENT = 30;
const MAX_TRAY_MINUTES = 60;

/** A model's own error as a usage error (exit 2, no stack trace); our coded errors pass through. */
function asUsage(e: unknown): never {
  if (isIontoError(e)) throw e;
  throw new IontoError('ION_ERR_OUT_OF_RANGE', e instanceof Error ? e.message : String(e));
}

const fmt = (x: number, d = 2): string => {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-2)) return x.toExponential(2);
  return x.toFixed(d);
};

// ---------------------------------------------------------------------------------------------------------------
// simulate drug

export interface DrugCommandOptions {
  drug?: string;
  current?: string;
  minutes?: string;
  area?: string;
  json?: boolean;
  csv?: boolean;
}

/** Concentration at a depth, linear between the profile's points (0 beyond it). */
const concAt = (profile: DrugDeliveryResult['depth_profile'], depth: number): number => {
  if (profile.length === 0) return 0;
  if (depth <= profile[0]!.depth_um) return profile[0]!.conc_ug_per_cm3;
  for (let i = 1; i < profile.length; i++) {
    const a = profile[i - 1]!;
    const b = profile[i]!;
    if (depth <= b.depth_um) {
      const f = b.depth_um > a.depth_um ? (depth - a.depth_um) / (b.depth_um - a.depth_um) : 1;
      return a.conc_ug_per_cm3 + f * (b.conc_ug_per_cm3 - a.conc_ug_per_cm3);
    }
  }
  return 0;
};

/**
 * The depth profile as a bar chart: a header line at each layer boundary, rows spread over each layer (at least two
 * per layer, about 26 in all), bars linear in concentration relative to the largest.
 */
export function depthChart(r: DrugDeliveryResult, rows = 26, width = 40): string[] {
  const profile = r.depth_profile;
  const end = profile.at(-1)?.depth_um ?? 0;
  const layers = (r.layers.length > 0 ? r.layers : [{ name: 'skin', from_um: 0, to_um: end }]).filter(
    (l) => l.from_um < end || l === r.layers[0],
  );
  const total = Math.max(1e-9, Math.min(end, layers.at(-1)?.to_um ?? end) - (layers[0]?.from_um ?? 0));
  const max = Math.max(0, ...profile.map((p) => p.conc_ug_per_cm3));
  const out: string[] = [];
  for (const l of layers) {
    const to = Math.min(l.to_um, end);
    out.push(
      `   ── ${l.name} ${fmt(l.from_um, 0)}–${fmt(l.to_um, 0)} µm ${'─'.repeat(Math.max(2, 30 - l.name.length))}`,
    );
    const k = Math.max(2, Math.round((rows * (to - l.from_um)) / total));
    for (let i = 0; i < k; i++) {
      const d = l.from_um + ((to - l.from_um) * i) / k;
      const c = concAt(profile, d);
      out.push(`   ${fmt(d, 0).padStart(7)} │${bar(c, max, width).padEnd(width)} ${fmt(c)}`);
    }
  }
  return out;
}

export function describeDrug(r: DrugDeliveryResult): string {
  const d = r.drug;
  const z = d.charge > 0 ? `+${d.charge}` : d.charge < 0 ? `−${-d.charge}` : '0';
  const dense = r.density_mA_per_cm2 > MAX_DENSITY;
  const lines = [
    `Drug iontophoresis · ${d.name} (${d.id}) · from the ${d.pole} · z = ${z}, MW ${fmt(d.mw_g_per_mol, 1)} g/mol`,
    `  current            ${fmt(r.current_mA)} mA for ${fmt(r.minutes, 1)} min over ${fmt(r.area_cm2, 1)} cm² (${fmt(r.density_mA_per_cm2, 3)} mA/cm²${dense ? `, above the ${MAX_DENSITY} mA/cm² proposed maximum [68]` : ''}); charge ${fmt(r.charge_mAmin, 1)} mA·min`,
    `  delivered          ${fmt(r.delivered_ug)} µg (${fmt(r.delivered_umol, 4)} µmol)`,
    `  mean flux          ${fmt(r.mean_flux_ug_per_cm2_per_h)} µg/(cm²·h)`,
    `  transport number   ${fmt(r.transport_number, 4)}`,
    `  Faraday bound      ${fmt(r.faraday_bound_ug)} µg (every charge carried by the drug, t = 1)`,
    `  depth reached      ${fmt(r.depth_reached_um.above_10pct_of_surface, 0)} µm above 10 % of the surface concentration, ${fmt(r.depth_reached_um.above_1pct_of_surface, 0)} µm above 1 %`,
    '',
    '  concentration vs depth (µg/cm³), layer boundaries marked',
    '     depth µm',
    ...depthChart(r).map((l) => `  ${l}`),
    '',
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

const csvNumber = (x: number): string => (Number.isFinite(x) ? String(x) : '');
const csvText = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Two CSV tables, separated by a blank line: the timeline, then the depth profile with the layer of each depth. */
export function drugCsv(r: DrugDeliveryResult): string {
  const layerOf = (d: number) => r.layers.find((l) => d >= l.from_um && d < l.to_um)?.name ?? '';
  return (
    [
      't_min,delivered_ug,flux_ug_per_cm2_per_h',
      ...r.timeline.map((p) => [p.t_min, p.delivered_ug, p.flux_ug_per_cm2_per_h].map(csvNumber).join(',')),
      '',
      'depth_um,conc_ug_per_cm3,layer',
      ...r.depth_profile.map(
        (p) => `${csvNumber(p.depth_um)},${csvNumber(p.conc_ug_per_cm3)},${csvText(layerOf(p.depth_um))}`,
      ),
    ].join('\n') + '\n'
  );
}

/** `ionto simulate drug`: how much of a drug a current delivers, and how deep. */
export function drugCommand(o: DrugCommandOptions, io: CliIo): number {
  const drug = required('--drug', o.drug);
  if (!DRUG_IDS.includes(drug)) {
    throw new IontoError('ION_ERR_USAGE', `--drug: unknown drug "${drug}"; known: ${DRUG_IDS.join(', ')}`, {
      option: '--drug',
    });
  }
  const current = required(
    '--current',
    rangedOption('--current', o.current, 0, MAX_DRUG_CURRENT, { openLow: true, unit: 'mA' }),
  );
  const minutes = required(
    '--minutes',
    rangedOption('--minutes', o.minutes, 0, MAX_DRUG_MINUTES, { openLow: true, unit: 'min' }),
  );
  const area = rangedOption('--area', o.area, MIN_AREA, MAX_AREA, { unit: 'cm²' });
  if (o.json === true && o.csv === true) {
    throw new IontoError('ION_ERR_USAGE', '--json and --csv: choose one', { option: '--csv' });
  }
  let r: DrugDeliveryResult;
  try {
    r = simulateDrugDelivery({
      drug,
      current: mA(current),
      minutes,
      ...(area === undefined ? {} : { area: cm2(area) }),
    });
  } catch (e) {
    asUsage(e);
  }
  io.stdout.write(o.json === true ? JSON.stringify(r, null, 2) + '\n' : o.csv === true ? drugCsv(r) : describeDrug(r));
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// simulate tray-ph

export interface TrayPhCommandOptions {
  current?: string;
  minutes?: string;
  volume?: string;
  bicarbonate?: string;
  initialPh?: string;
  json?: boolean;
}

/** A timeline value at time t, linear between its points. */
const along = (tl: TrayPhResult['timeline'], k: 'anode_pH' | 'cathode_pH', t: number): number => {
  if (tl.length === 0) return NaN;
  if (t <= tl[0]!.t_min) return tl[0]![k];
  for (let i = 1; i < tl.length; i++) {
    const a = tl[i - 1]!;
    const b = tl[i]!;
    if (t <= b.t_min) return b.t_min > a.t_min ? a[k] + ((t - a.t_min) / (b.t_min - a.t_min)) * (b[k] - a[k]) : b[k];
  }
  return tl.at(-1)![k];
};

export function describeTrayPh(r: TrayPhResult): string {
  const end = Math.max(r.minutes, r.timeline.at(-1)?.t_min ?? 0);
  const width = 61;
  const times = Array.from({ length: width }, (_, i) => (end * i) / (width - 1));
  const pts = (k: 'anode_pH' | 'cathode_pH') => times.map((t) => [t, along(r.timeline, k, t)] as const);
  const all = r.timeline.flatMap((p) => [p.anode_pH, p.cathode_pH]).filter(Number.isFinite);
  const lo = Math.floor(Math.min(7, ...all));
  const hi = Math.ceil(Math.max(7, ...all));
  const tickEvery = end <= 10 ? 1 : end <= 30 ? 5 : 10;
  const plot = xyPlot({
    series: [
      { mark: 'a', points: pts('anode_pH') },
      { mark: 'c', points: pts('cathode_pH') },
    ],
    width,
    height: Math.min(16, Math.max(8, hi - lo + 1)),
    xMin: 0,
    xMax: end,
    yMin: lo,
    yMax: hi,
    yDecimals: 1,
    xTick: (t) => `${Math.round(t)}`,
    xTickEvery: tickEvery,
  });
  const lines = [
    `Tray pH · ${fmt(r.current_mA)} mA for ${fmt(r.minutes, 1)} min · ${fmt(r.volume_L, 3)} L per tray · bicarbonate ${fmt(r.bicarbonate_mM, 2)} mM`,
    `  anode tray         pH ${fmt(r.final.anode_pH, 2)} at the end (H⁺ made at the anode)`,
    `  cathode tray       pH ${fmt(r.final.cathode_pH, 2)} at the end (OH⁻ made at the cathode)`,
    `  protons            ${fmt(r.protons_umol, 1)} µmol`,
    '',
    '  pH    a anode tray   c cathode tray   (minutes)',
    ...plot.map((l) => `  ${l}`),
    '',
    ...r.notes.map((n) => `  note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

/** `ionto simulate tray-ph`: the pH of both trays of a tap-water treatment over time. */
export function trayPhCommand(o: TrayPhCommandOptions, io: CliIo): number {
  const current = required(
    '--current',
    rangedOption('--current', o.current, 0, MAX_TRAY_CURRENT, { openLow: true, unit: 'mA' }),
  );
  const minutes = required(
    '--minutes',
    rangedOption('--minutes', o.minutes, 0, MAX_TRAY_MINUTES, { openLow: true, unit: 'min' }),
  );
  const volumeLitres = rangedOption('--volume', o.volume, 0, 20, { openLow: true, unit: 'L' });
  const bicarbonate = rangedOption('--bicarbonate', o.bicarbonate, 0, 50, { unit: 'mM' });
  const initialPh = rangedOption('--initial-ph', o.initialPh, 4, 10);
  let r: TrayPhResult;
  try {
    r = simulateTrayPh({
      current: mA(current),
      minutes,
      ...(volumeLitres === undefined ? {} : { volumeLitres }),
      ...(bicarbonate === undefined ? {} : { bicarbonate_mM: bicarbonate }),
      ...(initialPh === undefined ? {} : { initialPh }),
    });
  } catch (e) {
    asUsage(e);
  }
  io.stdout.write(o.json === true ? JSON.stringify(r, null, 2) + '\n' : describeTrayPh(r));
  return EXIT.ok;
}

/** Register `simulate drug` and `simulate tray-ph` on the `simulate` command. */
export function registerDrugSimulations(simulate: Command, io: CliIo, done: (code: number) => void): void {
  simulate
    .command('drug')
    .description('drug iontophoresis: amount delivered, flux, transport number and depth profile through the skin')
    .option('--drug <name>', `drug id (${DRUG_IDS.join(', ')})`)
    .option('--current <mA>', `current, at most ${MAX_DRUG_CURRENT} mA`)
    .option('--minutes <min>', `duration, at most ${MAX_DRUG_MINUTES} min`)
    .option('--area <cm2>', 'electrode area (default: the drug’s usual electrode)')
    .option('--json', 'print the whole result as JSON')
    .option('--csv', 'print the timeline and the depth profile as CSV')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 usage error.\nExample: ionto simulate drug --drug dexamethasone --current 4 --minutes 10',
    )
    .action((opts: DrugCommandOptions) => {
      done(drugCommand(opts, io));
    });

  simulate
    .command('tray-ph')
    .description('tap-water trays: the pH of the anode and cathode trays over a treatment')
    .option('--current <mA>', `current, at most ${MAX_TRAY_CURRENT} mA`)
    .option('--minutes <min>', `duration, at most ${MAX_TRAY_MINUTES} min`)
    .option('--volume <L>', 'water per tray, litres (default: the model’s)')
    .option('--bicarbonate <mM>', 'bicarbonate of the tap water, mM (default: the model’s)')
    .option('--initial-ph <pH>', 'pH of the water at the start (default: the model’s)')
    .option('--json', 'print the whole result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 2 usage error.\nExample: ionto simulate tray-ph --current 15 --minutes 10',
    )
    .action((opts: TrayPhCommandOptions) => {
      done(trayPhCommand(opts, io));
    });
}
