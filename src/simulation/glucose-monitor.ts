/**
 * A reverse-iontophoresis glucose monitor in the manner of the GlucoWatch G2 (clinical.md §6, devices.md §1.3), worn
 * by a virtual person whose blood glucose follows a seeded trace (glucose-trace.ts), and the accuracy analysis the
 * GlucoWatch was judged by (MARD, r, lag, Clarke error grid [109]).
 *
 * The device (`GlucoseMonitor`: the firmware's rules, no physics, no randomness):
 * - runs back-to-back cycles from the moment it is put on: an extraction (current on, glucose collects at the
 *   cathode) then a sensing period (the biosensor measures what was collected). 3 min + 7 min and 0.3 mA are the
 *   figures in circulation; both are UNVERIFIED (clinical.md §0, §6; physics.md §8) and are named, overridable
 *   parameters here;
 * - warms up for 2 h [105], releasing nothing; then asks for one fingerstick and calibrates on it (single point,
 *   through the origin); a sweat-flagged signal postpones the calibration to the next clean cycle;
 * - then releases a reading at the end of every cycle, 10 min apart, for up to 13 h [105]. A reading is the mean of
 *   the last two measurements (the original device averaged two 10-min measurements per reading [108]; that the
 *   G2 does the same as a running mean is ASSUMED);
 * - skips (flags, and releases no value for) a reading whose measurements were taken on sweaty skin [106], or that
 *   falls outside the 2.2–22.2 mmol/L range it reports over [109] (LOW / HIGH);
 * - states its lag with every reading: readings trail blood glucose by ≈ 18 min [109].
 *
 * The wearer (`simulateWearer`), drawn from a seed: blood → interstitial glucose (first-order lag τ) → extracted
 * glucose (glucose-extraction.ts, at the device's current density) + glucose carried in by sweat → the biosensor's
 * signal, through the wearer's sensitivity, which settles during warm-up and drifts afterwards, with noise.
 *
 * Calibration of the free parameters against the GlucoWatch accuracy study (92 subjects: MARD 15.6 %, r = 0.88,
 * lag 18 min mean, > 96 % in Clarke zones A+B [109]; up to 25 % of readings > 30 % off [106]). The device's timing
 * is fixed by the sources above and the extraction physics by its own (glucose-extraction.ts). Then, by hand, on
 * cohorts of 1,000–10,000 wearers (13 h of readings each), each parameter mainly to one figure:
 * - τ (interstitial lag, `EXTRACTION.isfTauMin`) = 4.5 min → the lag that maximises the pooled correlation between
 *   readings and earlier blood glucose, 18 min. The device alone contributes 13.5 min: a reading's two extraction
 *   windows are on average 13.5 min old when it is released (1.5 + 7 min for the newest, 10 more for the older);
 * - the trace's meal and bolus kernels (peaks at 60 and 100 min) and its basal spread (σ_ln 0.3) → r = 0.88, which
 *   depends on the range of glucose the readings span as much as on their error. With a perfect sensor the model
 *   gives MARD ≈ 11 % and r ≈ 0.95 already: the lag, and the single-point calibration taken while glucose moves
 *   (the signal at calibration reflects glucose 18 min earlier, an error the wearer keeps all day);
 * - the per-measurement noise `sensorCv` = 0.09 and the post-calibration drift `driftSdPerHour` = 0.008 → MARD
 *   15.6 %. Noise trades MARD against r: 0.09 puts both within a point of their targets.
 * Not fitted, and checked: zones A+B, the share > 30 % off (GlucoWatch "up to 25 %" [106]).
 * Results, seed 1, 10,000 wearers (`ionto simulate extraction --wearers 10000 --seed 1`, ≈ 5 s): MARD 15.4 %,
 * r 0.874, lag 18.5 min pooled (18.0 the mean of the wearers' own), A+B 98.6 %, 11.7 % of readings > 30 % off,
 * 5.7 % skipped. Between cohorts of 1,000 the MARD moves by about ± 0.5 point (most of the error is per wearer:
 * the calibration). `src/simulation/glucose-monitor.test.ts` holds a 300-wearer cohort to the tolerances MARD
 * 15.6 ± 1.5 %, lag 18 ± 2 min (pooled, and the wearers' mean), r 0.88 ± 0.04, A+B ≥ 96 %, > 30 % off ≤ 25 %.
 * The lag is searched on a 0.5-min grid from 0 to 45 min.
 */
