import { describe, expect, it } from 'vitest';
import { ResistorLoad } from '../physics/resistor-load.js';
import { kOhm, mA, ms } from '../units/quantities.js';
import type { DeviceCommand } from './device.js';
import { EMULATOR_MODEL, FirmwareEmulator, type FirmwareEmulatorOptions } from './firmware-emulator.js';
import { memoryLinkPair, type ByteLink } from './line-protocol/byte-link.js';
import { IDEAL_DEVICE, SimulatedDevice } from './simulated-device.js';
import { SerialDevice } from './serial-device.js';

/** Emulator and serial device in one process, on one manual clock (ms). */
function bench(options: FirmwareEmulatorOptions = {}) {
  const stage = new SimulatedDevice(new ResistorLoad(kOhm(2)), {
    ...IDEAL_DEVICE,
    info: { samplePeriod: ms(10), model: EMULATOR_MODEL },
  });
  const pair = memoryLinkPair();
  const emu = new FirmwareEmulator(stage, pair.device, options);
  let clock = 0;
  const now = (): number => clock;
  const advanceTo = (t: number): void => {
    clock = t;
    emu.advanceTo(ms(t));
  };
  return {
    stage,
    pair,
    emu,
    now,
    advanceTo,
    get clock() {
      return clock;
    },
  };
}

const cmd = (seq: number, setpoint: number, outputEnabled = true): DeviceCommand => ({
  seq,
  setpoint: mA(setpoint),
  lease: ms(100),
  polarity: '+',
  outputEnabled,
  waveform: { kind: 'dc' },
});

/** Drive a 20 ms control loop for `periods` periods from the current clock, sending `setpoint`. */
function drive(b: ReturnType<typeof bench>, dev: SerialDevice, from: number, periods: number, setpoint: number) {
  let seq = from;
  for (let k = 0; k < periods; k++) {
    dev.send(cmd(seq++, setpoint));
    b.advanceTo(b.clock + 20);
    dev.read();
  }
  return seq;
}

