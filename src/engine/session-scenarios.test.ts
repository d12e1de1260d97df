import { describe, expect, it } from 'vitest';
import { IDEAL_DEVICE } from '../device/simulated-device.js';
import { validateScenario } from '../device/scenario.js';
import { ResistorLoad } from '../physics/resistor-load.js';
import type { Ohm, Second } from '../units/quantities.js';
import { maxRiseRate, runPlan, testPlan } from './test-fixtures.js';

const scenario = (raw: unknown[]) => validateScenario(raw, 'test-scenario.json');
const load = (ohms = 2500) => new ResistorLoad(ohms as Ohm);
const codes = (r: ReturnType<typeof runPlan>) => r.run.allEvents.map((e) => e.code);

describe('session engine on a simulated device', () => {
  it('delivers the prescribed dose within 1 % and completes', () => {
    const r = runPlan(testPlan(), load());
    const rep = r.run.report();
    expect(rep.status).toBe('completed');
    const truth = r.device.truth().deliveredCharge;
    expect(Math.abs(truth - rep.target_mAmin) / rep.target_mAmin).toBeLessThan(0.01);
    expect(Math.abs(rep.delivered_mAmin - rep.target_mAmin) / rep.target_mAmin).toBeLessThan(0.01);
  });

  it('corrects a 2 % DAC gain error so the RMS current error stays under 1 %', () => {
    const r = runPlan(testPlan(), load(), { device: { calibration: { gain: 1.02, offset: 0.05 as never } } });
    const rep = r.run.report();
    expect(rep.rms_error_pct).toBeLessThan(1);
    const treat = r.rows.filter((x) => x.phase === 'treat' && x.t > 40_000);
    const mean = treat.reduce((a, x) => a + Math.abs(x.trueCurrent), 0) / treat.length;
    expect(Math.abs(mean - 15) / 15).toBeLessThan(0.003);
  });

  it('starts no current until the circuit is closed, then soft-starts on the zone slope', () => {
    const r = runPlan(testPlan(), load(), {
      scenario: scenario([
        { at_s: 0, event: 'contact', fraction: 0, transition_s: 0 },
        { at_s: 10, event: 'contact', fraction: 1, transition_s: 0.3 },
      ]),
    });
    const before = r.rows.filter((x) => x.t < 10_000);
    // An open tray leaks nothing measurable (the bench load's 1 GΩ open circuit passes 0.06 µA at 60 V).
    expect(Math.max(...before.map((x) => Math.abs(x.trueCurrent)))).toBeLessThan(0.001);
    expect(before.every((x) => x.phase === 'await-contact' || x.phase === 'precheck')).toBe(true);
    const rampStart = r.rows.find((x) => x.phase === 'ramp-up')!;
    expect(rampStart.t).toBeGreaterThanOrEqual(11_000);
    // Within 10 % of the zone slope over any 2 s, and never a step faster than the comfort limit.
    expect(maxRiseRate(r.rows, 0, Infinity, 100)).toBeLessThanOrEqual(0.5 * 1.1);
    expect(maxRiseRate(r.rows)).toBeLessThanOrEqual(1);
    expect(r.run.report().status).toBe('completed');
  });

  it('pauses without a current step when the hand is lifted, stops the timer, and resumes with a soft start', () => {
    const r = runPlan(testPlan(), load(), {
      scenario: scenario([
        { at_s: 60, event: 'contact', fraction: 0, transition_s: 0.3 },
        { at_s: 90, event: 'contact', fraction: 1, transition_s: 0.3 },
      ]),
    });
    const rep = r.run.report();
    expect(rep.status).toBe('completed');
    expect(rep.pauses).toBe(1);
    expect(codes(r)).toContain('ION_EVT_PAUSE');
    expect(codes(r)).toContain('ION_EVT_RESUME');
    // No current, and no timer, while the hand is out.
    const out = r.rows.filter((x) => x.t > 61_000 && x.t < 90_000);
    expect(Math.max(...out.map((x) => Math.abs(x.trueCurrent)))).toBeLessThan(0.01);
    expect(out.every((x) => x.phase === 'pause')).toBe(true);
    const treated = r.run.state.treatedMs / 1000;
    expect(treated).toBeLessThan(rep.duration_s - 29);
    // Re-immersion: the current comes back on the soft-start slope, never faster than the comfort limit.
    const afterBack = r.rows.filter((x) => x.t >= 90_000 && x.t < 140_000);
    expect(afterBack[0]!.setpoint).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(maxRiseRate(r.rows, 90_000, 200_000)).toBeLessThanOrEqual(1.0);
    // The dose is still delivered in full.
    expect(Math.abs(rep.delivered_mAmin - rep.target_mAmin) / rep.target_mAmin).toBeLessThan(0.01);
  });

  it('reverses polarity through zero with a dead time and a gentler ramp at half the dose', () => {
    const r = runPlan(testPlan({ reversal: { kind: 'half-time' } }), load());
    const rep = r.run.report();
    expect(rep.reversals).toBe(1);
    const signs = r.rows.filter((x) => Math.abs(x.trueCurrent) > 1).map((x) => Math.sign(x.trueCurrent));
    expect(signs[0]).toBe(1);
    expect(signs.at(-1)).toBe(-1);
    // Around the switch: zero for at least the dead time; never a polarity change with current flowing.
    for (let k = 1; k < r.rows.length; k++) {
      const a = r.rows[k - 1]!;
      const b = r.rows[k]!;
      if (a.polarity !== b.polarity) expect(Math.abs(a.trueCurrent)).toBeLessThan(0.1);
    }
    const zero = r.rows.filter((x) => x.phase === 'reversal' && Math.abs(x.trueCurrent) < 0.01);
    expect(zero.length * 0.02).toBeGreaterThanOrEqual(2);
    const upRows = r.rows.filter((x) => x.phase === 'reversal' && x.polarity === '-');
    // On the post-reversal slope within 10 % over any 2 s (the regulator's trim moves the current by a few
    // hundredths of a mA from sample to sample), and never a step faster than the comfort limit.
    expect(maxRiseRate(upRows, 0, Infinity, 100)).toBeLessThanOrEqual(0.25 * 1.1);
    expect(maxRiseRate(upRows)).toBeLessThanOrEqual(1);
    // Anodal charge for electrode A is about half the dose.
    expect(rep.anodal_mAmin / rep.delivered_mAmin).toBeGreaterThan(0.45);
    expect(rep.anodal_mAmin / rep.delivered_mAmin).toBeLessThan(0.55);
  });

  it('ramps down and reports "aborted" when the operator stops the session', () => {
    let asked = false;
    const r = runPlan(testPlan(), load(), {
      hooks: {
        operator: (t) => {
          if (t >= 50_000 && !asked) {
            asked = true;
            return 'abort';
          }
          return undefined;
        },
      },
    });
    const rep = r.run.report();
    expect(rep.status).toBe('aborted');
    const after = r.rows.filter((x) => x.t >= 50_000);
    expect(after.some((x) => x.phase === 'ramp-down')).toBe(true);
    let worstFall = 0;
    for (let k = 1; k < after.length; k++) {
      worstFall = Math.max(worstFall, (Math.abs(after[k - 1]!.trueCurrent) - Math.abs(after[k]!.trueCurrent)) / 0.02);
    }
    expect(worstFall).toBeLessThanOrEqual(0.5 * 1.2 + 0.05);
  });

  it('pauses on the operator’s word and resumes only when asked', () => {
    const ops: Record<number, 'pause' | 'resume'> = { 40_000: 'pause', 100_000: 'resume' };
    const r = runPlan(testPlan(), load(), { hooks: { operator: (t) => ops[t] } });
    const rep = r.run.report();
    expect(rep.status).toBe('completed');
    expect(rep.pauses).toBe(1);
    // 15 mA ramps down at 0.5 mA/s in 30 s; then the output holds the probe until the operator resumes.
    const paused = r.rows.filter((x) => x.t > 72_000 && x.t < 100_000);
    expect(paused.every((x) => x.phase === 'pause')).toBe(true);
    expect(Math.max(...paused.map((x) => Math.abs(x.trueCurrent)))).toBeLessThanOrEqual(0.55);
  });

  it('follows a compliance-limited current down and climbs back on the ramp when the load falls', () => {
    // 60 V / 8 kΩ = 7.5 mA: the 15 mA set point is unreachable; at 100 s the load falls to 2.5 kΩ.
    const l = load(8000);
    const r2 = runPlan(testPlan({ duration: 300 as Second }), l, {
      hooks: { beforePeriod: (t) => t >= 100_000 && l.setResistance(2500 as Ohm) },
    });
    expect(r2.run.allEvents.map((e) => e.code)).toContain('ION_ERR_COMPLIANCE');
    const limited = r2.rows.filter((x) => x.t > 60_000 && x.t < 100_000);
    expect(Math.max(...limited.map((x) => Math.abs(x.trueCurrent)))).toBeLessThan(7.6);
    expect(maxRiseRate(r2.rows, 100_000, 200_000)).toBeLessThanOrEqual(1.0);
    expect(r2.run.report().status).toBe('completed');
  });

  it('regulates the average current of pulsed DC', () => {
    const r = runPlan(
      testPlan({
        waveform: { kind: 'pulsed', frequency: 10_000 as never, duty: 0.5 as never },
        target: 10 as never,
        dose: 20 as never,
      }),
      load(),
    );
    const rep = r.run.report();
    expect(rep.status).toBe('completed');
    expect(rep.rms_error_pct).toBeLessThan(1);
    const treat = r.rows.filter((x) => x.phase === 'treat');
    expect(Math.max(...treat.map((x) => x.truePeak))).toBeGreaterThan(19);
    expect(Math.max(...treat.map((x) => x.truePeak))).toBeLessThan(21);
  });

  it('refuses a plan whose soft start is faster than the comfort limit, before any current', () => {
    expect(() => runPlan(testPlan({ rampUp: 2 as never }), load())).toThrow(
      /rampUp 2 mA\/s is faster than the comfort limit/,
    );
  });

  it('runs identically twice from the same seed (the engine is a pure function of its inputs)', () => {
    const a = runPlan(testPlan(), load(), { device: IDEAL_DEVICE });
    const b = runPlan(testPlan(), load(), { device: IDEAL_DEVICE });
    expect(a.run.report()).toEqual(b.run.report());
  });
});