import { IontoError } from '../errors/catalogue.js';
import {
  EXTRACTION,
  extractedGlucose,
  interstitialGlucose,
  type ExtractionParams,
} from '../physics/glucose-extraction.js';
import { Random, deriveSeed } from '../physics/random.js';
import { cm2, densityOf, mA, type MilliAmp, type SquareCm } from '../units/quantities.js';
import {
  GLUCOSE_RANGE_MMOL_L,
  GLUCOSE_TRACE,
  MG_DL_PER_MMOL_L,
  drawGlucoseTrace,
  glucoseAt,
  type GlucoseTrace,
  type GlucoseTraceParams,
} from './glucose-trace.js';

export interface MonitorParams {
  /** Extraction current. 0.3 mA is UNVERIFIED (clinical.md §6). */
  readonly current: MilliAmp;
  /** Area of each collection electrode. ASSUMED (not located); sets the density (0.15 mA/cm² at 0.3 mA). */
  readonly area: SquareCm;
  /** Extraction part of a cycle, min. UNVERIFIED (3 min, clinical.md §6). */
  readonly extractionMin: number;
  /** Sensing part of a cycle, min. UNVERIFIED (7 min, clinical.md §6). */
  readonly sensingMin: number;
  /** Warm-up before the fingerstick calibration, min [105]. */
  readonly warmUpMin: number;
  /** Longest monitoring after the calibration, h [105]. */
  readonly maxMonitoringHours: number;
  /** Measurements averaged into one reading [108] (G2 running mean: ASSUMED). */
  readonly averageOf: number;
  /** Lag stated with every reading, min [109]. */
  readonly statedLagMin: number;
  /** Range of released readings, mmol/L [109]. */
  readonly rangeMin: number;
  readonly rangeMax: number;
  /** Relative noise of one measurement (biosensor + extraction variability). FITTED to MARD [109]. */
  readonly sensorCv: number;
  /** Additive noise of one measurement, nmol (the biosensor's floor). ASSUMED. */
  readonly sensorFloor_nmol: number;
  /** SD between wearers of the sensitivity's drift after calibration, relative per hour. FITTED to MARD [109]. */
  readonly driftSdPerHour: number;
  /** Random-walk part of the sensitivity, relative per √h. ASSUMED. */
  readonly driftWalkPerSqrtHour: number;
  /** SD of ln(sensitivity) between wearers (cancels in the calibration, matters through the floor). ASSUMED. */
  readonly sensitivitySpreadLn: number;
  /** Mean and SD of the sensitivity's excess at t = 0, settling during warm-up. ASSUMED. */
  readonly warmUpExcessMean: number;
  readonly warmUpExcessSd: number;
  /** Time constant of that settling, min. ASSUMED. */
  readonly warmUpTauMin: number;
  /** Relative error (SD) of the calibration fingerstick meter. ASSUMED. */
  readonly fingerstickCv: number;
  /** Sweating episodes per hour of wear (Poisson), their mean length (min), their median sweat rate. ASSUMED. */
  readonly sweatEpisodesPerHour: number;
  readonly sweatEpisodeMeanMin: number;
  readonly sweatRateMedian_uL_per_cm2_min: number;
  /** Sweat rate above which the device's skin sensor flags a cycle as sweaty [106]. ASSUMED. */
  readonly sweatDetect_uL_per_cm2_min: number;
  /** Glucose in sweat, mmol/L, carried into the gel by sweat. ASSUMED. */
  readonly sweatGlucose_mmol_L: number;
}

