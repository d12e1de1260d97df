/**
 * Starting a session this server hosts: every check before the output is enabled (pre-steps, screening, caps, the
 * plan compiled against the device), the session row and its audit entry in one transaction, then the agent runs.
 * A registered serial device with a port on this computer is opened and handshaken first; anything else runs on a
 * simulated device.
 */
import { statSync } from 'node:fs';
import { SessionAgent } from '../agent/session-agent.js';
import type { HostedAgent } from '../agent/session-agent.js';
import { SerialSessionAgent } from '../agent/serial-agent.js';
import { openSerialConnection } from '../agent/serial-session.js';
import { IontoError } from '../errors/catalogue.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import { findRow, getHomePlan, startSession } from '../store/index.js';
import type { DeviceRow, SessionRecord, Store, User } from '../store/index.js';
import type { ServerContext } from './app-types.js';
import type { LiveSession } from './live-sessions.js';
import { audit, audited, visiblePatient } from './patient-access.js';
import { checkEligibility } from './session-eligibility.js';

export interface HostedStartInput {
  readonly patient_id: string;
  readonly protocol: string;
  readonly zone?: string | undefined;
  readonly mode?: string | undefined;
  /** A registered device of the patient's clinic; absent: the server's built-in simulated device. */
  readonly device_id?: string | undefined;
  /** Ids of the protocol's pre-steps done; every required one must be here. */
  readonly confirmed_steps: readonly string[];
  readonly current?: MilliAmp | undefined;
  readonly minutes?: number | undefined;
  readonly dose?: MilliAmpMinute | undefined;
  readonly agent_charge?: 'cation' | 'anion' | undefined;
  /**
   * The home plan the session is held under: it must still be active when the session row is written (checked in
   * the same transaction, so a burn recorded meanwhile stops it), and the session is filed under it.
   */
  readonly home_plan_id?: string | undefined;
}

export interface HostedStart {
  readonly record: SessionRecord;
  readonly live: LiveSession;
  readonly precautions: readonly string[];
}

/** Same patient, same virtual skin: a stable seed from the patient id. */
function seedOf(patientId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < patientId.length; i++) {
    h ^= patientId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h % 2_000_000_000) + 1;
}

/** Every required pre-step confirmed, and no id the protocol does not have. */
export function checkPreSteps(protocol: Protocol, confirmed: readonly string[]): void {
  const known = new Set(protocol.pre_steps.map((s) => s.id));
  const unknown = confirmed.filter((c) => !known.has(c));
  if (unknown.length > 0) {
    throw new IontoError(
      'ION_ERR_VALIDATION',
      `confirmed_steps: ${unknown.map((u) => `"${u}"`).join(', ')} is not a pre-step of ${protocol.id}`,
    );
  }
  const missing = protocol.pre_steps.filter((s) => s.required && !confirmed.includes(s.id));
  if (missing.length > 0) {
    throw new IontoError(
      'ION_ERR_VALIDATION',
      `confirmed_steps: not started, these pre-steps are not confirmed: ${missing.map((m) => `${m.id} ("${m.text}")`).join('; ')}`,
    );
  }
}

/**
 * A port path set by an admin must name a terminal (a character device): the server opens nothing else, whatever
 * path was stored. COM ports (Windows) are names, not paths.
 */
function checkTerminal(port: string): string {
  if (/^COM[0-9]+$/.test(port)) return port;
  let terminal = false;
  try {
    terminal = statSync(port).isCharacterDevice();
  } catch (e) {
    throw new IontoError('ION_ERR_DEVICE_LINK', `cannot open ${port}: ${(e as Error).message}`, { path: port });
  }
  if (!terminal) {
    throw new IontoError('ION_ERR_DEVICE_LINK', `cannot open ${port}: it is not a serial port (not a terminal)`, {
      path: port,
    });
  }
  return port;
}

