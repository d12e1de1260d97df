import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { noToEverything } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { createDevice, createScreening, listTelemetry } from '../store/index.js';
import { createUserWithPassword } from './passwords.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { App } from './app-types.js';
import { buildServer } from './build-server.js';
import { hashSecretToken, newSecretToken } from './secret-tokens.js';
import type { Signed, World } from './test-fixtures.js';
import { signIn, world } from './test-fixtures.js';

/**
 * A session the server hosts on a serial device, end to end over real pseudo-terminals: `socat` links two PTYs (the
 * cable), `ionto device-emulator` runs on one end in a child process (the device, logging its own output), and the
 * server opens the other end — the port set on the device's record — when a nurse starts a session on that device.
 * The simulated sessions of this server run at ×600; the serial one must run in real time.
 */

const LOADER = new URL('./ts-child-loader.mjs', import.meta.url).href;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(LOADER)});`)}`;
const CHILD = new URL('../cli/run-serial-child.ts', import.meta.url).pathname;
const PALMS = findProtocol('tapwater-palms');
const ALL_STEPS = PALMS.pre_steps.map((s) => s.id);
/** The target of the test session: the zone's lowest, so the soft start (0.5 mA/s) reaches it in 10 s. */
const TARGET_MA = PALMS.zones.palms!.current_mA.min;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

