import type { Polarity, Waveform } from '../device/device.js';
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

/** When to reverse polarity within a session. */
export type ReversalRule =
  | { readonly kind: 'none' }
  /** At half the treatment time (HIDREX connectION, The Fischer AUTO; devices.md §1.1). */
  | { readonly kind: 'half-time' }
  /** At these treatment times. */
  | { readonly kind: 'at'; readonly times: readonly Second[] };

/**
 * Everything the engine needs to run one session, compiled from a protocol and the patient's settings. Nothing
 * clinical is hard-coded in the engine: every number it acts on is here.
 */
export interface SessionPlan {
  readonly protocolId: string;
  readonly zone: string;
  /** Nominal contact area of the smaller electrode, used for density limits and mA·min/cm². */
  readonly area: SquareCm;
  /** Target average current during treatment. */
  readonly target: MilliAmp;
  /** Protocol maximum average current. */
  readonly maxCurrent: MilliAmp;
  /** Largest current density over the contact area. */
  readonly maxDensity: MilliAmpPerSqCm;
  /** Treatment time at target (the timer). */
  readonly duration: Second;
  /** Prescribed charge. The session ends when it is delivered (or at the duration cap). */
  readonly dose: MilliAmpMinute;
  /** 'dose': end when the dose is delivered; 'duration': end when the timer runs out. */
  readonly endOn: 'dose' | 'duration';
  /** Longest the session may treat (timer running) before the supervisor ends it. */
  readonly durationCap: Second;
  readonly polarity: Polarity;
  readonly waveform: Waveform;
  /** Soft-start slope at the start and after every pause. */
  readonly rampUp: MilliAmpPerSecond;
  /** Soft-start slope after a polarity reversal. */
  readonly rampUpAfterReversal: MilliAmpPerSecond;
  /** Ramp-down slope at the end, before a reversal and on abort. */
  readonly rampDown: MilliAmpPerSecond;
  readonly reversal: ReversalRule;
  /** Time at zero output between ramp-down and ramp-up at a reversal. */
  readonly deadTime: Second;
  /** Fastest change of current the patient tolerates; the engine never commands a faster one. */
  readonly comfortDidt: MilliAmpPerSecond;
  /** Small current used at precheck and while waiting for contact. */
  readonly probeCurrent: MilliAmp;
  /** Below this load the circuit is a short (fault); above `openAbove` it is open (no contact). */
  readonly shortBelow: Ohm;
  readonly openAbove: Ohm;
  /** How long the circuit must stay closed before the soft start begins. */
  readonly contactDebounce: Second;
  /** Give up (fault) after waiting this long for contact or in pause. */
  readonly contactTimeout: Second;
  readonly pauseTimeout: Second;
  /** Host control period; also the lease renewal period. */
  readonly controlPeriod: Millisecond;
  /** Lease sent with every command. */
  readonly lease: Millisecond;
  /** The patient's screening for this protocol, when one was recorded. A refused screening never starts. */
  readonly screening?: PlanScreening | undefined;
}

/** What the engine needs to know of a screening: its verdict and the reasons, for the refusal message. */
export interface PlanScreening {
  readonly result: 'allowed' | 'precautions' | 'refused';
  readonly reasons: readonly string[];
}
