import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deliveredFromTelemetry,
  dropPostgresSchema,
  getSession,
  listAudit,
  listTelemetry,
  openStore,
} from '../store/index.js';
import type { Store } from '../store/index.js';
import { recoverInterruptedSessions } from './live-sessions.js';

const LOADER = new URL('./ts-child-loader.mjs', import.meta.url).href;
const CHILD = new URL('./session-crash-child.ts', import.meta.url).pathname;
const REGISTER = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(LOADER)});`;

/** Session time the child must have run before it is killed (ms): well into the treatment. */
const KILL_AFTER_MS = 25_000;
const SPEED = 5;

interface Backend {
  name: string;
  /** The child's store arguments (url, and for PostgreSQL a fresh schema) and how to open it here. */
  setUp(): { args: string[]; open: () => Promise<Store>; dispose: () => Promise<void> };
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    setUp() {
      const dir = mkdtempSync(join(tmpdir(), 'ionto-crash-'));
      const file = join(dir, 'crash.sqlite');
      return {
        args: [file],
        open: () => openStore({ url: file }),
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(process.env.IONTO_TEST_PG === undefined
    ? []
    : [
        {
          name: 'postgres',
          setUp() {
            const url = process.env.IONTO_TEST_PG!;
            const schema = `ionto_crash_${randomBytes(6).toString('hex')}`;
            return {
              args: [url, schema],
              open: () => openStore({ url, schema }),
              dispose: () => dropPostgresSchema(url, schema),
            };
          },
        },
      ]),
];

describe.each(BACKENDS)('a server on $name killed with SIGKILL mid-session', (backend) => {
  let db: ReturnType<Backend['setUp']> | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await db?.dispose();
  });

  it('loses at most 1 s of telemetry, and start-up recovery marks the session interrupted with the stored dose', async () => {
    db = backend.setUp();
    const [url, ...schema] = db.args;
    const child = spawn(process.execPath, ['--import', REGISTER, CHILD, url!, String(SPEED), ...schema], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let sessionId: string | undefined;
    let reported = -1;
    for await (const line of createInterface({ input: child.stdout })) {
      const m = JSON.parse(line) as { session: string; t_ms: number };
      sessionId = m.session;
      reported = m.t_ms;
      if (reported >= KILL_AFTER_MS) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited, stderr).toBe('SIGKILL');
    expect(sessionId).toBeDefined();
    const id = sessionId!;

    store = await db.open();
    const before = await getSession(store, id);
    expect(before.status).toBe('running');
    const stored = await listTelemetry(store, id);
    const lastStored = stored[stored.length - 1]!.t_ms;
    // The child reported `reported` ms of session time just before the kill; at most 1 s of it is missing.
    expect(lastStored).toBeGreaterThanOrEqual(reported - 1000);
    // No gap inside what was stored: every control period up to the last stored sample is there.
    expect(stored.length).toBe(lastStored / 20);

    const recovered = await recoverInterruptedSessions(store);
    expect(recovered.map((s) => s.id)).toEqual([id]);
    const after = await getSession(store, id);
    expect(after.status).toBe('interrupted');
    expect(after.delivered_mamin).toBeGreaterThan(0);
    expect(after.delivered_mamin).toBeCloseTo(await deliveredFromTelemetry(store, id), 9);
    expect(Date.parse(after.ended_at!)).toBe(Date.parse(after.started_at) + lastStored);
    expect((await listAudit(store, { limit: 10_000 })).some((a) => a.action === 'session.interrupted')).toBe(true);
    // Recovery runs once: a second start-up finds nothing running.
    expect(await recoverInterruptedSessions(store)).toEqual([]);
  }, 60_000);
});