const procs: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function start(cmd: string, args: readonly string[]): { proc: ChildProcess; exited: Promise<void>; err: () => string } {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.push(proc);
  try {
    setPriority(proc.pid!, -10); // as in run-serial.e2e.test.ts: the device's real-time loop first, where allowed
  } catch {
    // not permitted: normal priority
  }
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { proc, exited: new Promise((r) => proc.on('exit', () => r())), err: () => err };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A socat PTY pair: `device` and `host` are the two ends' paths. */
async function cable(): Promise<{ device: string; host: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ionto-hosted-'));
  dirs.push(dir);
  const device = join(dir, 'device');
  const host = join(dir, 'host');
  start('/usr/bin/socat', [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${host}`]);
  await until('the pseudo-terminals', () => existsSync(device) && existsSync(host), 5000);
  return { device, host };
}

interface LogLine {
  i?: number;
  event?: string;
  delivered_mAmin?: number;
}
const readLog = (path: string): LogLine[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as LogLine)
    : [];

const backend = TEST_BACKENDS.find((b) => b.name === 'sqlite')!;

describe('a session hosted by the server on a serial device (PTY and firmware emulator)', () => {
  let db: TestDatabase;
  let w: World;
  let app: App;
  let nurse: Signed;
  let admin: Signed;

  beforeEach(async () => {
    db = backend.fresh();
    w = await world(await db.open());
    await w.app.close();
    app = await buildServer({ store: w.store, secureCookies: false, sessionSpeed: 600 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    nurse = await signIn(app, 'nurse@a.test');
    await createUserWithPassword(w.store, {
      email: 'admin@a.test',
      password: 'correct horse battery staple',
      role: 'admin',
      clinic_id: w.patients.ownA.clinic_id,
    });
    admin = await signIn(app, 'admin@a.test', 'correct horse battery staple');
    await createScreening(w.store, {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      answers: noToEverything(35),
      result: 'allowed',
      reasons: [],
      answered_at: new Date(),
    });
  });
  afterEach(async () => {
    await app.close();
    await db.dispose();
  });

  const registerSerial = async (port?: string): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: admin.headers,
      payload: { kind: 'serial', name: 'bench unit', ...(port === undefined ? {} : { port }) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { device: { id: string } }).device.id;
  };
  const startOn = (deviceId: string) =>
    app.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: nurse.headers,
      payload: {
        patient_id: w.patients.ownA.id,
        protocol: 'tapwater-palms',
        device_id: deviceId,
        current_mA: TARGET_MA,
        confirmed_steps: ALL_STEPS,
      },
    });
  const sessionCount = async (): Promise<number> =>
    (await w.store.db.selectFrom('sessions').select('id').execute()).length;

  it('runs in real time on the device at its port, streams and stores its telemetry, and stops with a ramp-down', async () => {
    const c = await cable();
    const log = join(c.device, '..', 'emulator.jsonl');
    const emu = start(process.execPath, [
      '--import',
      REGISTER,
      CHILD,
      'device-emulator',
      '--port',
      c.device,
      '--seed',
      '1',
      '--sample-period',
      '20',
      '--log',
      log,
    ]);
    await until('the emulator', () => readLog(log).length > 0 || emu.err() !== '', 20_000);
    const deviceId = await registerSerial(c.host);

    const started = await startOn(deviceId);
    expect(started.statusCode, started.body).toBe(201);
    const session = started.json() as { id: string; device_id: string };
    expect(session.device_id).toBe(deviceId);
    const wallStart = Date.now();
    const { port } = app.server.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/sessions/${session.id}/live`, {
      headers: { cookie: nurse.cookie },
    });
    const messages: { type: string; at: number; current?: (number | null)[] }[] = [];
    ws.on('message', (d) => messages.push({ ...(JSON.parse(String(d)) as { type: string }), at: Date.now() }));
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    const get = async () =>
      (
        await app.inject({ method: 'GET', url: `/api/sessions/${session.id}`, headers: { cookie: nurse.cookie } })
      ).json() as { status: string; delivered_mamin: number; live?: { phase: string; t_ms: number } };

    // The device's own log shows the target current flowing.
    await until(
      'the target current at the device',
      () => readLog(log).some((l) => Math.abs(l.i ?? 0) >= TARGET_MA * 0.98),
      40_000,
    );
    const live = await get();
    const wall = Date.now() - wallStart;
    expect(live.status).toBe('running');
    // Real time, not the ×600 of this server's simulated sessions: session time within 1 s of wall time.
    expect(Math.abs(live.live!.t_ms - wall)).toBeLessThan(1000);

    const stop = await app.inject({ method: 'POST', url: `/api/sessions/${session.id}/abort`, headers: nurse.headers });
    expect(stop.statusCode, stop.body).toBe(202);
    let ended = await get();
    await until(
      'the session to end',
      async () => {
        ended = await get();
        return ended.status !== 'running';
      },
      30_000,
    );
    expect(ended.status).toBe('aborted');
    // The output went down the ramp to zero at the device.
    const tail = readLog(log).filter((l) => l.i !== undefined);
    expect(Math.abs(tail.at(-1)!.i!)).toBeLessThan(0.05);

    // Stored telemetry came from the device: it reached the target and holds the dose the device delivered.
    const stored = await listTelemetry(w.store, session.id, { limit: 100_000 });
    expect(stored.length).toBeGreaterThan(10);
    expect(Math.max(...stored.map((r) => Math.abs(r.current ?? 0)))).toBeGreaterThanOrEqual(TARGET_MA * 0.98);
    emu.proc.kill('SIGTERM');
    await emu.exited;
    const truth = readLog(log).find((l) => l.event === 'end')!.delivered_mAmin!;
    expect(truth).toBeGreaterThan(0.5);
    expect(Math.abs(ended.delivered_mamin - truth) / truth).toBeLessThan(0.01);

    // The live socket streamed the device's rows at ≥ 10 messages a second and closed with the report.
    await closed;
    const rows = messages.filter((m) => m.type === 'rows');
    const rate = rows.length / ((rows.at(-1)!.at - rows[0]!.at) / 1000);
    expect(rate).toBeGreaterThanOrEqual(10);
    expect(Math.max(...rows.flatMap((m) => m.current ?? []).map((x) => Math.abs(x ?? 0)))).toBeGreaterThanOrEqual(
      TARGET_MA * 0.98,
    );
    expect(messages.at(-1)).toMatchObject({ type: 'report', status: 'aborted' });
    console.log(
      JSON.stringify({
        serial_hosted: {
          session_vs_wall_ms: live.live!.t_ms - wall,
          host_mAmin: ended.delivered_mamin,
          device_mAmin: truth,
          dose_error_pct: ((ended.delivered_mamin - truth) / truth) * 100,
          live_messages_per_s: rate,
        },
      }),
    );
  }, 120_000);

  it('refuses a serial device that does not answer, a path that is no serial port, or no port at all, storing nothing', async () => {
    const c = await cable(); // no emulator on the other end
    const silent = await startOn(await registerSerial(c.host));
    expect(silent.statusCode, silent.body).toBe(504);
    expect(silent.json()).toMatchObject({ code: 'ION_ERR_DEVICE_TIMEOUT' });
    expect((silent.json() as { detail: string }).detail).toContain(c.host);

    const notATerminal = await startOn(await registerSerial('/etc/hostname'));
    expect(notATerminal.statusCode, notATerminal.body).toBe(503);
    expect((notATerminal.json() as { detail: string }).detail).toContain('not a serial port');

    const noPort = await startOn(await registerSerial());
    expect(noPort.statusCode).toBe(400);
    expect((noPort.json() as { detail: string }).detail).toMatch(/device_id: .* no port on this server/);
    expect(await sessionCount()).toBe(0);
    // The patient is not left held: a simulated session starts at once.
    const simulated = await app.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: nurse.headers,
      payload: { patient_id: w.patients.ownA.id, protocol: 'tapwater-palms', confirmed_steps: ALL_STEPS },
    });
    expect(simulated.statusCode, simulated.body).toBe(201);
  }, 60_000);

  it('lets an admin set and clear a serial device’s port, and refuses a port on a simulated device or a bad path', async () => {
    const id = await registerSerial();
    const read = await app.inject({ method: 'GET', url: `/api/devices/${id}`, headers: { cookie: admin.cookie } });
    const patch = (body: unknown, etag = read.headers.etag as string, as = admin) =>
      app.inject({
        method: 'PATCH',
        url: `/api/devices/${id}`,
        headers: { ...as.headers, 'if-match': etag },
        payload: body as Record<string, unknown>,
      });
    const set = await patch({ port: '/dev/ttyUSB0' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ port: '/dev/ttyUSB0' });
    expect((await patch({ port: null })).statusCode).toBe(412); // the version read is stale now
    const cleared = await patch({ port: null }, set.headers.etag as string);
    expect(cleared.json()).toMatchObject({ port: null });
    for (const bad of ['ttyUSB0', '/dev/../etc/passwd', '/dev/tty USB0', '/dev/$(reboot)']) {
      const r = await patch({ port: bad }, cleared.headers.etag as string);
      expect(r.statusCode, bad).toBe(400);
    }
    expect((await patch({ port: '/dev/ttyUSB1' }, cleared.headers.etag as string, nurse)).statusCode).toBe(403);
    const sim = await createDevice(w.store, {
      clinic_id: w.patients.ownA.clinic_id,
      kind: 'simulated',
      name: 'sim',
      token_hash: hashSecretToken(newSecretToken('device')),
    });
    const simPatch = await app.inject({
      method: 'PATCH',
      url: `/api/devices/${sim.id}`,
      headers: { ...admin.headers, 'if-match': '"1"' },
      payload: { port: '/dev/ttyUSB0' },
    });
    expect(simPatch.statusCode).toBe(400);
    expect((simPatch.json() as { detail: string }).detail).toContain('only a serial device has a port');
    const simCreate = await app.inject({
      method: 'POST',
      url: '/api/devices',
      headers: admin.headers,
      payload: { kind: 'simulated', name: 'x', port: '/dev/ttyUSB0' },
    });
    expect(simCreate.statusCode).toBe(400);
  });
});
