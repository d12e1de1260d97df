import type { ClockedDevice, DeviceCommand, Polarity, Telemetry } from '../device/device.js';
import { catalogue } from '../errors/catalogue.js';
import type { Millisecond } from '../units/quantities.js';
import { toCoulomb } from '../units/quantities.js';
import type { SessionEvent } from './events.js';
import { SessionMetrics } from './session-metrics.js';
import type {
  EngineConfig,
  EngineState,
  LinkInput,
  OperatorCommand,
  Phase,
  SessionStatus,
  SupervisorVerdict,
} from './session-machine.js';
import { deliveredOf, effectiveTarget, isTerminal, startSession, statusOf, step } from './session-machine.js';
import type { SessionPlan } from './session-plan.js';
import type { SupervisorConfig, SupervisorLimits, SupervisorState } from './supervisor.js';
import { DEFAULT_LIMITS, startSupervisor, supervise } from './supervisor.js';

/** One row of a session trace: what the host saw and sent in one control period. */
export interface TraceRow {
  readonly t: Millisecond;
  readonly phase: Phase;
  /** Set point sent to the device after the supervisor (mA, average). */
  readonly setpoint: number;
  /** Set point the engine asked for, before the supervisor (mA, average). */
  readonly requested: number;
  /** Engine reference in force (mA). */
  readonly reference: number;
  /** Measured current and voltage (signed), NaN when no sample arrived. */
  readonly current: number;
  readonly voltage: number;
  /** Load |V| / |I| (Ω), NaN when no current flows. */
  readonly impedance: number;
  readonly polarity: Polarity;
  readonly outputEnabled: boolean;
  /** Active limit the supervisor held the command under (mA). */
  readonly limit: number;
  readonly delivered: number;
  readonly telemetry: Telemetry | undefined;
}

export interface RunnerHooks {
  /** Before each control period; a simulation applies scenario events due by `t` here. */
  beforePeriod?(t: Millisecond): void;
  /** True while the host's commands do not reach the device (it stopped renewing its lease). */
  commandsBlocked?(): boolean;
  /** Operator command for this period, if any (pause, resume, abort). */
  operator?(t: Millisecond): OperatorCommand | undefined;
  onRow?(row: TraceRow): void;
  onEvent?(e: SessionEvent): void;
}

export interface SessionReport {
  readonly protocol: string;
  readonly zone: string;
  readonly status: Exclude<SessionStatus, 'running'>;
  readonly duration_s: number;
  readonly treated_s: number;
  readonly delivered_mAmin: number;
  /** The same charge in coulombs (1 mA·min = 0.06 C). */
  readonly delivered_C: number;
  readonly target_mAmin: number;
  readonly target_mA: number;
  /** Electrode A's polarity at the start ('+': anode) and the waveform. */
  readonly polarity: Polarity;
  readonly waveform: string;
  readonly area_cm2: number;
  readonly charge_density_mAmin_per_cm2: number;
  readonly anodal_mAmin: number;
  readonly peak_current_mA: number;
  readonly rms_error_pct: number;
  readonly max_overshoot_pct: number;
  readonly max_didt_mA_per_s: number;
  /** Fastest rise of the measured current (0.5 s means): what the comfort limit is about. */
  readonly max_rise_mA_per_s: number;
  readonly pauses: number;
  readonly reversals: number;
  readonly events: { t_s: number; code: string; message: string; source: string }[];
  readonly faults: { t_s: number; code: string; message: string }[];
}

export interface SessionRunOptions {
  readonly plan: SessionPlan;
  readonly device: ClockedDevice;
  readonly hooks?: RunnerHooks;
  readonly limits?: SupervisorLimits;
  /** Give up (abort) after this much session time, whatever happens: a runaway guard. */
  readonly maxSessionTime?: Millisecond;
}

