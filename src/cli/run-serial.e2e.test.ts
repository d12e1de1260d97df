import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { EMULATOR_MODEL } from '../device/firmware-emulator.js';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import type { SessionReport } from '../engine/session-runner.js';
import { compilePlan } from '../protocols/compile-plan.js';
import { parseProtocol } from '../protocols/protocol-parse.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { ms } from '../units/quantities.js';
import { runInProcess } from './run-in-process.js';

/**
 * End to end over real pseudo-terminals: `socat` links two PTYs (the cable), `ionto device-emulator --port` runs in
 * one child process (the device, with its own log of its output), `ionto run … --port` in another (the host). Both
 * run on the wall clock at real speed; the sessions are short because the protocol is (a 9 s treatment at 4 mA).
 */

const LOADER = new URL('../server/ts-child-loader.mjs', import.meta.url).href;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(LOADER)});`)}`;
const CHILD = new URL('./run-serial-child.ts', import.meta.url).pathname;

/** tapwater-palms cut short for the tests: 4 mA for 9 s, 1 mA/s ramps, no reversal (each change sourced as such). */
function shortProtocol(): object {
  const p = JSON.parse(JSON.stringify(findProtocol('tapwater-palms'))) as Record<string, unknown> & {
    zones: { palms: Record<string, unknown> };
  };
  const source = 'test: a short session so the end-to-end tests over a pseudo-terminal take seconds';
  p.id = 'pty-short-palms';
  p.title = 'Short tap-water palms session for the serial end-to-end tests';
  p.reversal = { kind: 'none', source };
  Object.assign(p.zones.palms, {
    current_mA: { value: 4, min: 4, max: 4, source },
    duration_min: { value: 0.15, min: 0.15, max: 0.15, source },
    ramp_up_mA_per_s: { value: 1, source },
    ramp_down_mA_per_s: { value: 1, source },
    comfort_didt_mA_per_s: { value: 2, source },
    // Room for the pauses a loaded machine adds (a process not scheduled for 100 ms counts its link lost): each
    // re-ramp spends treatment time below the target, and the 1.5× cap would end a 9 s session short of its dose.
    duration_cap_factor: { value: 4, source },
  });
  // One fixed current: no titration from session to session.
  delete p.zones.palms.titration;
  return p;
}

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

async function until(
  what: string,
  cond: () => boolean,
  timeout: number,
  children: Child[] = [],
  context?: () => string,
): Promise<void> {
  const end = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > end) {
      const said = children.map((c) => `${c.proc.spawnargs.slice(3, 5).join(' ')}: ${c.err()}${c.out().slice(-2000)}`);
      throw new Error(`timed out waiting for ${what}\n${said.join('\n')}\n${context?.() ?? ''}`);
    }
    await sleep(50);
  }
}

interface Child {
  readonly proc: ChildProcess;
  readonly out: () => string;
  readonly err: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(cmd: string, args: readonly string[]): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  // The host and the device run 100 Hz real-time loops with 50 ms link timeouts and leases: on a machine busy with
  // other tests they get the scheduler's attention first where the system allows it (as root, in CI), as a device
  // driver's loop would. Elsewhere they run at normal priority.
  try {
    setPriority(proc.pid!, -10);
  } catch {
    // not permitted: normal priority
  }
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, out: () => out, err: () => err, exited };
}

const ionto = (...args: string[]): Child => start(process.execPath, ['--import', REGISTER, CHILD, ...args]);

/** A test bench: a folder with the short protocol, the two PTY paths (stable names, so a new cable reuses them). */
function bench() {
  const dir = mkdtempSync(join(tmpdir(), 'ionto-pty-'));
  dirs.push(dir);
  const protocolFile = join(dir, 'short.json');
  writeFileSync(protocolFile, JSON.stringify(shortProtocol()));
  const devicePath = join(dir, 'device');
  const hostPath = join(dir, 'host');
  const log = join(dir, 'emulator.jsonl');
  /** Plug the cable in: a socat PTY pair whose ends are linked at the two paths. */
  const plug = async (): Promise<Child> => {
    const c = start('/usr/bin/socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`]);
    await until('the pseudo-terminals', () => existsSync(devicePath) && existsSync(hostPath), 5000);
    return c;
  };
  return { dir, protocolFile, devicePath, hostPath, log, plug };
}

interface Sample {
  t: number;
  i: number;
  v: number;
  en: number;
  lx: number;
  ack: number;
}
interface LogEvent {
  t: number;
  event: string;
  delivered_mAmin?: number;
}

function readLog(path: string): { samples: Sample[]; events: LogEvent[] } {
  if (!existsSync(path)) return { samples: [], events: [] };
  const samples: Sample[] = [];
  const events: LogEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{') || !line.endsWith('}')) continue; // the line being written
    const r = JSON.parse(line) as Sample & LogEvent;
    if (r.event !== undefined) events.push(r);
    else samples.push(r);
  }
  return { samples, events };
}

