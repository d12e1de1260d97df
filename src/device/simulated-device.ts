import { IontoError, type ErrorCode } from '../errors/catalogue.js';
import { emptyLoadSample, type ElectricalLoad, type LoadSample } from '../physics/electrical-load.js';
import type {
  Fraction,
  MilliAmp,
  MilliAmpMinute,
  MilliAmpPerSecond,
  Millisecond,
  Ohm,
  Second,
  Volt,
} from '../units/quantities.js';
import {
  DC,
  type ClockedDevice,
  type DeviceCommand,
  type DeviceFlags,
  type DeviceInfo,
  type Polarity,
  type Telemetry,
  type Waveform,
} from './device.js';
import type { DeviceFault, DeviceFaultKind } from './faults.js';
import { DevicePrng } from './prng.js';
import { TelemetryLink } from './telemetry-link.js';

/**
 * Defaults of the simulated device.
 * - maxCurrent 30 mA: R.A. Fischer MD-1a/MD-2 maximum setting [F4].
 * - compliance 60 V: the top of the 30–60 V market range [S1] (Fischer: 58 V [F4]).
 * - hardTrip 35 mA: "≥35 mA triggers an immediate stop" (HIDREX fault circuit) [H1].
 * - samplePeriod 20 ms: the control period (DESIGN.md, "Speeds it is built for").
 * - leaseRamp 10 mA/s: an assumption (30 mA reaches zero in 3 s); no source gives a figure.
 */
export const DEFAULT_DEVICE_INFO: DeviceInfo = Object.freeze({
  model: 'OpenIonto simulated constant-current stage',
  maxCurrent: 30 as MilliAmp, // [F4]
  compliance: 60 as Volt, // [S1]; 58 V Fischer [F4]
  hardTrip: 35 as MilliAmp, // [H1]
  samplePeriod: 20 as Millisecond,
  leaseRamp: 10 as MilliAmpPerSecond,
  supportsPulsed: true,
});

/** Physics substep of the output stage (the default; see `SimulatedDeviceOptions.substep`). */
export const SUBSTEP: Millisecond = 1 as Millisecond;

export interface SimulatedDeviceOptions {
  /** Seed for the calibration errors and the measurement noise. Default 1. */
  readonly seed?: number;
  /** Overrides of the device's published limits. */
  readonly info?: Partial<DeviceInfo>;
  /** DAC calibration actually fitted: output = gain × code + offset. Unset parts are drawn from the seed. */
  readonly calibration?: { readonly gain?: number; readonly offset?: MilliAmp };
  /** Spread of the seeded calibration errors: gain 1 ± `gain`, offset ± `offset`. Default ±2 %, ±0.05 mA. */
  readonly calibrationSpread?: { readonly gain?: number; readonly offset?: MilliAmp };
  /** Gaussian measurement noise (σ) on each telemetry sample. Default 0.02 mA, 0.05 V. */
  readonly noise?: { readonly current?: MilliAmp; readonly voltage?: Volt };
  /** ADC resolution and bipolar ranges. Default 12 bits over ±50 mA and ±100 V; bits 0 means no quantisation. */
  readonly adc?: { readonly bits?: number; readonly currentRange?: MilliAmp; readonly voltageRange?: Volt };
  /** Slew limit of the DAC output. Default 2000 mA/s (2 mA per 1 ms substep). */
  readonly slewRate?: MilliAmpPerSecond;
  /** Largest level the DAC can physically produce (reachable only through a stuck DAC). Default 50 mA. */
  readonly dacFullScale?: MilliAmp;
  /** Time the polarity relay's contacts are open while it changes over. Default 3 ms. */
  readonly relaySwitchTime?: Millisecond;
  /** Resistance of the `short` fault that bypasses the patient. Default 5 Ω. */
  readonly shortResistance?: Ohm;
  /**
   * Physics substep: a whole number of ms that divides the sample period. Default `SUBSTEP` (1 ms), the full
   * fidelity every test of the output stage assumes. A coarser substep is for course-level simulation (cohorts):
   * the DAC, the lease ramp, the relay and the hardware trip then act once per substep, and the load is integrated
   * over the substep (the patient circuit's fast part is exact for a held current, so a substep much longer than
   * the skin's R·C is its quasi-static limit).
   */
  readonly substep?: Millisecond;
}

