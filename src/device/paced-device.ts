import type { Millisecond } from '../units/quantities.js';
import type { ClockedDevice, Device, DeviceCommand, DeviceInfo, DeviceLink, Telemetry } from './device.js';

/**
 * A real device (one that runs on its own, such as a `SerialDevice`) seen as a `ClockedDevice`, so the engine's
 * runner can drive it. Its clock is the control loop's schedule: `advanceTo(t)` only moves the clock to `t`,
 * and the caller steps the runner once the wall clock has reached the next period (the device runs meanwhile).
 * Time starts at `start` (ms of the caller's monotonic clock).
 */
export class PacedDevice implements ClockedDevice {
  private clock: number;

  constructor(
    readonly inner: Device,
    start: number,
  ) {
    this.clock = start;
  }

  get info(): DeviceInfo {
    return this.inner.info;
  }

  get connection(): DeviceLink | undefined {
    return this.inner.connection;
  }

  send(cmd: DeviceCommand): void {
    this.inner.send(cmd);
  }

  read(): Telemetry | undefined {
    return this.inner.read();
  }

  now(): Millisecond {
    return this.clock as Millisecond;
  }

  advanceTo(t: Millisecond): void {
    if (t > this.clock) this.clock = t;
  }
}
