import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResistorLoad } from '../physics/resistor-load.js';
import { kOhm, mA, ms, ohm } from '../units/quantities.js';
import { EMULATOR_MODEL, FirmwareEmulator } from './firmware-emulator.js';
import { memoryLinkPair } from './line-protocol/byte-link.js';
import { encodeFrame, FrameDecoder } from './line-protocol/framing.js';
import { StatusCode, type DeviceMessage, type HostMessage } from './line-protocol/messages.js';
import { IDEAL_DEVICE, SimulatedDevice } from './simulated-device.js';

/** An emulator at 100 Hz telemetry (10 ms samples) behind an in-memory cable, and a raw host end that logs frames. */
function rig(load = new ResistorLoad(kOhm(2))) {
  const stage = new SimulatedDevice(load, { ...IDEAL_DEVICE, info: { samplePeriod: ms(10), model: EMULATOR_MODEL } });
  const pair = memoryLinkPair();
  const emu = new FirmwareEmulator(stage, pair.device);
  const dec = new FrameDecoder();
  const got: DeviceMessage[] = [];
  pair.host.onData((b) => {
    for (const r of dec.push(b)) if (r.ok) got.push(r.message as DeviceMessage);
  });
  const send = (m: HostMessage): void => pair.host.write(encodeFrame(m));
  const command = (seq: number, setpoint: number, lease = 100): void =>
    send({
      type: 'command',
      command: {
        seq,
        setpoint: mA(setpoint),
        lease: ms(lease),
        polarity: '+',
        outputEnabled: true,
        waveform: { kind: 'dc' },
      },
    });
  const of = <T extends DeviceMessage['type']>(type: T): Extract<DeviceMessage, { type: T }>[] =>
    got.filter((m): m is Extract<DeviceMessage, { type: T }> => m.type === type);
  return { stage, pair, emu, got, send, command, of };
}

describe('firmware emulator', () => {
  it('refuses a host speaking another protocol version and sends it no telemetry', () => {
    const r = rig();
    r.send({ type: 'hello', version: 2, nonce: 9 });
    r.emu.advanceTo(ms(100));
    expect(r.got).toEqual([{ type: 'version-refused', minVersion: 1, maxVersion: 1 }]);
    expect(r.emu.state).toBe('awaiting-hello');
  });

  it('refuses at start-up a stage whose model name cannot travel in the handshake', () => {
    const stage = new SimulatedDevice(new ResistorLoad(kOhm(2)), { info: { model: 'x'.repeat(33) } });
    expect(() => new FirmwareEmulator(stage, memoryLinkPair().device)).toThrow(/model name/);
  });

  it('answers the handshake with its limits and the host nonce', () => {
    const r = rig();
    r.send({ type: 'hello', version: 1, nonce: 1234 });
    const ack = r.of('hello-ack')[0]!;
    expect(ack.nonce).toBe(1234);
    expect(ack.info.samplePeriod).toBe(10);
    expect(ack.info.hardTrip).toBe(35);
    expect(ack.info.maxCurrent).toBe(30);
    expect(ack.info.model).toBe(EMULATOR_MODEL);
  });

  it('keeps the output off and reports notReady when a command arrives before the handshake', () => {
    const r = rig();
    r.command(1, 10);
    r.emu.advanceTo(ms(200));
    expect(r.stage.truth().current).toBe(0);
    expect(r.of('status')).toEqual([{ type: 'status', t: 0, code: StatusCode.notReady, detail: 1 }]);
  });

  it('sends telemetry at 100 Hz: 100 samples per second, 10 ms apart', () => {
    const r = rig();
    r.send({ type: 'hello', version: 1, nonce: 1 });
    r.emu.advanceTo(ms(1000));
    const ts = r.of('telemetry').map((m) => m.telemetry.t);
    expect(ts).toHaveLength(100);
    expect(ts[0]).toBe(10);
    expect(ts.every((t, i) => i === 0 || t - ts[i - 1]! === 10)).toBe(true);
  });

  it('follows renewed commands and acknowledges each seq in telemetry', () => {
    const r = rig();
    r.send({ type: 'hello', version: 1, nonce: 1 });
    for (let k = 0; k < 100; k++) {
      r.command(k, 10);
      r.emu.advanceTo(ms((k + 1) * 20));
    }
    const last = r.of('telemetry').at(-1)!.telemetry;
    expect(last.ackSeq).toBe(99);
    expect(last.current).toBeCloseTo(10, 2);
  });

  it('ramps the output to zero by itself when the host goes silent, within the lease plus the lease ramp', () => {
    const r = rig();
    r.send({ type: 'hello', version: 1, nonce: 1 });
    for (let k = 0; k < 100; k++) {
      r.command(k, 10, 100);
      r.emu.advanceTo(ms((k + 1) * 20));
    }
    const silentAt = 2000;
    expect(r.stage.truth().current).toBeCloseTo(10, 2);
    // 100 ms lease, then 10 mA at the 10 mA/s lease ramp: zero 1.1 s after the last command.
    r.emu.advanceTo(ms(silentAt + 100 + 1000 + 20));
    expect(r.stage.truth().current).toBe(0);
    const expired = r.of('status').filter((s) => s.code === StatusCode.leaseExpired);
    expect(expired).toHaveLength(1);
    expect(expired[0]!.detail).toBe(99);
    expect(expired[0]!.t).toBeGreaterThanOrEqual(silentAt - 20 + 100);
    expect(r.of('telemetry').at(-1)!.telemetry.flags.leaseExpired).toBe(true);
  });

  it('trips on its own over-current and keeps the output off whatever the host commands', () => {
    const r = rig(new ResistorLoad(ohm(500)));
    r.send({ type: 'hello', version: 1, nonce: 1 });
    r.command(1, 10, 1000);
    r.emu.advanceTo(ms(100));
    r.stage.inject({ kind: 'dac_stuck', level: mA(40) });
    for (let k = 2; k < 20; k++) {
      r.command(k, 10, 1000);
      r.emu.advanceTo(ms(100 + k * 20));
    }
    expect(r.of('status').some((s) => s.code === StatusCode.hardwareTrip)).toBe(true);
    const last = r.of('telemetry').at(-1)!.telemetry;
    expect(last.flags.tripped).toBe(true);
    expect(last.current).toBe(0);
  });

  it('runs to the whole ms before a fractional wall-clock time instead of spinning', () => {
    const r = rig();
    r.send({ type: 'hello', version: 1, nonce: 1 });
    r.emu.advanceTo(ms(25.7));
    expect(r.stage.now()).toBe(25);
    expect(r.of('telemetry')).toHaveLength(2);
  });

  it('never acts on random bytes: no command applied, no current, no crash', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const r = rig();
        r.send({ type: 'hello', version: 1, nonce: 1 });
        let t = 0;
        for (const c of chunks) {
          r.pair.host.write(c);
          r.emu.advanceTo(ms((t += 10)));
        }
        r.emu.advanceTo(ms(t + 10));
        expect(r.stage.truth().maxAverageCurrent).toBe(0);
        expect(r.of('telemetry').every((m) => m.telemetry.ackSeq === -1)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
