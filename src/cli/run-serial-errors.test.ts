import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATOR_MODEL, FirmwareEmulator } from '../device/firmware-emulator.js';
import { openSerialLink } from '../device/serial-port-link.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import { ResistorLoad } from '../physics/resistor-load.js';
import { kOhm } from '../units/quantities.js';
import { EXIT } from './cli-errors.js';
import { runInProcess } from './run-in-process.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** A socat PTY pair linked at two paths in a fresh folder. */
async function cable(): Promise<{ device: string; host: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ionto-pty-err-'));
  const device = join(dir, 'device');
  const host = join(dir, 'host');
  const proc: ChildProcess = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`]);
  cleanup.push(() => {
    proc.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const end = Date.now() + 5000;
  while (!(existsSync(device) && existsSync(host))) {
    if (Date.now() > end) throw new Error('socat did not create the pseudo-terminals');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { device, host };
}

describe('ionto run --port: doubtful input never starts a current', () => {
  it('a missing port is an error naming the port, exit code 1, nothing started', async () => {
    const r = await runInProcess(['run', 'tapwater-palms', '--port', '/nonexistent/ttyX', '--confirm-steps']);
    expect(r.code).toBe(EXIT.fault);
    expect(r.err).toMatch(/cannot open \/nonexistent\/ttyX/);
    expect(r.err).toMatch(/ION_ERR_DEVICE_LINK/);
  });

  it('refuses --speed and --scenario with a real device (usage error, exit code 2)', async () => {
    const speed = await runInProcess(['run', 'tapwater-palms', '--port', '/dev/null', '--speed', '60']);
    expect(speed.code).toBe(EXIT.usage);
    expect(speed.err).toMatch(/--port runs a real device in real time; --speed 60 is not allowed/);
    const scenario = await runInProcess(['run', 'tapwater-palms', '--port', '/dev/null', '--scenario', 'x.json']);
    expect(scenario.code).toBe(EXIT.usage);
    expect(scenario.err).toMatch(/--scenario acts on the virtual patient/);
  });

  it(
    'a port where nothing answers the handshake: timeout error naming the port, exit code 1',
    { timeout: 15_000 },
    async () => {
      const { host } = await cable();
      const r = await runInProcess(['run', 'tapwater-palms', '--port', host, '--confirm-steps']);
      expect(r.code).toBe(EXIT.fault);
      expect(r.err).toContain(`${host}: no answer to the handshake within 1000 ms`);
      expect(r.err).toMatch(/ION_ERR_DEVICE_TIMEOUT/);
    },
  );

  it(
    'a device that speaks only newer protocol versions is refused with both versions named, and never commanded',
    { timeout: 15_000 },
    async () => {
      const { device, host } = await cable();
      const stage = new SimulatedDevice(new ResistorLoad(kOhm(3)), { info: { model: EMULATOR_MODEL } });
      const link = await openSerialLink(device);
      cleanup.push(() => link.close());
      const emu = new FirmwareEmulator(stage, link, { minVersion: 2, maxVersion: 3 });
      const t0 = performance.now();
      const timer = setInterval(() => emu.advanceTo((performance.now() - t0) as never), 5);
      cleanup.push(() => clearInterval(timer));
      const r = await runInProcess(['run', 'tapwater-palms', '--port', host, '--confirm-steps']);
      expect(r.code).toBe(EXIT.fault);
      expect(r.err).toContain(`${host}: device speaks line-protocol versions 2–3; this software speaks 1`);
      expect(r.err).toMatch(/ION_ERR_DEVICE_VERSION/);
      expect(stage.truth().maxAverageCurrent).toBe(0);
      expect(emu.state).toBe('awaiting-hello');
    },
  );
});
