import type { DeviceInfo, Polarity, Waveform } from '../device/device.js';
import { DC } from '../device/device.js';
import type { SessionPlan } from '../engine/session-plan.js';
import { IontoError } from '../errors/catalogue.js';
import type {
  Fraction,
  Hertz,
  MilliAmp,
  MilliAmpMinute,
  MilliAmpPerSecond,
  MilliAmpPerSqCm,
  Millisecond,
  Ohm,
  Second,
  SquareCm,
} from '../units/quantities.js';
import type { Protocol, ProtocolMode, ProtocolZone } from './protocol-schema.js';

/** What the operator may choose for one session, within the protocol's ranges. */
export interface PlanChoices {
  readonly zone?: string | undefined;
  readonly mode?: string | undefined;
  readonly current?: MilliAmp | undefined;
  readonly minutes?: number | undefined;
  /** Prescribed charge, for zones dosed in mA·min. */
  readonly dose?: MilliAmpMinute | undefined;
  /**
   * Charge of the product, for protocols whose pole is chosen by it (`electrode_a: "by-agent-charge"`): a cationic
   * product goes under the anode, an anionic one under the cathode [117][118]. Required for those protocols; for
   * the others it may only confirm the protocol's own agent.
   */
  readonly agentCharge?: AgentCharge | undefined;
}

/** The charge of a product carried by the current. */
export type AgentCharge = 'cation' | 'anion';

/** Electrode A's polarity: the protocol's, or the one the product's charge calls for. */
export function polarityFor(protocol: Protocol, agentCharge: AgentCharge | undefined): Polarity {
  const a = protocol.polarity.electrode_a;
  if (agentCharge !== undefined && agentCharge !== 'cation' && agentCharge !== 'anion') {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `agent charge must be "cation" or "anion", got "${String(agentCharge)}"`,
      { field: 'agentCharge' },
    );
  }
  if (a === 'by-agent-charge') {
    if (agentCharge === undefined) {
      throw new IontoError(
        'ION_ERR_OUT_OF_RANGE',
        `${protocol.id}: the pole is chosen by the product's charge; choose the agent charge: "cation" (a positively ` +
          `charged product, under the anode +) or "anion" (a negatively charged product, under the cathode −) ` +
          `(${protocol.polarity.source})`,
        { field: 'agentCharge' },
      );
    }
    return agentCharge === 'cation' ? '+' : '-';
  }
  if (agentCharge !== undefined && agentCharge !== protocol.agent.charge) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `${protocol.id} delivers ${protocol.agent.name} (${protocol.agent.charge}) at a fixed pole; an agent charge ` +
        `"${agentCharge}" does not apply`,
      { field: 'agentCharge' },
    );
  }
  return a;
}

/** Leases cover this many control periods: a host that misses them has stopped. */
const LEASE_PERIODS = 5;
/**
 * And never less than 100 ms (docs/safety.md): a fast device (100 Hz, 10 ms periods) would otherwise lapse its lease
 * whenever the host's operating system does not schedule it for 50 ms, which a loaded computer does.
 */
const MIN_LEASE_MS = 100;

function waveformOf(mode: ProtocolMode): Waveform {
  const w = mode.waveform;
  if (w.kind === 'dc') return DC;
  return { kind: 'pulsed', frequency: w.frequency_hz.value as Hertz, duty: w.duty.value as Fraction };
}

/** A chosen value inside the protocol's range, or an error that names the range and its source. */
function within(
  name: 'current' | 'duration' | 'dose',
  unit: string,
  value: number,
  range: { readonly min: number; readonly max: number; readonly source: string },
  where: string,
): number {
  if (Number.isFinite(value) && value >= range.min && value <= range.max) return value;
  throw new IontoError(
    'ION_ERR_OUT_OF_RANGE',
    `${name} ${value} ${unit} is outside ${range.min}–${range.max} ${unit} for ${where} (${range.source})`,
    { field: name === 'duration' ? 'minutes' : name, min: range.min, max: range.max },
  );
}

/** A zone of the protocol by id (own properties only: "toString" is no zone), or an error listing the zones. */
export function zoneOf(protocol: Protocol, zoneId: string): ProtocolZone {
  const zone = Object.hasOwn(protocol.zones, zoneId) ? protocol.zones[zoneId] : undefined;
  if (!zone) {
    throw new IontoError(
      'ION_ERR_UNKNOWN_ZONE',
      `protocol ${protocol.id} has no zone "${zoneId}"; zones: ${Object.keys(protocol.zones).join(', ')}`,
      { zone: zoneId },
    );
  }
  return zone;
}

/** A mode of the protocol by id (own properties only), or an error listing the modes. */
export function modeOf(protocol: Protocol, modeId: string): ProtocolMode {
  const mode = Object.hasOwn(protocol.modes, modeId) ? protocol.modes[modeId] : undefined;
  if (!mode) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `protocol ${protocol.id} has no mode "${modeId}"; modes: ${Object.keys(protocol.modes).join(', ')}`,
      { field: 'mode' },
    );
  }
  return mode;
}

