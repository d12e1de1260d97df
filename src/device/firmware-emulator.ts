import type { ErrorCode } from '../errors/catalogue.js';
import type { Millisecond } from '../units/quantities.js';
import type { ClockedDevice, Telemetry } from './device.js';
import type { ByteLink } from './line-protocol/byte-link.js';
import { encodeFrame, FrameDecoder } from './line-protocol/framing.js';
import { PROTOCOL_VERSION, StatusCode, type DeviceMessage, type HostMessage } from './line-protocol/messages.js';
import type { DeviceEvent } from './simulated-device.js';

/** The output stage the emulator's firmware drives: the simulated device (and the load or patient behind it). */
export interface EmulatedStage extends ClockedDevice {
  /** The stage's own log: hardware trips, lease expiries, refused commands. */
  events(): readonly DeviceEvent[];
}

export interface FirmwareEmulatorOptions {
  /** Line-protocol versions this firmware speaks. Default: only the current one. */
  readonly minVersion?: number;
  readonly maxVersion?: number;
  /** Every sample the stage produces, sent or not (the emulator's own log of its output). */
  readonly onSample?: (sample: Telemetry) => void;
}

/** Model name the reference emulator reports (HELLO_ACK carries at most 32 bytes). */
export const EMULATOR_MODEL = 'OpenIonto reference emulator';

export type FirmwareState = 'awaiting-hello' | 'ready';

const STATUS_OF: Partial<Record<ErrorCode, StatusCode>> = {
  ION_ERR_HW_TRIP: StatusCode.hardwareTrip,
  ION_ERR_LEASE_EXPIRED: StatusCode.leaseExpired,
  ION_ERR_OUT_OF_RANGE: StatusCode.commandRefused,
};

/**
 * Reference firmware for the line protocol (docs/device-protocol.md), running on a simulated output stage. It is
 * what a hardware maker implements:
 * - it answers HELLO with HELLO_ACK (its limits) when it speaks the host's version, VERSION_REFUSED otherwise;
 * - before a handshake it ignores commands (STATUS notReady) and sends no telemetry, so the output stays off;
 * - it applies each COMMAND at once; the command is a lease, and the stage ramps its output to zero by itself at
 *   `leaseRamp` when the host stops renewing it (host crashed, cable pulled);
 * - the stage's hardware over-current trip latches the output off until a power cycle, whatever the host sends;
 * - it sends one TELEMETRY frame per sample period (10 ms = 100 Hz by default in `ionto device-emulator`) and a
 *   STATUS frame for every trip, lease expiry, refused command and (at most once per sample) dropped frames.
 * Time is driven by the caller through `advanceTo`, so tests run it exactly and the CLI runs it on a wall clock.
 */
export class FirmwareEmulator {
  private readonly decoder = new FrameDecoder();
  private readonly minVersion: number;
  private readonly maxVersion: number;
  private stateNow: FirmwareState = 'awaiting-hello';
  private seenEvents = 0;
  private rejectedFrames = 0;
  private rejectedReported = 0;
  /** Seq of the last command handed to the stage: the detail of its refusal or of its lease's expiry. */
  private commandSeq = 0;

  constructor(
    readonly stage: EmulatedStage,
    private link: ByteLink,
    private readonly options: FirmwareEmulatorOptions = {},
  ) {
    this.minVersion = options.minVersion ?? PROTOCOL_VERSION;
    this.maxVersion = options.maxVersion ?? PROTOCOL_VERSION;
    this.seenEvents = stage.events().length;
    // Fail at start-up, not at the first handshake, when the stage's limits cannot travel in HELLO_ACK.
    encodeFrame({ type: 'hello-ack', version: PROTOCOL_VERSION, nonce: 0, info: stage.info });
    link.onData((bytes) => this.receive(bytes));
  }

  get state(): FirmwareState {
    return this.stateNow;
  }

  /**
   * The port came back after the cable was pulled (a USB serial port re-enumerated): listen on the new link. The
   * firmware keeps running meanwhile, its lease and output untouched; a partial frame from the old link is dropped.
   */
  attach(link: ByteLink): void {
    this.link = link;
    this.decoder.reset();
    link.onData((bytes) => this.receive(bytes));
  }

  /** Bytes from the host. */
  receive(bytes: Uint8Array): void {
    for (const r of this.decoder.push(bytes)) {
      if (!r.ok) this.rejectedFrames++;
      else if (r.message.type === 'hello' || r.message.type === 'command' || r.message.type === 'heartbeat')
        this.handle(r.message);
      else this.rejectedFrames++; // a device-to-host message is never a command
    }
    this.reportEvents();
  }

  /** Run the stage up to device time `t`, sending telemetry for every completed sample window. */
  advanceTo(until: Millisecond): void {
    // The stage runs in whole ms: a fractional wall-clock time runs to the ms before it.
    const t = Math.floor(until);
    const period = this.stage.info.samplePeriod;
    while (this.stage.now() < t) {
      const boundary = (Math.floor(this.stage.now() / period) + 1) * period;
      this.stage.advanceTo((boundary < t ? boundary : t) as Millisecond);
      this.reportEvents();
      const sample = this.stage.read();
      if (sample !== undefined) this.options.onSample?.(sample);
      if (sample !== undefined && this.stateNow === 'ready') this.send({ type: 'telemetry', telemetry: sample });
    }
    if (this.rejectedFrames !== this.rejectedReported && this.stateNow === 'ready') {
      this.rejectedReported = this.rejectedFrames;
      this.send({ type: 'status', t: this.stage.now(), code: StatusCode.frameRejected, detail: this.rejectedFrames });
    }
  }

  private handle(m: HostMessage): void {
    switch (m.type) {
      case 'hello':
        if (m.version < this.minVersion || m.version > this.maxVersion) {
          this.send({ type: 'version-refused', minVersion: this.minVersion, maxVersion: this.maxVersion });
          return;
        }
        // A new handshake changes nothing at the output: a lease still running ramps down on its own unless the
        // new host renews it.
        this.stateNow = 'ready';
        this.send({ type: 'hello-ack', version: m.version, nonce: m.nonce, info: this.stage.info });
        return;
      case 'heartbeat':
        if (this.stateNow === 'ready') this.send({ type: 'heartbeat-ack', nonce: m.nonce });
        return;
      case 'command':
        if (this.stateNow !== 'ready') {
          this.send({ type: 'status', t: this.stage.now(), code: StatusCode.notReady, detail: m.command.seq });
          return;
        }
        this.commandSeq = m.command.seq;
        this.stage.send(m.command);
        return;
    }
  }

  private reportEvents(): void {
    const log = this.stage.events();
    for (; this.seenEvents < log.length; this.seenEvents++) {
      const e = log[this.seenEvents]!;
      const code = STATUS_OF[e.code];
      if (code === undefined || this.stateNow !== 'ready') continue;
      const detail = code === StatusCode.hardwareTrip ? 0 : this.commandSeq;
      this.send({ type: 'status', t: e.t, code, detail });
    }
  }

  private send(m: DeviceMessage): void {
    this.link.write(encodeFrame(m));
  }
}
