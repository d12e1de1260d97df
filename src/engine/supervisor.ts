import type { DeviceCommand, DeviceInfo, Polarity, Telemetry } from '../device/device.js';
import { dutyOf } from '../device/device.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { MilliAmp, MilliAmpMinute, Millisecond } from '../units/quantities.js';
import { currentForRemainingCharge, unseenLinkCharge } from './dose.js';
import type { SessionEvent } from './events.js';
import { NO_EVENTS } from './events.js';
import { MEASURABLE_CURRENT, readCircuit } from './load-reading.js';
import type { SessionPlan } from './session-plan.js';
import type { LinkInput, SupervisorVerdict } from './session-machine.js';

/**
 * Limits of the supervisor that do not come from the plan. The hard limit sits below the device's 35 mA hardware
 * trip [H1] at the R.A. Fischer maximum of 30 mA [F4] (devices.md §1.1); the rest are design values of this
 * supervisor, named so that they can be reviewed and tested.
 */
export interface SupervisorLimits {
  /** Absolute software ceiling on the pulse current, whatever the plan or device say. */
  readonly hardLimit: MilliAmp;
  /** A sample older than this (or no sample for this long) is a fault. */
  readonly staleAfter: Millisecond;
  /** Measured vs commanded tolerance: |I − I_cmd| ≤ abs + rel × I_cmd (covers a ±2 % DAC and noise). */
  readonly mismatchAbs: MilliAmp;
  readonly mismatchRel: number;
  /** How long a mismatch may last before it is a fault. */
  readonly mismatchTime: Millisecond;
  /** Identical current readings in a row, while current flows, that mean a frozen sensor. */
  readonly stuckSamples: number;
  /** Overcurrent tolerance above the active limit: abs + rel × limit. */
  readonly overAbs: MilliAmp;
  readonly overRel: number;
  /** Dose envelope: the supervisor lets the delivered charge exceed the prescription by at most this fraction. */
  readonly dosePlay: number;
}

export const DEFAULT_LIMITS: SupervisorLimits = {
  hardLimit: 30 as MilliAmp,
  staleAfter: 100 as Millisecond,
  mismatchAbs: 0.2 as MilliAmp,
  mismatchRel: 0.04,
  mismatchTime: 500 as Millisecond,
  stuckSamples: 50,
  overAbs: 0.2 as MilliAmp,
  overRel: 0.03,
  dosePlay: 0.005,
};

export interface SupervisorConfig {
  readonly plan: SessionPlan;
  readonly device: DeviceInfo;
  readonly limits: SupervisorLimits;
}

/** Caps the supervisor applies; each one that starts to bind is reported once. */
const CAPS = [
  'ION_ERR_MAX_CURRENT',
  'ION_ERR_DENSITY_LIMIT',
  'ION_ERR_DIDT',
  'ION_ERR_COMPLIANCE',
  'ION_ERR_OPEN_CIRCUIT',
  'ION_ERR_DOSE_REACHED',
  'ION_ERR_DURATION_CAP',
  'ION_ERR_POLARITY_UNDER_CURRENT',
] as const;
type Cap = (typeof CAPS)[number];
/** A cap that binds again within this long (ms) of last binding is the same episode: not reported again. */
const CAP_NOTE_INTERVAL = 10_000;
const BITS = new Map(CAPS.map((c, i) => [c, 1 << i]));
const bit = (c: Cap): number => BITS.get(c)!;

