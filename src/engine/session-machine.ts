import type { DeviceCommand, DeviceInfo, Polarity, Telemetry } from '../device/device.js';
import { dutyOf } from '../device/device.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { MilliAmp, MilliAmpMinute, Millisecond } from '../units/quantities.js';
import { rampDownCharge, unseenLinkCharge } from './dose.js';
import type { SessionEvent } from './events.js';
import { NO_EVENTS } from './events.js';
import { measuredCurrent, readCircuit } from './load-reading.js';
import { validatePlan } from './plan-checks.js';
import type { SessionPlan } from './session-plan.js';

export type Phase =
  | 'precheck'
  | 'await-contact'
  | 'ramp-up'
  | 'treat'
  | 'reversal'
  | 'pause'
  | 'ramp-down'
  | 'complete'
  | 'aborted'
  | 'fault';

export type SessionStatus = 'running' | 'completed' | 'aborted' | 'fault';

export type OperatorCommand = 'pause' | 'resume' | 'abort';

/** What the supervisor concluded from the previous control period; the engine acts on it. */
export interface SupervisorVerdict {
  /** Latched supervisor fault, if any: the engine latches too. */
  readonly fault: ErrorCode | null;
  /** The supervisor's dose envelope is closing: ramp down now. */
  readonly doseReached: boolean;
  /** The supervisor's duration cap is reached: ramp down now. */
  readonly durationCapReached: boolean;
}

export interface StepInput {
  /** Newest telemetry sample, if one arrived since the last step. */
  readonly telemetry?: Telemetry | undefined;
  readonly operator?: OperatorCommand | undefined;
  readonly verdict?: SupervisorVerdict | undefined;
  /**
   * The link to the device, for devices that can lose it (serial): 'down' while it is lost or not yet re-armed.
   * Absent means up (a simulated device).
   */
  readonly link?: LinkInput | undefined;
}

/** What the runner tells the engine and the supervisor about the device link in one period. */
export type LinkInput = 'up' | 'down';

/** Static inputs of one session: the plan and the device it runs on. */
export interface EngineConfig {
  readonly plan: SessionPlan;
  readonly device: DeviceInfo;
}

type ReversalStage = 'down' | 'dead' | 'up';

/** The whole state of a session. Plain data: step() returns a new one and never changes the old. */
export interface EngineState {
  readonly phase: Phase;
  /** How a ramp-down will end. */
  readonly ending: 'completed' | 'aborted';
  readonly startedAt: number;
  readonly phaseSince: number;
  readonly lastStepAt: number;
  /** Ramp reference: the average current the engine is steering to (mA). */
  readonly reference: number;
  /** Reference of the previous step: the sample that arrives now was produced under it. */
  readonly lastReference: number;
  /** Regulator gain correction applied to the reference (corrects the device's DAC gain and offset). */
  readonly gain: number;
  /** Last commanded average current (mA). */
  readonly command: number;
  readonly outputEnabled: boolean;
  readonly polarity: Polarity;
  readonly seq: number;
  /** Timer: treatment time with current flowing (ms). Stops in pause and dead time. */
  readonly treatedMs: number;
  /** Charge integrated from the measured current (mA·ms). */
  readonly deliveredMAms: number;
  /** Charge with electrode A as anode (mA·ms). */
  readonly anodalMAms: number;
  readonly lastSampleSeq: number;
  /** When the last fresh sample was read (ms). */
  readonly lastFreshAt: number;
  readonly lastMeasured: number;
  /** Last load reading, Ω (NaN when unknown). */
  readonly load: number;
  readonly closedSince: number;
  readonly openSamples: number;
  readonly shortSamples: number;
  /** When the compliance limit last held the current (ms), so an episode is reported once, not every sample. */
  readonly complianceNotedAt: number;
  readonly rampSlope: number;
  readonly reversals: number;
  readonly nextReversal: number;
  readonly reversalStage: ReversalStage | null;
  readonly stageSince: number;
  readonly pendingSwitch: boolean;
  readonly pauseReason: 'contact' | 'operator' | 'link' | null;
  /** When the device link was lost (ms), -1 while it is up: no command goes out, the device's lease ends the output. */
  readonly linkLostAt: number;
  readonly pausedAt: number;
  readonly pauses: number;
  readonly resumeRequested: boolean;
  readonly inCompliance: boolean;
  readonly fault: ErrorCode | null;
}

