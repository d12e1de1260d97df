import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceCommand, DeviceInfo, Polarity, Telemetry } from '../device/device.js';
import { DC } from '../device/device.js';
import type { MilliAmp, Millisecond, Volt } from '../units/quantities.js';
import type { SupervisorConfig, SupervisorState } from './supervisor.js';
import { DEFAULT_LIMITS, startSupervisor, supervise } from './supervisor.js';
import { testPlan } from './test-fixtures.js';

const device: DeviceInfo = {
  model: 'test',
  maxCurrent: 30 as MilliAmp,
  compliance: 60 as Volt,
  hardTrip: 35 as MilliAmp,
  samplePeriod: 20 as Millisecond,
  leaseRamp: 10 as never,
  supportsPulsed: true,
};
const cfg: SupervisorConfig = { plan: testPlan(), device, limits: DEFAULT_LIMITS };

const cmd = (setpoint: number, polarity: Polarity = '+', outputEnabled = true): DeviceCommand => ({
  setpoint: setpoint as MilliAmp,
  lease: 100 as Millisecond,
  polarity,
  waveform: DC,
  outputEnabled,
  seq: 1,
});

let seq = 0;
/** A sample as a live sensor gives it: never exactly repeated (a few µA of jitter), unless the current is zero. */
const tel = (t: number, current: number, ohms = 2500, flags: Partial<Telemetry['flags']> = {}): Telemetry => ({
  t: t as Millisecond,
  seq: ++seq,
  current: (current === 0 ? 0 : current + Math.sign(current) * 0.001 * (seq % 5)) as MilliAmp,
  voltage: ((current * ohms) / 1000) as Volt,
  peakCurrent: Math.abs(current) as MilliAmp,
  polarity: current >= 0 ? '+' : '-',
  ackSeq: 0,
  flags: { tripped: false, compliance: false, leaseExpired: false, outputEnabled: true, ...flags },
});

/** Drive the supervisor through a steady ramp to `level` so that its state is that of a session in treatment. */
function steadyAt(level: number): { s: SupervisorState; t: number } {
  let s = startSupervisor(cfg, 0 as Millisecond);
  let last = 0;
  let t = 0;
  for (let k = 1; last < level || k < 60; k++) {
    t = k * 20;
    const want = Math.min(level, last + 0.02);
    const r = supervise(cfg, s, tel(t, last), cmd(want), t as Millisecond);
    s = r.state;
    last = r.command.setpoint;
  }
  return { s, t };
}