export const GLUCOWATCH: MonitorParams = Object.freeze({
  current: mA(0.3),
  area: cm2(2),
  extractionMin: 3,
  sensingMin: 7,
  warmUpMin: 120,
  maxMonitoringHours: 13,
  averageOf: 2,
  statedLagMin: 18,
  rangeMin: GLUCOSE_RANGE_MMOL_L.min,
  rangeMax: GLUCOSE_RANGE_MMOL_L.max,
  sensorCv: 0.09,
  sensorFloor_nmol: 0.01,
  driftSdPerHour: 0.008,
  driftWalkPerSqrtHour: 0.02,
  sensitivitySpreadLn: 0.3,
  warmUpExcessMean: 0.5,
  warmUpExcessSd: 0.25,
  warmUpTauMin: 25,
  fingerstickCv: 0.05,
  sweatEpisodesPerHour: 0.1,
  sweatEpisodeMeanMin: 20,
  sweatRateMedian_uL_per_cm2_min: 0.3,
  sweatDetect_uL_per_cm2_min: 0.05,
  sweatGlucose_mmol_L: 0.1,
});

export type MonitorPhase = 'warm-up' | 'awaiting-calibration' | 'monitoring' | 'ended';

/** Why a reading was not released as a value. */
export type ReadingFlag = 'ok' | 'sweat' | 'low' | 'high';

export interface MonitorReading {
  /** Minutes after the device was put on. */
  readonly t_min: number;
  /** Released glucose, mmol/L; null when flagged. */
  readonly glucose_mmol_L: number | null;
  readonly flag: ReadingFlag;
  /** The lag stated with the reading: it reflects blood glucose about this many minutes earlier [109]. */
  readonly lag_stated_min: number;
}

export interface MonitorCalibration {
  readonly t_min: number;
  readonly fingerstick_mmol_L: number;
  /** Signal per unit glucose, nmol per mmol/L. */
  readonly nmol_per_mmol_L: number;
}

const cycleMin = (p: MonitorParams): number => p.extractionMin + p.sensingMin;

/**
 * The device's rules: warm-up, a single calibration, one reading per cycle, flags. It is fed the signal of each
 * cycle at the end of that cycle; it never releases a value before it has been calibrated.
 */
export class GlucoseMonitor {
  private readonly signals: { readonly nmol: number; readonly sweat: boolean }[] = [];
  private cal: MonitorCalibration | undefined;
  private lastT = -Infinity;

  constructor(readonly params: MonitorParams = GLUCOWATCH) {
    checkMonitorParams(params);
  }

  get calibration(): MonitorCalibration | undefined {
    return this.cal;
  }

  /** Phase at time t (min after the device was put on). */
  phase(tMin: number): MonitorPhase {
    const p = this.params;
    if (this.cal === undefined) return tMin < p.warmUpMin ? 'warm-up' : 'awaiting-calibration';
    return tMin <= this.cal.t_min + p.maxMonitoringHours * 60 + 1e-9 ? 'monitoring' : 'ended';
  }

  /** The averaged signal and whether any measurement in it was sweaty; undefined before enough measurements. */
  averaged(): { readonly nmol: number; readonly sweat: boolean } | undefined {
    const k = this.params.averageOf;
    if (this.signals.length < k) return undefined;
    const last = this.signals.slice(-k);
    return { nmol: last.reduce((s, x) => s + x.nmol, 0) / k, sweat: last.some((x) => x.sweat) };
  }

  /** Whether a fingerstick now would be accepted: warm-up over, not yet calibrated, a clean averaged signal. */
  canCalibrate(tMin: number): boolean {
    const a = this.averaged();
    return this.phase(tMin) === 'awaiting-calibration' && a !== undefined && !a.sweat && a.nmol > 0;
  }