/** The registered device, checked to belong to the patient's clinic (another clinic's answers 404 like a missing one). */
async function sessionDevice(store: Store, user: User, patientId: string, deviceId: string): Promise<DeviceRow> {
  const patient = await visiblePatient(store, user, patientId);
  const d = await findRow(store, 'devices', deviceId);
  if (d === undefined || d.clinic_id !== patient.clinic_id) {
    throw new IontoError('ION_ERR_NOT_FOUND', `device ${deviceId} not found`);
  }
  return d;
}

/** Refuses (409) a session under a home plan that is stopped for review or has ended. */
async function checkPlanActive(store: Store, planId: string, patientId: string): Promise<void> {
  const plan = await getHomePlan(store, planId);
  if (plan.patient_id !== patientId) throw new IontoError('ION_ERR_NOT_FOUND', `home plan ${planId} not found`);
  if (plan.status === 'stopped') {
    throw new IontoError(
      'ION_ERR_CONFLICT',
      `the home plan is stopped until a clinician reviews it: ${plan.stopped_reason ?? 'a finding was recorded'}`,
      { field: 'home_plan', status: plan.status },
    );
  }
  if (plan.status !== 'active') {
    throw new IontoError('ION_ERR_CONFLICT', `the home plan has ${plan.status}; no session is planned at home`, {
      field: 'home_plan',
      status: plan.status,
    });
  }
}

/**
 * Starts a hosted session for `user` (whose right to start it the caller has checked). The patient and device are
 * held for it until it ends; on any refusal nothing is stored, nothing is commanded and a serial port is closed.
 */
export async function startHostedSession(
  ctx: ServerContext,
  user: User,
  input: HostedStartInput,
): Promise<HostedStart> {
  const { store } = ctx;
  const protocol = findProtocol(input.protocol);
  checkPreSteps(protocol, input.confirmed_steps);
  const zone = input.zone ?? protocol.default_zone;
  const mode = input.mode ?? protocol.default_mode;
  const choices = {
    zone,
    mode,
    current: input.current,
    minutes: input.minutes,
    dose: input.dose,
    agentCharge: input.agent_charge,
  };
  const release = await ctx.live.reserve(input.patient_id, input.device_id);
  let serial: Awaited<ReturnType<typeof openSerialConnection>> | undefined;
  try {
    const device =
      input.device_id === undefined
        ? undefined
        : await audited(store, user, (tx) => sessionDevice(tx, user, input.patient_id, input.device_id!));
    if (device?.kind === 'serial') {
      if (device.port === null) {
        throw new IontoError(
          'ION_ERR_VALIDATION',
          `device_id: ${device.id} ("${device.name}") is a serial device with no port on this server; set its port ` +
            'in the settings, or run it on its own computer with `ionto run --port`',
          { field: 'device_id' },
        );
      }
      // The handshake happens before the transaction: the database is not held while a device answers.
      serial = await openSerialConnection(checkTerminal(device.port));
    }
    const at = ctx.now();
    const { record, agent, precautions } = await audited(store, user, async (tx) => {
      const patient = await visiblePatient(tx, user, input.patient_id);
      if (input.home_plan_id !== undefined) await checkPlanActive(tx, input.home_plan_id, patient.id);
      const eligible = await checkEligibility(tx, { patient, protocol, zone, mode, at });
      // Compiled and checked before the session row exists: a bad choice never leaves a record or a current.
      const prepared: HostedAgent =
        serial === undefined
          ? new SessionAgent({
              protocol,
              choices,
              seed: seedOf(patient.id),
              screening: eligible.screening,
              speed: ctx.live.speed,
            })
          : new SerialSessionAgent(serial, { protocol, choices, screening: eligible.screening });
      const rec = await startSession(tx, {
        patient_id: patient.id,
        protocol: protocol.id,
        zone: prepared.plan.zone,
        device_id: input.device_id ?? null,
        started_at: at,
        home_plan_id: input.home_plan_id ?? null,
      });
      await audit(tx, user, 'session.start', patient.id);
      return { record: rec, agent: prepared, precautions: eligible.precautions };
    });
    return { record, live: ctx.live.start(record, agent, user.id, release), precautions };
  } catch (e) {
    release();
    await serial?.close();
    throw e;
  }
}
// session-start: ready for home plans