/**
 * Runs one session on a device whose clock the caller drives (the simulated device): each control period it
 * advances the device, reads telemetry, steps the engine, passes the command through the supervisor and sends it.
 * `runToEnd()` runs as fast as the machine allows; `advance()` runs a bounded number of periods so a caller can
 * pace the session against the wall clock or redraw a progress bar.
 */
export class SessionRun {
  readonly engineConfig: EngineConfig;
  readonly supervisorConfig: SupervisorConfig;
  private engine: EngineState;
  private sup: SupervisorState;
  private verdict: SupervisorVerdict | undefined;
  private readonly metrics: SessionMetrics;
  private readonly events: SessionEvent[] = [];
  private readonly t0: number;
  private lastCommand: DeviceCommand;
  private lastLimit = 0;
  private lastTel: Telemetry | undefined;
  private readonly maxT: number;
  private linkNow: LinkInput = 'up';

  constructor(private readonly opts: SessionRunOptions) {
    const { plan, device } = opts;
    this.engineConfig = { plan, device: device.info };
    this.supervisorConfig = { plan, device: device.info, limits: opts.limits ?? DEFAULT_LIMITS };
    this.t0 = device.now();
    this.maxT =
      this.t0 + (opts.maxSessionTime ?? (plan.durationCap + plan.contactTimeout + 4 * plan.pauseTimeout + 600) * 1000);
    const first = startSession(this.engineConfig, this.t0 as Millisecond);
    this.engine = first.state;
    this.sup = startSupervisor(this.supervisorConfig, this.t0 as Millisecond);
    this.metrics = new SessionMetrics(effectiveTarget(this.engineConfig));
    this.record(first.events);
    const checked = supervise(this.supervisorConfig, this.sup, undefined, first.command, this.t0 as Millisecond);
    this.sup = checked.state;
    this.record(checked.events);
    this.lastCommand = checked.command;
    this.lastLimit = checked.limit;
    device.send(checked.command);
  }

  get state(): EngineState {
    return this.engine;
  }

  get done(): boolean {
    return isTerminal(this.engine.phase);
  }

  /** Session time in ms. */
  get elapsed(): number {
    return this.opts.device.now() - this.t0;
  }

  private record(evs: readonly SessionEvent[]): void {
    for (const e of evs) {
      this.events.push(e);
      this.opts.hooks?.onEvent?.(e);
    }
  }

  /** Run one control period. */
  stepOnce(): void {
    if (this.done) return;
    const { device, hooks } = this.opts;
    const period = device.info.samplePeriod;
    const t = (device.now() + period) as Millisecond;
    hooks?.beforePeriod?.((t - this.t0) as Millisecond);
    device.advanceTo(t);
    const link = this.checkLink();
    const tel = device.read();
    if (tel !== undefined) this.lastTel = tel;
    const prevPhase = this.engine.phase;
    const prevReference = this.engine.lastReference;
    let operator = hooks?.operator?.((t - this.t0) as Millisecond);
    if (operator === undefined && t >= this.maxT && !this.done) operator = 'abort';
    const r = step(this.engineConfig, this.engine, { telemetry: tel, operator, verdict: this.verdict, link }, t);
    this.engine = r.state;
    this.record(r.events);
    const checked = supervise(this.supervisorConfig, this.sup, tel, r.command, t, link);
    this.sup = checked.state;
    this.verdict = checked.verdict;
    this.record(checked.events);
    this.lastCommand = checked.command;
    this.lastLimit = checked.limit;
    if (!(hooks?.commandsBlocked?.() ?? false)) device.send(checked.command);
    if (tel !== undefined) this.metrics.add(tel, prevPhase, prevReference);
    if (hooks?.onRow) {
      const i = tel ? Math.abs(tel.current) : NaN;
      hooks.onRow({
        t: (t - this.t0) as Millisecond,
        phase: this.engine.phase,
        setpoint: checked.command.setpoint,
        requested: r.command.setpoint,
        reference: this.engine.reference,
        current: tel ? tel.current : NaN,
        voltage: tel ? tel.voltage : NaN,
        impedance: tel && i >= 0.05 ? (Math.abs(tel.voltage) * 1000) / i : NaN,
        polarity: checked.command.polarity,
        outputEnabled: checked.command.outputEnabled,
        limit: checked.limit,
        delivered: deliveredOf(this.engine),
        telemetry: tel,
      });
    }
  }