  /** Calibrate on a fingerstick (mmol/L) at time t: single point, through the origin. */
  calibrate(tMin: number, fingerstick_mmol_L: number): MonitorCalibration {
    const ph = this.phase(tMin);
    if (ph === 'warm-up') {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `calibration refused during the warm-up (t = ${tMin} min)`);
    }
    if (ph !== 'awaiting-calibration') throw new IontoError('ION_ERR_OUT_OF_RANGE', 'already calibrated');
    if (!(fingerstick_mmol_L >= this.params.rangeMin && fingerstick_mmol_L <= this.params.rangeMax)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `fingerstick ${fingerstick_mmol_L} mmol/L out of range`);
    }
    if (!this.canCalibrate(tMin)) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', 'no clean signal to calibrate on: wait for the next cycle');
    }
    this.cal = { t_min: tMin, fingerstick_mmol_L, nmol_per_mmol_L: this.averaged()!.nmol / fingerstick_mmol_L };
    return this.cal;
  }

  /**
   * The signal of the cycle that ended at t (nmol of glucose the biosensor reports) and whether the skin sensor saw
   * sweat during its extraction. Returns the reading released at t, or null (warm-up, awaiting calibration, ended).
   */
  measure(tMin: number, signal_nmol: number, sweaty: boolean): MonitorReading | null {
    if (!(tMin > this.lastT)) throw new IontoError('ION_ERR_OUT_OF_RANGE', 'measurements must move forward in time');
    this.lastT = tMin;
    this.signals.push({ nmol: signal_nmol, sweat: sweaty });
    if (this.signals.length > this.params.averageOf) this.signals.shift();
    if (this.cal === undefined || tMin <= this.cal.t_min || this.phase(tMin) !== 'monitoring') return null;
    const p = this.params;
    const a = this.averaged()!;
    const lag = p.statedLagMin;
    if (a.sweat) return { t_min: tMin, glucose_mmol_L: null, flag: 'sweat', lag_stated_min: lag };
    const g = a.nmol / this.cal.nmol_per_mmol_L;
    if (g < p.rangeMin) return { t_min: tMin, glucose_mmol_L: null, flag: 'low', lag_stated_min: lag };
    if (g > p.rangeMax) return { t_min: tMin, glucose_mmol_L: null, flag: 'high', lag_stated_min: lag };
    return { t_min: tMin, glucose_mmol_L: g, flag: 'ok', lag_stated_min: lag };
  }
}

function checkMonitorParams(p: MonitorParams): void {
  const bad = (field: string, why: string) =>
    new IontoError('ION_ERR_OUT_OF_RANGE', `monitor parameter ${field} ${why}`, { field });
  if (!(p.current > 0)) throw bad('current', 'must be positive');
  if (!(p.area > 0)) throw bad('area', 'must be positive');
  if (!(p.extractionMin > 0)) throw bad('extractionMin', 'must be positive');
  if (!(p.sensingMin >= 0)) throw bad('sensingMin', 'must be ≥ 0');
  if (!(p.warmUpMin >= 0)) throw bad('warmUpMin', 'must be ≥ 0');
  if (!Number.isInteger(p.averageOf) || p.averageOf < 1) throw bad('averageOf', 'must be a whole number ≥ 1');
  if (!(p.maxMonitoringHours > 0)) throw bad('maxMonitoringHours', 'must be positive');
}

// ---------------------------------------------------------------------------------------------------------------
// A virtual wearer

export interface WearerOptions {
  readonly seed: number;
  /** Hours of monitoring after the calibration (at most the device's maximum, 13 h). */
  readonly hours: number;
  readonly monitor?: MonitorParams;
  readonly extraction?: ExtractionParams;
  readonly trace?: GlucoseTraceParams;
}

export interface WearerCycle {
  readonly t_start_min: number;
  readonly t_end_min: number;
  readonly isf_mmol_L: number;
  readonly extracted_nmol: number;
  readonly sweat_nmol: number;
  readonly signal_nmol: number;
  readonly sweaty: boolean;
}

export interface WearerReading extends MonitorReading {
  /** Blood glucose at the reading's time (the reference it is compared with), mmol/L. */
  readonly blood_mmol_L: number;
}

