import type { Scenario, ScenarioEvent } from '../device/scenario.js';
import { ScenarioCursor, applyScenarioEvent } from '../device/scenario.js';
import { DEFAULT_DEVICE_INFO, SimulatedDevice } from '../device/simulated-device.js';
import { compilePlan } from '../protocols/compile-plan.js';
import { Random, deriveSeed } from '../physics/random.js';
import { createPatientLoad, drawCohortMember } from '../physics/virtual-patient.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { Millisecond } from '../units/quantities.js';
import { ConstantVoltageController } from './constant-voltage-controller.js';
import { physicsZoneOf, prepareSimulatedSession } from './simulated-session.js';

export type Controller = 'engine' | 'constant-voltage';

/** What one virtual patient's session came to, measured on the true (noise-free) current of the simulation. */
export interface TrialResult {
  readonly index: number;
  readonly controller: Controller;
  /** RMS of (true current − intended current) while treating in full contact, as % of the target. */
  readonly rmsErrorPct: number;
  /** |true delivered charge − prescribed| / prescribed, %. */
  readonly doseErrorPct: number;
  /** Rises of the true current faster than the comfort limit (episodes; see SHOCK_FLOOR). */
  readonly shocks: number;
  /** Share of treatment time the set point was unreachable at the compliance voltage (engine only), %. */
  readonly compliancePct: number;
  readonly injectedFault: string | null;
  readonly faultReported: boolean;
  readonly status: string;
}

/** Faults the campaign injects, each with the codes that count as reporting it. */
const FAULTS: readonly { event: ScenarioEvent['event']; reportedBy: readonly string[] }[] = [
  {
    event: 'sensor_offset',
    reportedBy: ['ION_ERR_MISMATCH', 'ION_ERR_SENSOR_IMPLAUSIBLE', 'ION_ERR_OVERCURRENT', 'ION_ERR_POLARITY_MISMATCH'],
  },
  { event: 'sensor_stuck', reportedBy: ['ION_ERR_SENSOR_IMPLAUSIBLE', 'ION_ERR_MISMATCH'] },
  {
    event: 'dac_stuck',
    reportedBy: ['ION_ERR_MISMATCH', 'ION_ERR_OVERCURRENT', 'ION_ERR_HARD_LIMIT', 'ION_ERR_HW_TRIP'],
  },
  { event: 'relay_stuck', reportedBy: ['ION_ERR_POLARITY_MISMATCH'] },
  { event: 'electrode_open', reportedBy: ['ION_EVT_PAUSE', 'ION_ERR_OPEN_CIRCUIT'] },
  { event: 'short', reportedBy: ['ION_ERR_SHORT_CIRCUIT'] },
  { event: 'telemetry_dropout', reportedBy: ['ION_ERR_STALE_TELEMETRY'] },
  { event: 'telemetry_delay', reportedBy: ['ION_ERR_STALE_TELEMETRY'] },
  { event: 'lease_stop', reportedBy: ['ION_ERR_LEASE_EXPIRED'] },
];

export const FAULT_KINDS = FAULTS.map((f) => f.event);