export interface SupervisorState {
  readonly fault: ErrorCode | null;
  readonly startedAt: number;
  readonly lastCommandAt: number;
  /** Set point and polarity of the last command let through, and the active limit it was held under. */
  readonly lastFinal: number;
  readonly lastPolarity: Polarity;
  readonly lastEnabled: boolean;
  readonly limit: number;
  readonly limitBefore: number;
  readonly lastSampleSeq: number;
  readonly lastFreshAt: number;
  readonly lastRaw: number;
  readonly stuckCount: number;
  readonly zeroCount: number;
  readonly wrongSignCount: number;
  readonly openCount: number;
  readonly shortCount: number;
  readonly mismatchSince: number;
  /** Charge from the measured current (mA·ms) and time with treatment current flowing (ms). */
  readonly deliveredMAms: number;
  readonly treatingMs: number;
  /** Reference load (Ω) and the contact fraction estimated from it. */
  readonly zRef: number;
  readonly areaFraction: number;
  readonly binding: number;
  /** When each cap last bound (ms), so a cap flickering at its edge is reported once per episode. */
  readonly capBoundAt: readonly number[];
  readonly doseReached: boolean;
  readonly durationCapReached: boolean;
  /** When the device link went down (ms), -1 while it is up. */
  readonly linkDownSince: number;
  /**
   * Seq of the first command let through after the link came back: until a sample acknowledges a later one, the
   * lease-expired flag describes the gap (the lease lapsed while nothing could be sent), not a failure to renew.
   */
  readonly leaseFlagFrom: number;
}

type MutableSupervisorState = { -readonly [K in keyof SupervisorState]: SupervisorState[K] };

/**
 * Field-by-field copy. Every state object is built by this one literal, so all of them share one hidden class and
 * the control step stays monomorphic (an object spread of this many fields costs about a microsecond).
 */
function copySupervisorState(p: SupervisorState): MutableSupervisorState {
  return {
    fault: p.fault,
    startedAt: p.startedAt,
    lastCommandAt: p.lastCommandAt,
    lastFinal: p.lastFinal,
    lastPolarity: p.lastPolarity,
    lastEnabled: p.lastEnabled,
    limit: p.limit,
    limitBefore: p.limitBefore,
    lastSampleSeq: p.lastSampleSeq,
    lastFreshAt: p.lastFreshAt,
    lastRaw: p.lastRaw,
    stuckCount: p.stuckCount,
    zeroCount: p.zeroCount,
    wrongSignCount: p.wrongSignCount,
    openCount: p.openCount,
    shortCount: p.shortCount,
    mismatchSince: p.mismatchSince,
    deliveredMAms: p.deliveredMAms,
    treatingMs: p.treatingMs,
    zRef: p.zRef,
    areaFraction: p.areaFraction,
    binding: p.binding,
    capBoundAt: p.capBoundAt,
    doseReached: p.doseReached,
    durationCapReached: p.durationCapReached,
    linkDownSince: p.linkDownSince,
    leaseFlagFrom: p.leaseFlagFrom,
  };
}

export interface SuperviseResult {
  readonly state: SupervisorState;
  /** The command to send: never more current than the engine asked for. */
  readonly command: DeviceCommand;
  readonly events: readonly SessionEvent[];
  readonly verdict: SupervisorVerdict;
  /** The active limit this command was held under (mA, average). */
  readonly limit: MilliAmp;
}

export function startSupervisor(cfg: SupervisorConfig, now: Millisecond): SupervisorState {
  return copySupervisorState({
    fault: null,
    startedAt: now,
    lastCommandAt: now,
    lastFinal: 0,
    lastPolarity: cfg.plan.polarity,
    lastEnabled: false,
    limit: cfg.plan.probeCurrent,
    limitBefore: cfg.plan.probeCurrent,
    lastSampleSeq: -1,
    lastFreshAt: now,
    lastRaw: NaN,
    stuckCount: 0,
    zeroCount: 0,
    wrongSignCount: 0,
    openCount: 0,
    shortCount: 0,
    mismatchSince: -1,
    deliveredMAms: 0,
    treatingMs: 0,
    zRef: NaN,
    areaFraction: 1,
    binding: 0,
    capBoundAt: CAPS.map(() => -Infinity),
    doseReached: false,
    durationCapReached: false,
    linkDownSince: -1,
    leaseFlagFrom: -1,
  });
}

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** Beyond the plan's pause limit, how long a lost link may last before the supervisor latches a fault (ms). */
const LINK_GRACE_MS = 10_000;