/** Wait until the emulator's own log shows the treatment current flowing (≥ 3.9 of 4 mA). */
/**
 * The emulator samples at 50 Hz in these tests (DESIGN.md's 20 ms control period for hardware): its leases are then
 * 100 ms (5 periods). This machine's virtual CPUs stall a process for 50–85 ms now and then (measured with a 10 ms
 * timer under load), longer than a 100 Hz device's 50 ms lease, which the device then rightly lets lapse (and the
 * supervisor faults). The 100 Hz line protocol itself is covered in process by serial-session.test.ts.
 */
const SAMPLE_PERIOD = 20;
const emulatorArgs = (b: { devicePath: string; log: string }): string[] => [
  'device-emulator',
  '--port',
  b.devicePath,
  '--seed',
  '1',
  '--sample-period',
  String(SAMPLE_PERIOD),
  '--log',
  b.log,
];

const inTreatment = (log: string) => () => readLog(log).samples.some((s) => Math.abs(s.i) >= 3.9);
const logSummary = (log: string): string => {
  const { samples, events } = readLog(log);
  const top = samples.reduce((m, s) => Math.max(m, Math.abs(s.i)), 0);
  return `emulator log: ${samples.length} samples, largest ${top} mA, last ack ${samples.at(-1)?.ack}, events ${JSON.stringify(events)}`;
};

async function stopEmulator(emu: Child): Promise<void> {
  emu.proc.kill('SIGTERM');
  await emu.exited;
}

const runArgs = (b: ReturnType<typeof bench>): string[] => [
  'run',
  b.protocolFile,
  '--port',
  b.hostPath,
  '--confirm-steps',
  '--json',
];

