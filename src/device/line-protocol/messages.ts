import { IontoError } from '../../errors/catalogue.js';
import type { Fraction, Hertz, MilliAmp, MilliAmpPerSecond, Millisecond, Volt } from '../../units/quantities.js';
import type { DeviceCommand, DeviceInfo, Polarity, Telemetry, Waveform } from '../device.js';

/**
 * Messages of the OpenIonto device line protocol, version 1 (docs/device-protocol.md). Every field is little-endian
 * and fixed-width; currents travel as whole µA, voltages as whole mV, so the codec is exact at that resolution.
 * Every message type has one exact length (HELLO_ACK: one exact length for its model-name length), and every enum
 * byte has a closed set of values: anything else is refused, never guessed.
 */
export const PROTOCOL_VERSION = 1;
/** Largest message (before its CRC) either side may send. */
export const MAX_MESSAGE_BYTES = 64;
/** Longest model name in HELLO_ACK, in UTF-8 bytes. */
export const MAX_MODEL_BYTES = 32;

export const MessageType = {
  hello: 0x01,
  command: 0x02,
  heartbeat: 0x03,
  helloAck: 0x81,
  versionRefused: 0x82,
  telemetry: 0x83,
  status: 0x84,
  heartbeatAck: 0x85,
} as const;

/** Status codes a device reports in STATUS messages. */
export const StatusCode = {
  /** The hardware over-current trip fired; output is off until a power cycle. */
  hardwareTrip: 1,
  /** The lease ran out; the output ramps to zero by itself. */
  leaseExpired: 2,
  /** A command was refused (out of the device's range); `detail` is its seq. The output does not change. */
  commandRefused: 3,
  /** A received frame was dropped (bad COBS, CRC, length or field); `detail` counts them since power-up. */
  frameRejected: 4,
  /** A command arrived before the handshake; the output stays off. */
  notReady: 5,
} as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];
const STATUS_CODES = new Set<number>(Object.values(StatusCode));

export type HostMessage =
  | { readonly type: 'hello'; readonly version: number; readonly nonce: number }
  | { readonly type: 'command'; readonly command: DeviceCommand }
  | { readonly type: 'heartbeat'; readonly nonce: number };

export type DeviceMessage =
  | { readonly type: 'hello-ack'; readonly version: number; readonly nonce: number; readonly info: DeviceInfo }
  | { readonly type: 'version-refused'; readonly minVersion: number; readonly maxVersion: number }
  | { readonly type: 'telemetry'; readonly telemetry: Telemetry }
  | { readonly type: 'status'; readonly t: Millisecond; readonly code: StatusCode; readonly detail: number }
  | { readonly type: 'heartbeat-ack'; readonly nonce: number };

export type Message = HostMessage | DeviceMessage;

export const isHostMessage = (m: Message): m is HostMessage =>
  m.type === 'hello' || m.type === 'command' || m.type === 'heartbeat';

const LEN = {
  hello: 6,
  command: 20,
  heartbeat: 5,
  helloAckFixed: 26,
  versionRefused: 3,
  telemetry: 27,
  status: 10,
  heartbeatAck: 5,
} as const;

const U32 = 0xffff_ffff;
const I32_MIN = -0x8000_0000;
const I32_MAX = 0x7fff_ffff;

function uint(name: string, x: number, max: number): number {
  if (!Number.isInteger(x) || x < 0 || x > max)
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `${name} ${x} does not fit the line protocol (0…${max})`);
  return x;
}
/** A quantity scaled to whole sub-units (mA → µA, V → mV), checked to fit an unsigned field. */
const scaledU = (name: string, x: number, scale: number, max: number): number =>
  uint(name, Number.isFinite(x) ? Math.round(x * scale) : NaN, max);
function scaledI32(name: string, x: number, scale: number): number {
  const v = Number.isFinite(x) ? Math.round(x * scale) : NaN;
  if (!Number.isInteger(v) || v < I32_MIN || v > I32_MAX)
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `${name} ${x} does not fit the line protocol`);
  return v;
}

const polarityByte = (p: Polarity): number => (p === '+' ? 0 : 1);
const polarityOf = (b: number): Polarity | undefined => (b === 0 ? '+' : b === 1 ? '-' : undefined);

const FLAG_TRIPPED = 1;
const FLAG_COMPLIANCE = 2;
const FLAG_LEASE_EXPIRED = 4;
const FLAG_OUTPUT = 8;

