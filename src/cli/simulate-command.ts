import { countBar } from './live-progress.js';
import type { Command } from 'commander';
import { EXTRACTION, electroosmoticFlow, extractedGlucose } from '../physics/glucose-extraction.js';
import {
  GLUCOWATCH,
  GLUCOWATCH_TARGETS,
  analyseReadings,
  runWearerCohort,
  simulateWearer,
  type Accuracy,
  type MonitorParams,
  type WearerCohortResult,
  type WearerRun,
} from '../simulation/glucose-monitor.js';
import { glucoseAt } from '../simulation/glucose-trace.js';
import { densityOf, mA } from '../units/quantities.js';
import { EXIT } from './cli-errors.js';
import type { CliIo } from './main.js';
import { registerDrugSimulations } from './simulate-drug-command.js';
import { rangedOption } from './simulate-options.js';
import { xyPlot } from './text-plot.js';

const pct = (x: number, d = 1): string => (Number.isFinite(x) ? `${(x * 100).toFixed(d)} %` : '—');
const fix = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
const hm = (tMin: number): string =>
  `${Math.floor(tMin / 60)}h${tMin % 60 === 0 ? '' : String(Math.round(tMin % 60)).padStart(2, '0')}`;

// ---------------------------------------------------------------------------------------------------------------
// simulate extraction

export interface ExtractionCommandOptions {
  hours?: string;
  seed?: string;
  wearers?: string;
  current?: string;
  extractionMinutes?: string;
  sensingMinutes?: string;
  json?: boolean;
}

/** Largest current over the 2 cm² collection area: 0.5 mA/cm², the proposed human maximum [68]. */
const MAX_EXTRACTION_DENSITY = 0.5;
const MAX_WEARERS = 100_000;

function extractionParams(o: ExtractionCommandOptions): { monitor: MonitorParams; hours: number } {
  const maxCurrent = MAX_EXTRACTION_DENSITY * GLUCOWATCH.area;
  const current = rangedOption('--current', o.current, 0, maxCurrent, { openLow: true, unit: 'mA' });
  const extractionMin = rangedOption('--extraction-minutes', o.extractionMinutes, 0, 60, { openLow: true });
  const sensingMin = rangedOption('--sensing-minutes', o.sensingMinutes, 0, 60);
  const hours =
    rangedOption('--hours', o.hours, 0, GLUCOWATCH.maxMonitoringHours, { openLow: true, unit: 'h' }) ??
    GLUCOWATCH.maxMonitoringHours;
  const monitor: MonitorParams = {
    ...GLUCOWATCH,
    ...(current === undefined ? {} : { current: mA(current) }),
    ...(extractionMin === undefined ? {} : { extractionMin }),
    ...(sensingMin === undefined ? {} : { sensingMin }),
  };
  return { monitor, hours };
}

const unverifiedNotes = (p: MonitorParams): string[] => {
  const notes: string[] = [];
  if (+p.current === +GLUCOWATCH.current) {
    notes.push('extraction current 0.3 mA: UNVERIFIED (clinical.md §6); override with --current');
  }
  if (p.extractionMin === GLUCOWATCH.extractionMin && p.sensingMin === GLUCOWATCH.sensingMin) {
    notes.push(
      'cycle 3 min extraction + 7 min sensing: UNVERIFIED (clinical.md §6); override with --extraction-minutes, --sensing-minutes',
    );
  }
  notes.push(`collection area ${+p.area} cm²: ASSUMED (not located)`);
  notes.push('readings are averaged over two measurements [108] and lag blood glucose by ≈ 18 min [109]');
  return notes;
};

const physicsOf = (p: MonitorParams) => {
  const density = densityOf(p.current, p.area);
  return {
    current_mA: +p.current,
    area_cm2: +p.area,
    density_mA_per_cm2: +density,
    electroosmotic_flow_uL_per_h_cm2: electroosmoticFlow(density),
    glucose_sieving: EXTRACTION.glucoseSieving,
    isf_tau_min: EXTRACTION.isfTauMin,
    nmol_per_extraction_at_5_5_mmol_L: extractedGlucose(density, p.area, p.extractionMin, 5.5),
  };
};

/** The JSON of one wearer: device, physics, calibration, every reading and cycle, blood every 5 min, accuracy. */
export function wearerJson(w: WearerRun, p: MonitorParams, accuracy: Accuracy) {
  const blood: { t_min: number; mmol_L: number }[] = [];
  const end = w.cycles.at(-1)?.t_end_min ?? 0;
  for (let t = 0; t <= end; t += 5) blood.push({ t_min: t, mmol_L: glucoseAt(w.trace, t) });
  return {
    mode: 'wearer',
    seed: w.seed,
    hours: w.hours,
    device: {
      current_mA: +p.current,
      area_cm2: +p.area,
      extraction_min: p.extractionMin,
      sensing_min: p.sensingMin,
      warm_up_min: p.warmUpMin,
      average_of: p.averageOf,
      range_mmol_L: [p.rangeMin, p.rangeMax],
    },
    extraction: physicsOf(p),
    lag_stated_min: p.statedLagMin,
    warm_up: { from_min: 0, to_min: p.warmUpMin, readings_released: 0 },
    calibration: w.calibration,
    readings: w.readings,
    accuracy,
    cycles: w.cycles,
    blood,
    notes: unverifiedNotes(p),
  };
}