describe('faults on a simulated device', () => {
  const faultRun = (event: Record<string, unknown>, at = 60) =>
    runPlan(testPlan({ duration: 180 as Second }), load(), { scenario: scenario([{ at_s: at, ...event }]) });
  const zeroWithinOnePeriod = (r: ReturnType<typeof runPlan>) => {
    const f = r.run.allEvents.find((e) => e.source === 'supervisor' && e.code !== 'ION_ERR_DIDT');
    expect(f).toBeDefined();
    const after = r.rows.filter((x) => x.t > f!.t + 20);
    expect(Math.max(0, ...after.map((x) => Math.abs(x.trueCurrent)))).toBeLessThan(0.01);
    return f!;
  };

  it('latches a fault on a short circuit and switches the output off within one control period', () => {
    const r = faultRun({ event: 'short' });
    expect(r.run.report().status).toBe('fault');
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_SHORT_CIRCUIT');
  });

  it('pauses (not faults) on an open electrode', () => {
    const r = faultRun({ event: 'electrode_open' });
    expect(codes(r)).toContain('ION_EVT_PAUSE');
    expect(r.run.report().status).toBe('aborted');
    expect(r.run.allEvents.some((e) => e.code === 'ION_ERR_PAUSE_TIMEOUT')).toBe(true);
  });

  it('stops on stale telemetry when the samples stop coming', () => {
    const r = faultRun({ event: 'telemetry_dropout', ms: 500 });
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_STALE_TELEMETRY');
  });

  it('stops on late telemetry', () => {
    const r = faultRun({ event: 'telemetry_delay', ms: 300 });
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_STALE_TELEMETRY');
  });

  it('catches a current sensor that reads 2 mA low as a mismatch', () => {
    const r = faultRun({ event: 'sensor_offset', mA: -2 });
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_MISMATCH');
  });

  it('catches a frozen current sensor', () => {
    const r = faultRun({ event: 'sensor_stuck' });
    expect(['ION_ERR_SENSOR_IMPLAUSIBLE', 'ION_ERR_MISMATCH']).toContain(zeroWithinOnePeriod(r).code);
  });

  it('catches a DAC stuck high as overcurrent within one control period', () => {
    const r = faultRun({ event: 'dac_stuck', mA: 25 });
    const f = zeroWithinOnePeriod(r);
    expect(['ION_ERR_OVERCURRENT', 'ION_ERR_HARD_LIMIT']).toContain(f.code);
  });

  it('catches a DAC stuck at its level when the ramp-down does not follow', () => {
    const r = faultRun({ event: 'dac_stuck' });
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_MISMATCH');
  });

  it('catches a stuck polarity relay at the reversal', () => {
    const r = runPlan(testPlan({ duration: 180 as Second, reversal: { kind: 'half-time' } }), load(), {
      scenario: scenario([{ at_s: 30, event: 'relay_stuck' }]),
    });
    expect(zeroWithinOnePeriod(r).code).toBe('ION_ERR_POLARITY_MISMATCH');
  });

  it('leaves no current flowing when the host stops renewing the lease', () => {
    const r = faultRun({ event: 'lease_stop' });
    expect(codes(r)).toContain('ION_ERR_LEASE_EXPIRED');
    const late = r.rows.filter((x) => x.t > 60_000 + 100 + (15 / 10) * 1000 + 100);
    expect(Math.max(0, ...late.map((x) => Math.abs(x.trueCurrent)))).toBe(0);
  });
});