type MutableState = { -readonly [K in keyof EngineState]: EngineState[K] };

/**
 * Field-by-field copy. Every state object is built by this one literal, so all of them share one hidden class and
 * the control step stays monomorphic (an object spread of this many fields costs about a microsecond).
 */
function copyState(p: EngineState): MutableState {
  return {
    phase: p.phase,
    ending: p.ending,
    startedAt: p.startedAt,
    phaseSince: p.phaseSince,
    lastStepAt: p.lastStepAt,
    reference: p.reference,
    lastReference: p.lastReference,
    gain: p.gain,
    command: p.command,
    outputEnabled: p.outputEnabled,
    polarity: p.polarity,
    seq: p.seq,
    treatedMs: p.treatedMs,
    deliveredMAms: p.deliveredMAms,
    anodalMAms: p.anodalMAms,
    lastSampleSeq: p.lastSampleSeq,
    lastFreshAt: p.lastFreshAt,
    lastMeasured: p.lastMeasured,
    load: p.load,
    closedSince: p.closedSince,
    openSamples: p.openSamples,
    shortSamples: p.shortSamples,
    complianceNotedAt: p.complianceNotedAt,
    rampSlope: p.rampSlope,
    reversals: p.reversals,
    nextReversal: p.nextReversal,
    reversalStage: p.reversalStage,
    stageSince: p.stageSince,
    pendingSwitch: p.pendingSwitch,
    pauseReason: p.pauseReason,
    linkLostAt: p.linkLostAt,
    pausedAt: p.pausedAt,
    pauses: p.pauses,
    resumeRequested: p.resumeRequested,
    inCompliance: p.inCompliance,
    fault: p.fault,
  };
}

export interface StepResult {
  readonly state: EngineState;
  readonly command: DeviceCommand;
  readonly events: readonly SessionEvent[];
}

const TERMINAL: ReadonlySet<Phase> = new Set(['complete', 'aborted', 'fault']);
/** Phases in which the treatment timer runs (current is meant to flow). */
const TIMED: ReadonlySet<Phase> = new Set(['ramp-up', 'treat']);
/** Output considered off below this measured current (mA). */
const OFF_CURRENT = 0.1;
/** Regulator: fraction of the relative error corrected per sample, and the widest correction allowed. */
const REGULATOR_GAIN = 0.1;
const GAIN_RANGE = 0.08;
/** Below this reference (mA) the regulator holds its gain: a ±0.05 mA DAC offset would be over 10 % of it. */
const REGULATOR_FLOOR = 0.5;
/** Consecutive open readings before a pause, and short readings before a fault (filter single noisy samples). */
const OPEN_SAMPLES_TO_PAUSE = 2;
const SHORT_SAMPLES = 3;
/** A compliance episode is reported again only after this long (ms). */
const COMPLIANCE_NOTE_INTERVAL = 10_000;

export const isTerminal = (p: Phase): boolean => TERMINAL.has(p);

export const statusOf = (s: EngineState): SessionStatus =>
  s.phase === 'complete' ? 'completed' : s.phase === 'aborted' ? 'aborted' : s.phase === 'fault' ? 'fault' : 'running';

/** Effective target: the plan's, within every cap the plan itself states and the device can reach. */
export function effectiveTarget(cfg: EngineConfig): MilliAmp {
  const p = cfg.plan;
  return Math.min(
    p.target,
    p.maxCurrent,
    p.maxDensity * p.area,
    cfg.device.maxCurrent * dutyOf(p.waveform),
  ) as MilliAmp;
}