// One after the other: three real-time sessions side by side on a loaded two-core machine miss their 50 ms link
// timeouts (a process not scheduled for that long counts its link lost, fail-safe, and pauses).
describe('ionto run --port against ionto device-emulator over a real pseudo-terminal', () => {
  it(
    'completes a full session whose dose matches the simulated run of the same protocol and patient within 1 %',
    { timeout: 60_000 },
    async ({ expect }) => {
      const b = bench();
      const simulated = await runInProcess(['run', b.protocolFile, '--seed', '1', '--confirm-steps', '--json']);
      expect(simulated.code, simulated.err).toBe(0);
      const sim = JSON.parse(simulated.out) as SessionReport;

      const cable = await b.plug();
      const emu = ionto(...emulatorArgs(b));
      await until('the emulator', () => /50 Hz telemetry/.test(emu.err()), 15_000);
      const host = ionto(...runArgs(b));
      const { code } = await host.exited;
      await stopEmulator(emu);
      cable.proc.kill();
      expect(code, host.err() + host.out()).toBe(0);
      const rep = JSON.parse(host.out()) as SessionReport;
      expect(rep.status).toBe('completed');
      expect(rep.faults).toEqual([]);
      // A pause is allowed only for a link the host found lost (a machine stalled for 50 ms), never for anything else.
      expect(
        rep.events.filter((e) => e.code === 'ION_EVT_PAUSE').every((e) => /device link lost/.test(e.message)),
      ).toBe(true);
      const diff = (rep.delivered_mAmin - sim.delivered_mAmin) / sim.delivered_mAmin;
      expect(Math.abs(diff), JSON.stringify(rep.events, null, 1)).toBeLessThan(0.01);
      // And the charge the emulator's own stage delivered agrees with what the host counted.
      const end = readLog(b.log).events.find((e) => e.event === 'end')!;
      expect(Math.abs(rep.delivered_mAmin - end.delivered_mAmin!) / end.delivered_mAmin!).toBeLessThan(0.01);
      console.log(
        `PTY full session (${rep.pauses} pause(s)): host ${rep.delivered_mAmin} mA·min, emulator ${end.delivered_mAmin!.toFixed(4)}, simulated ${sim.delivered_mAmin} (${(diff * 100).toFixed(2)} %)`,
      );
    },
  );

  it(
    'host killed (SIGKILL) mid-session: the emulator output reaches zero within the lease and its ramp',
    { timeout: 60_000 },
    async ({ expect }) => {
      const b = bench();
      const cable = await b.plug();
      const emu = ionto(...emulatorArgs(b));
      await until('the emulator', () => /50 Hz telemetry/.test(emu.err()), 15_000);
      const host = ionto(...runArgs(b));
      await until('the treatment current', inTreatment(b.log), 40_000, [host, emu], () => logSummary(b.log));
      await sleep(500);
      host.proc.kill('SIGKILL');
      await host.exited;
      await sleep(1500);
      await stopEmulator(emu);
      cable.proc.kill();

      const { samples } = readLog(b.log);
      // The last command the emulator applied: the last change of its ack seq.
      let last = 0;
      for (let k = 1; k < samples.length; k++) if (samples[k]!.ack !== samples[k - 1]!.ack) last = k;
      const lastCmd = samples[last]!;
      // The stage opens its output switch once the lease ramp has reached zero.
      const zero = samples.slice(last).find((s) => s.en === 0)!;
      expect(zero).toBeDefined();
      expect(zero.lx).toBe(1);
      const plan = compilePlan(
        parseProtocol(readFileSync(b.protocolFile, 'utf8'), 'short.json'),
        {},
        { ...DEFAULT_DEVICE_INFO, samplePeriod: ms(SAMPLE_PERIOD), model: EMULATOR_MODEL },
      );
      // The lease, then the ramp from the current that flowed at the leading edge of the lease (10 mA/s), plus one
      // sample window for the telemetry to show it.
      const budget = plan.lease + (Math.abs(lastCmd.i) / DEFAULT_DEVICE_INFO.leaseRamp) * 1000 + SAMPLE_PERIOD;
      const toZero = zero.t - lastCmd.t;
      expect(toZero).toBeLessThanOrEqual(budget);
      // And it stays off: switch open, nothing but the sensor's noise.
      expect(samples.filter((s) => s.t > zero.t).every((s) => s.en === 0 && Math.abs(s.i) < 0.1)).toBe(true);
      console.log(
        `host killed: output ${Math.abs(lastCmd.i)} mA → 0 in ${toZero} ms after the last command (lease ${plan.lease} ms + ramp ${((Math.abs(lastCmd.i) / DEFAULT_DEVICE_INFO.leaseRamp) * 1000).toFixed(0)} ms + ${SAMPLE_PERIOD} ms = ${budget.toFixed(0)} ms allowed)`,
      );
    },
  );

  it(
    'cable pulled and reconnected: the session pauses, resumes only after re-arming, and the dose is right',
    { timeout: 60_000 },
    async ({ expect }) => {
      const b = bench();
      let cable = await b.plug();
      const emu = ionto(...emulatorArgs(b));
      await until('the emulator', () => /50 Hz telemetry/.test(emu.err()), 15_000);
      const host = ionto(...runArgs(b));
      await until('the treatment current', inTreatment(b.log), 40_000, [host, emu], () => logSummary(b.log));
      await sleep(1000);
      // Pull the cable: the byte stream really stops (the PTY pair is gone), then a new cable on the same paths.
      cable.proc.kill('SIGTERM');
      await cable.exited;
      await sleep(1500);
      cable = await b.plug();
      const { code } = await host.exited;
      await stopEmulator(emu);
      cable.proc.kill();

      expect(code, host.err()).toBe(0);
      const rep = JSON.parse(host.out()) as SessionReport;
      expect(rep.status).toBe('completed');
      expect(rep.faults).toEqual([]);
      expect(rep.pauses).toBeGreaterThanOrEqual(1);
      // Every pause is a lost link (a machine stalled for 50 ms may add one), and the cable pull is the one whose
      // link came back only after the cable did (1.5 s out).
      const pauses = rep.events.filter((e) => e.code === 'ION_EVT_PAUSE');
      expect(pauses.every((e) => /device link lost/.test(e.message))).toBe(true);
      const next = (code: string, after: number) => rep.events.find((e) => e.code === code && e.t_s > after);
      const pull = pauses.find((e) => (next('ION_EVT_LINK_BACK', e.t_s)?.t_s ?? Infinity) - e.t_s >= 1.2)!;
      expect(pull).toBeDefined();
      const back = next('ION_EVT_LINK_BACK', pull.t_s)!;
      const resume = next('ION_EVT_RESUME', pull.t_s)!;
      expect(resume.message).toMatch(/re-armed/);
      // Resumed only after the link was back and re-armed, with contact confirmed again (1 s debounce).
      expect(resume.t_s).toBeGreaterThanOrEqual(back.t_s + 1);
      expect(rep.events.some((e) => e.code === 'ION_EVT_LINK_LOST' && e.t_s <= pull.t_s + 0.05)).toBe(true);

      // The emulator's side: output at zero from the end of the lease run-out until the port was back, and a soft
      // start after it.
      const { samples, events } = readLog(b.log);
      const closed = events.find((e) => e.event === 'port-closed')!;
      const opened = events.find((e) => e.event === 'port-open')!;
      expect(opened.t).toBeGreaterThan(closed.t);
      // 100 ms lease, 4 mA at 10 mA/s: off 0.5 s after the last command at the latest.
      const offWindow = samples.filter((s) => s.t > closed.t + 100 + 400 + SAMPLE_PERIOD && s.t <= opened.t);
      expect(offWindow.length).toBeGreaterThan(25);
      expect(offWindow.every((s) => s.en === 0 && Math.abs(s.i) < 0.1)).toBe(true);
      const after = samples.filter((s) => s.t > opened.t);
      // The soft start: over 0.5 s never faster than the 2 mA/s comfort limit (the probe comes on at it), over 2 s
      // not faster than the 1 mA/s ramp plus the 0.5 mA probe (10 % for the regulator's trim and the sensor's noise).
      const rise = (span: number): number => {
        let worst = 0;
        for (let k = span; k < after.length; k++)
          worst = Math.max(worst, Math.abs(after[k]!.i) - Math.abs(after[k - span]!.i));
        return worst;
      };
      expect(rise(500 / SAMPLE_PERIOD) / 0.5).toBeLessThanOrEqual(2 * 1.1);
      expect(rise(2000 / SAMPLE_PERIOD)).toBeLessThanOrEqual((2 * 1 + 0.5) * 1.1);
      // Dose: the host counts what it measured plus, for each gap, an upper bound of the charge it could not see
      // (stated in the pause event). So it never counts less than the emulator's stage delivered, and more by at
      // most those estimates; the session ends on the host's count, so the true charge is short of the prescription
      // by no more than them. (In this 0.6 mA·min session one gap's bound, about 0.03 mA·min, is several per cent;
      // in a 20-minute session it is a few hundredths of one.)
      const end = events.find((e) => e.event === 'end')!;
      const truth = end.delivered_mAmin!;
      const estimated = pauses
        .map((e) => Number(/; ([\d.]+) mA·min estimated/.exec(e.message)?.[1] ?? 0))
        .reduce((a, x) => a + x, 0);
      expect(estimated).toBeGreaterThan(0);
      expect(rep.delivered_mAmin).toBeGreaterThanOrEqual(truth * 0.999);
      expect(rep.delivered_mAmin - truth).toBeLessThanOrEqual(estimated + 0.001);
      expect(truth).toBeGreaterThanOrEqual(rep.target_mAmin * 0.99 - estimated);
      expect(rep.delivered_mAmin).toBeGreaterThanOrEqual(rep.target_mAmin * 0.99);
      console.log(
        `cable test (${rep.pauses} pause(s)): paused at ${pull.t_s} s, link back and re-armed at ${back.t_s} s, resumed at ${resume.t_s} s; ` +
          `port closed ${closed.t} ms / open ${opened.t} ms emulator time; host ${rep.delivered_mAmin} mA·min (of which ${estimated} estimated for the gaps), emulator ${truth.toFixed(4)}`,
      );
    },
  );
});