/** One period with the device link down: output off, nothing read, the unseen lease run-out counted. */
function linkDown(
  cfg: SupervisorConfig,
  prev: SupervisorState,
  s: MutableSupervisorState,
  wanted: DeviceCommand,
  now: Millisecond,
): SuperviseResult {
  const { plan, device } = cfg;
  let events: SessionEvent[] | null = null;
  if (prev.linkDownSince < 0) {
    s.linkDownSince = now;
    // Unseen (dose.ts: unseenLinkCharge), at the larger of the last command let through and the last reading.
    const i = prev.lastEnabled
      ? Math.max(prev.lastFinal, Number.isFinite(prev.lastRaw) ? Math.abs(prev.lastRaw) : 0)
      : 0;
    s.deliveredMAms += unseenLinkCharge(i, now - prev.lastFreshAt + plan.lease, device.leaseRamp);
  }
  if (s.fault === null && now - s.linkDownSince > plan.pauseTimeout * 1000 + LINK_GRACE_MS) {
    s.fault = 'ION_ERR_DEVICE_LINK';
    events = [
      {
        t: (now - prev.startedAt) as Millisecond,
        code: 'ION_ERR_DEVICE_LINK',
        message: `device link lost for ${Math.round((now - s.linkDownSince) / 1000)} s: output off`,
        source: 'supervisor',
      },
    ];
  }
  // Silence while the link is down is expected; the staleness clock restarts when it comes back.
  s.lastFreshAt = now;
  s.lastSampleSeq = -1;
  s.zeroCount = 0;
  s.mismatchSince = -1;
  s.openCount = 0;
  s.shortCount = 0;
  s.wrongSignCount = 0;
  s.stuckCount = 0;
  s.lastRaw = NaN;
  s.lastFinal = 0;
  s.lastEnabled = false;
  s.lastCommandAt = now;
  s.limitBefore = prev.limit;
  s.limit = 0;
  return {
    state: s,
    command: { ...wanted, setpoint: 0 as MilliAmp, outputEnabled: false, polarity: prev.lastPolarity },
    events: events ?? NO_EVENTS,
    verdict: { fault: s.fault, doseReached: s.doseReached, durationCapReached: s.durationCapReached },
    limit: 0 as MilliAmp,
  };
}

/**
 * Check one control period: the newest telemetry (if any) and the command the engine wants to send. Returns the
 * command to send, which is the engine's with its current lowered to the smallest active cap, or the output
 * switched off on a latched fault. The supervisor never raises a current and never changes a polarity under
 * current.
 *
 * `link` is the device driver's word on its link (not the engine's): while it is 'down' the command is zero with
 * the output off whatever the engine asks, the charge of the lease run-out is counted as delivered (an upper
 * bound), and silence is not a staleness fault, because nothing reaches the device and its lease has taken the
 * output to zero. A link down for longer than the plan's pause limit plus `linkGrace` is a fault.
 */
