import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { EXTRACTION } from '../physics/glucose-extraction.js';
import { mA } from '../units/quantities.js';
import {
  GLUCOWATCH,
  GLUCOWATCH_TARGETS,
  GlucoseMonitor,
  analyseReadings,
  clarkeZone,
  pearson,
  runWearerCohort,
  simulateWearer,
} from './glucose-monitor.js';
import { drawGlucoseTrace } from './glucose-trace.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return isIontoError(e) ? e.code : String(e);
  }
  return undefined;
};

describe('the monitor’s rules', () => {
  it('releases nothing during the 2 h warm-up and refuses a calibration then [105]', () => {
    const m = new GlucoseMonitor();
    for (let t = 10; t < 120; t += 10) {
      expect(m.measure(t, 0.4, false)).toBeNull();
      expect(m.phase(t)).toBe('warm-up');
    }
    expect(code(() => m.calibrate(110, 6))).toBe('ION_ERR_OUT_OF_RANGE');
    expect(m.measure(120, 0.4, false)).toBeNull();
    expect(m.phase(120)).toBe('awaiting-calibration');
    // Not calibrated: still nothing released, however long it runs.
    expect(m.measure(130, 0.4, false)).toBeNull();
  });

  it('calibrates on one fingerstick, then releases a reading every cycle with the lag stated [109]', () => {
    const m = new GlucoseMonitor();
    for (let t = 10; t <= 120; t += 10) m.measure(t, 0.5, false);
    const cal = m.calibrate(120, 5);
    expect(cal.nmol_per_mmol_L).toBeCloseTo(0.1, 12);
    expect(code(() => m.calibrate(125, 5))).toBe('ION_ERR_OUT_OF_RANGE');
    const r1 = m.measure(130, 0.7, false);
    // Running mean of the last two measurements (0.5, 0.7) → 0.6 nmol → 6 mmol/L.
    expect(r1).toEqual({ t_min: 130, glucose_mmol_L: expect.closeTo(6, 9), flag: 'ok', lag_stated_min: 18 });
    expect(m.measure(140, 0.7, false)?.glucose_mmol_L).toBeCloseTo(7, 9);
  });

  it('skips readings taken on sweaty skin [106] and out of the 2.2–22.2 mmol/L range [109]', () => {
    const m = new GlucoseMonitor();
    for (let t = 10; t <= 120; t += 10) m.measure(t, 0.5, false);
    m.calibrate(120, 5);
    expect(m.measure(130, 0.5, true)).toMatchObject({ flag: 'sweat', glucose_mmol_L: null });
    // The sweaty measurement is still in the running mean of the next reading.
    expect(m.measure(140, 0.5, false)).toMatchObject({ flag: 'sweat', glucose_mmol_L: null });
    expect(m.measure(150, 0.5, false)).toMatchObject({ flag: 'ok' });
    m.measure(160, 0.1, false);
    expect(m.measure(170, 0.1, false)).toMatchObject({ flag: 'low', glucose_mmol_L: null });
    m.measure(180, 3, false);
    expect(m.measure(190, 3, false)).toMatchObject({ flag: 'high', glucose_mmol_L: null });
  });

  it('postpones a calibration while the signal is sweaty', () => {
    const m = new GlucoseMonitor();
    for (let t = 10; t <= 120; t += 10) m.measure(t, 0.5, t === 120);
    expect(m.canCalibrate(120)).toBe(false);
    expect(code(() => m.calibrate(120, 5))).toBe('ION_ERR_OUT_OF_RANGE');
  });

  it('stops releasing after 13 h of monitoring [105]', () => {
    const m = new GlucoseMonitor();
    for (let t = 10; t <= 120; t += 10) m.measure(t, 0.5, false);
    m.calibrate(120, 5);
    expect(m.measure(120 + 13 * 60, 0.5, false)).not.toBeNull();
    expect(m.measure(130 + 13 * 60, 0.5, false)).toBeNull();
    expect(m.phase(130 + 13 * 60)).toBe('ended');
  });

  it('keeps the UNVERIFIED cycle and current as overridable parameters', () => {
    expect(GLUCOWATCH).toMatchObject({ extractionMin: 3, sensingMin: 7, warmUpMin: 120, maxMonitoringHours: 13 });
    expect(+GLUCOWATCH.current).toBe(0.3);
    const w = simulateWearer({ seed: 4, hours: 2, monitor: { ...GLUCOWATCH, extractionMin: 5, sensingMin: 10 } });
    expect(w.readings.map((r) => r.t_min).slice(0, 2)).toEqual([w.calibration.t_min + 15, w.calibration.t_min + 30]);
    expect(code(() => new GlucoseMonitor({ ...GLUCOWATCH, averageOf: 0 }))).toBe('ION_ERR_OUT_OF_RANGE');
  });
});

