import type { ClockedDevice } from '../device/device.js';
import type { SimulatedDevice } from '../device/simulated-device.js';
import type { SessionPlan } from '../engine/session-plan.js';
import type { Millisecond, Volt } from '../units/quantities.js';

/** What the baseline controller is doing. */
export type CvPhase = 'knob' | 'hold' | 'ramp-down' | 'done';

/**
 * The controller of voltage-dose devices and of most home-made builds (devices.md §1.1 HIDREX "dose is set as a
 * voltage"; §2 [F4] "held ≈8.5 V constant"): the operator turns the voltage up until the meter shows the target
 * current, then the voltage is held for the session time and turned down at the end. It has no contact detection,
 * no pause and no supervisor. It exists to be measured against (bench/regulation.ts), never to treat.
 */
export class ConstantVoltageController {
  phase: CvPhase = 'knob';
  private volts = 0;
  private seq = 0;
  private holdStarted = -1;
  private readonly t0: number;

  constructor(
    private readonly device: ClockedDevice & Pick<SimulatedDevice, 'sendVoltage'>,
    private readonly plan: SessionPlan,
    /** How fast the operator turns the knob (V/s); 1 V/s reaches 40 V in 40 s. */
    private readonly knobRate = 1,
  ) {
    this.t0 = device.now();
  }

  get voltage(): Volt {
    return this.volts as Volt;
  }

  /** One control period: read the meter, move the knob, renew the lease. */
  step(): void {
    const period = this.device.info.samplePeriod;
    const t = (this.device.now() + period) as Millisecond;
    this.device.advanceTo(t);
    const tel = this.device.read();
    const i = tel ? Math.abs(tel.current) : 0;
    const dt = period / 1000;
    const elapsed = t - this.t0;
    if (this.phase === 'knob') {
      if (i >= this.plan.target) {
        this.phase = 'hold';
        this.holdStarted = elapsed;
      } else {
        this.volts = Math.min(this.device.info.compliance, this.volts + this.knobRate * dt);
        // A patient whose load needs more than the device has: hold at the top of the dial.
        if (this.volts >= this.device.info.compliance) {
          this.phase = 'hold';
          this.holdStarted = elapsed;
        }
      }
    } else if (this.phase === 'hold') {
      if (elapsed - this.holdStarted >= this.plan.duration * 1000) this.phase = 'ramp-down';
    } else if (this.phase === 'ramp-down') {
      this.volts = Math.max(0, this.volts - this.knobRate * 2 * dt);
      if (this.volts <= 0) this.phase = 'done';
    }
    this.device.sendVoltage({
      voltage: this.volts as Volt,
      lease: (period * 5) as Millisecond,
      polarity: this.plan.polarity,
      outputEnabled: this.phase !== 'done',
      seq: ++this.seq,
    });
  }
}
