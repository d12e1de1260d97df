import type { Telemetry } from './device.js';

/**
 * The link that carries telemetry samples from the simulated device to the host. It is a FIFO: samples keep their
 * order and their original timestamps. Two faults live here: a dropout (samples produced before `dropUntil` are
 * lost) and a delay (each sample is delivered `delay` ms after the end of its window, never before an earlier one).
 * The host reads the newest delivered sample; older delivered samples it never read are superseded.
 */
export class TelemetryLink {
  private readonly pending: Telemetry[] = [];
  private readonly dueAt: number[] = [];
  private head = 0;
  private latest: Telemetry | undefined = undefined;
  private lastDue = -Infinity;
  private delay = 0;
  private dropUntil = -Infinity;

  setDelay(delay: number): void {
    this.delay = delay;
  }

  /** Lose every sample whose window ends before `until` (device time, ms). */
  dropUntilTime(until: number): void {
    this.dropUntil = until;
  }

  dropping(t: number): boolean {
    return t < this.dropUntil;
  }

  /** Hand a sample produced at device time `now` (its own `t`) to the link. */
  push(sample: Telemetry, now: number): void {
    if (sample.t < this.dropUntil) return;
    if (this.delay <= 0 && this.head === this.pending.length) {
      // Fast path: no delay and nothing in flight.
      this.latest = sample;
      this.lastDue = now;
      return;
    }
    let due = now + this.delay;
    if (due < this.lastDue) due = this.lastDue; // a FIFO link does not reorder
    this.lastDue = due;
    this.pending.push(sample);
    this.dueAt.push(due);
  }

  /** Deliver every sample due by device time `now`. */
  deliver(now: number): void {
    let h = this.head;
    const n = this.pending.length;
    if (h === n) return;
    while (h < n && (this.dueAt[h] as number) <= now) {
      this.latest = this.pending[h];
      h++;
    }
    if (h === n) {
      this.pending.length = 0;
      this.dueAt.length = 0;
      this.head = 0;
    } else if (h > 1024 && h * 2 > n) {
      this.pending.splice(0, h);
      this.dueAt.splice(0, h);
      this.head = 0;
    } else {
      this.head = h;
    }
  }

  /** The newest delivered sample not yet taken, or undefined. */
  take(): Telemetry | undefined {
    const s = this.latest;
    this.latest = undefined;
    return s;
  }

  /** Samples produced but not yet delivered. */
  inFlight(): number {
    return this.pending.length - this.head;
  }
}