/** Encode a message to its payload bytes (no CRC, no framing). Throws ION_ERR_OUT_OF_RANGE for unrepresentable values. */
export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case 'hello': {
      const b = new Uint8Array(LEN.hello);
      const v = new DataView(b.buffer);
      v.setUint8(0, MessageType.hello);
      v.setUint8(1, uint('version', m.version, 0xff));
      v.setUint32(2, uint('nonce', m.nonce, U32), true);
      return b;
    }
    case 'heartbeat':
    case 'heartbeat-ack': {
      const b = new Uint8Array(LEN.heartbeat);
      const v = new DataView(b.buffer);
      v.setUint8(0, m.type === 'heartbeat' ? MessageType.heartbeat : MessageType.heartbeatAck);
      v.setUint32(1, uint('nonce', m.nonce, U32), true);
      return b;
    }
    case 'command': {
      const c = m.command;
      const b = new Uint8Array(LEN.command);
      const v = new DataView(b.buffer);
      v.setUint8(0, MessageType.command);
      v.setUint32(1, uint('seq', c.seq, U32 - 1), true);
      v.setUint32(5, scaledU('setpoint', c.setpoint, 1000, U32), true);
      v.setUint16(9, scaledU('lease', c.lease, 1, 0xffff), true);
      v.setUint8(11, polarityByte(c.polarity));
      v.setUint8(12, c.outputEnabled ? 1 : 0);
      if (c.waveform.kind === 'pulsed') {
        v.setUint8(13, 1);
        v.setUint32(14, scaledU('frequency', c.waveform.frequency, 1000, U32), true);
        const duty = scaledU('duty', c.waveform.duty, 10_000, 10_000);
        if (duty === 0) throw new IontoError('ION_ERR_OUT_OF_RANGE', 'pulsed duty must be above 0');
        v.setUint16(18, duty, true);
      } else v.setUint8(13, 0);
      return b;
    }
    case 'hello-ack': {
      const name = new TextEncoder().encode(m.info.model);
      if (name.length > MAX_MODEL_BYTES)
        throw new IontoError('ION_ERR_OUT_OF_RANGE', `model name longer than ${MAX_MODEL_BYTES} bytes`);
      const b = new Uint8Array(LEN.helloAckFixed + name.length);
      const v = new DataView(b.buffer);
      const i = m.info;
      v.setUint8(0, MessageType.helloAck);
      v.setUint8(1, uint('version', m.version, 0xff));
      v.setUint32(2, uint('nonce', m.nonce, U32), true);
      v.setUint32(6, scaledU('maxCurrent', i.maxCurrent, 1000, U32), true);
      v.setUint32(10, scaledU('compliance', i.compliance, 1000, U32), true);
      v.setUint32(14, scaledU('hardTrip', i.hardTrip, 1000, U32), true);
      v.setUint16(18, scaledU('samplePeriod', i.samplePeriod, 1, 0xffff), true);
      v.setUint32(20, scaledU('leaseRamp', i.leaseRamp, 1000, U32), true);
      v.setUint8(24, i.supportsPulsed ? 1 : 0);
      v.setUint8(25, name.length);
      b.set(name, LEN.helloAckFixed);
      return b;
    }
    case 'version-refused': {
      const b = new Uint8Array(LEN.versionRefused);
      b[0] = MessageType.versionRefused;
      b[1] = uint('minVersion', m.minVersion, 0xff);
      b[2] = uint('maxVersion', m.maxVersion, 0xff);
      return b;
    }
    case 'telemetry': {
      const s = m.telemetry;
      const b = new Uint8Array(LEN.telemetry);
      const v = new DataView(b.buffer);
      v.setUint8(0, MessageType.telemetry);
      v.setUint32(1, scaledU('t', s.t, 1, U32), true);
      v.setUint32(5, uint('seq', s.seq, U32), true);
      v.setInt32(9, scaledI32('current', s.current, 1000), true);
      v.setInt32(13, scaledI32('voltage', s.voltage, 1000), true);
      v.setUint32(17, scaledU('peakCurrent', s.peakCurrent, 1000, U32), true);
      v.setUint8(21, polarityByte(s.polarity));
      // ackSeq −1 (no command applied yet) travels as 0xFFFFFFFF.
      v.setUint32(22, s.ackSeq === -1 ? U32 : uint('ackSeq', s.ackSeq, U32 - 1), true);
      const f = s.flags;
      v.setUint8(
        26,
        (f.tripped ? FLAG_TRIPPED : 0) |
          (f.compliance ? FLAG_COMPLIANCE : 0) |
          (f.leaseExpired ? FLAG_LEASE_EXPIRED : 0) |
          (f.outputEnabled ? FLAG_OUTPUT : 0),
      );
      return b;
    }
    case 'status': {
      const b = new Uint8Array(LEN.status);
      const v = new DataView(b.buffer);
      v.setUint8(0, MessageType.status);
      v.setUint32(1, scaledU('t', m.t, 1, U32), true);
      v.setUint8(5, uint('code', m.code, 0xff));
      v.setUint32(6, uint('detail', m.detail, U32), true);
      return b;
    }
  }
}

