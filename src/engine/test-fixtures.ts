import { DC } from '../device/device.js';
import type { Scenario } from '../device/scenario.js';
import { ScenarioCursor, applyScenarioEvent } from '../device/scenario.js';
import type { SimulatedDeviceOptions } from '../device/simulated-device.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import type { ElectricalLoad } from '../physics/electrical-load.js';
import type {
  MilliAmp,
  MilliAmpMinute,
  MilliAmpPerSecond,
  MilliAmpPerSqCm,
  Millisecond,
  Ohm,
  Second,
  SquareCm,
} from '../units/quantities.js';
import type { SessionPlan } from './session-plan.js';
import type { RunnerHooks, TraceRow } from './session-runner.js';
import { SessionRun } from './session-runner.js';

/** A palms-like plan for engine tests (the protocol library compiles the real ones). */
export function testPlan(over: Partial<SessionPlan> = {}): SessionPlan {
  const target = (over.target ?? 15) as number;
  const duration = (over.duration ?? 120) as number;
  return {
    protocolId: 'test',
    zone: 'palms',
    area: 150 as SquareCm,
    target: target as MilliAmp,
    maxCurrent: 22 as MilliAmp,
    maxDensity: 0.2 as MilliAmpPerSqCm,
    duration: duration as Second,
    dose: ((target * duration) / 60) as MilliAmpMinute,
    endOn: 'dose',
    durationCap: (duration * 1.5) as Second,
    polarity: '+',
    waveform: DC,
    rampUp: 0.5 as MilliAmpPerSecond,
    rampUpAfterReversal: 0.25 as MilliAmpPerSecond,
    rampDown: 0.5 as MilliAmpPerSecond,
    reversal: { kind: 'none' },
    deadTime: 2 as Second,
    comfortDidt: 1 as MilliAmpPerSecond,
    probeCurrent: 0.5 as MilliAmp,
    shortBelow: 300 as Ohm,
    openAbove: 50_000 as Ohm,
    contactDebounce: 1 as Second,
    contactTimeout: 300 as Second,
    pauseTimeout: 300 as Second,
    controlPeriod: 20 as Millisecond,
    lease: 100 as Millisecond,
    ...over,
  };
}

export interface TestRun {
  readonly run: SessionRun;
  readonly device: SimulatedDevice;
  readonly rows: (TraceRow & { trueCurrent: number; truePeak: number })[];
}

/** Run a plan to its end on a simulated device in front of `load`, applying a scenario. */
export function runPlan(
  plan: SessionPlan,
  load: ElectricalLoad,
  opts: { scenario?: Scenario; device?: SimulatedDeviceOptions; hooks?: RunnerHooks } = {},
): TestRun {
  const device = new SimulatedDevice(load, { seed: 7, ...opts.device });
  const cursor = new ScenarioCursor(opts.scenario ?? []);
  let blocked = false;
  const rows: TestRun['rows'] = [];
  const run = new SessionRun({
    plan,
    device,
    hooks: {
      ...opts.hooks,
      beforePeriod: (t) => {
        opts.hooks?.beforePeriod?.(t);
        for (const e of cursor.due(t)) {
          const a = applyScenarioEvent(device, e);
          if (a === 'lease_stop') blocked = true;
          if (a === 'lease_resume') blocked = false;
        }
      },
      commandsBlocked: () => blocked,
      onRow: (r) => {
        const truth = device.truth();
        rows.push({ ...r, trueCurrent: truth.current, truePeak: truth.peakCurrent });
      },
    },
  });
  run.runToEnd();
  return { run, device, rows };
}

/**
 * Largest rise of the true current per second, between rows `span` control periods apart (1: consecutive
 * periods, for steps; 50: one-second windows, for ramp slopes, where the regulator's sample-to-sample trim
 * of a few µA does not count).
 */
export function maxRiseRate(rows: TestRun['rows'], from = 0, to = Infinity, span = 1): number {
  let worst = 0;
  for (let k = span; k < rows.length; k++) {
    const a = rows[k - span]!;
    const b = rows[k]!;
    if (b.t < from || b.t > to) continue;
    const rate = (Math.abs(b.trueCurrent) - Math.abs(a.trueCurrent)) / ((b.t - a.t) / 1000);
    if (rate > worst) worst = rate;
  }
  return worst;
}