/** Options for tests that want an exact device: no calibration error, no noise, no quantisation. */
export const IDEAL_DEVICE: SimulatedDeviceOptions = Object.freeze({
  calibration: { gain: 1, offset: 0 as MilliAmp },
  noise: { current: 0 as MilliAmp, voltage: 0 as Volt },
  adc: { bits: 0 },
});

/** Constant-voltage command for the baseline controller of the benchmark. Like `DeviceCommand`, it is a lease. */
export interface VoltageCommand {
  readonly voltage: Volt;
  readonly lease: Millisecond;
  readonly polarity: Polarity;
  readonly outputEnabled: boolean;
  readonly seq: number;
  /** Default DC. In pulsed mode `voltage` is the pulse amplitude. */
  readonly waveform?: Waveform;
}

/** An entry in the device's own log (what its firmware would record). */
export interface DeviceEvent {
  readonly t: Millisecond;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Ground truth a real device cannot know. For tests, traces and benchmarks only; never for control. */
export interface DeviceTruth {
  /** Device time now. */
  readonly now: Millisecond;
  /** End of the last complete sample window (the window the figures below describe). */
  readonly t: Millisecond;
  /** True average output current over the window, signed (through the short too, when shorted). */
  readonly current: MilliAmp;
  /** True largest output current magnitude within the window. */
  readonly peakCurrent: MilliAmp;
  /** True average terminal voltage over the window, signed. */
  readonly voltage: Volt;
  /** True average current through the patient over the window (differs from `current` only under a short). */
  readonly patientCurrent: MilliAmp;
  /** Load resistance now (the patient's, as the load reports it). */
  readonly resistance: Ohm;
  /** Contact fraction now. */
  readonly contact: Fraction;
  /** Largest window-average |current| so far. */
  readonly maxAverageCurrent: MilliAmp;
  /** Largest instantaneous (one substep, 1 ms by default) |current| so far. */
  readonly maxPeakCurrent: MilliAmp;
  /** Charge delivered to the patient, ∫|I| dt over the substeps (1 ms by default), since construction. */
  readonly deliveredCharge: MilliAmpMinute;
  /** Net signed charge through the patient since construction. */
  readonly netCharge: MilliAmpMinute;
  /** Where the polarity relay actually is. */
  readonly relayPolarity: Polarity;
  /** DAC output level (mA in current mode, V in voltage mode) before the output switch. */
  readonly dacLevel: number;
  readonly tripped: boolean;
  readonly mode: 'current' | 'voltage';
}

const CIRCUIT_NORMAL = 0;
const CIRCUIT_OPEN = 1;
const CIRCUIT_SHORT = 2;

const MODE_CURRENT = 0;
const MODE_VOLTAGE = 1;

const MS_PER_MIN = 60_000;

/** The 16 possible flag sets, frozen once, so a telemetry sample allocates no flags object. */
const FLAG_TABLE: readonly DeviceFlags[] = Array.from({ length: 16 }, (_, i) =>
  Object.freeze({
    tripped: (i & 1) !== 0,
    compliance: (i & 2) !== 0,
    leaseExpired: (i & 4) !== 0,
    outputEnabled: (i & 8) !== 0,
  }),
);

const positive = (name: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0)
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `device option ${name} must be a positive finite number, got ${x}`);
  return x;
};
const nonNegative = (name: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `device option ${name} must be a finite number ≥ 0, got ${x}`);
  return x;
};

const validInfo = (o: Partial<DeviceInfo> | undefined): DeviceInfo => {
  const info = { ...DEFAULT_DEVICE_INFO, ...o };
  positive('maxCurrent', info.maxCurrent);
  positive('compliance', info.compliance);
  positive('hardTrip', info.hardTrip);
  positive('leaseRamp', info.leaseRamp);
  if (!Number.isInteger(info.samplePeriod) || info.samplePeriod < 1)
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `device option samplePeriod must be a whole number of 1 ms substeps, got ${info.samplePeriod}`,
    );
  return Object.freeze(info);
};

/** ADC reading: rounded to the step and saturated at the rails. A non-finite input (a load model gone wrong) reads
 * as the positive rail, never as NaN, so no limit check downstream can be fooled by it. */
const quantise = (x: number, lsb: number, range: number): number => {
  const y = lsb > 0 ? Math.round(x / lsb) * lsb : x;
  return y < -range ? -range : y <= range ? y : range;
};