  /**
   * The device link in this period, for devices that have one. A link that is back after a loss is re-armed here,
   * by the runner, and only while the engine still runs; the device refuses while current flows, and the engine
   * was told 'down' until now, so its first command after the re-arm starts from zero.
   */
  private checkLink(): LinkInput {
    const link = this.opts.device.connection;
    if (link === undefined) return 'up';
    let state = link.state();
    if (state === 'awaiting-rearm' && !this.done && link.rearm()) state = 'connected';
    this.linkNow = state === 'connected' ? 'up' : 'down';
    return this.linkNow;
  }

  /** The device link as of the last period: 'down' while it is lost or not yet re-armed. */
  get linkState(): LinkInput {
    return this.linkNow;
  }

  /**
   * Record an event observed outside the engine and the supervisor (a device driver's note that its link dropped):
   * it goes to the session's event list and its listeners like theirs.
   */
  note(e: SessionEvent): void {
    this.record([e]);
  }

  /** Run up to `periods` control periods (fewer if the session ends). */
  advance(periods: number): void {
    for (let k = 0; k < periods && !this.done; k++) this.stepOnce();
  }

  runToEnd(): SessionReport {
    while (!this.done) this.stepOnce();
    return this.report();
  }

  /** The command last sent (after the supervisor). */
  get command(): DeviceCommand {
    return this.lastCommand;
  }

  /** Newest telemetry sample seen. */
  get lastTelemetry(): Telemetry | undefined {
    return this.lastTel;
  }

  get limit(): number {
    return this.lastLimit;
  }

  get allEvents(): readonly SessionEvent[] {
    return this.events;
  }

  report(): SessionReport {
    const e = this.engine;
    const plan = this.opts.plan;
    const status = statusOf(e);
    const delivered = deliveredOf(e);
    const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
    const events = this.events.map((x) => ({
      t_s: round(x.t / 1000, 2),
      code: x.code,
      message: x.message,
      source: x.source,
    }));
    return {
      protocol: plan.protocolId,
      zone: plan.zone,
      status: status === 'running' ? 'aborted' : status,
      duration_s: round(this.elapsed / 1000, 2),
      treated_s: round(e.treatedMs / 1000, 2),
      delivered_mAmin: round(delivered, 4),
      delivered_C: round(toCoulomb(delivered), 5),
      target_mAmin: round(plan.dose, 4),
      target_mA: round(effectiveTarget(this.engineConfig), 4),
      polarity: plan.polarity,
      waveform: plan.waveform.kind === 'dc' ? 'dc' : `pulsed ${plan.waveform.frequency} Hz, duty ${plan.waveform.duty}`,
      area_cm2: plan.area,
      charge_density_mAmin_per_cm2: round(delivered / plan.area, 5),
      anodal_mAmin: round(e.anodalMAms / 60_000, 4),
      peak_current_mA: round(this.metrics.peakCurrent(), 3),
      rms_error_pct: round(this.metrics.rmsErrorPct(), 4),
      max_overshoot_pct: round(this.metrics.maxOvershootPct(), 3),
      max_didt_mA_per_s: round(this.metrics.maxDidt(), 3),
      max_rise_mA_per_s: round(this.metrics.maxRise(), 3),
      pauses: e.pauses,
      reversals: e.reversals,
      events,
      faults: this.events
        .filter((x) => catalogue[x.code].severity === 'fault')
        .map((x) => ({ t_s: round(x.t / 1000, 2), code: x.code, message: x.message })),
    };
  }
}