/** Why a payload was refused. */
export type MessageRefusal = 'empty' | 'unknown-type' | 'length' | 'field';

/** Decode a payload (CRC already checked). Refuses wrong lengths, unknown types and out-of-set enum bytes. */
export function decodeMessage(b: Uint8Array): Message | MessageRefusal {
  if (b.length === 0) return 'empty';
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = b[0];
  const len = (n: number): boolean => b.length === n;
  switch (type) {
    case MessageType.hello:
      if (!len(LEN.hello)) return 'length';
      return { type: 'hello', version: v.getUint8(1), nonce: v.getUint32(2, true) };
    case MessageType.heartbeat:
    case MessageType.heartbeatAck:
      if (!len(LEN.heartbeat)) return 'length';
      return { type: type === MessageType.heartbeat ? 'heartbeat' : 'heartbeat-ack', nonce: v.getUint32(1, true) };
    case MessageType.command: {
      if (!len(LEN.command)) return 'length';
      const polarity = polarityOf(v.getUint8(11));
      const enable = v.getUint8(12);
      const kind = v.getUint8(13);
      const freq = v.getUint32(14, true);
      const duty = v.getUint16(18, true);
      if (polarity === undefined || enable > 1 || kind > 1) return 'field';
      let waveform: Waveform;
      if (kind === 0) {
        if (freq !== 0 || duty !== 0) return 'field';
        waveform = { kind: 'dc' };
      } else {
        if (freq === 0 || duty === 0 || duty > 10_000) return 'field';
        waveform = { kind: 'pulsed', frequency: (freq / 1000) as Hertz, duty: (duty / 10_000) as Fraction };
      }
      return {
        type: 'command',
        command: {
          seq: v.getUint32(1, true),
          setpoint: (v.getUint32(5, true) / 1000) as MilliAmp,
          lease: v.getUint16(9, true) as Millisecond,
          polarity,
          outputEnabled: enable === 1,
          waveform,
        },
      };
    }
    case MessageType.helloAck: {
      if (b.length < LEN.helloAckFixed) return 'length';
      const nameLen = v.getUint8(25);
      if (nameLen > MAX_MODEL_BYTES || !len(LEN.helloAckFixed + nameLen)) return 'length';
      const caps = v.getUint8(24);
      if (caps > 1) return 'field';
      let model: string;
      try {
        model = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(LEN.helloAckFixed));
      } catch {
        return 'field';
      }
      return {
        type: 'hello-ack',
        version: v.getUint8(1),
        nonce: v.getUint32(2, true),
        info: {
          model,
          maxCurrent: (v.getUint32(6, true) / 1000) as MilliAmp,
          compliance: (v.getUint32(10, true) / 1000) as Volt,
          hardTrip: (v.getUint32(14, true) / 1000) as MilliAmp,
          samplePeriod: v.getUint16(18, true) as Millisecond,
          leaseRamp: (v.getUint32(20, true) / 1000) as MilliAmpPerSecond,
          supportsPulsed: caps === 1,
        },
      };
    }
    case MessageType.versionRefused:
      if (!len(LEN.versionRefused)) return 'length';
      if (b[1]! > b[2]!) return 'field';
      return { type: 'version-refused', minVersion: b[1]!, maxVersion: b[2]! };
    case MessageType.telemetry: {
      if (!len(LEN.telemetry)) return 'length';
      const polarity = polarityOf(v.getUint8(21));
      const flags = v.getUint8(26);
      if (polarity === undefined || flags > 15) return 'field';
      return {
        type: 'telemetry',
        telemetry: {
          t: v.getUint32(1, true) as Millisecond,
          seq: v.getUint32(5, true),
          current: (v.getInt32(9, true) / 1000) as MilliAmp,
          voltage: (v.getInt32(13, true) / 1000) as Volt,
          peakCurrent: (v.getUint32(17, true) / 1000) as MilliAmp,
          polarity,
          ackSeq: v.getUint32(22, true) === U32 ? -1 : v.getUint32(22, true),
          flags: {
            tripped: (flags & FLAG_TRIPPED) !== 0,
            compliance: (flags & FLAG_COMPLIANCE) !== 0,
            leaseExpired: (flags & FLAG_LEASE_EXPIRED) !== 0,
            outputEnabled: (flags & FLAG_OUTPUT) !== 0,
          },
        },
      };
    }
    case MessageType.status: {
      if (!len(LEN.status)) return 'length';
      const code = v.getUint8(5);
      if (!STATUS_CODES.has(code)) return 'field';
      return {
        type: 'status',
        t: v.getUint32(1, true) as Millisecond,
        code: code as StatusCode,
        detail: v.getUint32(6, true),
      };
    }
    default:
      return 'unknown-type';
  }
}