export interface WearerRun {
  readonly seed: number;
  readonly hours: number;
  readonly trace: GlucoseTrace;
  /** Interstitial glucose, each minute, mmol/L. */
  readonly isf_mmol_L: Float64Array;
  readonly cycles: readonly WearerCycle[];
  readonly calibration: MonitorCalibration & { readonly blood_mmol_L: number };
  readonly readings: readonly WearerReading[];
  readonly current_mA: number;
  readonly density_mA_per_cm2: number;
}

/** Sweating episodes of one wearer: [start, end) in minutes, with a sweat rate in µL/(cm²·min). */
function drawSweat(rng: Random, totalMin: number, p: MonitorParams): { a: number; b: number; rate: number }[] {
  const out: { a: number; b: number; rate: number }[] = [];
  if (p.sweatEpisodesPerHour <= 0) return out;
  let t = 0;
  for (;;) {
    t += (-Math.log(1 - rng.next()) * 60) / p.sweatEpisodesPerHour;
    if (t >= totalMin) return out;
    const len = -Math.log(1 - rng.next()) * p.sweatEpisodeMeanMin;
    out.push({ a: t, b: t + len, rate: rng.lognormal(p.sweatRateMedian_uL_per_cm2_min, 0.5) });
    t += len;
  }
}

/** Mean of a per-minute series over [a, b] (trapezoid, linear between minutes). */
const meanOver = (g: Float64Array, a: number, b: number): number => {
  const at = (t: number) => {
    const i = Math.min(Math.max(0, Math.floor(t)), g.length - 2);
    const f = Math.min(1, Math.max(0, t - i));
    return g[i]! * (1 - f) + g[i + 1]! * f;
  };
  const n = Math.max(1, Math.ceil(b - a));
  let s = 0;
  for (let k = 0; k < n; k++) s += (at(a + ((b - a) * k) / n) + at(a + ((b - a) * (k + 1)) / n)) / 2;
  return s / n;
};