/**
 * A simulated constant-current iontophoresis device driving an `ElectricalLoad` (a resistor on the bench, the
 * virtual patient in a session). Time is driven by the caller through `advanceTo`; the output stage is integrated
 * in 1 ms substeps (or the `substep` option's) and one telemetry sample is produced per sample period.
 *
 * The model, from the host inwards:
 * - firmware: the last valid command is a lease; when it lapses the firmware ramps its demand to zero at
 *   `leaseRamp` and then opens the output switch, so a lapsed lease never leaves current flowing (even with a
 *   stuck DAC). Set points are clamped to `maxCurrent`; pulsed amplitude = set point / duty.
 * - DAC: gain and offset errors (seeded), slew-limited. A zero demand is a zero code (no offset current), and the
 *   firmware parks the DAC at zero while the output is disabled, so enabling it starts from zero.
 * - output switch (hardware): output enable, the latched over-current trip and the lease cut-off gate the output
 *   at once, whatever the DAC does.
 * - polarity relay: moves only when commanded (contacts open for `relaySwitchTime`); telemetry reports the
 *   polarity the device believes it set.
 * - circuit: the load, or an open lead, or a short that bypasses the patient.
 * - hardware trip: any 1 ms substep whose peak current reaches `hardTrip` latches the trip; only `powerCycle()`
 *   clears it.
 * - measurement: averages of the substeps over the window, peak magnitude, Gaussian noise and ADC quantisation
 *   once per sample. `flags.compliance` is set when any substep of the window was compliance-limited; the other
 *   flags are the state at the end of the window.
 */
export class SimulatedDevice implements ClockedDevice {
  readonly info: DeviceInfo;
  readonly load: ElectricalLoad;

  // Calibration and measurement constants (fixed at construction).
  readonly dacGain: number;
  readonly dacOffset: MilliAmp;
  private readonly sigmaI: number;
  private readonly sigmaV: number;
  private readonly lsbI: number;
  private readonly lsbV: number;
  private readonly rangeI: number;
  private readonly rangeV: number;
  private readonly slewI: number;
  private readonly slewV: number;
  private readonly voltsPerMilliAmp: number;
  private readonly dacFullScale: number;
  private readonly relaySteps: number;
  private readonly shortOhms: number;
  private readonly periodSteps: number;
  /** Substep in ms, and in s for the load. */
  private readonly substepMs: number;
  private readonly dt: Second;
  private readonly maxCurrent: number;
  private readonly compliance: number;
  private readonly hardTrip: number;
  private readonly leaseStepI: number;
  private readonly leaseStepV: number;
  private readonly prng: DevicePrng;
  private readonly link = new TelemetryLink();
  private readonly out: LoadSample = emptyLoadSample();
  private readonly log: DeviceEvent[] = [];

  // Time, in whole substeps (ms).
  private step = 0;
  private nextSampleStep: number;
  private sampleSeq = 0;

  // Command state (firmware).
  private mode = MODE_CURRENT;
  private ackSeq = -1;
  private believedPolarity: Polarity = '+';
  private duty = 1;
  private setpoint = 0; // mA average (current mode) or V amplitude (voltage mode), clamped
  private demand = 0; // what the firmware asks of the DAC after the lease logic (same unit as setpoint)
  private desired = 0; // DAC target after calibration error
  private enabled = false;
  private leaseUntil = Infinity;
  private leaseLapsed = false;
  private leaseCut = false;
  private tripped = false;
  private switchOn = false;

  // Analog state.
  private level = 0; // DAC output: pulse amplitude in mA (current mode) or V (voltage mode)
  private relayPolarity: Polarity = '+';
  private relaySign = 1;
  private relayBusy = 0;

  // Faults.
  private circuit = CIRCUIT_NORMAL;
  private dacStuck = false;
  private relayStuck = false;
  private sensorOffset = 0;
  private sensorStuck = false;
  private stuckCurrent = 0;
  private stuckPeak = 0;
  private readonly faults = new Map<DeviceFaultKind, DeviceFault>();

  // Window accumulators.
  private winN = 0;
  private sumI = 0;
  private sumV = 0;
  private sumP = 0;
  private winPeak = 0;
  private winPeakSign = 1;
  private winCompliance = false;

  // Last measured values (for the stuck sensor).
  private lastMeasuredI = 0;
  private lastMeasuredPeak = 0;

  // Truth.
  private truthT = 0;
  private truthI = 0;
  private truthPeak = 0;
  private truthV = 0;
  private truthP = 0;
  private maxAvg = 0;
  private maxPeak = 0;
  private chargeAbs = 0; // mA·substep
  private chargeNet = 0; // mA·substep

