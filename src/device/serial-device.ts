import { randomInt } from 'node:crypto';
import { IontoError, type ErrorCode } from '../errors/catalogue.js';
import type { Millisecond } from '../units/quantities.js';
import type { Device, DeviceCommand, DeviceInfo, DeviceLink, Telemetry } from './device.js';
import type { ByteLink } from './line-protocol/byte-link.js';
import { encodeFrame, FrameDecoder } from './line-protocol/framing.js';
import { PROTOCOL_VERSION, StatusCode, type DeviceMessage } from './line-protocol/messages.js';

export interface SerialDeviceOptions {
  /** Host clock in ms (monotonic). Default `performance.now`. */
  readonly now?: () => number;
  /** Time allowed for HELLO_ACK. Default 1000 ms. */
  readonly handshakeTimeout?: Millisecond;
  /** Telemetry silence after which the link counts as lost. Default `defaultLinkTimeout(samplePeriod)`. */
  readonly telemetryTimeout?: Millisecond;
  /** Enact and verify: time within which telemetry must acknowledge a command's seq. Default as the telemetry's. */
  readonly ackTimeout?: Millisecond;
  /**
   * Send a HEARTBEAT when no frame went out for this long (while connected or awaiting re-arm); its answer must
   * come back within `ackTimeout`. Default 25 sample periods (250 ms at 100 Hz), a design value: it checks the
   * host-to-device direction while no command goes out. A heartbeat never renews a lease.
   */
  readonly heartbeatInterval?: Millisecond;
}

/**
 * - `connected`: commands go out, telemetry comes in.
 * - `lost`: telemetry stopped, or a command or heartbeat was not acknowledged in time. Nothing is sent (the device's
 *   lease ramps its output to zero by itself) and `read()` returns nothing; the engine, told through `connection`, pauses.
 * - `awaiting-rearm`: the link is back after a handshake, but commands are still withheld, so the lease stays
 *   lapsed and the output off, until `rearm()`.
 */
export type SerialLinkState = 'connected' | 'lost' | 'awaiting-rearm';

/** Something the serial device noticed, with its catalogue code (for the session's event log). */
export interface SerialDeviceProblem {
  readonly at: number;
  readonly code: ErrorCode;
  readonly message: string;
}

interface Pending {
  readonly nonce: number;
  resolve(info: DeviceInfo): void;
  reject(e: Error): void;
}

/**
 * Default telemetry and acknowledgement timeout: 5 sample periods, but not under 80 ms. A design value: a process on
 * a busy two-core machine is not scheduled for about 50 ms now and then (measured: p99.9 51 ms, largest 57 ms of a
 * 10 ms timer over 10 s at load 8), which a 50 ms timeout at 100 Hz counted as a lost link. It stays at or under the
 * supervisor's 100 ms staleness limit for sample periods up to 20 ms, so the link counts lost (and the engine
 * pauses) before the supervisor would fault on silence. The device's lease protects the patient either way.
 */
export function defaultLinkTimeout(samplePeriod: number): Millisecond {
  return Math.max(5 * samplePeriod, 80) as Millisecond;
}

/** Largest current still counted as "no output" when re-arming (noise and ADC offset of a stage at rest). */
const REARM_RESIDUAL_MA = 0.1;

/**
 * The `Device` port over a byte stream (a serial port or a pseudo-terminal) speaking the OpenIonto line protocol
 * (docs/device-protocol.md). Fail safe: whenever the link is in doubt it sends nothing and reports nothing, so the
 * device's lease takes the output to zero and the engine's stale-telemetry check stops the session.
 */
export class SerialDevice implements Device {
  private infoNow: DeviceInfo;
  private readonly now: () => number;
  private readonly decoder = new FrameDecoder();
  private readonly opts: SerialDeviceOptions;
  private link: ByteLink;
  private stateNow: SerialLinkState = 'connected';
  private latest: Telemetry | undefined;
  private lastSample: Telemetry | undefined;
  private lastTelemetryAt: number;
  /**
   * Commands sent and not yet acknowledged, oldest first, with their send times. Telemetry acknowledges every
   * command up to its ack seq; the oldest one left must be acknowledged within the ack timeout. (Each sample tends
   * to acknowledge the command before the newest, which is still in flight: waiting for the newest would never end.)
   */
  private readonly unacked: { seq: number; at: number }[] = [];
  private heartbeat: { nonce: number; at: number } | undefined;
  private lastWriteAt: number;
  private nextNonce = 1;
  private heartbeatsSent = 0;
  private heartbeatsAnswered = 0;
  private pending: Pending | undefined;
  private readonly problemLog: SerialDeviceProblem[] = [];
  private readonly statusLog: Extract<DeviceMessage, { type: 'status' }>[] = [];