/** Where the first reversal falls, in the unit of progress the plan ends on (treated ms or delivered mA·ms). */
function reversalMark(cfg: EngineConfig, index: number): number {
  const p = cfg.plan;
  const r = p.reversal;
  if (r.kind === 'none') return Infinity;
  if (r.kind === 'half-time') {
    if (index > 0) return Infinity;
    return p.endOn === 'dose' ? (p.dose * 60_000) / 2 : (p.duration * 1000) / 2;
  }
  const at = r.times[index];
  return at === undefined ? Infinity : at * 1000;
}

/**
 * How much progress the ramp-down before a reversal still makes: the charge it delivers (dose-based reversal) or
 * half its duration (time-based, the same charge at full current). Starting the ramp this early splits the charge
 * evenly between the two polarities.
 */
function rampDownLead(cfg: EngineConfig, level: MilliAmp): number {
  const p = cfg.plan;
  if (p.reversal.kind === 'half-time' && p.endOn === 'dose') return rampDownCharge(level, p.rampDown) * 60_000;
  return (level / p.rampDown / 2) * 1000;
}

function progressFor(cfg: EngineConfig, s: EngineState): number {
  const r = cfg.plan.reversal;
  return r.kind === 'half-time' && cfg.plan.endOn === 'dose' ? s.deliveredMAms : s.treatedMs;
}

/** Start a session: validates the plan and begins the precheck with the probe current. */
export function startSession(cfg: EngineConfig, now: Millisecond): StepResult {
  validatePlan(cfg.plan, cfg.device);
  const p = cfg.plan;
  const state: EngineState = copyState({
    phase: 'precheck',
    ending: 'completed',
    startedAt: now,
    phaseSince: now,
    lastStepAt: now,
    reference: p.probeCurrent,
    lastReference: 0,
    gain: 1,
    command: Math.min(p.probeCurrent, p.comfortDidt * (cfg.device.samplePeriod / 1000)),
    outputEnabled: true,
    polarity: p.polarity,
    seq: 1,
    treatedMs: 0,
    deliveredMAms: 0,
    anodalMAms: 0,
    lastSampleSeq: -1,
    lastFreshAt: now,
    lastMeasured: 0,
    load: NaN,
    closedSince: -1,
    openSamples: 0,
    shortSamples: 0,
    complianceNotedAt: -Infinity,
    rampSlope: p.rampUp,
    reversals: 0,
    nextReversal: reversalMark(cfg, 0),
    reversalStage: null,
    stageSince: -1,
    pendingSwitch: false,
    pauseReason: null,
    linkLostAt: -1,
    pausedAt: -1,
    pauses: 0,
    resumeRequested: false,
    inCompliance: false,
    fault: null,
  });
  const ev: SessionEvent[] = [
    {
      t: 0 as Millisecond,
      code: 'ION_EVT_PRECHECK_OK',
      message: `precheck: probing the load with ${fmt(p.probeCurrent)} mA`,
      source: 'engine',
    },
  ];
  return { state, command: commandOf(cfg, state), events: ev };
}

function commandOf(cfg: EngineConfig, s: EngineState): DeviceCommand {
  return {
    setpoint: s.command as MilliAmp,
    lease: cfg.plan.lease,
    polarity: s.polarity,
    waveform: cfg.plan.waveform,
    outputEnabled: s.outputEnabled,
    seq: s.seq,
  };
}

