import type { Telemetry } from '../device/device.js';
import type { MilliAmp, MilliAmpPerSecond } from '../units/quantities.js';
import type { Phase } from './session-machine.js';

/**
 * Window over which dI/dt is judged (samples): means of 25 (0.5 s) compared 0.5 s apart. Single 20 ms samples, and
 * even 0.1 s means, differ by sensor noise alone (σ 0.02 mA gives ±0.15 mA/s over 0.1 s).
 */
const DIDT_WINDOW = 25;

/**
 * Regulation figures of one session, accumulated sample by sample from the measured current: RMS error against
 * the engine's reference while treating, overshoot above the target, and the fastest change of current.
 */
export class SessionMetrics {
  private sumSq = 0;
  private n = 0;
  private maxOver = 0;
  private didtMax = 0;
  private riseMax = 0;
  private peak = 0;
  private readonly ring = new Float64Array(DIDT_WINDOW * 2);
  private ringT = new Float64Array(DIDT_WINDOW * 2);
  private count = 0;

  constructor(private readonly target: MilliAmp) {}

  /** Feed one sample with the engine's phase and reference in force while it was measured. */
  add(tel: Telemetry, phase: Phase, reference: number): void {
    const i = Math.abs(tel.current);
    if (i > this.peak) this.peak = i;
    if (phase === 'treat' && reference > 0) {
      const e = i - reference;
      this.sumSq += e * e;
      this.n += 1;
    }
    const over = i - this.target;
    if (over > this.maxOver) this.maxOver = over;
    // Moving averages of DIDT_WINDOW samples, compared one window apart.
    const k = this.count % this.ring.length;
    this.ring[k] = i;
    this.ringT[k] = tel.t;
    this.count += 1;
    if (this.count >= this.ring.length) {
      let a = 0;
      let b = 0;
      for (let j = 0; j < DIDT_WINDOW; j++) {
        a += this.ring[(this.count - 1 - j) % this.ring.length]!;
        b += this.ring[(this.count - 1 - DIDT_WINDOW - j) % this.ring.length]!;
      }
      const dt =
        (this.ringT[(this.count - 1) % this.ring.length]! -
          this.ringT[(this.count - 1 - DIDT_WINDOW) % this.ring.length]!) /
        1000;
      if (dt > 0) {
        const didt = (a - b) / DIDT_WINDOW / dt;
        if (Math.abs(didt) > this.didtMax) this.didtMax = Math.abs(didt);
        if (didt > this.riseMax) this.riseMax = didt;
      }
    }
  }

  /** RMS of (measured − reference) while treating, as % of the target. */
  rmsErrorPct(): number {
    return this.n === 0 ? 0 : (Math.sqrt(this.sumSq / this.n) / this.target) * 100;
  }

  maxOvershootPct(): number {
    return (this.maxOver / this.target) * 100;
  }

  /** Fastest change, rising or falling (a hand lifted out of the water makes the current fall fast). */
  maxDidt(): MilliAmpPerSecond {
    return this.didtMax as MilliAmpPerSecond;
  }

  /** Fastest rise: the figure to hold against the comfort limit. */
  maxRise(): MilliAmpPerSecond {
    return this.riseMax as MilliAmpPerSecond;
  }

  peakCurrent(): MilliAmp {
    return this.peak as MilliAmp;
  }
}
