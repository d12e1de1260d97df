import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialDevice } from '../device/serial-device.js';
import { openSerialLink, type SerialPortLink } from '../device/serial-port-link.js';
import { mA, ms } from '../units/quantities.js';
import { startDeviceEmulator, type RunningEmulator } from './device-emulator-command.js';

/** A linked pair of pseudo-terminals from socat; resolves to their two paths. */
function ptyPair(): Promise<{ proc: ChildProcess; a: string; b: string }> {
  const proc = spawn('/usr/bin/socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0']);
  return new Promise((resolve, reject) => {
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const paths = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(err)) resolve({ proc, a: paths[0]!, b: paths[1]! });
    });
    proc.on('error', reject);
  });
}

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('ionto device-emulator over a real pseudo-terminal', () => {
  it(
    'handshakes, follows commands, and ramps to zero within the lease when the host goes silent',
    { timeout: 20_000 },
    async () => {
      const pty = await ptyPair();
      cleanup.push(async () => void pty.proc.kill());
      const emu: RunningEmulator = await startDeviceEmulator({ port: pty.a, seed: 1, zone: 'palms' });
      cleanup.push(() => emu.close());
      const link: SerialPortLink = await openSerialLink(pty.b);
      cleanup.push(() => link.close());

      const dev = await SerialDevice.connect(link);
      expect(dev.info.samplePeriod).toBe(10);

      // 1.5 s of host control at 50 Hz, 2 mA set point, 200 ms leases.
      let seq = 0;
      const t0 = performance.now();
      let samples = 0;
      while (performance.now() - t0 < 1500) {
        dev.send({
          seq: seq++,
          setpoint: mA(2),
          lease: ms(200),
          polarity: '+',
          outputEnabled: true,
          waveform: { kind: 'dc' },
        });
        await sleep(20);
        // Timers run before pending I/O: let the telemetry that came in meanwhile be read before the next check.
        await new Promise((r) => setImmediate(r));
        if (dev.read() !== undefined) samples++;
      }
      expect(dev.state, JSON.stringify(dev.problems())).toBe('connected');
      expect(samples).toBeGreaterThan(50);
      expect(emu.stage.truth().current).toBeGreaterThan(1.8);

      // The host goes silent: 200 ms lease, then 2 mA at 10 mA/s = 0.2 s; allow scheduling slack.
      const silentAt = performance.now();
      while (emu.stage.truth().current > 0 && performance.now() - silentAt < 3000) await sleep(10);
      const toZero = performance.now() - silentAt;
      expect(emu.stage.truth().current).toBe(0);
      expect(toZero).toBeLessThan(200 + 200 + 300);
    },
  );
});
