import { beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATION_TARGETS, runCalibration, type CalibrationReport } from './cohort-calibration.js';

/**
 * The sweat-response model reproduces the published course figures through the whole cohort path (every session
 * through the engine and the virtual patient), on 300 patients per cohort in this thread (≈ 15 s). The targets,
 * their tolerances and the fitting approach are in cohort-calibration.ts; at 10,000 patients:
 * `npm run bench:cohort -- --calibration --n 10000`.
 */
describe('sweat-response calibration (300 patients per cohort, seed 1)', () => {
  let report: CalibrationReport;
  beforeAll(async () => {
    report = await runCalibration({ n: 300, seed: 1, workers: 0 });
  }, 60_000);

  it.each(CALIBRATION_TARGETS.map((t) => [t.id, t.target, t.source] as const))('%s: %s %s', (id) => {
    const check = report.checks.find((c) => c.id === id)!;
    expect(check.ok, JSON.stringify(check)).toBe(true);
  });

  it('pulsed DC takes more sessions to normal sweating than DC [H7][79]', () => {
    expect(report.pulsedSlower).toBe(true);
  });

  it('palms and soles respond alike; the axillae less [U1]', () => {
    const r = (id: keyof typeof report.cohorts) => report.cohorts[id].responder_rate;
    expect(Math.abs(r('palms-clinic-dc') - r('soles-clinic-dc'))).toBeLessThan(0.04);
    expect(r('axillae-clinic-dc')).toBeLessThan(r('palms-clinic-dc') - 0.08);
  });

  it('the clinic sessions deliver their prescription: no faults, no stops, no under-dosing', () => {
    for (const c of Object.values(report.cohorts)) {
      expect(c.adverse_events.sessions, c.protocol).toBe(0);
    }
  });
});