/**
 * Compile a protocol and the operator's choices into the engine's SessionPlan for a device. Choices outside the
 * protocol's ranges are refused with the limit named; nothing is clamped silently.
 */
export function compilePlan(protocol: Protocol, choices: PlanChoices, device: DeviceInfo): SessionPlan {
  const zoneId = choices.zone ?? protocol.default_zone;
  const zone = zoneOf(protocol, zoneId);
  const modeId = choices.mode ?? protocol.default_mode;
  const mode = modeOf(protocol, modeId);
  const where = `${protocol.id}/${zoneId}`;
  const polarity = polarityFor(protocol, choices.agentCharge);
  const current = within('current', 'mA', choices.current ?? zone.current_mA.value, zone.current_mA, where);
  // A timed zone runs current × minutes; a dosed zone runs its charge at the current, which sets the time.
  let dose: number;
  let minutes: number;
  if (zone.dose_mAmin) {
    if (choices.minutes !== undefined && choices.dose === undefined) {
      if (!zone.duration_min) {
        throw new IontoError(
          'ION_ERR_OUT_OF_RANGE',
          `${where} is dosed in mA·min (${zone.dose_mAmin.min}–${zone.dose_mAmin.max}); choose a dose, not minutes`,
          { field: 'minutes' },
        );
      }
      minutes = within('duration', 'min', choices.minutes, zone.duration_min, where);
      dose = within('dose', 'mA·min', current * minutes, zone.dose_mAmin, where);
    } else {
      dose = within('dose', 'mA·min', choices.dose ?? zone.dose_mAmin.value, zone.dose_mAmin, where);
      minutes = dose / current;
      if (choices.minutes !== undefined) {
        throw new IontoError('ION_ERR_OUT_OF_RANGE', `${where}: choose a dose or minutes, not both`, {
          field: 'minutes',
        });
      }
    }
  } else {
    if (choices.dose !== undefined) {
      throw new IontoError(
        'ION_ERR_OUT_OF_RANGE',
        `${where} is timed (${zone.duration_min!.min}–${zone.duration_min!.max} min); choose minutes, not a dose`,
        { field: 'dose' },
      );
    }
    minutes = within('duration', 'min', choices.minutes ?? zone.duration_min!.value, zone.duration_min!, where);
    dose = current * minutes;
  }
  const waveform = waveformOf(mode);
  const duty = waveform.kind === 'dc' ? 1 : waveform.duty;
  if (current / duty > device.maxCurrent) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `current ${current} mA${duty < 1 ? ` at duty ${duty} needs ${(current / duty).toFixed(1)} mA pulses, which` : ''} exceeds the device maximum ${device.maxCurrent} mA`,
      { field: 'current', max: device.maxCurrent * duty },
    );
  }
  const duration = minutes * 60;
  const reversal =
    protocol.reversal.kind === 'none'
      ? ({ kind: 'none' } as const)
      : protocol.reversal.kind === 'half-time'
        ? ({ kind: 'half-time' } as const)
        : ({ kind: 'at', times: protocol.reversal.times_s as Second[] } as const);
  return {
    protocolId: protocol.id,
    zone: zoneId,
    area: zone.area_cm2.value as SquareCm,
    target: current as MilliAmp,
    maxCurrent: zone.current_mA.max as MilliAmp,
    maxDensity: zone.max_density_mA_per_cm2.value as MilliAmpPerSqCm,
    duration: duration as Second,
    dose: dose as MilliAmpMinute,
    endOn: protocol.end_on,
    durationCap: (duration * zone.duration_cap_factor.value) as Second,
    polarity,
    waveform,
    rampUp: zone.ramp_up_mA_per_s.value as MilliAmpPerSecond,
    rampUpAfterReversal: zone.ramp_up_after_reversal_mA_per_s.value as MilliAmpPerSecond,
    rampDown: zone.ramp_down_mA_per_s.value as MilliAmpPerSecond,
    reversal,
    deadTime: protocol.dead_time_s.value as Second,
    comfortDidt: zone.comfort_didt_mA_per_s.value as MilliAmpPerSecond,
    probeCurrent: zone.probe_mA.value as MilliAmp,
    shortBelow: zone.short_below_ohm.value as Ohm,
    openAbove: zone.open_above_ohm.value as Ohm,
    contactDebounce: protocol.contact_debounce_s.value as Second,
    contactTimeout: protocol.contact_timeout_s.value as Second,
    pauseTimeout: protocol.pause_timeout_s.value as Second,
    controlPeriod: device.samplePeriod,
    lease: Math.max(device.samplePeriod * LEASE_PERIODS, MIN_LEASE_MS) as Millisecond,
  };
}
