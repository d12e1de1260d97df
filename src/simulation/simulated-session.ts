import type { Scenario } from '../device/scenario.js';
import { ScenarioCursor, applyScenarioEvent } from '../device/scenario.js';
import type { SimulatedDeviceOptions } from '../device/simulated-device.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import type { SessionEvent } from '../engine/events.js';
import type { RunnerHooks, TraceRow } from '../engine/session-runner.js';
import { SessionRun } from '../engine/session-runner.js';
import type { PlanScreening, SessionPlan } from '../engine/session-plan.js';
import type { SupervisorLimits } from '../engine/supervisor.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { compilePlan } from '../protocols/compile-plan.js';
import type { Protocol, ProtocolZone } from '../protocols/protocol-schema.js';
import type { VirtualPatient, Zone } from '../physics/virtual-patient.js';
import { createPatientLoad, drawPatient } from '../physics/virtual-patient.js';
import { isZone } from '../physics/zone-profiles.js';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import type { SquareCm } from '../units/quantities.js';

/** Which virtual-patient setup stands behind a protocol zone. */
export function physicsZoneOf(zoneId: string, zone: ProtocolZone): Zone {
  if (isZone(zoneId)) return zoneId;
  return zone.setup === 'tray' ? 'palms' : zone.setup === 'facial' ? 'face' : 'pad';
}

export interface SimulatedSessionOptions {
  readonly protocol: Protocol;
  readonly choices: PlanChoices;
  /** Virtual patient seed: same seed, same patient. */
  readonly seed: number;
  readonly scenario?: Scenario;
  readonly hooks?: Pick<RunnerHooks, 'operator'>;
  readonly device?: SimulatedDeviceOptions;
  readonly limits?: SupervisorLimits;
  /** The patient's screening verdict, carried in the plan: the engine refuses to start a refused one. */
  readonly screening?: PlanScreening | undefined;
  /** Use this patient instead of drawing one from the seed. */
  readonly patient?: VirtualPatient;
}

export interface PreparedSession {
  readonly plan: SessionPlan;
  readonly patient: VirtualPatient;
  readonly device: SimulatedDevice;
  readonly run: SessionRun;
  readonly modeLabel: string;
  readonly patientSummary: string;
  onRow(fn: (r: TraceRow) => void): void;
  onEvent(fn: (e: SessionEvent) => void): void;
}

/**
 * A protocol session on a simulated device in front of a virtual patient, ready to run: the plan is compiled and
 * checked, the patient drawn from the seed, and the scenario wired to the device's clock. Everything that can be
 * wrong with the inputs throws here, before the output is ever enabled.
 */
export function prepareSimulatedSession(o: SimulatedSessionOptions): PreparedSession {
  const deviceInfo = { ...DEFAULT_DEVICE_INFO, ...o.device?.info };
  const plan: SessionPlan = { ...compilePlan(o.protocol, o.choices, deviceInfo), screening: o.screening };
  const zone = o.protocol.zones[plan.zone]!;
  const pz = physicsZoneOf(plan.zone, zone);
  const patient =
    o.patient ??
    drawPatient(o.seed, pz, pz === 'face' || pz === 'pad' ? { area: zone.area_cm2.value as SquareCm } : {});
  const device = new SimulatedDevice(createPatientLoad(patient), { seed: o.seed, ...o.device });
  const cursor = new ScenarioCursor(o.scenario ?? []);
  let blocked = false;
  const rowFns: ((r: TraceRow) => void)[] = [];
  const eventFns: ((e: SessionEvent) => void)[] = [];
  // Trace rows are built only once someone listens: a session run for its report allocates none.
  const hooks: RunnerHooks = {
    operator: o.hooks?.operator,
    beforePeriod: (t) => {
      for (const e of cursor.due(t)) {
        const action = applyScenarioEvent(device, e);
        if (action === 'lease_stop') blocked = true;
        else if (action === 'lease_resume') blocked = false;
      }
    },
    commandsBlocked: () => blocked,
    onEvent: (e) => {
      for (const f of eventFns) f(e);
    },
  };
  const run = new SessionRun({ plan, device, limits: o.limits, hooks });
  const c = patient.circuit;
  const modeId = o.choices.mode ?? o.protocol.default_mode;
  return {
    plan,
    patient,
    device,
    run,
    modeLabel: o.protocol.modes[modeId]?.label ?? modeId,
    patientSummary: `${pz}, ${Math.round(c.siteA.area)} cm² per side, water ${Math.round(c.conductivity)} µS/cm`,
    onRow: (fn) => {
      rowFns.push(fn);
      hooks.onRow ??= (r) => {
        for (const f of rowFns) f(r);
      };
    },
    onEvent: (fn) => void eventFns.push(fn),
  };
}