/** Contact disturbances for one patient: hands lifted out and put back, or partly out for a while. */
export function contactDisturbances(rng: Random, from: number, to: number): ScenarioEvent[] {
  const out: Record<string, unknown>[] = [];
  const n = 1 + Math.floor(rng.uniform(0, 3));
  let t = from;
  for (let k = 0; k < n && t < to; k++) {
    t += rng.uniform(30, (to - from) / n);
    const lift = rng.uniform(0, 1) < 0.5;
    const hold = lift ? rng.uniform(5, 40) : rng.uniform(3, 30);
    out.push({
      at_s: round(t),
      event: 'contact',
      fraction: lift ? 0 : round(rng.uniform(0.4, 0.8)),
      transition_s: round(rng.uniform(0.2, 0.8)),
    });
    t += hold;
    out.push({ at_s: round(t), event: 'contact', fraction: 1, transition_s: round(rng.uniform(0.2, 0.8)) });
    t += 20;
  }
  return out as unknown as ScenarioEvent[];
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** One fault at a random time in the first half of the session (so a reversal at half time can reveal a relay). */
export function randomFault(rng: Random, from: number, to: number): ScenarioEvent {
  const kind = FAULTS[Math.floor(rng.uniform(0, FAULTS.length))]!.event;
  const at = round(rng.uniform(from, to));
  const sign = rng.uniform(0, 1) < 0.5 ? -1 : 1;
  const e: Record<string, unknown> = { at_s: at, event: kind };
  if (kind === 'sensor_offset') e.mA = round(sign * rng.uniform(1, 3));
  if (kind === 'dac_stuck' && rng.uniform(0, 1) < 0.5) e.mA = round(rng.uniform(0, 28));
  if (kind === 'telemetry_dropout') e.ms = Math.round(rng.uniform(150, 2000));
  if (kind === 'telemetry_delay') e.ms = Math.round(rng.uniform(150, 1000));
  return e as unknown as ScenarioEvent;
}

interface Sample {
  t: number;
  i: number;
  intended: number;
  counted: boolean;
  compliance: boolean;
}

/**
 * A shock is a rise of the true current faster than the comfort limit by more than SHOCK_FLOOR, over any window of
 * 1 to 25 control periods (20 ms to 0.5 s). The floor is a fifth of the palms probe current, which is itself chosen
 * to be imperceptible: steps of tens of µA (a DAC offset as the output switch closes) are not shocks.
 */
export const SHOCK_FLOOR = 0.1;
const SHOCK_SPANS = [1, 5, 25] as const;

function measure(
  samples: readonly Sample[],
  target: number,
  comfort: number,
  period: number,
): { rms: number; shocks: number; compliancePct: number } {
  let sq = 0;
  let n = 0;
  let shocks = 0;
  let inShock = false;
  let treating = 0;
  let limited = 0;
  for (let k = 0; k < samples.length; k++) {
    const s = samples[k]!;
    if (s.counted) {
      const e = s.i - s.intended;
      sq += e * e;
      n += 1;
    }
    if (s.intended > 0) {
      treating += 1;
      if (s.compliance) limited += 1;
    }
    let shock = false;
    for (const span of SHOCK_SPANS) {
      if (k < span) break;
      const rise = s.i - samples[k - span]!.i;
      if (rise > comfort * ((span * period) / 1000) + SHOCK_FLOOR) shock = true;
    }
    if (shock && !inShock) shocks += 1;
    inShock = shock;
  }
  return {
    rms: n === 0 ? 0 : (Math.sqrt(sq / n) / target) * 100,
    shocks,
    compliancePct: treating === 0 ? 0 : (limited / treating) * 100,
  };
}

/** Contact intervals of a scenario: true while the contact is not full (and for 10 s after it is back). */
function disturbed(scenario: Scenario): (t: number) => boolean {
  const spans: [number, number][] = [];
  let start = -1;
  for (const e of scenario) {
    if (e.event !== 'contact') continue;
    if (e.fraction < 1 && start < 0) start = e.at_s * 1000;
    if (e.fraction >= 1 && start >= 0) {
      spans.push([start, e.at_s * 1000 + 10_000]);
      start = -1;
    }
  }
  if (start >= 0) spans.push([start, Infinity]);
  return (t) => spans.some(([a, b]) => t >= a && t <= b);
}

export interface TrialOptions {
  readonly protocol: Protocol;
  readonly cohortSeed: number;
  readonly index: number;
  readonly controller: Controller;
  /** Inject one random device fault as well. */
  readonly withFault: boolean;
}

/**
 * One virtual patient of a seeded cohort through a protocol session with random contact disturbances (and
 * optionally one injected fault), under this engine or under the constant-voltage baseline.
 */
export function runTrial(o: TrialOptions): TrialResult {
  const { protocol } = o;
  const zoneId = protocol.default_zone;
  const zone = protocol.zones[zoneId]!;
  const patient = drawCohortMember(o.cohortSeed, o.index, physicsZoneOf(zoneId, zone));
  const rng = new Random(deriveSeed(o.cohortSeed ^ 0x5eed, o.index));
  const durationS = compilePlan(protocol, {}, DEFAULT_DEVICE_INFO).duration;
  const events = contactDisturbances(rng, 90, durationS * 0.9);
  const fault = o.withFault ? randomFault(rng, 60, durationS * 0.45) : undefined;
  const scenario = [...events, ...(fault ? [fault] : [])].sort((a, b) => a.at_s - b.at_s);
  const isDisturbed = disturbed(scenario);
  const samples: Sample[] = [];
  const deviceSeed = deriveSeed(o.cohortSeed ^ 0xde1, o.index);

  if (o.controller === 'engine') {
    const s = prepareSimulatedSession({ protocol, choices: {}, seed: deviceSeed, scenario, patient });
    const target = s.plan.target;
    s.onRow((r) => {
      const truth = s.device.truth();
      const treating = r.phase === 'treat';
      const compliance = r.telemetry?.flags.compliance ?? false;
      samples.push({
        t: r.t,
        i: Math.abs(truth.patientCurrent),
        intended: treating ? r.reference : 0,
        counted: treating && !compliance && !isDisturbed(r.t) && r.reference >= target - 1e-9,
        compliance,
      });
    });
    const report = s.run.runToEnd();
    const m = measure(samples, target, s.plan.comfortDidt, s.plan.controlPeriod);
    const expected = FAULTS.find((f) => f.event === fault?.event)?.reportedBy ?? [];
    const afterFault = s.run.allEvents.filter((e) => fault && e.t >= fault.at_s * 1000 - 20);
    const reported = fault ? afterFault.some((e) => expected.includes(e.code)) : false;
    // A stuck relay is harmless, and invisible, until a reversal asks it to move.
    const manifested = fault?.event !== 'relay_stuck' || report.reversals > 0 || afterFault.length > 0;
    return {
      index: o.index,
      controller: o.controller,
      rmsErrorPct: m.rms,
      doseErrorPct: (Math.abs(s.device.truth().deliveredCharge - s.plan.dose) / s.plan.dose) * 100,
      shocks: m.shocks,
      compliancePct: m.compliancePct,
      injectedFault: fault?.event ?? null,
      faultReported: reported || !manifested,
      status: report.status,
    };
  }

  // The constant-voltage baseline on the same patient, device, disturbances and fault.
  const prepared = prepareSimulatedSession({ protocol, choices: {}, seed: deviceSeed, scenario: [], patient });
  const plan = prepared.plan;
  const device = new SimulatedDevice(createPatientLoad(patient), { seed: deviceSeed });
  const cv = new ConstantVoltageController(device, plan);
  const cursor = new ScenarioCursor(scenario);
  while (cv.phase !== 'done' && device.now() < (plan.duration + 600) * 1000) {
    // A lease_stop means nothing here: this controller renews its lease no matter what it sees.
    for (const e of cursor.due((device.now() + plan.controlPeriod) as Millisecond)) applyScenarioEvent(device, e);
    cv.step();
    const truth = device.truth();
    const holding = cv.phase === 'hold';
    samples.push({
      t: device.now(),
      i: Math.abs(truth.patientCurrent),
      intended: holding ? plan.target : 0,
      counted: holding && !isDisturbed(device.now()),
      compliance: false,
    });
  }
  const m = measure(samples, plan.target, plan.comfortDidt, plan.controlPeriod);
  return {
    index: o.index,
    controller: o.controller,
    rmsErrorPct: m.rms,
    doseErrorPct: (Math.abs(device.truth().deliveredCharge - plan.dose) / plan.dose) * 100,
    shocks: m.shocks,
    compliancePct: 0,
    injectedFault: fault?.event ?? null,
    // It has nothing that could notice a fault: every injected fault goes unreported.
    faultReported: false,
    status: 'completed',
  };
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface CohortSummary {
  readonly rms_error_pct_p50: number;
  readonly rms_error_pct_p95: number;
  readonly dose_error_pct_p95: number;
  readonly shocks: number;
  readonly faults_injected: number;
  readonly faults_missed: number;
  readonly compliance_time_pct_mean: number;
}

export function summarise(results: readonly TrialResult[]): CohortSummary {
  const clean = results.filter((r) => r.injectedFault === null);
  const faulted = results.filter((r) => r.injectedFault !== null);
  const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    rms_error_pct_p50: r4(
      percentile(
        clean.map((r) => r.rmsErrorPct),
        50,
      ),
    ),
    rms_error_pct_p95: r4(
      percentile(
        clean.map((r) => r.rmsErrorPct),
        95,
      ),
    ),
    dose_error_pct_p95: r4(
      percentile(
        clean.map((r) => r.doseErrorPct),
        95,
      ),
    ),
    shocks: clean.reduce((a, r) => a + r.shocks, 0),
    faults_injected: faulted.length,
    faults_missed: faulted.filter((r) => !r.faultReported).length,
    compliance_time_pct_mean: r4(clean.reduce((a, r) => a + r.compliancePct, 0) / Math.max(1, clean.length)),
  };
}