describe('safety supervisor', () => {
  it('passes a command that is within every limit unchanged', () => {
    const { s, t } = steadyAt(15);
    const r = supervise(cfg, s, tel(t + 20, 15), cmd(15), (t + 20) as Millisecond);
    expect(r.command.setpoint).toBe(15);
    expect(r.verdict.fault).toBeNull();
    expect(r.events).toHaveLength(0);
  });

  it('holds a rise to the comfort limit and reports it once', () => {
    const { s, t } = steadyAt(5);
    const a = supervise(cfg, s, tel(t + 20, 5), cmd(10), (t + 20) as Millisecond);
    expect(a.command.setpoint).toBeCloseTo(5 + 1 * 0.02, 3);
    expect(a.events.map((e) => e.code)).toEqual(['ION_ERR_DIDT']);
    const b = supervise(cfg, a.state, tel(t + 40, 5.02), cmd(10), (t + 40) as Millisecond);
    expect(b.events).toHaveLength(0);
  });

  it('latches a fault and switches the output off when the measured current exceeds the active limit', () => {
    const { s, t } = steadyAt(15);
    const r = supervise(cfg, s, tel(t + 20, 25), cmd(15), (t + 20) as Millisecond);
    expect(r.verdict.fault).toBe('ION_ERR_OVERCURRENT');
    expect(r.command.outputEnabled).toBe(false);
    expect(r.command.setpoint).toBe(0);
    // Latched: a healthy sample afterwards does not clear it.
    const r2 = supervise(cfg, r.state, tel(t + 40, 0), cmd(15), (t + 40) as Millisecond);
    expect(r2.command.outputEnabled).toBe(false);
    expect(r2.verdict.fault).toBe('ION_ERR_OVERCURRENT');
  });

  it('faults when no telemetry arrives for longer than 100 ms', () => {
    const { s, t } = steadyAt(15);
    let st = s;
    let fault = null;
    for (let k = 1; k <= 6; k++) {
      const r = supervise(cfg, st, undefined, cmd(15), (t + 20 * k) as Millisecond);
      st = r.state;
      fault = r.verdict.fault;
      if (k <= 5) expect(fault).toBeNull();
    }
    expect(fault).toBe('ION_ERR_STALE_TELEMETRY');
  });

  it('faults on a sample that is older than 100 ms when it arrives', () => {
    const { s, t } = steadyAt(15);
    const r = supervise(cfg, s, tel(t - 200, 15), cmd(15), (t + 20) as Millisecond);
    expect(r.verdict.fault).toBe('ION_ERR_STALE_TELEMETRY');
  });

  it('faults when the measured current stays off the command beyond tolerance for 500 ms', () => {
    let { s, t } = steadyAt(15);
    let fault = null;
    for (let k = 1; k <= 30 && !fault; k++) {
      t += 20;
      const r = supervise(cfg, s, tel(t, 14), cmd(15), t as Millisecond);
      s = r.state;
      fault = r.verdict.fault;
      if (k < 25) expect(fault).toBeNull();
    }
    expect(fault).toBe('ION_ERR_MISMATCH');
  });

  it('tolerates a 2 % DAC error without a fault', () => {
    let { s, t } = steadyAt(15);
    for (let k = 1; k <= 200; k++) {
      t += 20;
      const r = supervise(cfg, s, tel(t, 15 * 0.98), cmd(15), t as Millisecond);
      s = r.state;
      expect(r.verdict.fault).toBeNull();
    }
  });

  it('faults on three short-circuit readings in a row', () => {
    let { s, t } = steadyAt(15);
    const codes: (string | null)[] = [];
    for (let k = 1; k <= 3; k++) {
      t += 20;
      const r = supervise(cfg, s, tel(t, 15, 5), cmd(15), t as Millisecond);
      s = r.state;
      codes.push(r.verdict.fault);
    }
    expect(codes).toEqual([null, null, 'ION_ERR_SHORT_CIRCUIT']);
  });

  it('faults when current flows the wrong way for three samples', () => {
    let { s, t } = steadyAt(15);
    let fault = null;
    for (let k = 1; k <= 3; k++) {
      t += 20;
      const r = supervise(cfg, s, tel(t, -15), cmd(15), t as Millisecond);
      s = r.state;
      fault = r.verdict.fault;
    }
    expect(fault).toBe('ION_ERR_POLARITY_MISMATCH');
  });

  it('refuses a polarity change while current flows', () => {
    const { s, t } = steadyAt(15);
    const r = supervise(cfg, s, tel(t + 20, 15), cmd(15, '-'), (t + 20) as Millisecond);
    expect(r.command.polarity).toBe('+');
    expect(r.command.setpoint).toBe(0);
    expect(r.events.map((e) => e.code)).toContain('ION_ERR_POLARITY_UNDER_CURRENT');
  });

  it('faults on a current reading frozen for 50 samples while current flows', () => {
    let { s, t } = steadyAt(15);
    let fault = null;
    for (let k = 1; k <= 60 && !fault; k++) {
      t += 20;
      const frozen: Telemetry = { ...tel(t, 15), current: 15.0123 as MilliAmp };
      const r = supervise(cfg, s, frozen, cmd(15), t as Millisecond);
      s = r.state;
      fault = r.verdict.fault;
      if (k < 50) expect(fault).toBeNull();
    }
    expect(fault).toBe('ION_ERR_SENSOR_IMPLAUSIBLE');
  });

  it('faults on the device’s hardware trip and on an expired lease', () => {
    const { s, t } = steadyAt(15);
    expect(
      supervise(cfg, s, tel(t + 20, 0, 2500, { tripped: true }), cmd(15), (t + 20) as Millisecond).verdict.fault,
    ).toBe('ION_ERR_HW_TRIP');
    expect(
      supervise(cfg, s, tel(t + 20, 15, 2500, { leaseExpired: true }), cmd(15), (t + 20) as Millisecond).verdict.fault,
    ).toBe('ION_ERR_LEASE_EXPIRED');
  });

  it('lowers the current with the contact area it reads from a rising load (density limit)', () => {
    // 150 cm² at 0.05 mA/cm² allows 7.5 mA in full contact; a load four times higher means a quarter of the area.
    const c = { ...cfg, plan: testPlan({ target: 5 as never, maxDensity: 0.05 as never }) };
    let s = startSupervisor(c, 0 as Millisecond);
    let t = 0;
    for (let k = 1; k <= 300; k++) {
      t = k * 20;
      s = supervise(c, s, tel(t, Math.min(5, (k - 1) * 0.02)), cmd(Math.min(5, k * 0.02)), t as Millisecond).state;
    }
    const r = supervise(c, s, tel(t + 20, 5, 10_000), cmd(5), (t + 20) as Millisecond);
    expect(r.command.setpoint).toBeLessThanOrEqual(0.05 * 150 * 0.25 + 1e-9);
    expect(r.events.map((e) => e.code)).toContain('ION_ERR_DENSITY_LIMIT');
    expect(r.verdict.fault).toBeNull();
  });

  it('closes a smooth dose envelope: a ramp-down that ends within 0.5 % of the prescribed dose', () => {
    const plan = testPlan({ dose: 1 as never });
    const c = { ...cfg, plan };
    let s = startSupervisor(c, 0 as Millisecond);
    let i = 0;
    let delivered = 0;
    for (let k = 1; k < 20_000 && (k < 100 || i > 0); k++) {
      const r = supervise(c, s, tel(k * 20, i), cmd(15), (k * 20) as Millisecond);
      s = r.state;
      delivered += (i * 20) / 60_000;
      i = r.command.setpoint;
    }
    expect(i).toBe(0);
    expect(delivered).toBeLessThanOrEqual(1 * 1.005 + 1e-5);
    expect(delivered).toBeGreaterThan(0.95);
  });

  it('never raises the engine’s current or switches polarity under current, whatever it is fed', () => {
    const sample = fc.record({
      current: fc.double({ min: -40, max: 40, noNaN: true }),
      ohms: fc.double({ min: 1, max: 1e6, noNaN: true }),
      tripped: fc.boolean(),
      compliance: fc.boolean(),
      missing: fc.boolean(),
      want: fc.double({ min: 0, max: 40, noNaN: true }),
      polarity: fc.constantFrom<Polarity>('+', '-'),
      enabled: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 200 }), (steps) => {
        let s = startSupervisor(cfg, 0 as Millisecond);
        let lastPolarity: Polarity = cfg.plan.polarity;
        let lastSet = 0;
        steps.forEach((x, k) => {
          const t = (k + 1) * 20;
          const m = x.missing ? undefined : tel(t, x.current, x.ohms, { tripped: x.tripped, compliance: x.compliance });
          const r = supervise(cfg, s, m, cmd(x.want, x.polarity, x.enabled), t as Millisecond);
          s = r.state;
          expect(r.command.setpoint).toBeLessThanOrEqual(x.want);
          expect(r.command.outputEnabled && !x.enabled).toBe(false);
          if (r.command.polarity !== lastPolarity) {
            expect(lastSet).toBeLessThanOrEqual(0.2);
            expect(x.missing ? 0 : Math.abs(x.current)).toBeLessThanOrEqual(0.2);
          }
          if (r.verdict.fault) expect(r.command.outputEnabled).toBe(false);
          lastPolarity = r.command.polarity;
          lastSet = r.command.setpoint;
        });
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