export function supervise(
  cfg: SupervisorConfig,
  prev: SupervisorState,
  tel: Telemetry | undefined,
  wanted: DeviceCommand,
  now: Millisecond,
  link: LinkInput = 'up',
): SuperviseResult {
  const { plan, device, limits } = cfg;
  const s = copySupervisorState(prev);
  if (link === 'down') return linkDown(cfg, prev, s, wanted, now);
  if (prev.linkDownSince >= 0) {
    s.linkDownSince = -1;
    s.leaseFlagFrom = wanted.seq;
  }
  const t = (now - prev.startedAt) as Millisecond;
  let events: SessionEvent[] | null = null;
  const emit = (code: ErrorCode, message: string): void => {
    (events ??= []).push({ t, code, message, source: 'supervisor' });
  };
  const trip = (code: ErrorCode, message: string): void => {
    if (s.fault === null) {
      s.fault = code;
      emit(code, message);
    }
  };
  const duty = dutyOf(wanted.waveform);
  const dtS = Math.max(now - prev.lastCommandAt, device.samplePeriod) / 1000;

  // 1. Telemetry checks.
  const fresh = tel !== undefined && tel.seq > prev.lastSampleSeq;
  let measured = 0;
  let overCompliance = false;
  let open = false;
  if (fresh) {
    s.lastFreshAt = now;
    s.lastSampleSeq = tel.seq;
    measured = Math.abs(tel.current);
    const windows = prev.lastSampleSeq < 0 ? 1 : Math.min(tel.seq - prev.lastSampleSeq, 5);
    s.deliveredMAms += measured * windows * device.samplePeriod;
    // Treatment time: a command above the probe with current flowing (not the probe itself, not an open circuit).
    if (prev.lastFinal > plan.probeCurrent * 1.05 && measured >= MEASURABLE_CURRENT) {
      s.treatingMs += windows * device.samplePeriod;
    }

    if (now - tel.t > limits.staleAfter) {
      trip('ION_ERR_STALE_TELEMETRY', `telemetry ${now - tel.t} ms old (limit ${limits.staleAfter} ms): output off`);
    }
    if (tel.flags.tripped) trip('ION_ERR_HW_TRIP', `device hardware trip at ≥ ${device.hardTrip} mA: output off`);
    if (tel.flags.leaseExpired && tel.ackSeq > s.leaseFlagFrom) {
      trip('ION_ERR_LEASE_EXPIRED', 'device lease expired: the host stopped renewing its command; output off');
    }
    const peak = Math.abs(tel.peakCurrent);
    // The same tolerance as the overcurrent check (a ±2 % DAC and the sensor), so a command held at the hard limit
    // does not trip on calibration alone; 31.1 mA stays well below the device's 35 mA hardware trip [H1].
    if (peak > limits.hardLimit * (1 + limits.overRel) + limits.overAbs) {
      trip('ION_ERR_HARD_LIMIT', `${fmt(peak)} mA measured, above the hard limit ${limits.hardLimit} mA: output off`);
    }
    const allowedPeak = Math.max(prev.limit, prev.limitBefore) / duty;
    if (peak > allowedPeak * (1 + limits.overRel) + limits.overAbs) {
      trip(
        'ION_ERR_OVERCURRENT',
        `${fmt(peak)} mA measured against an active limit of ${fmt(allowedPeak)} mA: output off`,
      );
    }
    if (Math.abs(tel.voltage) > device.compliance * 1.05 + 0.5) {
      trip(
        'ION_ERR_VOLTAGE_LIMIT',
        `${fmt(Math.abs(tel.voltage), 1)} V measured, above the ${device.compliance} V compliance: output off`,
      );
    }
    const r = readCircuit(tel, prev.lastFinal as MilliAmp, plan.shortBelow, plan.openAbove);
    s.shortCount = r.reading === 'short' ? prev.shortCount + 1 : 0;
    if (s.shortCount >= 3) {
      trip('ION_ERR_SHORT_CIRCUIT', `load ${fmt(r.load, 0)} Ω below the short-circuit threshold ${plan.shortBelow} Ω`);
    }
    s.openCount = r.reading === 'open' ? prev.openCount + 1 : 0;
    open = s.openCount >= 2;
    // Contact fraction from the load: skin resistance scales as 1 / area, so area ≈ Z_ref / Z. Z_ref follows a
    // falling load at once and a rising one slowly (1 %/s), because skin resistance also drifts on its own.
    if (r.reading === 'closed' && measured >= 0.5) {
      const z = r.load;
      s.zRef = Number.isNaN(prev.zRef) || z < prev.zRef ? z : Math.min(z, prev.zRef * (1 + 0.01 * dtS));
      s.areaFraction = Math.min(1, s.zRef / z);
    }
    // Polarity: the measured sign must match the polarity in force.
    const expectSign = prev.lastPolarity === '+' ? 1 : -1;
    if (measured >= Math.max(0.3, 0.2 * prev.lastFinal) && Math.sign(tel.current) !== expectSign) {
      s.wrongSignCount = prev.wrongSignCount + 1;
      if (s.wrongSignCount >= 3) {
        trip(
          'ION_ERR_POLARITY_MISMATCH',
          `current flows with electrode A as ${tel.current > 0 ? 'anode' : 'cathode'}, commanded ${prev.lastPolarity === '+' ? 'anode' : 'cathode'}: output off`,
        );
      }
    } else {
      s.wrongSignCount = 0;
    }
    // Enact and verify: the measured current must follow the command in force during the sample.
    overCompliance = tel.flags.compliance;
    const expected = prev.lastEnabled ? prev.lastFinal : 0;
    const tol = limits.mismatchAbs + limits.mismatchRel * expected;
    const off = measured - expected;
    const mismatch = off > tol || (off < -tol && !overCompliance);
    if (mismatch && expected === 0) {
      s.zeroCount = prev.zeroCount + 1;
      if (s.zeroCount >= 3) {
        trip(
          prev.lastEnabled ? 'ION_ERR_MISMATCH' : 'ION_ERR_SENSOR_IMPLAUSIBLE',
          prev.lastEnabled
            ? `${fmt(measured)} mA flows with 0 mA commanded: output off`
            : `${fmt(measured)} mA read with the output switched off: current sensor implausible`,
        );
      }
    } else {
      s.zeroCount = 0;
    }
    if (mismatch && expected > 0) {
      if (prev.mismatchSince < 0) s.mismatchSince = now;
      else if (now - prev.mismatchSince >= limits.mismatchTime) {
        trip(
          'ION_ERR_MISMATCH',
          `measured ${fmt(measured)} mA vs commanded ${fmt(expected)} mA for ${now - prev.mismatchSince} ms (tolerance ${fmt(tol)} mA): output off`,
        );
      }
    } else {
      s.mismatchSince = -1;
    }
    // A frozen sensor repeats itself exactly; a live one never does for long while current flows.
    if (measured >= 2 * MEASURABLE_CURRENT && tel.current === prev.lastRaw && prev.lastEnabled) {
      s.stuckCount = prev.stuckCount + 1;
      if (s.stuckCount >= limits.stuckSamples) {
        trip(
          'ION_ERR_SENSOR_IMPLAUSIBLE',
          `current reading frozen at ${fmt(measured, 3)} mA for ${s.stuckCount} samples: output off`,
        );
      }
    } else {
      s.stuckCount = 0;
    }
    s.lastRaw = tel.current;
  } else if (now - prev.lastFreshAt > limits.staleAfter) {
    trip(
      'ION_ERR_STALE_TELEMETRY',
      `no telemetry for ${now - prev.lastFreshAt} ms (limit ${limits.staleAfter} ms): output off`,
    );
  }

  // 2. A latched fault switches the output off, whatever the engine wants.
  if (s.fault !== null) {
    const command: DeviceCommand = {
      ...wanted,
      setpoint: 0 as MilliAmp,
      outputEnabled: false,
      polarity: prev.lastPolarity,
    };
    s.lastFinal = 0;
    s.lastEnabled = false;
    s.lastCommandAt = now;
    s.limitBefore = prev.limit;
    s.limit = 0;
    return {
      state: s,
      command,
      events: events ?? NO_EVENTS,
      verdict: { fault: s.fault, doseReached: s.doseReached, durationCapReached: s.durationCapReached },
      limit: 0 as MilliAmp,
    };
  }

  // 3. Caps on the current; the smallest wins.
  let binding = 0;
  let boundNow = 0;
  let limit = Infinity;
  let setpoint: number = wanted.setpoint;
  const cap = (c: Cap, value: number, why: () => string): void => {
    if (value < limit) limit = value;
    if (setpoint > value + 1e-9) {
      setpoint = Math.max(0, value);
      binding |= bit(c);
      // Reported when it starts to bind after having been free for CAP_NOTE_INTERVAL: one report per episode.
      const k = CAPS.indexOf(c);
      if ((prev.binding & bit(c)) === 0 && now - prev.capBoundAt[k]! >= CAP_NOTE_INTERVAL) emit(c, why());
      boundNow |= bit(c);
    }
  };
  const maximum = Math.min(limits.hardLimit * duty, device.maxCurrent * duty, plan.maxCurrent);
  cap(
    'ION_ERR_MAX_CURRENT',
    maximum,
    () =>
      `held at ${fmt(maximum)} mA: the smallest of the hard limit ${limits.hardLimit} mA, the device maximum ${device.maxCurrent} mA${duty < 1 ? ` (pulses at duty ${duty})` : ''} and the protocol maximum ${plan.maxCurrent} mA`,
  );
  const densityCap = plan.maxDensity * plan.area * s.areaFraction;
  cap(
    'ION_ERR_DENSITY_LIMIT',
    densityCap,
    () =>
      `contact about ${Math.round(s.areaFraction * 100)} % of ${plan.area} cm²: current held at ${fmt(densityCap)} mA (${plan.maxDensity} mA/cm²)`,
  );
  // The comfort limit bounds how fast the command rises; it is a rate, not a level, so it does not count in the
  // active limit that the measured current is checked against.
  const levelLimit = limit;
  const rise = prev.lastFinal + plan.comfortDidt * dtS * 1.0001 + 1e-9;
  cap('ION_ERR_DIDT', rise, () => `rise limited to ${plan.comfortDidt} mA/s (comfort limit)`);
  limit = levelLimit;
  if (overCompliance) {
    const reach = measured + plan.comfortDidt * dtS;
    cap(
      'ION_ERR_COMPLIANCE',
      reach,
      () => `at the ${device.compliance} V compliance: held near the ${fmt(measured)} mA that flows`,
    );
  }
  if (open) {
    cap('ION_ERR_OPEN_CIRCUIT', plan.probeCurrent, () => `open circuit: held at the ${plan.probeCurrent} mA probe`);
  }
  const remaining = plan.dose * (1 + limits.dosePlay) - s.deliveredMAms / 60_000;
  const doseCap = currentForRemainingCharge(remaining as MilliAmpMinute, plan.rampDown);
  cap(
    'ION_ERR_DOSE_REACHED',
    doseCap,
    () => `dose ${fmt(s.deliveredMAms / 60_000)} of ${plan.dose} mA·min: ramping down`,
  );
  if ((binding & bit('ION_ERR_DOSE_REACHED')) !== 0) s.doseReached = true;
  if (s.treatingMs >= plan.durationCap * 1000) {
    s.durationCapReached = true;
    cap(
      'ION_ERR_DURATION_CAP',
      Math.max(0, prev.lastFinal - plan.rampDown * dtS),
      () => `treatment time cap ${plan.durationCap} s reached: ramping down`,
    );
  }
  // Never switch polarity with current flowing (the open-source builds' defect, devices.md §2).
  let polarity = wanted.polarity;
  if (polarity !== prev.lastPolarity && (measured > 0.2 || prev.lastFinal > 0.2)) {
    polarity = prev.lastPolarity;
    cap('ION_ERR_POLARITY_UNDER_CURRENT', 0, () => 'polarity change refused while current flows: output to zero first');
  }

  const command: DeviceCommand =
    setpoint === wanted.setpoint && polarity === wanted.polarity
      ? wanted
      : { ...wanted, setpoint: setpoint as MilliAmp, polarity };
  s.binding = binding;
  // Copy on write: a new array only in the periods where some cap binds.
  if (boundNow !== 0) s.capBoundAt = prev.capBoundAt.map((x, j) => ((boundNow & (1 << j)) !== 0 ? now : x));
  s.lastFinal = command.setpoint;
  s.lastEnabled = command.outputEnabled;
  s.lastPolarity = command.polarity;
  s.lastCommandAt = now;
  s.limitBefore = prev.limit;
  s.limit = limit;
  return {
    state: s,
    command,
    events: events ?? NO_EVENTS,
    verdict: { fault: null, doseReached: s.doseReached, durationCapReached: s.durationCapReached },
    limit: limit as MilliAmp,
  };
}