describe('edge cases found by the cohort', () => {
  it('reverses at half the dose even when the compliance voltage holds the current below target', () => {
    // 60 V / 6 kΩ = 10 mA: the 15 mA target is never reached, so the session never leaves ramp-up.
    const r = runPlan(testPlan({ reversal: { kind: 'half-time' }, durationCap: 400 as Second }), load(6000));
    const rep = r.run.report();
    expect(rep.status).toBe('completed');
    expect(rep.reversals).toBe(1);
    expect(Math.abs(rep.delivered_mAmin - rep.target_mAmin) / rep.target_mAmin).toBeLessThan(0.01);
    // Held at the compliance edge for minutes: reported once per episode (one each side of the reversal), by the
    // engine and by the supervisor, not every time the current flickers across the edge.
    const compliance = rep.events.filter((e) => e.code === 'ION_ERR_COMPLIANCE');
    expect(compliance.filter((e) => e.source === 'engine').length).toBeLessThanOrEqual(2);
    expect(compliance.filter((e) => e.source === 'supervisor').length).toBeLessThanOrEqual(2);
    expect(rep.anodal_mAmin / rep.delivered_mAmin).toBeGreaterThan(0.45);
    expect(rep.anodal_mAmin / rep.delivered_mAmin).toBeLessThan(0.55);
  });

  it('runs pulsed DC with 30 mA pulses at the hard limit on a device whose DAC reads 2 % high', () => {
    const r = runPlan(
      testPlan({ waveform: { kind: 'pulsed', frequency: 10_000 as never, duty: 0.5 as never }, target: 15 as never }),
      load(1500),
      { device: { calibration: { gain: 1.02, offset: 0.05 as never } } },
    );
    expect(r.run.report().faults).toEqual([]);
    expect(r.run.report().status).toBe('completed');
  });
});