  private constructor(link: ByteLink, info: DeviceInfo, opts: SerialDeviceOptions) {
    this.link = link;
    this.infoNow = info;
    this.opts = opts;
    this.now = opts.now ?? (() => performance.now());
    this.lastTelemetryAt = this.now();
    this.lastWriteAt = this.now();
  }

  /** Open a session with the device on `link`: version handshake, then its limits. */
  static async connect(link: ByteLink, opts: SerialDeviceOptions = {}): Promise<SerialDevice> {
    const placeholder = undefined as unknown as DeviceInfo;
    const dev = new SerialDevice(link, placeholder, opts);
    dev.infoNow = await dev.handshake(link);
    dev.lastTelemetryAt = dev.now();
    return dev;
  }

  get info(): DeviceInfo {
    return this.infoNow;
  }

  get state(): SerialLinkState {
    this.poll();
    return this.stateNow;
  }

  /** The link capability of the Device port: the engine's runner pauses on a lost link and re-arms when it is back. */
  readonly connection: DeviceLink = {
    state: () => this.state,
    rearm: () => this.rearm(),
  };

  /** What the link noticed: timeouts, lost links, refused frames. */
  problems(): readonly SerialDeviceProblem[] {
    return this.problemLog;
  }

  /** STATUS messages from the device (trips, lease expiries, refused commands). */
  statuses(): readonly Extract<DeviceMessage, { type: 'status' }>[] {
    return this.statusLog;
  }

  send(cmd: DeviceCommand): void {
    this.poll();
    if (this.stateNow !== 'connected') return; // withheld: the device's lease ramps its output to zero
    this.link.write(encodeFrame({ type: 'command', command: cmd }));
    this.lastWriteAt = this.now();
    // The oldest entry alone decides the timeout; a queue longer than the timeout's worth of periods has timed out.
    if (this.unacked.length < 256) this.unacked.push({ seq: cmd.seq, at: this.now() });
  }

  read(): Telemetry | undefined {
    this.poll();
    const s = this.latest;
    this.latest = undefined;
    return this.stateNow === 'connected' ? s : undefined;
  }

  /**
   * Handshake again over `link` (the same port reopened, or a new one) after a loss. The device must be the same
   * model with the same limits. The link then waits in `awaiting-rearm`.
   */
  async reconnect(link: ByteLink): Promise<void> {
    const info = await this.handshake(link);
    if (JSON.stringify(info) !== JSON.stringify(this.infoNow))
      throw new IontoError('ION_ERR_DEVICE_LINK', 'a different device answered after the reconnect', {
        before: this.infoNow,
        after: info,
      });
    this.stateNow = 'awaiting-rearm';
    this.lastTelemetryAt = this.now();
    this.lastWriteAt = this.now();
    this.unacked.length = 0;
    this.heartbeat = undefined;
    this.latest = undefined;
  }

  /**
   * Let commands through again after a reconnect. Refused (returns false) until telemetry shows the output at
   * rest: no current flowing, or the lease lapsed and the output switch open. The engine must then start from zero.
   */
  rearm(): boolean {
    this.poll();
    if (this.stateNow !== 'awaiting-rearm') return false;
    const s = this.lastSample;
    if (s === undefined || this.now() - this.lastTelemetryAt > this.telemetryTimeout()) return false;
    const atRest = !s.flags.outputEnabled || Math.abs(s.current) <= REARM_RESIDUAL_MA;
    if (!atRest) return false;
    this.stateNow = 'connected';
    this.latest = undefined;
    return true;
  }

  private telemetryTimeout(): number {
    return this.opts.telemetryTimeout ?? defaultLinkTimeout(this.infoNow.samplePeriod);
  }

