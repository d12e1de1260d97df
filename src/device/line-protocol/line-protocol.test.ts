import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MilliAmp, Millisecond } from '../../units/quantities.js';
import { cobsDecode, cobsEncode } from './cobs.js';
import { CRC16_CHECK_VALUE, crc16CcittFalse } from './crc16.js';
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from './framing.js';
import { decodeMessage, encodeMessage, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, type Message } from './messages.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Quantities generated on the wire's grid (µA, mV, ms), so a round trip must be exact. */
const micro = (max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max }).map((x) => x / 1000);
const signedMicro = fc.integer({ min: -2_000_000, max: 2_000_000 }).map((x) => x / 1000);
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const polarity = fc.constantFrom('+' as const, '-' as const);

const commandArb: fc.Arbitrary<Message> = fc
  .record({
    seq: fc.integer({ min: 0, max: 0xffff_fffe }),
    setpoint: micro(50_000),
    lease: fc.integer({ min: 0, max: 0xffff }),
    polarity,
    outputEnabled: fc.boolean(),
    waveform: fc.oneof(
      fc.constant({ kind: 'dc' as const }),
      fc.record({
        kind: fc.constant('pulsed' as const),
        frequency: fc.integer({ min: 1, max: 100_000_000 }).map((x) => x / 1000),
        duty: fc.integer({ min: 1, max: 10_000 }).map((x) => x / 10_000),
      }),
    ),
  })
  .map((c) => ({ type: 'command', command: c }) as Message);

const telemetryArb: fc.Arbitrary<Message> = fc
  .record({
    t: u32,
    seq: u32,
    current: signedMicro,
    voltage: signedMicro,
    peakCurrent: micro(2_000_000),
    polarity,
    ackSeq: fc.integer({ min: -1, max: 0xffff_fffe }),
    flags: fc.record({
      tripped: fc.boolean(),
      compliance: fc.boolean(),
      leaseExpired: fc.boolean(),
      outputEnabled: fc.boolean(),
    }),
  })
  .map((t) => ({ type: 'telemetry', telemetry: t }) as Message);

const messageArb: fc.Arbitrary<Message> = fc.oneof(
  commandArb,
  telemetryArb,
  fc.record({ type: fc.constant('hello' as const), version: fc.integer({ min: 0, max: 255 }), nonce: u32 }),
  fc.record({ type: fc.constant('heartbeat' as const), nonce: u32 }),
  fc.record({ type: fc.constant('heartbeat-ack' as const), nonce: u32 }),
  fc.record({
    type: fc.constant('hello-ack' as const),
    version: fc.integer({ min: 0, max: 255 }),
    nonce: u32,
    info: fc.record({
      model: fc.string({ maxLength: 10 }),
      maxCurrent: micro(100_000),
      compliance: micro(200_000),
      hardTrip: micro(100_000),
      samplePeriod: fc.integer({ min: 1, max: 1000 }),
      leaseRamp: micro(1_000_000),
      supportsPulsed: fc.boolean(),
    }),
  }),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
    .map(([a, b]) => ({ type: 'version-refused', minVersion: Math.min(a, b), maxVersion: Math.max(a, b) }) as Message),
  fc.record({ type: fc.constant('status' as const), t: u32, code: fc.constantFrom(1, 2, 3, 4, 5), detail: u32 }),
) as fc.Arbitrary<Message>;

const decodeAll = (bytes: Uint8Array): ReturnType<FrameDecoder['push']> => new FrameDecoder().push(bytes);

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the standard check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse(ascii('123456789'))).toBe(0x29b1);
    expect(CRC16_CHECK_VALUE).toBe(0x29b1);
  });
  it('gives the initial value 0xFFFF for no bytes', () => {
    expect(crc16CcittFalse(new Uint8Array())).toBe(0xffff);
  });
});

describe('COBS', () => {
  it('encodes the published examples', () => {
    expect([...cobsEncode(Uint8Array.of(0x00))]).toEqual([0x01, 0x01]);
    expect([...cobsEncode(Uint8Array.of(0x11, 0x22, 0x00, 0x33))]).toEqual([0x03, 0x11, 0x22, 0x02, 0x33]);
    expect([...cobsEncode(Uint8Array.of(0x00, 0x00))]).toEqual([0x01, 0x01, 0x01]);
  });
  it('round-trips any bytes and never emits 0x00', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (bytes) => {
        const enc = cobsEncode(bytes);
        expect(enc.includes(0)).toBe(false);
        expect([...cobsDecode(enc)!]).toEqual([...bytes]);
      }),
    );
  });
  it('refuses a block whose code byte points past its end', () => {
    expect(cobsDecode(Uint8Array.of(0x05, 0x11, 0x22))).toBeUndefined();
  });
});