  constructor(load: ElectricalLoad, options: SimulatedDeviceOptions = {}) {
    this.load = load;
    this.info = validInfo(options.info);
    this.maxCurrent = this.info.maxCurrent;
    this.compliance = this.info.compliance;
    this.hardTrip = this.info.hardTrip;
    const substep = options.substep ?? SUBSTEP;
    if (!Number.isInteger(substep) || substep < 1 || this.info.samplePeriod % substep !== 0)
      throw new IontoError(
        'ION_ERR_OUT_OF_RANGE',
        `device option substep must be a whole number of ms that divides the sample period ${this.info.samplePeriod} ms, got ${substep}`,
      );
    this.substepMs = substep;
    this.dt = (substep / 1000) as Second;
    this.periodSteps = this.info.samplePeriod / substep;
    this.nextSampleStep = this.periodSteps;
    this.voltsPerMilliAmp = this.compliance / this.maxCurrent;
    this.leaseStepI = (this.info.leaseRamp * substep) / 1000;
    // Voltage mode ramps down over the same time as current mode would at full scale.
    this.leaseStepV = this.leaseStepI * this.voltsPerMilliAmp;

    this.prng = new DevicePrng(options.seed ?? 1);
    const spreadGain = nonNegative('calibrationSpread.gain', options.calibrationSpread?.gain ?? 0.02);
    const spreadOffset = nonNegative('calibrationSpread.offset', options.calibrationSpread?.offset ?? 0.05);
    // Always draw both, so the noise stream does not depend on which calibration parts were given.
    const drawnGain = 1 + this.prng.between(-spreadGain, spreadGain);
    const drawnOffset = this.prng.between(-spreadOffset, spreadOffset);
    this.dacGain = positive('calibration.gain', options.calibration?.gain ?? drawnGain);
    const offset = options.calibration?.offset ?? drawnOffset;
    if (!Number.isFinite(offset))
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `device option calibration.offset must be finite, got ${offset}`);
    this.dacOffset = offset as MilliAmp;

    this.sigmaI = nonNegative('noise.current', options.noise?.current ?? 0.02);
    this.sigmaV = nonNegative('noise.voltage', options.noise?.voltage ?? 0.05);
    const bits = nonNegative('adc.bits', options.adc?.bits ?? 12);
    this.rangeI = positive('adc.currentRange', options.adc?.currentRange ?? 50);
    this.rangeV = positive('adc.voltageRange', options.adc?.voltageRange ?? 100);
    this.lsbI = bits > 0 ? (2 * this.rangeI) / 2 ** bits : 0;
    this.lsbV = bits > 0 ? (2 * this.rangeV) / 2 ** bits : 0;

