import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceInfo, Telemetry } from '../device/device.js';
import type { MilliAmp, Millisecond, Volt } from '../units/quantities.js';
import type { EngineConfig, OperatorCommand } from './session-machine.js';
import { startSession, step } from './session-machine.js';
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
const cfg: EngineConfig = { plan: testPlan({ reversal: { kind: 'half-time' } }), device };

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
};

const input = fc.record({
  current: fc.double({ min: -30, max: 30, noNaN: true }),
  ohms: fc.double({ min: 1, max: 1e6, noNaN: true }),
  missing: fc.boolean(),
  compliance: fc.boolean(),
  operator: fc.constantFrom<OperatorCommand | undefined>(undefined, undefined, undefined, 'pause', 'resume', 'abort'),
});

describe('session machine as a pure step function', () => {
  it('gives the same result for the same inputs and never changes its inputs', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 300 }), (xs) => {
        let a = startSession(cfg, 0 as Millisecond).state;
        xs.forEach((x, k) => {
          const t = (k + 1) * 20;
          const tel: Telemetry | undefined = x.missing
            ? undefined
            : {
                t: t as Millisecond,
                seq: k,
                current: x.current as MilliAmp,
                voltage: Math.min(60, (Math.abs(x.current) * x.ohms) / 1000) as Volt,
                peakCurrent: Math.abs(x.current) as MilliAmp,
                polarity: '+',
                ackSeq: k,
                flags: { tripped: false, compliance: x.compliance, leaseExpired: false, outputEnabled: true },
              };
          const frozen = deepFreeze({ ...a });
          const inp = deepFreeze({ telemetry: tel, operator: x.operator });
          const r1 = step(cfg, frozen, inp, t as Millisecond);
          const r2 = step(cfg, frozen, inp, t as Millisecond);
          expect(r2).toEqual(r1);
          expect(r1.command.setpoint).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(r1.command.setpoint)).toBe(true);
          a = r1.state;
        });
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('starts with the probe rising at the comfort limit, never with a step', () => {
    const first = startSession(cfg, 0 as Millisecond);
    expect(first.state.phase).toBe('precheck');
    expect(first.command.setpoint).toBeLessThanOrEqual(cfg.plan.comfortDidt * 0.02 + 1e-12);
    expect(first.command.outputEnabled).toBe(true);
  });

  it('refuses to start a session that screening refused, naming the reasons', () => {
    const plan = testPlan({ screening: { result: 'refused', reasons: ['pacemaker: active implant'] } });
    expect(() => startSession({ ...cfg, plan }, 0 as Millisecond)).toThrow(
      /refused by screening: pacemaker: active implant/,
    );
    const ok = testPlan({ screening: { result: 'precautions', reasons: ['impaired sensation'] } });
    expect(startSession({ ...cfg, plan: ok }, 0 as Millisecond).state.phase).toBe('precheck');
  });

  it('refuses to start a plan that is not valid on the device', () => {
    expect(() => startSession({ ...cfg, plan: testPlan({ target: 40 as MilliAmp }) }, 0 as Millisecond)).toThrow(
      /target 40 mA exceeds the protocol maximum 22 mA/,
    );
  });
});