const fmt = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const fmtOhm = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} Ω` : 'open');

/** Delivered charge in mA·min. */
export const deliveredOf = (s: EngineState): MilliAmpMinute => (s.deliveredMAms / 60_000) as MilliAmpMinute;

/**
 * One control period. Pure: the same state, input and time always give the same result; no clock, no I/O, no
 * randomness. The returned command still passes through the supervisor before it reaches the device.
 */
export function step(cfg: EngineConfig, prev: EngineState, input: StepInput, now: Millisecond): StepResult {
  if (TERMINAL.has(prev.phase)) {
    return { state: prev, command: commandOf(cfg, prev), events: NO_EVENTS };
  }
  const p = cfg.plan;
  const dt = Math.max(0, now - prev.lastStepAt) / 1000;
  const out = new EventCollector(now - prev.startedAt);
  const emit = out.emit;

  // Mutable working copy; the caller's state is never touched.
  const s = copyState(prev);
  s.lastStepAt = now;
  const enter = (phase: Phase): void => {
    s.phase = phase;
    s.phaseSince = now;
  };
  const target = effectiveTarget(cfg);

  // 1. Telemetry: dose from the measured current, and the circuit reading. Nothing is read while the device link
  // is down: a sample then cannot be trusted to describe the output now.
  const linkDown = input.link === 'down';
  const tel = linkDown ? undefined : input.telemetry;
  const fresh = tel !== undefined && tel.seq > prev.lastSampleSeq;
  let reading: ReturnType<typeof readCircuit>['reading'] = 'unknown';
  let measured = prev.lastMeasured;
  if (fresh) {
    measured = measuredCurrent(tel);
    const windows = prev.lastSampleSeq < 0 ? 1 : Math.min(tel.seq - prev.lastSampleSeq, 5);
    const q = measured * windows * cfg.device.samplePeriod;
    s.deliveredMAms += q;
    if (tel.current > 0) s.anodalMAms += q;
    s.lastSampleSeq = tel.seq;
    s.lastFreshAt = now;
    s.lastMeasured = measured;
    const r = readCircuit(tel, prev.command as MilliAmp, p.shortBelow, p.openAbove);
    reading = r.reading;
    s.load = r.load;
    s.openSamples = reading === 'open' ? prev.openSamples + 1 : 0;
    s.shortSamples = reading === 'short' ? prev.shortSamples + 1 : 0;
  }

  // 2. Latched faults: the supervisor's verdict and the device's hardware trip. The supervisor reports them (it
  // sees the same sample in the same period, with the reason); the engine only follows, so each is told once.
  const fault: ErrorCode | null =
    input.verdict?.fault ?? (fresh && tel.flags.tripped ? 'ION_ERR_HW_TRIP' : null) ?? null;
  if (fault !== null) return latchFault(cfg, s, now, out, fault, null);

  // 3. Operator commands.
  const op = input.operator;
  if (op === 'abort' && s.phase !== 'ramp-down') {
    if (measured < OFF_CURRENT && s.command < OFF_CURRENT) return finish(cfg, s, prev, now, 'aborted', out);
    s.ending = 'aborted';
    enter('ramp-down');
    emit('ION_EVT_ABORT', 'stopped by the operator: ramping down');
  } else if (op === 'abort' && s.phase === 'ramp-down') {
    s.ending = 'aborted';
  }
  if (op === 'pause' && (s.phase === 'ramp-up' || s.phase === 'treat' || s.phase === 'reversal')) {
    enterPause(s, p, 'operator', now, enter);
    emit('ION_EVT_PAUSE', 'paused by the operator: ramping down, timer stopped');
  }
  if (op === 'resume' && s.phase === 'pause') s.resumeRequested = true;

  // 3b. Device link. Lost: pause without a current step (nothing goes out; the device's lease ramps the output to
  // zero by itself), count the charge the lease run-out delivers unseen, and resume only after the link is back and
  // re-armed, from zero with the soft start, once contact is confirmed again.
  if (linkDown && prev.linkLostAt < 0) {
    s.linkLostAt = now;
    // At the larger of the last command and the last measured current (dose.ts: unseenLinkCharge).
    const unseen = prev.outputEnabled
      ? unseenLinkCharge(
          Math.max(prev.command, prev.lastMeasured),
          now - prev.lastFreshAt + cfg.plan.lease,
          cfg.device.leaseRamp,
        )
      : 0;
    s.deliveredMAms += unseen;
    if (prev.polarity === '+') s.anodalMAms += unseen;
    // The first sample after the gap counts one window, not the whole gap.
    s.lastSampleSeq = -1;
    const counted = unseen > 0 ? `; ${fmt(unseen / 60_000, 3)} mA·min estimated for the lease run-out counted` : '';
    if (s.phase === 'ramp-up' || s.phase === 'treat' || s.phase === 'reversal') {
      enterPause(s, p, 'link', now, enter);
      emit(
        'ION_EVT_PAUSE',
        `device link lost: paused, timer stopped; the device's lease takes the output to zero${counted}`,
      );
    } else if (s.phase !== 'ramp-down') {
      emit(
        'ION_EVT_PAUSE',
        `device link lost in ${s.phase}: output left to the device's lease, waiting for the link${counted}`,
      );
    }
  } else if (!linkDown && prev.linkLostAt >= 0) {
    s.linkLostAt = -1;
    emit(
      'ION_EVT_LINK_BACK',
      `device link back and re-armed after ${fmt((now - prev.linkLostAt) / 1000, 1)} s: output from zero${s.phase === 'pause' ? ', soft start once contact is confirmed' : ''}`,
    );
  }
  if (linkDown) {
    s.closedSince = -1;
    if (s.phase === 'precheck') s.stageSince = -1;
    if (s.phase !== 'ramp-down' && now - s.linkLostAt > p.pauseTimeout * 1000) {
      emit('ION_ERR_PAUSE_TIMEOUT', `device link lost for more than ${p.pauseTimeout} s: session ended`);
      s.ending = 'aborted';
      enter('ramp-down');
    }
  }

  // 4. Compliance: the device could not reach the command. Follow the reference down to what flows, so that a
  // falling load can never turn a waiting set point into a step of current.
  const compliance = fresh && tel.flags.compliance;
  if (compliance && (s.phase === 'ramp-up' || s.phase === 'treat' || s.phase === 'reversal')) {
    // One report per episode: an episode ends only after COMPLIANCE_NOTE_INTERVAL free of the compliance limit.
    if (!prev.inCompliance && now - prev.complianceNotedAt >= COMPLIANCE_NOTE_INTERVAL) {
      emit(
        'ION_ERR_COMPLIANCE',
        `set point ${fmt(s.reference)} mA unreachable at ${fmt(cfg.device.compliance, 0)} V (load ${fmtOhm(s.load)}); delivering ${fmt(measured)} mA`,
      );
    }
    s.inCompliance = true;
    s.complianceNotedAt = now;
    // Not below the probe: the probe keeps the load readable, so that an open circuit is seen as one.
    s.reference = Math.max(Math.min(s.reference, measured), Math.min(s.reference, p.probeCurrent));
  } else if (fresh && !compliance) {
    s.inCompliance = false;
  }

  // 5. Contact lost: pause without a current step.
  const contactLost = s.openSamples >= OPEN_SAMPLES_TO_PAUSE;
  if (contactLost && (s.phase === 'ramp-up' || s.phase === 'treat' || s.phase === 'reversal')) {
    enterPause(s, p, 'contact', now, enter);
    s.reference = Math.min(s.reference, measured);
    emit('ION_EVT_PAUSE', `contact lost (load ${fmtOhm(s.load)}): paused, timer stopped`);
  }

  // 6. Phase logic.
  switch (s.phase) {
    case 'precheck': {
      // The probe itself rises at the comfort limit; the load is read three samples after it is reached.
      s.reference = p.probeCurrent;
      if (prev.command >= p.probeCurrent - 1e-9 && s.stageSince < 0) s.stageSince = now;
      if (fresh && s.stageSince >= 0 && now - s.stageSince >= 3 * cfg.device.samplePeriod) {
        if (s.shortSamples >= SHORT_SAMPLES) {
          return latchFault(
            cfg,
            s,
            now,
            out,
            'ION_ERR_PRECHECK_LOAD',
            `load ${fmtOhm(s.load)} below ${p.shortBelow} Ω at precheck: short circuit`,
          );
        }
        emit(
          'ION_EVT_PRECHECK_OK',
          reading === 'closed'
            ? `load ${fmtOhm(s.load)} at ${fmt(measured)} mA probe`
            : 'no contact yet: waiting for the circuit to close',
        );
        enter('await-contact');
        s.closedSince = reading === 'closed' ? now : -1;
      }
      break;
    }
    case 'await-contact': {
      s.reference = p.probeCurrent;
      if (fresh) s.closedSince = reading === 'closed' ? (prev.closedSince >= 0 ? prev.closedSince : now) : -1;
      if (s.closedSince >= 0 && now - s.closedSince >= p.contactDebounce * 1000) {
        emit('ION_EVT_CONTACT', `circuit closed (load ${fmtOhm(s.load)}): soft start at ${fmt(p.rampUp)} mA/s`);
        enter('ramp-up');
        s.rampSlope = p.rampUp;
      } else if (now - s.phaseSince > p.contactTimeout * 1000) {
        emit('ION_ERR_CONTACT_TIMEOUT', `no contact within ${p.contactTimeout} s: session ended without treatment`);
        s.ending = 'aborted';
        enter('ramp-down');
      }
      break;
    }
    case 'ramp-up': {
      if (!s.inCompliance) s.reference = Math.min(target, s.reference + s.rampSlope * dt);
      if (s.reference >= target) {
        s.reference = target;
        enter('treat');
        emit('ION_EVT_TREAT', `target ${fmt(target)} mA reached`);
      }
      break;
    }
    case 'treat': {
      // Back to target after a compliance episode, on the soft-start slope.
      if (!s.inCompliance && s.reference < target) s.reference = Math.min(target, s.reference + p.rampUp * dt);
      if (s.reference > target) s.reference = target;
      break;
    }
    case 'reversal': {
      if (s.reversalStage === 'down') {
        s.reference = Math.max(0, s.reference - p.rampDown * dt);
        if (s.reference <= 0 && (!fresh || measured < OFF_CURRENT)) {
          s.reversalStage = 'dead';
          s.stageSince = now;
        }
      } else if (s.reversalStage === 'dead') {
        s.reference = 0;
        if (now - s.stageSince >= p.deadTime * 1000) {
          s.polarity = s.polarity === '+' ? '-' : '+';
          s.reversals += 1;
          s.nextReversal = reversalMark(cfg, s.reversals);
          s.reversalStage = 'up';
          s.stageSince = now;
          emit(
            'ION_EVT_REVERSAL',
            `polarity reversed: electrode A now ${s.polarity === '+' ? 'anode' : 'cathode'}; ramp-up at ${fmt(p.rampUpAfterReversal)} mA/s`,
          );
        }
      } else {
        if (!s.inCompliance) s.reference = Math.min(target, s.reference + p.rampUpAfterReversal * dt);
        if (s.reference >= target) {
          s.reference = target;
          s.reversalStage = null;
          enter('treat');
          emit('ION_EVT_TREAT', `target ${fmt(target)} mA reached after reversal`);
        }
      }
      break;
    }
    case 'pause': {
      const toward = s.pendingSwitch ? 0 : p.probeCurrent;
      if (s.reference > toward) s.reference = Math.max(toward, s.reference - p.rampDown * dt);
      else s.reference = toward;
      // A reversal cut short by the pause completes here, once the output has been off for the dead time.
      if (s.pendingSwitch && s.reference <= 0 && measured < OFF_CURRENT) {
        if (s.stageSince < 0) s.stageSince = now;
        if (now - s.stageSince >= p.deadTime * 1000) {
          s.polarity = s.polarity === '+' ? '-' : '+';
          s.reversals += 1;
          s.nextReversal = reversalMark(cfg, s.reversals);
          s.pendingSwitch = false;
          s.rampSlope = Math.min(p.rampUp, p.rampUpAfterReversal);
          emit(
            'ION_EVT_REVERSAL',
            `polarity reversed during the pause: electrode A now ${s.polarity === '+' ? 'anode' : 'cathode'}`,
          );
        }
      } else if (s.pendingSwitch) {
        s.stageSince = -1;
      }
      if (fresh) s.closedSince = reading === 'closed' ? (prev.closedSince >= 0 ? prev.closedSince : now) : -1;
      const mayResume = s.pauseReason === 'contact' || s.pauseReason === 'link' || s.resumeRequested;
      if (
        mayResume &&
        !linkDown &&
        !s.pendingSwitch &&
        s.closedSince >= 0 &&
        now - s.closedSince >= p.contactDebounce * 1000 &&
        s.reference <= p.probeCurrent
      ) {
        emit(
          'ION_EVT_RESUME',
          s.pauseReason === 'operator'
            ? `resumed by the operator (load ${fmtOhm(s.load)}): soft start`
            : s.pauseReason === 'link'
              ? `device re-armed, contact confirmed (load ${fmtOhm(s.load)}): resuming with a soft start`
              : `contact back (load ${fmtOhm(s.load)}): resuming with a soft start`,
        );
        s.pauseReason = null;
        s.resumeRequested = false;
        enter('ramp-up');
      } else if (now - s.pausedAt > p.pauseTimeout * 1000) {
        emit('ION_ERR_PAUSE_TIMEOUT', `paused for more than ${p.pauseTimeout} s: session ended`);
        s.ending = 'aborted';
        enter('ramp-down');
      }
      break;
    }
    case 'ramp-down': {
      s.reference = Math.max(0, s.reference - p.rampDown * dt);
      if (s.reference <= 0 && (measured < OFF_CURRENT || now - s.phaseSince > 5000)) {
        return finish(cfg, s, prev, now, s.ending, out);
      }
      break;
    }
  }

  // 7. Timer, end of treatment and reversal.
  // The timer ran over the last period if current was meant to flow in it: ramp-up, treat and the ramps of a
  // reversal; not the dead time, a pause or the final ramp-down.
  if (TIMED.has(prev.phase) || (prev.phase === 'reversal' && prev.reversalStage !== 'dead')) {
    s.treatedMs += now - prev.lastStepAt;
  }
  if (s.phase === 'ramp-up' || s.phase === 'treat' || s.phase === 'reversal') {
    const v = input.verdict;
    // Start the final ramp-down early by the charge it will still deliver, so the session ends on the dose.
    const level = Math.min(measured, s.reference) as MilliAmp;
    const doseDue = p.endOn === 'dose' && s.deliveredMAms / 60_000 + rampDownCharge(level, p.rampDown) >= p.dose;
    const timeDue = p.endOn === 'duration' && s.treatedMs >= p.duration * 1000;
    const capDue = s.treatedMs >= p.durationCap * 1000;
    if (doseDue || timeDue || capDue || v?.doseReached || v?.durationCapReached) {
      if (capDue && !doseDue && !timeDue) {
        emit('ION_ERR_DURATION_CAP', `treatment time cap ${p.durationCap} s reached before the dose: ending`);
      }
      emit(
        'ION_EVT_RAMP_DOWN',
        `${doseDue ? 'dose' : timeDue ? 'time' : 'cap'} reached (${fmt(s.deliveredMAms / 60_000)} mA·min): ramping down`,
      );
      s.ending = 'completed';
      s.reversalStage = null;
      enter('ramp-down');
      s.reference = Math.max(0, s.reference - p.rampDown * dt);
    } else if (
      // From ramp-up too: a patient held below target by the compliance voltage never reaches 'treat', and the
      // reversal must still split the session.
      (s.phase === 'treat' || s.phase === 'ramp-up') &&
      progressFor(cfg, s) + rampDownLead(cfg, level) >= s.nextReversal
    ) {
      enter('reversal');
      s.reversalStage = 'down';
      s.stageSince = now;
      emit('ION_EVT_REVERSAL', `reversal: ramping down at ${fmt(p.rampDown)} mA/s before switching polarity`);
    }
  }

  // 8. Regulator: correct the device's gain from the measured current (only at a steady, reachable reference).
  if (
    fresh &&
    !s.inCompliance &&
    // Engaged from near the bottom of the ramp, so the gain follows the device's error as the current rises
    // instead of correcting it in one lurch mid-ramp (which would steepen the soft start); not below
    // REGULATOR_FLOOR, where a DAC offset is a large share of the current and a gain fitted there misfits the rest.
    prev.lastReference >= REGULATOR_FLOOR &&
    (s.phase === 'treat' || s.phase === 'ramp-up' || s.phase === 'reversal') &&
    s.reversalStage !== 'dead'
  ) {
    // The sample was produced under the previous command, reference × gain; with measured ≈ G × command the
    // gain settles at 1 / G, where the measured current equals the reference.
    const err = (prev.lastReference - measured) / prev.lastReference;
    const g = prev.gain * (1 + REGULATOR_GAIN * err);
    s.gain = Math.min(1 + GAIN_RANGE, Math.max(1 - GAIN_RANGE, g));
  }

  // 9. The command: reference × gain, never stepping faster than the comfort limit (rising or falling), except
  // falling to what already flows (a command above the measured current changes nothing the patient feels).
  const wanted = Math.max(
    0,
    s.phase === 'pause' || s.phase === 'precheck' || s.phase === 'await-contact' ? s.reference : s.reference * s.gain,
  );
  const room = p.comfortDidt * Math.max(dt, cfg.device.samplePeriod / 1000);
  let cmd = wanted;
  if (cmd > prev.command + room) cmd = prev.command + room;
  const floor = Math.min(prev.command - room, measured + room);
  if (cmd < floor) cmd = Math.max(floor, 0);
  s.command = cmd;
  // The output switch is open through the dead time of a reversal: the relay moves with no current at all.
  s.outputEnabled = !(s.phase === 'reversal' && s.reversalStage === 'dead');
  if (linkDown) {
    // No current is asked for while the link is down: whatever reaches the device after the re-arm starts at zero.
    s.reference = 0;
    s.command = 0;
    s.outputEnabled = false;
  }
  s.lastReference = s.reference;
  s.seq = prev.seq + 1;
  return { state: s, command: commandOf(cfg, s), events: out.list() };
}