/** The readable summary of one wearer, with a plot of readings vs blood glucose. */
export function describeWearer(w: WearerRun, p: MonitorParams, a: Accuracy): string {
  const ph = physicsOf(p);
  const cycle = p.extractionMin + p.sensingMin;
  const end = w.cycles.at(-1)?.t_end_min ?? p.warmUpMin;
  const skipped = w.readings.filter((r) => r.flag !== 'ok').length;
  const width = Math.min(96, Math.max(24, Math.round(end / cycle) + 1));
  const blood: [number, number][] = [];
  for (let k = 0; k < width; k++) {
    const t = (end * k) / (width - 1);
    blood.push([t, glucoseAt(w.trace, t)]);
  }
  const ok = w.readings.filter((r) => r.glucose_mmol_L !== null);
  const plot = xyPlot({
    series: [
      { mark: '·', points: blood },
      { mark: 'o', points: ok.map((r) => [r.t_min, r.glucose_mmol_L!] as const) },
    ],
    width,
    height: 14,
    xMin: 0,
    xMax: end,
    xTick: (t) => hm(t),
    xTickEvery: 120,
    axisMarks: [
      ...w.readings.filter((r) => r.flag !== 'ok').map((r) => ({ x: r.t_min, mark: 'x' })),
      { x: w.calibration.t_min, mark: 'C' },
    ],
  });
  const lines = [
    `Reverse iontophoresis · glucose monitor (GlucoWatch-like) · wearer seed ${w.seed} · ${w.hours} h of readings`,
    `  extraction      ${fix(ph.current_mA, 2)} mA at the cathode over ${ph.area_cm2} cm² (${fix(ph.density_mA_per_cm2, 3)} mA/cm²); electro-osmotic flow ${fix(ph.electroosmotic_flow_uL_per_h_cm2, 2)} µL/(h·cm²)`,
    `                  ≈ ${fix(ph.nmol_per_extraction_at_5_5_mmol_L, 2)} nmol glucose per ${p.extractionMin}-min extraction at 5.5 mmol/L; cycle ${p.extractionMin} + ${p.sensingMin} min`,
    `  warm-up         0–${hm(p.warmUpMin)}: no readings released [105]`,
    `  calibration     at ${hm(w.calibration.t_min)}, fingerstick ${fix(w.calibration.fingerstick_mmol_L, 1)} mmol/L (blood ${fix(w.calibration.blood_mmol_L, 1)})`,
    `  readings        ${w.readings.length} due, one every ${cycle} min; ${ok.length} released, ${skipped} skipped (sweat ${a.flagged.sweat}, low ${a.flagged.low}, high ${a.flagged.high})`,
    `  lag stated      readings reflect blood glucose ≈ ${p.statedLagMin} min earlier [109]`,
    '',
    '  mmol/L   · blood glucose   o reading   C calibration   x skipped reading',
    ...plot.map((l) => `  ${l}`),
    '',
    `  MARD ${pct(a.mard)} · r ${fix(a.r, 3)} · lag ${fix(a.lag_min, 1)} min (r ${fix(a.r_at_lag, 3)}, MARD ${pct(a.mard_at_lag)} at that lag)`,
    `  Clarke zones A ${pct(a.clarke.A, 0)} · B ${pct(a.clarke.B, 0)} · C ${pct(a.clarke.C, 0)} · D ${pct(a.clarke.D, 0)} · E ${pct(a.clarke.E, 0)}; ${pct(a.over_30pct, 0)} of readings > 30 % off`,
    `  GlucoWatch [109]: MARD 15.6 %, r 0.88, lag 18 min (cohorts: --wearers 1000)`,
    '',
    ...unverifiedNotes(p).map((n) => `  note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

/** The readable summary of a cohort of wearers, beside the GlucoWatch figures. */
export function describeWearerCohort(r: WearerCohortResult, p: MonitorParams): string {
  const a = r.accuracy;
  const t = GLUCOWATCH_TARGETS;
  const row = (name: string, model: string, target: string) => `  ${name.padEnd(16)}${model.padEnd(12)}${target}`;
  const lines = [
    `Reverse iontophoresis · ${r.n} virtual wearer${r.n === 1 ? '' : 's'}, seed ${r.seed}, ${r.hours} h of readings each after a ${hm(p.warmUpMin)} warm-up`,
    `  ${a.n} readings compared with blood glucose at the reading's time`,
    '',
    row('', 'model', 'GlucoWatch'),
    row('MARD', pct(a.mard), `${pct(t.mard)} [109]`),
    row('r', fix(a.r, 3), `${t.r} [109]`),
    row(
      'lag',
      `${fix(a.lag_min, 1)} min`,
      `${t.lag_min} min mean [109]   (wearers' own lags: mean ${fix(r.wearer_lag_mean_min, 1)}, median ${fix(r.wearer_lag_median_min, 1)} min)`,
    ),
    row(
      'Clarke A+B',
      pct(a.clarke.A + a.clarke.B),
      `> ${pct(t.clarke_ab_min, 0)} [109]   (A ${pct(a.clarke.A)}, B ${pct(a.clarke.B)}, C ${pct(a.clarke.C)}, D ${pct(a.clarke.D)}, E ${pct(a.clarke.E)})`,
    ),
    row('> 30 % off', pct(a.over_30pct), `up to ${pct(t.over_30pct_max, 0)} [106]`),
    row('skipped', pct(r.skipped), `sweat ${a.flagged.sweat}, low ${a.flagged.low}, high ${a.flagged.high} readings`),
    '',
    `  lag stated with every reading: ≈ ${p.statedLagMin} min [109]`,
    ...unverifiedNotes(p).map((n) => `  note: ${n}`),
  ];
  return lines.join('\n') + '\n';
}

/** `ionto simulate extraction`: one virtual wearer (or a cohort) of a reverse-iontophoresis glucose monitor. */
export function extractionCommand(o: ExtractionCommandOptions, io: CliIo): number {
  const { monitor, hours } = extractionParams(o);
  const seed = rangedOption('--seed', o.seed, 0, 2 ** 32 - 1, { integer: true }) ?? 1;
  const wearers = rangedOption('--wearers', o.wearers, 1, MAX_WEARERS, { integer: true }) ?? 1;
  if (wearers === 1) {
    const w = simulateWearer({ seed, hours, monitor });
    const a = analyseReadings([{ readings: w.readings, trace: w.trace }]);
    io.stdout.write(
      o.json === true ? JSON.stringify(wearerJson(w, monitor, a), null, 2) + '\n' : describeWearer(w, monitor, a),
    );
  } else {
    const bar = io.stderr.isTTY === true && wearers >= 1000 ? countBar(io.stderr, 'wearers') : undefined;
    bar?.start(wearers, 0);
    let r: WearerCohortResult;
    try {
      r = runWearerCohort({ n: wearers, seed, hours, monitor, onProgress: (done) => bar?.update(done) });
    } finally {
      bar?.stop();
    }
    io.stdout.write(
      o.json === true
        ? JSON.stringify(
            { mode: 'cohort', ...r, extraction: physicsOf(monitor), notes: unverifiedNotes(monitor) },
            null,
            2,
          ) + '\n'
        : describeWearerCohort(r, monitor),
    );
  }
  return EXIT.ok;
}

/** Register `simulate` and its subcommands on the program; `done` receives the exit code. */
export function registerSimulateCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const simulate = program
    .command('simulate')
    .description('model what the current does: glucose extraction, drug delivery, the pH of the trays');

  simulate
    .command('extraction')
    .description('reverse iontophoresis: a glucose monitor worn by a virtual person (warm-up, calibration, readings)')
    .option(
      '--hours <h>',
      `hours of readings after the 2 h warm-up and calibration (at most ${GLUCOWATCH.maxMonitoringHours})`,
      String(GLUCOWATCH.maxMonitoringHours),
    )
    .option('--seed <n>', 'wearer seed (same seed, same person and readings)', '1')
    .option('--wearers <n>', 'simulate a cohort of this many wearers and print its accuracy figures', '1')
    .option('--current <mA>', `extraction current (default ${+GLUCOWATCH.current} mA, UNVERIFIED)`)
    .option(
      '--extraction-minutes <min>',
      `extraction part of each cycle (default ${GLUCOWATCH.extractionMin}, UNVERIFIED)`,
    )
    .option('--sensing-minutes <min>', `sensing part of each cycle (default ${GLUCOWATCH.sensingMin}, UNVERIFIED)`)
    .option('--json', 'print the whole run as JSON')
    .addHelpText(
      'after',
      '\nGlucose is carried to the cathode by electro-osmosis, in proportion to interstitial glucose, which lags blood\n' +
        'glucose. No reading is released before the 2 h warm-up and the fingerstick calibration; readings on sweaty\n' +
        'skin are skipped; every reading states its ≈ 18 min lag. Exit codes: 0 done, 2 usage error.\n' +
        'Examples: ionto simulate extraction --hours 6 --seed 3\n' +
        '          ionto simulate extraction --wearers 1000 --seed 1     (MARD, r, lag vs the GlucoWatch figures)',
    )
    .action((opts: ExtractionCommandOptions) => {
      done(extractionCommand(opts, io));
    });

  registerDrugSimulations(simulate, io, done);
}