    const slew = positive('slewRate', options.slewRate ?? 2000);
    this.slewI = (slew * substep) / 1000;
    this.slewV = this.slewI * this.voltsPerMilliAmp;
    this.dacFullScale = positive('dacFullScale', options.dacFullScale ?? 50);
    this.relaySteps = Math.ceil(nonNegative('relaySwitchTime', options.relaySwitchTime ?? 3) / substep);
    this.shortOhms = positive('shortResistance', options.shortResistance ?? 5);
  }

  now(): Millisecond {
    return (this.step * this.substepMs) as Millisecond;
  }

  // ---------------------------------------------------------------- host port

  send(cmd: DeviceCommand): void {
    const problem =
      this.checkCommon(cmd) ?? this.checkWaveform(cmd.waveform) ?? this.checkLevel('setpoint', cmd.setpoint);
    if (problem !== undefined) return this.reject(cmd.seq, problem);
    this.applyCommon(MODE_CURRENT, cmd.seq, cmd.lease, cmd.polarity, cmd.outputEnabled, cmd.waveform);
    this.setpoint = Math.min(cmd.setpoint, this.maxCurrent);
    this.demand = this.setpoint;
    this.desired = this.dacTarget(this.demand);
    // With the output disabled the firmware parks the DAC at zero, so enabling it later starts from zero.
    if (!this.enabled && !this.dacStuck) this.level = 0;
    // A larger duty lowers the allowed pulse amplitude at once: the DAC code is cut, not slewed, so the average
    // never exceeds maxCurrent.
    const maxAmp = this.maxCurrent / this.duty;
    if (!this.dacStuck && this.level > maxAmp) this.level = maxAmp;
  }

  /** Constant-voltage drive (baseline controller): current-limited at `maxCurrent`; the hardware trip still acts. */
  sendVoltage(cmd: VoltageCommand): void {
    const waveform = cmd.waveform ?? DC;
    const problem = this.checkCommon(cmd) ?? this.checkWaveform(waveform) ?? this.checkLevel('voltage', cmd.voltage);
    if (problem !== undefined) return this.reject(cmd.seq, problem);
    this.applyCommon(MODE_VOLTAGE, cmd.seq, cmd.lease, cmd.polarity, cmd.outputEnabled, waveform);
    this.setpoint = Math.min(cmd.voltage, this.compliance);
    this.demand = this.setpoint;
    this.desired = this.dacTarget(this.demand);
    // With the output disabled the firmware parks the DAC at zero, so enabling it later starts from zero.
    if (!this.enabled && !this.dacStuck) this.level = 0;
  }

  read(): Telemetry | undefined {
    return this.link.take();
  }

  /** The device's own event log (hardware trips, lease expiries, rejected commands). */
  events(): readonly DeviceEvent[] {
    return this.log;
  }

  /** Switch the device off and on: clears the trip and every command; time, faults and the log persist. */
  powerCycle(): void {
    this.tripped = false;
    this.enabled = false;
    this.setpoint = 0;
    this.demand = 0;
    this.desired = 0;
    if (!this.dacStuck) this.level = 0;
    this.leaseUntil = Infinity;
    this.leaseLapsed = false;
    this.leaseCut = false;
    this.ackSeq = -1;
    this.mode = MODE_CURRENT;
    this.duty = 1;
    this.updateSwitch();
  }

  // ---------------------------------------------------------------- faults

  inject(fault: DeviceFault): void {
    switch (fault.kind) {
      case 'sensor_offset':
        if (!Number.isFinite(fault.offset)) throw badFault(fault.kind, 'offset', fault.offset, 'a finite number');
        this.sensorOffset = fault.offset;
        break;
      case 'sensor_stuck':
        if (!this.sensorStuck) {
          this.stuckCurrent = this.lastMeasuredI;
          this.stuckPeak = this.lastMeasuredPeak;
        }
        this.sensorStuck = true;
        break;
      case 'dac_stuck':
        if (fault.level !== undefined) {
          if (!Number.isFinite(fault.level) || fault.level < 0) throw badFault(fault.kind, 'level', fault.level);
          const lvl = Math.min(fault.level, this.dacFullScale);
          this.level = this.mode === MODE_CURRENT ? lvl : lvl * this.voltsPerMilliAmp;
        }
        this.dacStuck = true;
        break;
      case 'relay_stuck':
        this.relayStuck = true;
        break;
      case 'electrode_open':
        this.circuit = CIRCUIT_OPEN;
        this.faults.delete('short');
        break;
      case 'short':
        this.circuit = CIRCUIT_SHORT;
        this.faults.delete('electrode_open');
        break;
      case 'telemetry_dropout':
        if (!Number.isFinite(fault.duration) || fault.duration < 0)
          throw badFault(fault.kind, 'duration', fault.duration);
        this.link.dropUntilTime(this.step * this.substepMs + fault.duration);
        break;
      case 'telemetry_delay':
        if (!Number.isFinite(fault.delay) || fault.delay < 0) throw badFault(fault.kind, 'delay', fault.delay);
        this.link.setDelay(fault.delay);
        break;
      default: {
        const never: never = fault;
        throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown device fault ${JSON.stringify(never)}`);
      }
    }
    this.faults.set(fault.kind, fault);
  }

  clear(kind: DeviceFaultKind): void {
    switch (kind) {
      case 'sensor_offset':
        this.sensorOffset = 0;
        break;
      case 'sensor_stuck':
        this.sensorStuck = false;
        break;
      case 'dac_stuck':
        this.dacStuck = false; // the DAC slews from where it stuck to the present demand
        break;
      case 'relay_stuck':
        this.relayStuck = false;
        this.moveRelay(this.believedPolarity); // a freed relay follows its drive
        break;
      case 'electrode_open':
      case 'short':
        if (this.faults.has(kind)) this.circuit = CIRCUIT_NORMAL;
        break;
      case 'telemetry_dropout':
        this.link.dropUntilTime(-Infinity);
        break;
      case 'telemetry_delay':
        this.link.setDelay(0); // samples in flight still arrive in order
        break;
      default: {
        const never: never = kind;
        throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown device fault ${String(never)}`);
      }
    }
    this.faults.delete(kind);
  }

  /** Faults injected and not cleared (a dropout stays listed until cleared, even after it has run its course). */
  activeFaults(): readonly DeviceFault[] {
    return [...this.faults.values()];
  }

  // ---------------------------------------------------------------- ground truth

  truth(): DeviceTruth {
    return {
      now: this.now(),
      t: this.truthT as Millisecond,
      current: this.truthI as MilliAmp,
      peakCurrent: this.truthPeak as MilliAmp,
      voltage: this.truthV as Volt,
      patientCurrent: this.truthP as MilliAmp,
      resistance: this.load.resistance(),
      contact: this.load.contact(),
      maxAverageCurrent: this.maxAvg as MilliAmp,
      maxPeakCurrent: this.maxPeak as MilliAmp,
      deliveredCharge: ((this.chargeAbs * this.substepMs) / MS_PER_MIN) as MilliAmpMinute,
      netCharge: ((this.chargeNet * this.substepMs) / MS_PER_MIN) as MilliAmpMinute,
      relayPolarity: this.relayPolarity,
      dacLevel: this.level,
      tripped: this.tripped,
      mode: this.mode === MODE_CURRENT ? 'current' : 'voltage',
    };
  }

  // ---------------------------------------------------------------- simulation

  /**
   * Run the output stage and the load up to device time `t`, in whole substeps (1 ms by default; a fractional `t`
   * runs to the substep before it), emitting one telemetry sample at every sample-period boundary crossed. Faults and commands
   * take effect between calls; a time in the past does nothing.
   */
  advanceTo(t: Millisecond): void {
    const end = Math.floor(t / this.substepMs);
    while (this.step < end) {
      // Split the run into segments in which only the DAC level and the load change: a segment ends at a sample
      // boundary, at the lease deadline, or after one substep while the lease ramp runs.
      let segEnd = end < this.nextSampleStep ? end : this.nextSampleStep;
      if (!this.leaseLapsed) {
        const leaseStep = Math.ceil(this.leaseUntil / this.substepMs);
        if (leaseStep <= this.step) this.lapseLease();
        else if (leaseStep < segEnd) segEnd = leaseStep;
      }
      if (this.leaseLapsed && !this.leaseCut) {
        this.rampLease();
        segEnd = this.step + 1;
      }
      this.runSegment(segEnd);
      if (this.step === this.nextSampleStep) this.emit();
    }
    this.link.deliver(this.step * this.substepMs);
  }

  /** Substeps from `this.step` up to `segEnd`, with the hot state in locals. */
  private runSegment(segEnd: number): void {
    const load = this.load;
    const out = this.out;
    const duty = this.duty;
    const polarity = this.relayPolarity;
    const sign = this.relaySign;
    const compliance = this.info.compliance;
    const hardTrip = this.hardTrip;
    const currentMode = this.mode === MODE_CURRENT;
    const slew = currentMode ? this.slewI : this.slewV;
    const limit = (this.maxCurrent / duty) as MilliAmp;
    const desired = this.desired;
    const stuck = this.dacStuck;
    const circuit = this.circuit;
    const DT = this.dt;
    let on = this.switchOn;
    let level = this.level;
    let relayBusy = this.relayBusy;
    let sumI = this.sumI;
    let sumV = this.sumV;
    let sumP = this.sumP;
    let winPeak = this.winPeak;
    let limitedAny = this.winCompliance;
    let chargeAbs = this.chargeAbs;
    let chargeNet = this.chargeNet;
    const start = this.step;
    let step = start;
    while (step < segEnd) {
      // DAC, slew-limited.
      if (!stuck) {
        const d = desired - level;
        level += d > slew ? slew : d < -slew ? -slew : d;
      }
      // Output switch and relay contacts.
      let drive = on ? level : 0;
      if (relayBusy > 0) {
        relayBusy--;
        drive = 0;
      }
      // Circuit.
      let i: number;
      let v: number;
      let p: number;
      let peak: number;
      if (circuit === CIRCUIT_NORMAL) {
        if (currentMode) load.driveCurrent(DT, drive as MilliAmp, duty, polarity, compliance, out);
        else load.driveVoltage(DT, drive as Volt, duty, polarity, limit, out);
        i = out.current;
        v = out.voltage;
        p = i;
        peak = out.peakCurrent;
        if (out.complianceLimited) limitedAny = true;
      } else if (circuit === CIRCUIT_OPEN) {
        // The patient sees nothing; the load's own time still runs. A current source rises to its compliance.
        load.driveCurrent(DT, 0 as MilliAmp, duty, polarity, compliance, out);
        i = 0;
        p = 0;
        peak = 0;
        v = drive <= 0 ? 0 : sign * (currentMode ? compliance : drive) * duty;
        if (currentMode && drive > 0) limitedAny = true;
      } else {
        // Short: a few ohms in parallel with the patient. The source still delivers its set point.
        const rs = this.shortOhms;
        const r = load.resistance();
        const rPar = (rs * r) / (rs + r);
        let amp = drive;
        if (!currentMode) {
          amp = (drive * 1000) / rPar;
          if (amp > limit) amp = limit;
        }
        load.driveCurrent(DT, ((amp * rs) / (rs + r)) as MilliAmp, duty, polarity, compliance, out);
        i = sign * amp * duty;
        v = sign * ((amp * rPar) / 1000) * duty;
        p = out.current;
        peak = amp;
      }
      sumI += i;
      sumV += v;
      sumP += p;
      if (peak > winPeak) winPeak = peak;
      chargeAbs += p < 0 ? -p : p;
      chargeNet += p;
      step++;
      // Hardware over-current trip: from the next substep on there is no output.
      // Written as !(peak < hardTrip) so that a non-finite reading from the load trips too (fail safe).
      if (!(peak < hardTrip) && !this.tripped) {
        this.step = step;
        this.trip(peak);
        on = false;
      }
    }
    this.step = step;
    this.level = level;
    this.relayBusy = relayBusy;
    this.sumI = sumI;
    this.sumV = sumV;
    this.sumP = sumP;
    if (winPeak > this.winPeak) this.winPeakSign = sign;
    this.winPeak = winPeak;
    this.winCompliance = limitedAny;
    this.chargeAbs = chargeAbs;
    this.chargeNet = chargeNet;
    this.winN += step - start;
  }

  // ---------------------------------------------------------------- internals

  private checkCommon(cmd: {
    lease: number;
    polarity: string;
    outputEnabled: unknown;
    seq: number;
  }): string | undefined {
    if (!Number.isFinite(cmd.lease) || cmd.lease <= 0) return `lease must be a positive time, got ${cmd.lease}`;
    if (cmd.polarity !== '+' && cmd.polarity !== '-') return `polarity must be '+' or '-', got ${String(cmd.polarity)}`;
    if (typeof cmd.outputEnabled !== 'boolean') return `outputEnabled must be a boolean`;
    if (!Number.isFinite(cmd.seq)) return `seq must be a finite number, got ${cmd.seq}`;
    return undefined;
  }

  private checkWaveform(w: Waveform | undefined): string | undefined {
    if (w === undefined) return 'waveform missing';
    if (w.kind === 'dc') return undefined;
    if (w.kind !== 'pulsed') return `unknown waveform ${String((w as { kind: unknown }).kind)}`;
    if (!this.info.supportsPulsed) return 'this device does not support pulsed output';
    if (!(w.duty > 0 && w.duty <= 1)) return `pulsed duty must be in (0, 1], got ${w.duty}`;
    if (!(w.frequency > 0 && Number.isFinite(w.frequency)))
      return `pulsed frequency must be positive, got ${w.frequency}`;
    return undefined;
  }

  private checkLevel(name: string, x: number): string | undefined {
    return Number.isFinite(x) && x >= 0 ? undefined : `${name} must be a finite number ≥ 0, got ${x}`;
  }

  private reject(seq: number, why: string): void {
    this.record('ION_ERR_OUT_OF_RANGE', `command ${seq} rejected: ${why}; the previous lease runs on`);
  }

  private applyCommon(
    mode: number,
    seq: number,
    lease: number,
    polarity: Polarity,
    enabled: boolean,
    waveform: Waveform,
  ): void {
    if (mode !== this.mode) {
      // Switching between current and voltage drive starts the DAC from zero.
      this.mode = mode;
      if (!this.dacStuck) this.level = 0;
    }
    this.ackSeq = seq;
    this.leaseUntil = this.step * this.substepMs + lease;
    this.leaseLapsed = false;
    this.leaseCut = false;
    this.enabled = enabled;
    this.duty = waveform.kind === 'dc' ? 1 : waveform.duty;
    if (polarity !== this.believedPolarity) {
      this.believedPolarity = polarity;
      this.moveRelay(polarity);
    }
    this.updateSwitch();
  }

  /** DAC target for a firmware demand: pulse amplitude with the calibration error, within the stage's range. */
  private dacTarget(demand: number): number {
    // Zero code (no demand, or output disabled): the firmware parks the DAC, no offset current.
    if (demand <= 0 || !this.enabled) return 0;
    if (this.mode === MODE_VOLTAGE) {
      const v = this.dacGain * demand;
      return v > this.compliance ? this.compliance : v;
    }
    const maxAmp = this.maxCurrent / this.duty;
    const a = (this.dacGain * demand) / this.duty + this.dacOffset;
    return a < 0 ? 0 : a > maxAmp ? maxAmp : a;
  }

  private rampLease(): void {
    const step = this.mode === MODE_CURRENT ? this.leaseStepI : this.leaseStepV;
    let d = this.demand - step;
    if (d <= 0) {
      d = 0;
      // Ramp finished: the firmware opens the output switch (this also holds a stuck DAC at zero output).
      this.leaseCut = true;
      this.updateSwitch();
    }
    this.demand = d;
    this.desired = this.dacTarget(d);
  }

  private lapseLease(): void {
    this.leaseLapsed = true;
    this.record('ION_ERR_LEASE_EXPIRED', `lease of command ${this.ackSeq} lapsed; ramping the output to zero`);
  }

  private trip(peak: number): void {
    this.tripped = true;
    this.updateSwitch();
    this.record(
      'ION_ERR_HW_TRIP',
      `hardware over-current trip: ${peak.toFixed(2)} mA ≥ ${this.hardTrip} mA; output off until power cycle`,
    );
  }

  private moveRelay(p: Polarity): void {
    if (this.relayStuck || p === this.relayPolarity) return;
    this.relayPolarity = p;
    this.relaySign = p === '+' ? 1 : -1;
    this.relayBusy = this.relaySteps;
  }

  private updateSwitch(): void {
    this.switchOn = this.enabled && !this.tripped && !this.leaseCut;
  }

  private record(code: ErrorCode, message: string): void {
    this.log.push(Object.freeze({ t: (this.step * this.substepMs) as Millisecond, code, message }));
  }

  /** End of a sample window: update the truth, measure, and hand the sample to the link. */
  private emit(): void {
    const n = this.winN;
    const avgI = this.sumI / n;
    const avgV = this.sumV / n;
    this.truthT = this.step * this.substepMs;
    this.truthI = avgI;
    this.truthV = avgV;
    this.truthP = this.sumP / n;
    this.truthPeak = this.winPeak;
    const absAvg = avgI < 0 ? -avgI : avgI;
    if (absAvg > this.maxAvg) this.maxAvg = absAvg;
    if (this.winPeak > this.maxPeak) this.maxPeak = this.winPeak;

    const t = this.step * this.substepMs;
    if (!this.link.dropping(t)) {
      let mI: number;
      let mPeak: number;
      if (this.sensorStuck) {
        mI = this.stuckCurrent;
        mPeak = this.stuckPeak;
      } else {
        // One Gaussian pair per sample: the current channel's draw serves the average and the peak reading.
        const off = this.sensorOffset + this.sigmaI * this.prng.gaussian();
        mI = quantise(avgI + off, this.lsbI, this.rangeI);
        const pk = this.winPeakSign * this.winPeak + off;
        mPeak = quantise(pk < 0 ? -pk : pk, this.lsbI, this.rangeI);
        this.lastMeasuredI = mI;
        this.lastMeasuredPeak = mPeak;
      }
      const mV = quantise(avgV + this.sigmaV * this.prng.gaussian(), this.lsbV, this.rangeV);
      const flags =
        FLAG_TABLE[
          (this.tripped ? 1 : 0) | (this.winCompliance ? 2 : 0) | (this.leaseLapsed ? 4 : 0) | (this.switchOn ? 8 : 0)
        ]!;
      const sample: Telemetry = {
        t: t as Millisecond,
        seq: this.sampleSeq++,
        current: mI as MilliAmp,
        voltage: mV as Volt,
        peakCurrent: mPeak as MilliAmp,
        polarity: this.believedPolarity,
        ackSeq: this.ackSeq,
        flags,
      };
      this.link.push(sample, t);
    }

    this.winN = 0;
    this.sumI = 0;
    this.sumV = 0;
    this.sumP = 0;
    this.winPeak = 0;
    this.winCompliance = false;
    this.nextSampleStep += this.periodSteps;
  }
}

const badFault = (kind: string, field: string, value: unknown, rule = 'a finite number ≥ 0'): IontoError =>
  new IontoError('ION_ERR_OUT_OF_RANGE', `fault ${kind}: ${field} must be ${rule}, got ${String(value)}`);