function enterPause(
  s: MutableState,
  plan: SessionPlan,
  reason: 'contact' | 'operator' | 'link',
  now: number,
  enter: (p: Phase) => void,
): void {
  if (s.phase === 'reversal' && (s.reversalStage === 'down' || s.reversalStage === 'dead')) s.pendingSwitch = true;
  s.reversalStage = null;
  s.pauseReason = reason;
  s.pausedAt = now;
  s.pauses += 1;
  s.closedSince = -1;
  s.resumeRequested = false;
  s.stageSince = -1;
  s.inCompliance = false;
  // Resume with the soft-start slope (or the gentler post-reversal slope if a reversal completes in the pause).
  s.rampSlope = plan.rampUp;
  enter('pause');
}

/** Latch a fault: output switched off and zero current, for good. */
function latchFault(
  cfg: EngineConfig,
  s: MutableState,
  now: number,
  out: EventCollector,
  code: ErrorCode,
  message: string | null,
): StepResult {
  s.fault = code;
  s.phase = 'fault';
  s.phaseSince = now;
  s.reference = 0;
  s.command = 0;
  s.outputEnabled = false;
  s.seq += 1;
  if (message !== null) out.emit(code, message);
  return { state: s, command: commandOf(cfg, s), events: out.list() };
}

function finish(
  cfg: EngineConfig,
  s: MutableState,
  prev: EngineState,
  now: number,
  how: 'completed' | 'aborted',
  out: EventCollector,
): StepResult {
  s.phase = how === 'completed' ? 'complete' : 'aborted';
  s.phaseSince = now;
  s.reference = 0;
  s.command = 0;
  s.outputEnabled = false;
  s.seq = prev.seq + 1;
  out.emit(
    how === 'completed' ? 'ION_EVT_COMPLETE' : 'ION_EVT_ABORT',
    `${how === 'completed' ? 'session complete' : 'session stopped'}: ${fmt(s.deliveredMAms / 60_000)} mA·min delivered in ${fmt(s.treatedMs / 1000, 0)} s of treatment`,
  );
  return { state: s, command: commandOf(cfg, s), events: out.list() };
}

/** Collects a step's events; allocates only when there is one. */
class EventCollector {
  private events: SessionEvent[] | null = null;
  constructor(private readonly t: number) {}
  readonly emit = (code: ErrorCode, message: string): void => {
    (this.events ??= []).push({ t: this.t as Millisecond, code, message, source: 'engine' });
  };
  list(): readonly SessionEvent[] {
    return this.events ?? NO_EVENTS;
  }
}