/** One virtual wearer through warm-up, calibration and `hours` of readings. */
export function simulateWearer(o: WearerOptions): WearerRun {
  const p = o.monitor ?? GLUCOWATCH;
  const ex = o.extraction ?? EXTRACTION;
  if (!(o.hours > 0 && o.hours <= p.maxMonitoringHours)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `hours must be in (0, ${p.maxMonitoringHours}], got ${o.hours}`, {
      hours: o.hours,
    });
  }
  const monitor = new GlucoseMonitor(p);
  const cycle = cycleMin(p);
  // Room for a calibration postponed by sweat: up to 2 h more.
  const totalMin = Math.ceil(p.warmUpMin + o.hours * 60 + 120 + cycle);
  const trace = drawGlucoseTrace(deriveSeed(o.seed, 0), totalMin, o.trace ?? GLUCOSE_TRACE);
  const isf = interstitialGlucose(trace.mmol_L, 1, ex.isfTauMin);
  const rng = new Random(deriveSeed(o.seed, 1));
  const sensitivity = Math.exp(p.sensitivitySpreadLn * rng.gaussian());
  const warmExcess = p.warmUpExcessMean + p.warmUpExcessSd * rng.gaussian();
  const driftRate = p.driftSdPerHour * rng.gaussian();
  const fingerstickError = p.fingerstickCv * rng.gaussian();
  const sweat = drawSweat(new Random(deriveSeed(o.seed, 2)), totalMin, p);
  const density = densityOf(p.current, p.area);

  const cycles: WearerCycle[] = [];
  const readings: WearerReading[] = [];
  let calibration: WearerRun['calibration'] | undefined;
  let walk = 0;
  const walkStep = p.driftWalkPerSqrtHour * Math.sqrt(cycle / 60);
  for (let t0 = 0; ; t0 += cycle) {
    const t1 = t0 + cycle;
    if (calibration !== undefined && t1 > calibration.t_min + o.hours * 60 + 1e-9) break;
    if (t1 > totalMin) break;
    const tx = t0 + p.extractionMin;
    const isfMean = meanOver(isf, t0, tx);
    const extracted = extractedGlucose(density, p.area, p.extractionMin, isfMean, {}, ex);
    // Sweat during the extraction: its volume carries sweat glucose into the gel; the skin sensor sees its rate.
    let sweatVolume = 0;
    let peakRate = 0;
    for (const e of sweat) {
      const overlap = Math.min(e.b, tx) - Math.max(e.a, t0);
      if (overlap > 0) {
        sweatVolume += e.rate * overlap * p.area;
        peakRate = Math.max(peakRate, e.rate);
      }
    }
    const sweatNmol = sweatVolume * p.sweatGlucose_mmol_L;
    const hoursAfterCal = calibration === undefined ? 0 : (tx - calibration.t_min) / 60;
    if (calibration !== undefined) walk += walkStep * rng.gaussian();
    const s =
      sensitivity * (1 + warmExcess * Math.exp(-tx / p.warmUpTauMin)) * Math.exp(driftRate * hoursAfterCal + walk);
    const signal = Math.max(
      0,
      s * (extracted + sweatNmol) * (1 + p.sensorCv * rng.gaussian()) + p.sensorFloor_nmol * rng.gaussian(),
    );
    const sweaty = peakRate > p.sweatDetect_uL_per_cm2_min;
    cycles.push({
      t_start_min: t0,
      t_end_min: t1,
      isf_mmol_L: isfMean,
      extracted_nmol: extracted,
      sweat_nmol: sweatNmol,
      signal_nmol: signal,
      sweaty,
    });
    const r = monitor.measure(t1, signal, sweaty);
    if (r !== null) readings.push({ ...r, blood_mmol_L: glucoseAt(trace, r.t_min) });
    else if (calibration === undefined && monitor.canCalibrate(t1)) {
      const blood = glucoseAt(trace, t1);
      const stick = Math.min(p.rangeMax, Math.max(p.rangeMin, blood * (1 + fingerstickError)));
      calibration = { ...monitor.calibrate(t1, stick), blood_mmol_L: blood };
    }
  }
  if (calibration === undefined) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', 'the monitor found no clean signal to calibrate on');
  }
  return {
    seed: o.seed,
    hours: o.hours,
    trace,
    isf_mmol_L: isf,
    cycles,
    calibration,
    readings,
    current_mA: p.current,
    density_mA_per_cm2: density,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Accuracy analysis

export type ClarkeZone = 'A' | 'B' | 'C' | 'D' | 'E';

/** Clarke error-grid zone of a reading against its reference, both in mg/dL (Clarke et al. 1987 boundaries). */
export function clarkeZone(refMgDl: number, readMgDl: number): ClarkeZone {
  const x = refMgDl;
  const y = readMgDl;
  if ((x <= 70 && y <= 70) || (y <= 1.2 * x && y >= 0.8 * x)) return 'A';
  if ((x >= 180 && y <= 70) || (x <= 70 && y >= 180)) return 'E';
  if ((x >= 70 && x <= 290 && y >= x + 110) || (x >= 130 && x <= 180 && y <= (7 / 5) * x - 182)) return 'C';
  if (
    (x >= 240 && y >= 70 && y <= 180) ||
    (x <= 175 / 3 && y <= 180 && y >= 70) ||
    (x >= 175 / 3 && x <= 70 && y >= (6 / 5) * x)
  ) {
    return 'D';
  }
  return 'B';
}

/** Pearson's r; NaN for fewer than 3 pairs or no variance. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 3) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Released readings of one or more wearers, with the blood trace each is compared with. */
export interface ReadingSet {
  readonly readings: readonly MonitorReading[];
  readonly trace: GlucoseTrace;
}

export interface Accuracy {
  /** Released readings compared. */
  readonly n: number;
  /** Readings flagged (not released as values), by flag. */
  readonly flagged: Readonly<Record<Exclude<ReadingFlag, 'ok'>, number>>;
  /** Mean absolute relative difference vs blood glucose at the reading's time. */
  readonly mard: number;
  /** Median absolute relative difference (to 0.1 percentage point). */
  readonly median_ard: number;
  /** Pearson r of readings vs blood glucose at the reading's time. */
  readonly r: number;
  /** Lag (min) that maximises r between readings and earlier blood glucose; r and MARD at that lag. */
  readonly lag_min: number;
  readonly r_at_lag: number;
  readonly mard_at_lag: number;
  /** Share of readings more than 30 % off blood glucose (GlucoWatch: up to 25 % [106]). */
  readonly over_30pct: number;
  /** Share of readings in each Clarke zone. */
  readonly clarke: Readonly<Record<ClarkeZone, number>>;
}

/** Lags searched, min: 0 to 45 in half minutes. */
const LAG_STEP = 0.5;
const LAG_MAX = 45;

const LAGS = Math.round(LAG_MAX / LAG_STEP) + 1;
/** Width of the bins of the ARD histogram that gives the median (0.1 percentage point), and its last bin. */
const ARD_BIN = 0.001;
const ARD_BINS = 5000;
/** Sums are taken about this value, which keeps the Pearson sums well conditioned. */
const SHIFT = 8;

/**
 * Pooled accuracy of released readings against blood glucose, accumulated wearer by wearer in constant memory (sums
 * per lag, a histogram for the median), so a cohort of any size costs no more memory than one wearer.
 */
export class AccuracyAccumulator {
  private n = 0;
  private readonly flagged = { sweat: 0, low: 0, high: 0 };
  private sy = 0;
  private syy = 0;
  private readonly sx = new Float64Array(LAGS);
  private readonly sxx = new Float64Array(LAGS);
  private readonly sxy = new Float64Array(LAGS);
  private readonly sard = new Float64Array(LAGS);
  private over30 = 0;
  private readonly clarke = { A: 0, B: 0, C: 0, D: 0, E: 0 };
  private readonly ardHistogram = new Uint32Array(ARD_BINS + 1);

  add(set: ReadingSet): this {
    for (const r of set.readings) {
      if (r.flag !== 'ok' || r.glucose_mmol_L === null) {
        if (r.flag !== 'ok') this.flagged[r.flag]++;
        continue;
      }
      const y = r.glucose_mmol_L;
      this.n++;
      this.sy += y - SHIFT;
      this.syy += (y - SHIFT) ** 2;
      for (let k = 0; k < LAGS; k++) {
        const x = glucoseAt(set.trace, r.t_min - k * LAG_STEP);
        this.sx[k]! += x - SHIFT;
        this.sxx[k]! += (x - SHIFT) ** 2;
        this.sxy[k]! += (x - SHIFT) * (y - SHIFT);
        this.sard[k]! += Math.abs(y - x) / x;
      }
      const x0 = glucoseAt(set.trace, r.t_min);
      const ard = Math.abs(y - x0) / x0;
      if (ard > 0.3) this.over30++;
      this.ardHistogram[Math.min(ARD_BINS, Math.floor(ard / ARD_BIN))]!++;
      this.clarke[clarkeZone(x0 * MG_DL_PER_MMOL_L, y * MG_DL_PER_MMOL_L)]++;
    }
    return this;
  }

  private rAt(k: number): number {
    const n = this.n;
    if (n < 3) return NaN;
    const cov = this.sxy[k]! - (this.sx[k]! * this.sy) / n;
    const vx = this.sxx[k]! - this.sx[k]! ** 2 / n;
    const vy = this.syy - this.sy ** 2 / n;
    return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
  }

  private medianArd(): number {
    if (this.n === 0) return NaN;
    const half = this.n / 2;
    let seen = 0;
    for (let b = 0; b <= ARD_BINS; b++) {
      seen += this.ardHistogram[b]!;
      if (seen >= half) return (b + 0.5) * ARD_BIN;
    }
    return NaN;
  }

  result(): Accuracy {
    const n = this.n;
    let best = 0;
    for (let k = 1; k < LAGS; k++) if (this.rAt(k) > this.rAt(best) || Number.isNaN(this.rAt(best))) best = k;
    const share = (x: number) => (n === 0 ? NaN : x / n);
    return {
      n,
      flagged: { ...this.flagged },
      mard: share(this.sard[0]!),
      median_ard: this.medianArd(),
      r: this.rAt(0),
      lag_min: best * LAG_STEP,
      r_at_lag: this.rAt(best),
      mard_at_lag: share(this.sard[best]!),
      over_30pct: share(this.over30),
      clarke: {
        A: share(this.clarke.A),
        B: share(this.clarke.B),
        C: share(this.clarke.C),
        D: share(this.clarke.D),
        E: share(this.clarke.E),
      },
    };
  }
}

/** MARD, r, lag and Clarke zones of the released readings against the blood traces (pooled over the sets). */
export function analyseReadings(sets: readonly ReadingSet[]): Accuracy {
  const acc = new AccuracyAccumulator();
  for (const s of sets) acc.add(s);
  return acc.result();
}

// ---------------------------------------------------------------------------------------------------------------
// Cohorts of wearers and the calibration against the GlucoWatch study

export interface WearerCohortOptions extends Omit<WearerOptions, 'seed'> {
  readonly seed: number;
  readonly n: number;
  /** Called with the number of wearers done, every 100 wearers and at the end. */
  readonly onProgress?: (done: number) => void;
}

export interface WearerCohortResult {
  readonly n: number;
  readonly seed: number;
  readonly hours: number;
  /** Pooled over all wearers' released readings. */
  readonly accuracy: Accuracy;
  /** Per-wearer MARD and best lag: their means and medians. */
  readonly wearer_mard_mean: number;
  readonly wearer_lag_mean_min: number;
  readonly wearer_lag_median_min: number;
  /** Share of the readings (due after calibration) that were skipped. */
  readonly skipped: number;
  /** Targets the calibration aims at [109][106]. */
  readonly targets: typeof GLUCOWATCH_TARGETS;
}

/** The GlucoWatch figures the model is calibrated to [109] (and [106] for the share > 30 % off). */
export const GLUCOWATCH_TARGETS = Object.freeze({
  mard: 0.156,
  r: 0.88,
  lag_min: 18,
  clarke_ab_min: 0.96,
  over_30pct_max: 0.25,
});

/** Wearer i of a cohort is `simulateWearer({ seed: deriveSeed(seed, i), … })`. */
export function runWearerCohort(o: WearerCohortOptions): WearerCohortResult {
  if (!(Number.isInteger(o.n) && o.n >= 1)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `cohort size must be a whole number ≥ 1, got ${o.n}`);
  }
  const pooled = new AccuracyAccumulator();
  let mardSum = 0;
  let mardCount = 0;
  const lags: number[] = [];
  let due = 0;
  let skipped = 0;
  for (let i = 0; i < o.n; i++) {
    const w = simulateWearer({ ...o, seed: deriveSeed(o.seed, i) });
    const set = { readings: w.readings, trace: w.trace };
    pooled.add(set);
    due += w.readings.length;
    skipped += w.readings.filter((r) => r.flag !== 'ok').length;
    const a = new AccuracyAccumulator().add(set).result();
    if (a.n >= 3) {
      mardSum += a.mard;
      mardCount++;
      if (Number.isFinite(a.r_at_lag)) lags.push(a.lag_min);
    }
    if ((i + 1) % 100 === 0 || i + 1 === o.n) o.onProgress?.(i + 1);
  }
  const sorted = [...lags].sort((a, b) => a - b);
  const m = sorted.length;
  return {
    n: o.n,
    seed: o.seed,
    hours: o.hours,
    accuracy: pooled.result(),
    wearer_mard_mean: mardCount === 0 ? NaN : mardSum / mardCount,
    wearer_lag_mean_min: m === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / m,
    wearer_lag_median_min: m === 0 ? NaN : (sorted[(m - 1) >> 1]! + sorted[m >> 1]!) / 2,
    skipped: due === 0 ? 0 : skipped / due,
    targets: GLUCOWATCH_TARGETS,
  };
}