describe('a virtual wearer', () => {
  it('is reproducible from its seed and gives one reading every 10 min for the hours asked', () => {
    const a = simulateWearer({ seed: 11, hours: 13 });
    const b = simulateWearer({ seed: 11, hours: 13 });
    expect(b.readings).toEqual(a.readings);
    expect(a.readings).toHaveLength(78);
    expect(a.calibration.t_min).toBeGreaterThanOrEqual(120);
    for (let i = 1; i < a.readings.length; i++) expect(a.readings[i]!.t_min - a.readings[i - 1]!.t_min).toBe(10);
    expect(a.readings.every((r) => r.t_min > a.calibration.t_min)).toBe(true);
  });

  it('extracts more glucose at a higher current (density at the cathode)', () => {
    const lo = simulateWearer({ seed: 5, hours: 1 });
    const hi = simulateWearer({ seed: 5, hours: 1, monitor: { ...GLUCOWATCH, current: mA(0.6) } });
    expect(hi.cycles[0]!.extracted_nmol).toBeGreaterThan(1.5 * lo.cycles[0]!.extracted_nmol);
  });

  it('refuses more than the device’s 13 h of monitoring', () => {
    expect(code(() => simulateWearer({ seed: 1, hours: 14 }))).toBe('ION_ERR_OUT_OF_RANGE');
  });

  it('with a perfect sensor reads the blood trace shifted by the device’s cycle and the interstitial lag', () => {
    const perfect = {
      ...GLUCOWATCH,
      sensorCv: 0,
      sensorFloor_nmol: 0,
      driftSdPerHour: 0,
      driftWalkPerSqrtHour: 0,
      fingerstickCv: 0,
      warmUpExcessMean: 0,
      warmUpExcessSd: 0,
      sweatEpisodesPerHour: 0,
    };
    const r = runWearerCohort({ n: 40, seed: 3, hours: 13, monitor: perfect });
    // 13.5 min from the cycle and the averaging, plus τ.
    expect(r.accuracy.lag_min).toBeGreaterThanOrEqual(13.5 + EXTRACTION.isfTauMin - 1.5);
    expect(r.accuracy.lag_min).toBeLessThanOrEqual(13.5 + EXTRACTION.isfTauMin + 1.5);
    expect(r.accuracy.r_at_lag).toBeGreaterThan(0.95);
    expect(r.skipped).toBeLessThan(0.02);
  });
});

describe('accuracy analysis', () => {
  it('classifies the Clarke zones', () => {
    expect(clarkeZone(100, 110)).toBe('A');
    expect(clarkeZone(60, 65)).toBe('A');
    expect(clarkeZone(100, 140)).toBe('B');
    expect(clarkeZone(50, 200)).toBe('E');
    expect(clarkeZone(250, 60)).toBe('E');
    expect(clarkeZone(100, 220)).toBe('C');
    expect(clarkeZone(150, 20)).toBe('C');
    expect(clarkeZone(300, 150)).toBe('D');
    expect(clarkeZone(50, 100)).toBe('D');
  });

  it('computes Pearson r', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3, 4], [8, 6, 4, 2])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2], [1, 2])).toBeNaN();
  });

  it('finds the lag of readings that copy blood glucose 20 min late, with zero MARD at that lag', () => {
    const trace = drawGlucoseTrace(9, 900);
    const readings = [];
    for (let t = 130; t <= 900; t += 10) {
      readings.push({ t_min: t, glucose_mmol_L: trace.mmol_L[t - 20]!, flag: 'ok' as const, lag_stated_min: 18 });
    }
    readings.push({ t_min: 905, glucose_mmol_L: null, flag: 'sweat' as const, lag_stated_min: 18 });
    const a = analyseReadings([{ readings, trace }]);
    expect(a.lag_min).toBe(20);
    expect(a.mard_at_lag).toBeCloseTo(0, 12);
    expect(a.n).toBe(78);
    expect(a.flagged.sweat).toBe(1);
  });
});

describe('calibration against the GlucoWatch study [109][106]', () => {
  // 300 wearers × 13 h of readings (≈ 23,000 readings); `ionto simulate extraction --wearers 1000` shows the same.
  const r = runWearerCohort({ n: 300, seed: 1, hours: 13 });
  const a = r.accuracy;

  it('gives MARD 15.6 ± 1.5 %', () => {
    expect(Math.abs(a.mard - GLUCOWATCH_TARGETS.mard)).toBeLessThan(0.015);
  });

  it('gives a lag of 18 ± 2 min, pooled and as the mean of the wearers’ own lags', () => {
    expect(Math.abs(a.lag_min - GLUCOWATCH_TARGETS.lag_min)).toBeLessThanOrEqual(2);
    expect(Math.abs(r.wearer_lag_mean_min - GLUCOWATCH_TARGETS.lag_min)).toBeLessThanOrEqual(2);
  });

  it('gives r = 0.88 ± 0.04', () => {
    expect(Math.abs(a.r - GLUCOWATCH_TARGETS.r)).toBeLessThan(0.04);
  });

  it('puts ≥ 96 % in Clarke zones A+B and ≤ 25 % of readings more than 30 % off', () => {
    expect(a.clarke.A + a.clarke.B).toBeGreaterThanOrEqual(GLUCOWATCH_TARGETS.clarke_ab_min);
    expect(a.over_30pct).toBeLessThanOrEqual(GLUCOWATCH_TARGETS.over_30pct_max);
  });

  it('skips a minority of readings, most of them for sweat', () => {
    expect(r.skipped).toBeGreaterThan(0);
    expect(r.skipped).toBeLessThan(0.15);
    expect(a.flagged.sweat).toBeGreaterThan(a.flagged.low + a.flagged.high);
  });
});