describe('SerialDevice against the firmware emulator', () => {
  it('learns the device limits from the handshake', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    expect(dev.info.model).toBe(EMULATOR_MODEL);
    expect(dev.info.samplePeriod).toBe(10);
    expect(dev.info.hardTrip).toBe(35);
    expect(dev.state).toBe('connected');
  });

  it('refuses a device that speaks only a newer protocol version, naming both versions', async () => {
    const b = bench({ minVersion: 2, maxVersion: 3 });
    await expect(SerialDevice.connect(b.pair.host, { now: b.now })).rejects.toMatchObject({
      code: 'ION_ERR_DEVICE_VERSION',
      message: expect.stringMatching(/versions 2–3; this software speaks 1/),
    });
  });

  it('gives up the handshake after its timeout when nothing answers', async () => {
    const silent: ByteLink = { write: () => {}, onData: () => {} };
    await expect(SerialDevice.connect(silent, { handshakeTimeout: ms(20) })).rejects.toMatchObject({
      code: 'ION_ERR_DEVICE_TIMEOUT',
    });
  });

  it('enacts and verifies: commands are acknowledged and the measured current follows', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    drive(b, dev, 0, 50, 8);
    dev.send(cmd(50, 8));
    b.advanceTo(b.clock + 20);
    const s = dev.read()!;
    expect(s.ackSeq).toBe(50);
    expect(s.current).toBeCloseTo(8, 2);
    expect(dev.state).toBe('connected');
    expect(dev.problems()).toEqual([]);
  });

  it('counts the link lost when commands are not acknowledged, and reports no telemetry after that', async () => {
    const b = bench();
    // A cable whose host-to-device wire is broken: telemetry arrives, commands never do.
    const oneWay: ByteLink = { write: () => {}, onData: (fn) => b.pair.host.onData(fn) };
    const helloOnly = { write: (x: Uint8Array) => b.pair.host.write(x), onData: oneWay.onData };
    const dev = await SerialDevice.connect(helloOnly, { now: b.now });
    (helloOnly as { write: ByteLink['write'] }).write = oneWay.write;
    drive(b, dev, 0, 5, 8);
    expect(dev.state).toBe('lost');
    expect(dev.problems()[0]!.code).toBe('ION_ERR_DEVICE_TIMEOUT');
    b.advanceTo(b.clock + 20);
    expect(dev.read()).toBeUndefined();
    expect(b.stage.truth().maxAverageCurrent).toBe(0);
  });

  it('cable pulled: the output ramps to zero within the lease, and stays off after reconnect until re-armed', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    let seq = drive(b, dev, 0, 100, 10);
    expect(b.stage.truth().current).toBeCloseTo(10, 2);
    b.pair.connected = false;
    const pulledAt = b.clock;
    seq = drive(b, dev, seq, 10, 10);
    expect(dev.state).toBe('lost');
    expect(dev.problems()[0]!.code).toBe('ION_ERR_DEVICE_LINK');
    // 100 ms lease, then 10 mA at 10 mA/s.
    while (b.stage.truth().current > 0 && b.clock < pulledAt + 5000) b.advanceTo(b.clock + 10);
    expect(b.clock - pulledAt).toBeLessThanOrEqual(100 + 1000 + 20);

    b.pair.connected = true;
    await dev.reconnect(b.pair.host);
    expect(dev.state).toBe('awaiting-rearm');
    seq = drive(b, dev, seq, 25, 10);
    expect(b.stage.truth().maxAverageCurrent).toBeGreaterThan(9); // from before the pull
    expect(b.stage.truth().current).toBe(0); // commands withheld: the output stayed off
    expect(dev.read()).toBeUndefined();

    expect(dev.rearm()).toBe(true);
    drive(b, dev, seq, 50, 5);
    expect(b.stage.truth().current).toBeCloseTo(5, 2);
    expect(dev.state).toBe('connected');
  });

  it('refuses to re-arm while current still flows after a quick reconnect', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    const seq = drive(b, dev, 0, 100, 10);
    b.pair.connected = false;
    drive(b, dev, seq, 5, 10); // 100 ms of silence: the lease has just lapsed, the ramp has begun
    b.pair.connected = true;
    await dev.reconnect(b.pair.host);
    b.advanceTo(b.clock + 20);
    expect(Math.abs(b.stage.truth().current)).toBeGreaterThan(1);
    expect(dev.rearm()).toBe(false);
    b.advanceTo(b.clock + 1200);
    expect(dev.rearm()).toBe(true);
  });

  it('counts the link lost when a restarted device reports it has no session', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    drive(b, dev, 0, 5, 5);
    // The device power-cycles: a fresh firmware on the same cable, waiting for a handshake.
    const pair2 = memoryLinkPair();
    const stage2 = new SimulatedDevice(new ResistorLoad(kOhm(2)), {
      ...IDEAL_DEVICE,
      info: { samplePeriod: ms(10), model: EMULATOR_MODEL },
    });
    new FirmwareEmulator(stage2, pair2.device);
    pair2.host.onData((x) => b.pair.device.write(x));
    b.pair.device.onData((x) => pair2.host.write(x));
    dev.send(cmd(5, 5));
    expect(dev.state).toBe('lost');
    expect(dev.problems()[0]!.message).toMatch(/restarted/);
    expect(stage2.truth().maxAverageCurrent).toBe(0);
  });
  it('sends heartbeats while no command goes out (awaiting re-arm), and the device answers them', async () => {
    const b = bench();
    const dev = await SerialDevice.connect(b.pair.host, { now: b.now });
    const seq = drive(b, dev, 0, 20, 0);
    // Commands every period: no heartbeat is needed.
    expect(dev.heartbeats.sent).toBe(0);
    b.pair.connected = false;
    drive(b, dev, seq, 5, 0);
    b.pair.connected = true;
    await dev.reconnect(b.pair.host);
    // 1 s in awaiting-rearm, polled every 20 ms: a heartbeat 250 ms (25 sample periods) after the last frame, at the
    // next poll (260, 520, 780 ms), each answered.
    for (let k = 0; k < 50; k++) {
      b.advanceTo(b.clock + 20);
      expect(dev.state).toBe('awaiting-rearm');
    }
    expect(dev.heartbeats.sent).toBe(3);
    expect(dev.heartbeats.answered).toBe(3);
    expect(dev.problems().map((p) => p.code)).toEqual(['ION_ERR_DEVICE_LINK']);
  });

  it('counts the link lost when a heartbeat goes unanswered (host-to-device wire broken)', async () => {
    const b = bench();
    let broken = false;
    const host: ByteLink = {
      write: (x) => {
        if (!broken) b.pair.host.write(x);
      },
      onData: (fn) => b.pair.host.onData(fn),
    };
    const dev = await SerialDevice.connect(host, { now: b.now, heartbeatInterval: ms(100) });
    broken = true;
    // No command goes out; telemetry still arrives, so only the heartbeat can tell.
    for (let k = 0; k < 10 && dev.state !== 'lost'; k++) b.advanceTo(b.clock + 20);
    expect(dev.state).toBe('lost');
    expect(dev.problems()[0]!.message).toMatch(/heartbeat not answered within 80 ms/);
    expect(dev.heartbeats).toEqual({ sent: 1, answered: 0 });
  });

  it('stamps telemetry with the host clock, whatever the device clock reads', async () => {
    const b = bench();
    let hostClock = 1_000_000;
    const dev = await SerialDevice.connect(b.pair.host, { now: () => hostClock });
    dev.send(cmd(1, 2));
    b.advanceTo(b.clock + 20);
    hostClock += 20;
    b.advanceTo(b.clock + 10);
    expect(dev.read()!.t).toBe(1_000_020);
  });
  it('stays connected when each sample acknowledges the command before the newest (commands in flight)', async () => {
    const b = bench();
    // A cable with transit time: host bytes reach the device only after the device's next sample went out.
    const inFlight: Uint8Array[] = [];
    let delay = false;
    const host: ByteLink = {
      write: (x) => (delay ? inFlight.push(x.slice()) : b.pair.host.write(x)),
      onData: (fn) => b.pair.host.onData(fn),
    };
    const dev = await SerialDevice.connect(host, { now: b.now });
    delay = true;
    let acked = 0;
    for (let seq = 0; seq < 50; seq++) {
      dev.send(cmd(seq, 3));
      b.advanceTo(b.clock + 10); // the sample of this window acknowledges the previous command only
      for (const x of inFlight.splice(0)) b.pair.host.write(x);
      const s = dev.read();
      if (s !== undefined) acked = s.ackSeq;
      expect(dev.state).toBe('connected');
    }
    expect(acked).toBe(48);
    expect(dev.problems()).toEqual([]);
  });
});
