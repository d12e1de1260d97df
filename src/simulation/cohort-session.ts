import type { DeviceInfo } from '../device/device.js';
import { DEFAULT_DEVICE_INFO, SimulatedDevice } from '../device/simulated-device.js';
import { statusOf } from '../engine/session-machine.js';
import type { SessionPlan } from '../engine/session-plan.js';
import { SessionRun } from '../engine/session-runner.js';
import { deriveSeed } from '../physics/random.js';
import type { SessionDose } from '../physics/sweat-response.js';
import { TreatmentCircuit } from '../physics/treatment-circuit.js';
import type { VirtualPatient } from '../physics/virtual-patient.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { compilePlan } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { MilliAmp, MilliAmpMinute, Millisecond, Second } from '../units/quantities.js';

/**
 * How finely a course session is simulated. The engine and the supervisor step the session on the virtual patient
 * in every fidelity; what changes is the control period (the device's sample period, so the plan checks hold: the
 * lease stays five periods, the ramps stay below the comfort limit, which is a rate), the device's physics substep
 * and the circuit's slow-process interval.
 */
export interface CohortFidelity {
  readonly name: string;
  /** Control period = the device's sample period. */
  readonly controlPeriod: Millisecond;
  /** Device physics substep (divides the control period). */
  readonly substep: Millisecond;
  /** Interval of the circuit's slow processes. */
  readonly slowInterval: Second;
  /**
   * A device with an exact DAC (no seeded gain and offset error; measurement noise and quantisation stay). The
   * engine's regulator corrects a DAC error by a tenth per sample, which takes ≈ 0.5 s at 20 ms and ≈ 40 s at 2 s:
   * at a coarse period a ±2 % error would still be uncorrected at the end of the soft start.
   */
  readonly exactDac: boolean;
}

/** The device and the circuit as every single session runs them: 20 ms control, 1 ms physics, 10 ms slow state. */
export const FULL_FIDELITY: CohortFidelity = Object.freeze({
  name: 'full',
  controlPeriod: 20 as Millisecond,
  substep: 1 as Millisecond,
  slowInterval: 0.01 as Second,
  exactDac: false,
});

/**
 * Course-level fidelity: a 2 s control period with one 2 s physics substep (quasi-static: the skin's R·C is
 * milliseconds, and the circuit integrates the capacitors exactly for a held current) and a 1 s slow-process
 * interval (the fastest slow process, the electrode overpotential, settles in 0.3 s; conditioning and hydration take
 * minutes), on a device with an exact DAC (see `exactDac`). About 650 control periods for a 20-minute session instead of 64,000: ≈ 0.7 ms instead of ≈ 90 ms.
 *
 * Validated against full fidelity on the same device in `cohort-session.test.ts` (and on 36 more palms, soles and
 * axillae sessions, DC and pulsed, at sweat rates 1 to 0.1): delivered charge within 0.2 %, mean treatment current
 * within 0.4 %, each site's sweat-response effect within 1 %. One difference is known: the exact DAC: with
 * the seeded ±2 % DAC errors the full-fidelity mean current of such patients moves by up to 1.5 %. What the
 * fidelity does not resolve at all: anything faster than 2 s — the shape of the soft start (the command moves in
 * steps of comfort limit × 2 s), sub-second contact events, the dI/dt comfort figures, the timing of fault
 * detection. It is for course outcomes (dose, current, compliance, completion), not for session-level safety tests.
 */
export const COHORT_FIDELITY: CohortFidelity = Object.freeze({
  name: 'cohort',
  controlPeriod: 2000 as Millisecond,
  substep: 2000 as Millisecond,
  slowInterval: 1 as Second,
  exactDac: true,
});

/** The simulated device's published figures at a fidelity (only the sample period differs). */
export const deviceInfoAt = (f: CohortFidelity): DeviceInfo => ({
  ...DEFAULT_DEVICE_INFO,
  samplePeriod: f.controlPeriod,
});

/** Compile a protocol session for the simulated device at a fidelity. */
export const compileCoursePlan = (protocol: Protocol, choices: PlanChoices, f: CohortFidelity): SessionPlan =>
  compilePlan(protocol, choices, deviceInfoAt(f));

/** Salt of the per-session device seeds (calibration error and measurement noise), from the patient's seed. */
const DEVICE_STREAM = 0xde1;

/** What one course session came to, measured on the device's ground truth. */
export interface CourseSessionResult {
  readonly status: 'completed' | 'aborted' | 'fault';
  /** Charge through the patient, ∫|I| dt (true). */
  readonly delivered: MilliAmpMinute;
  /** Charge with site A as the anode (current A → B) and with site B as the anode (true). */
  readonly anodalA: MilliAmpMinute;
  readonly anodalB: MilliAmpMinute;
  /** Treatment time by the engine's timer, s. */
  readonly treated: Second;
  /** The engine reported the set point unreachable at the compliance voltage at least once. */
  readonly complianceLimited: boolean;
  /** The latched fault's code, if the session ended on one. */
  readonly fault: string | null;
}

/**
 * One session of a course: the virtual patient's circuit at today's sweat rate (the response model's, relative to
 * the patient's untreated baseline: the sweat-duct shunt, so the skin resistance rises as sweating falls), a fresh
 * simulated device seeded from the patient and the session number, and the engine with its supervisor stepping the
 * plan to the end. The charge by polarity comes from the device's ground truth.
 */
export function runCourseSession(
  patient: VirtualPatient,
  plan: SessionPlan,
  sweatRate: number,
  session: number,
  f: CohortFidelity,
): CourseSessionResult {
  const circuit = new TreatmentCircuit(patient.circuit, {
    slowInterval: f.slowInterval,
    initialSweatRate: sweatRate,
  });
  const seed = deriveSeed((patient.seed ?? 0) ^ DEVICE_STREAM, session);
  const device = new SimulatedDevice(circuit, {
    seed,
    info: { samplePeriod: f.controlPeriod },
    substep: f.substep,
    ...(f.exactDac ? { calibration: { gain: 1, offset: 0 as MilliAmp } } : {}),
  });
  const run = new SessionRun({ plan, device });
  while (!run.done) run.stepOnce();
  const truth = device.truth();
  const status = statusOf(run.state);
  let complianceLimited = false;
  for (const e of run.allEvents) {
    if (e.code === 'ION_ERR_COMPLIANCE' && e.source === 'engine') complianceLimited = true;
  }
  // Positive current flows A → B: site A is the anode.
  const abs = truth.deliveredCharge;
  const net = truth.netCharge;
  return {
    status: status === 'running' ? 'aborted' : status,
    delivered: abs,
    anodalA: Math.max(0, (abs + net) / 2) as MilliAmpMinute,
    anodalB: Math.max(0, (abs - net) / 2) as MilliAmpMinute,
    treated: (run.state.treatedMs / 1000) as Second,
    complianceLimited,
    fault: status === 'fault' ? run.state.fault : null,
  };
}

/** The session's dose as the sweat response takes it: charge by polarity over each site's actual skin area. */
export const doseOf = (patient: VirtualPatient, r: CourseSessionResult, waveform: 'dc' | 'pulsed'): SessionDose => ({
  anodalA: r.anodalA,
  anodalB: r.anodalB,
  areaA: patient.circuit.siteA.area,
  areaB: patient.circuit.siteB.area,
  waveform,
});