  private poll(): void {
    if (this.stateNow === 'lost' || this.infoNow === undefined) return;
    const t = this.now();
    if (t - this.lastTelemetryAt > this.telemetryTimeout())
      return this.lose('ION_ERR_DEVICE_LINK', `no telemetry for ${Math.round(t - this.lastTelemetryAt)} ms`);
    const ackTimeout = this.opts.ackTimeout ?? defaultLinkTimeout(this.infoNow.samplePeriod);
    const oldest = this.unacked[0];
    if (oldest !== undefined && t - oldest.at > ackTimeout)
      return this.lose('ION_ERR_DEVICE_TIMEOUT', `command ${oldest.seq} not acknowledged within ${ackTimeout} ms`);
    if (this.heartbeat !== undefined && t - this.heartbeat.at > ackTimeout)
      return this.lose('ION_ERR_DEVICE_TIMEOUT', `heartbeat not answered within ${ackTimeout} ms`);
    const interval = this.opts.heartbeatInterval ?? 25 * this.infoNow.samplePeriod;
    if (this.heartbeat === undefined && this.pending === undefined && t - this.lastWriteAt >= interval) {
      const nonce = this.nextNonce;
      this.nextNonce = (this.nextNonce % 0xffff_fffe) + 1;
      this.heartbeat = { nonce, at: t };
      this.heartbeatsSent++;
      this.lastWriteAt = t;
      this.link.write(encodeFrame({ type: 'heartbeat', nonce }));
    }
  }

  /** Heartbeats sent and answered since the connection (for tests and diagnostics). */
  get heartbeats(): { readonly sent: number; readonly answered: number } {
    return { sent: this.heartbeatsSent, answered: this.heartbeatsAnswered };
  }

  private lose(code: ErrorCode, message: string): void {
    this.stateNow = 'lost';
    this.latest = undefined;
    this.unacked.length = 0;
    this.heartbeat = undefined;
    this.problemLog.push({ at: this.now(), code, message: `${message}; output left to the device's lease` });
  }

  private handshake(link: ByteLink): Promise<DeviceInfo> {
    this.link = link;
    this.decoder.reset();
    link.onData((b) => this.receive(b));
    const nonce = randomInt(0, 0xffff_ffff);
    const timeout = this.opts.handshakeTimeout ?? 1000;
    return new Promise<DeviceInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new IontoError('ION_ERR_DEVICE_TIMEOUT', `no answer to the handshake within ${timeout} ms`));
      }, timeout);
      this.pending = {
        nonce,
        resolve: (info) => {
          clearTimeout(timer);
          resolve(info);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      link.write(encodeFrame({ type: 'hello', version: PROTOCOL_VERSION, nonce }));
    });
  }

  private receive(bytes: Uint8Array): void {
    for (const r of this.decoder.push(bytes)) {
      if (!r.ok) continue; // counted by the decoder; a frame that fails its checks is never acted on
      const m = r.message;
      switch (m.type) {
        case 'hello-ack': {
          const p = this.pending;
          if (p === undefined || m.nonce !== p.nonce) break;
          this.pending = undefined;
          if (m.version !== PROTOCOL_VERSION)
            p.reject(
              new IontoError('ION_ERR_DEVICE_VERSION', `device answered with protocol version ${m.version}`, {
                supported: PROTOCOL_VERSION,
              }),
            );
          else p.resolve(m.info);
          break;
        }
        case 'version-refused': {
          const p = this.pending;
          if (p === undefined) break;
          this.pending = undefined;
          p.reject(
            new IontoError(
              'ION_ERR_DEVICE_VERSION',
              `device speaks line-protocol versions ${m.minVersion}–${m.maxVersion}; this software speaks ${PROTOCOL_VERSION}`,
              { device: [m.minVersion, m.maxVersion], host: PROTOCOL_VERSION },
            ),
          );
          break;
        }
        case 'telemetry': {
          if (this.stateNow === 'lost' || this.pending !== undefined) break;
          // Stamped with the host's clock at arrival: the device's own clock has another origin, and the engine's
          // staleness checks compare sample times with the host's time.
          const s: Telemetry = { ...m.telemetry, t: this.now() as Millisecond };
          this.lastTelemetryAt = this.now();
          this.lastSample = s;
          this.latest = s;
          while (this.unacked.length > 0 && s.ackSeq >= this.unacked[0]!.seq) this.unacked.shift();
          break;
        }
        case 'status':
          this.statusLog.push(m);
          if (m.code === StatusCode.notReady && this.stateNow === 'connected')
            this.lose('ION_ERR_DEVICE_LINK', 'the device restarted and has no session');
          break;
        case 'heartbeat-ack':
          if (this.heartbeat !== undefined && m.nonce === this.heartbeat.nonce) {
            this.heartbeat = undefined;
            this.heartbeatsAnswered++;
          }
          break;
        default:
          break; // host-to-device messages carry nothing for the port
      }
    }
  }
}