describe('messages', () => {
  it('round-trip exactly at the wire resolution (µA, mV, ms)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(decodeMessage(encodeMessage(m))).toEqual(m);
      }),
    );
  });
  it('fit within the largest message size', () => {
    fc.assert(fc.property(messageArb, (m) => encodeMessage(m).length <= MAX_MESSAGE_BYTES));
  });
  it('refuse a command whose value cannot be represented instead of wrapping it', () => {
    const base = {
      seq: 1,
      setpoint: 1 as MilliAmp,
      lease: 100 as Millisecond,
      polarity: '+' as const,
      outputEnabled: true,
      waveform: { kind: 'dc' as const },
    };
    expect(() => encodeMessage({ type: 'command', command: { ...base, setpoint: -1 as MilliAmp } })).toThrow(
      /setpoint/,
    );
    expect(() => encodeMessage({ type: 'command', command: { ...base, lease: 70_000 as Millisecond } })).toThrow(
      /lease/,
    );
    expect(() => encodeMessage({ type: 'command', command: { ...base, setpoint: NaN as MilliAmp } })).toThrow();
  });
  it('refuse a DC command that carries pulse parameters, an unknown polarity and an unknown type', () => {
    const cmd = encodeMessage({
      type: 'command',
      command: {
        seq: 1,
        setpoint: 1 as MilliAmp,
        lease: 100 as Millisecond,
        polarity: '+',
        outputEnabled: true,
        waveform: { kind: 'dc' },
      },
    });
    const withFreq = cmd.slice();
    withFreq[14] = 1;
    expect(decodeMessage(withFreq)).toBe('field');
    const badPolarity = cmd.slice();
    badPolarity[11] = 2;
    expect(decodeMessage(badPolarity)).toBe('field');
    const unknown = cmd.slice();
    unknown[0] = 0x7f;
    expect(decodeMessage(unknown)).toBe('unknown-type');
  });
  it('carry the protocol version in the host hello', () => {
    const hello = decodeMessage(encodeMessage({ type: 'hello', version: PROTOCOL_VERSION, nonce: 7 }));
    expect(hello).toEqual({ type: 'hello', version: 1, nonce: 7 });
  });
});

describe('frame decoder (fuzz)', () => {
  it('decodes every frame of a stream split into chunks of any size', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 20 }), fc.integer({ min: 1, max: 40 }), (ms, chunk) => {
        const wire = Uint8Array.from(ms.flatMap((m) => [...encodeFrame(m)]));
        const dec = new FrameDecoder();
        const got: Message[] = [];
        for (let i = 0; i < wire.length; i += chunk)
          for (const r of dec.push(wire.subarray(i, i + chunk))) if (r.ok) got.push(r.message);
        expect(got).toEqual(ms);
      }),
    );
  });

  it('never throws on random bytes, and whatever it accepts is a well-formed message that re-encodes losslessly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        for (const r of decodeAll(bytes)) {
          if (!r.ok) continue;
          expect(decodeMessage(encodeMessage(r.message))).toEqual(r.message);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every frame with one corrupted byte (the CRC catches every burst of ≤16 bits)', () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, xor) => {
        const frame = encodeFrame(m);
        const body = frame.subarray(0, frame.length - 1).slice();
        body[at % body.length]! ^= xor;
        // A corrupted byte that became 0x00 splits the frame in two; neither part may be accepted.
        const results = decodeAll(Uint8Array.from([...body, 0]));
        expect(results.some((r) => r.ok)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses every truncated frame, and then decodes the next intact frame', () => {
    fc.assert(
      fc.property(messageArb, messageArb, fc.nat(), (m, next, cut) => {
        const frame = encodeFrame(m);
        const keep = 1 + (cut % (frame.length - 2)); // at least one byte, at least one byte lost
        const wire = Uint8Array.from([...frame.subarray(0, keep), 0, ...encodeFrame(next)]);
        const results = decodeAll(wire);
        expect(results.filter((r) => r.ok).map((r) => r.ok && r.message)).toEqual([next]);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses an oversized frame without buffering it, and resynchronises at the next delimiter', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: MAX_FRAME_BYTES, maxLength: 5000 }).map((b) => b.map((x) => x || 1)),
        messageArb,
        (junk, next) => {
          const results = decodeAll(Uint8Array.from([...junk, 0, ...encodeFrame(next)]));
          expect(results[0]).toEqual({ ok: false, reason: 'oversized' });
          expect(results.slice(1)).toEqual([{ ok: true, message: next }]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a valid-CRC frame whose message is too long, even if COBS fits the buffer', () => {
    const payload = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x03);
    const crc = crc16CcittFalse(payload);
    const raw = Uint8Array.from([...payload, crc >> 8, crc & 0xff]);
    const results = decodeAll(Uint8Array.from([...cobsEncode(raw), 0]));
    expect(results).toEqual([{ ok: false, reason: 'oversized' }]);
  });

  it('refuses a frame with a correct CRC but the wrong length for its type', () => {
    const payload = Uint8Array.of(0x03, 1, 2, 3); // heartbeat needs 5 bytes
    const crc = crc16CcittFalse(payload);
    const results = decodeAll(Uint8Array.from([...cobsEncode(Uint8Array.from([...payload, crc >> 8, crc & 0xff])), 0]));
    expect(results).toEqual([{ ok: false, reason: 'length' }]);
  });
});
