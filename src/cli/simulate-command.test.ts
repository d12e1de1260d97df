import { runInProcess } from './run-in-process.js';
import { describe, expect, it } from 'vitest';

/** The command line, in-process with captured output. */
const cli = (...argv: string[]) => runInProcess(argv);

describe('ionto simulate extraction', () => {
  it('prints a readable summary with a plot of readings vs blood glucose, MARD, lag and r', async () => {
    const r = await cli('simulate', 'extraction', '--hours', '6', '--seed', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wearer seed 3 · 6 h of readings/);
    expect(r.out).toMatch(/warm-up\s+0–2h: no readings released/);
    expect(r.out).toMatch(/calibration\s+at 2h/);
    expect(r.out).toMatch(/readings\s+36 due, one every 10 min/);
    expect(r.out).toMatch(/lag stated\s+readings reflect blood glucose ≈ 18 min earlier/);
    expect(r.out).toMatch(/MARD \d+\.\d % · r 0\.\d{3} · lag \d+\.\d min/);
    expect(r.out).toMatch(/Clarke zones A/);
    expect(r.out).toMatch(/┤.*o/);
    expect(r.out).toMatch(/UNVERIFIED/);
  });

  it('prints the whole run as JSON, with no reading before the calibration', async () => {
    const r = await cli('simulate', 'extraction', '--hours', '3', '--seed', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ mode: 'wearer', seed: 2, hours: 3, lag_stated_min: 18 });
    expect(j.device).toMatchObject({ current_mA: 0.3, extraction_min: 3, sensing_min: 7, warm_up_min: 120 });
    expect(j.readings).toHaveLength(18);
    for (const rd of j.readings) {
      expect(rd.t_min).toBeGreaterThan(j.calibration.t_min);
      expect(rd).toHaveProperty('lag_stated_min', 18);
      expect(rd).toHaveProperty('blood_mmol_L');
    }
    for (const k of ['mard', 'r', 'lag_min', 'clarke', 'over_30pct']) expect(j.accuracy).toHaveProperty(k);
    expect(j.extraction.electroosmotic_flow_uL_per_h_cm2).toBeGreaterThan(0);
    expect(j.notes.join(' ')).toMatch(/UNVERIFIED/);
  });

  it('runs a cohort and sets its figures beside the GlucoWatch’s', async () => {
    const r = await cli('simulate', 'extraction', '--wearers', '20', '--hours', '4');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/20 virtual wearers, seed 1, 4 h of readings each/);
    expect(r.out).toMatch(/MARD\s+\d+\.\d %\s+15\.6 % \[109\]/);
    expect(r.out).toMatch(/lag\s+\d+\.\d min\s+18 min mean/);
    const j = JSON.parse((await cli('simulate', 'extraction', '--wearers', '5', '--hours', '2', '--json')).out);
    expect(j).toMatchObject({ mode: 'cohort', n: 5, hours: 2 });
    expect(j.accuracy.n).toBeGreaterThan(0);
  });

  it('takes the UNVERIFIED current and cycle as options', async () => {
    const j = JSON.parse(
      (
        await cli(
          'simulate',
          'extraction',
          '--hours',
          '1',
          '--current',
          '0.6',
          '--extraction-minutes',
          '5',
          '--sensing-minutes',
          '5',
          '--json',
        )
      ).out,
    );
    expect(j.device).toMatchObject({ current_mA: 0.6, extraction_min: 5, sensing_min: 5 });
    expect(j.extraction.density_mA_per_cm2).toBeCloseTo(0.3, 12);
    expect(j.notes.join(' ')).not.toMatch(/0\.3 mA: UNVERIFIED/);
  });

  it.each([
    [['--hours', '14'], /--hours must be more than 0 and at most 13 h, got 14/],
    [['--hours', 'six'], /--hours must be a number, got "six"/],
    [['--hours', '0'], /--hours must be more than 0/],
    [['--seed', '-1'], /--seed must be a whole number|--seed must be from 0/],
    [['--wearers', '2.5'], /--wearers must be a whole number/],
    [['--current', '5'], /--current must be more than 0 and at most 1 mA/],
    [['--extraction-minutes', '0'], /--extraction-minutes must be more than 0/],
  ])('refuses %j with exit 2 and the option named', async (args, message) => {
    const r = await cli('simulate', 'extraction', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    expect(r.out).toBe('');
  });

  it('prints its help with exit 0, and the simulate command lists its subcommands', async () => {
    const h = await cli('simulate', 'extraction', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--hours <h>/);
    expect(h.out).toMatch(/UNVERIFIED/);
    const s = await cli('simulate', '--help');
    expect(s.code).toBe(0);
    for (const sub of ['extraction', 'drug', 'tray-ph']) expect(s.out).toContain(sub);
  });

  it('refuses an unknown option with exit 2', async () => {
    const r = await cli('simulate', 'extraction', '--bogus');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--bogus'/);
  });
});
