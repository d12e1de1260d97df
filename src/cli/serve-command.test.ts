import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CLINIC_NAME, DEMO_EMAILS } from '../server/demo-clinic.js';
import {
  createClinic,
  createPatient,
  getSession,
  listAudit,
  listCourses,
  listScreenings,
  openStore,
  startSession,
} from '../store/index.js';
import { runInProcess } from './run-in-process.js';
import type { CliRun } from './run-in-process.js';
import { describeDatabase, isLoopbackHost, startClinicServer } from './serve-command.js';

/** `ionto serve …` run in this process, with its output read while it runs; `stop()` sends it SIGTERM. */
function serveInBackground(argv: readonly string[]) {
  let out = '';
  const stdout = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
  let settled: CliRun | undefined;
  const run = runInProcess(['serve', ...argv], { stdout }).then((r) => (settled = r));
  return {
    run,
    output: () => out,
    /** Waits for the start banner; fails with the command's error output when it ends instead. */
    async started(): Promise<{ url: string; password: string | undefined }> {
      for (let k = 0; k < 600; k++) {
        if (settled !== undefined) throw new Error(`serve ended (${settled.code}): ${settled.err}`);
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        if (url !== undefined && out.includes('Stop with Ctrl+C.')) {
          return { url, password: /with the password (\S+) as/.exec(out)?.[1] };
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`serve did not start: ${out}`);
    },
    async stop(): Promise<CliRun> {
      process.emit('SIGTERM', 'SIGTERM');
      return run;
    },
  };
}

async function signIn(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

const occupiedPort = async (): Promise<Server> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};

describe('ionto serve', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ionto-serve-'));
    file = join(dir, 'clinic.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('seeds the demo clinic on the first start, prints a sign-in that works, and never seeds again', async () => {
    const first = serveInBackground(['--port', '0', '--db', file]);
    const { url, password } = await first.started();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.output()).toContain(`Database: SQLite file ${file}`);
    expect(first.output()).toContain(DEMO_CLINIC_NAME);
    for (const email of Object.values(DEMO_EMAILS)) expect(first.output()).toContain(email);
    expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);

    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite' });

    const nurse = await signIn(url, DEMO_EMAILS.nurse, password!);
    expect(nurse.status).toBe(200);
    // Loopback plain HTTP: the cookie is not Secure, or a browser on http://127.0.0.1 could not sign in.
    expect(nurse.setCookie).not.toMatch(/;\s*Secure/i);
    const list = await fetch(`${url}/api/patients`, { headers: { cookie: nurse.cookie } });
    expect(list.status).toBe(200);
    const patients = ((await list.json()) as { items: { name: string }[] }).items;
    expect(patients.length).toBeGreaterThanOrEqual(3);
    expect(patients.every((p) => p.name.startsWith('Demo Patient'))).toBe(true);
    expect((await signIn(url, DEMO_EMAILS.admin, 'not the password')).status).toBe(401);

    const stopped = await first.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.err).toContain('stopped');

    const second = serveInBackground(['--port', '0', '--db', file]);
    const again = await second.started();
    expect(again.password).toBeUndefined();
    expect(second.output()).not.toContain('First start');
    expect(second.output()).not.toContain(password!);
    expect((await signIn(again.url, DEMO_EMAILS.clinician, password!)).status).toBe(200);
    expect((await second.stop()).code).toBe(0);

    const store = await openStore({ url: file });
    try {
      const clinics = await store.db.selectFrom('clinics').select('name').execute();
      expect(clinics).toEqual([{ name: DEMO_CLINIC_NAME }]);
      const ids = (await store.db.selectFrom('patients').select('id').execute()).map((p) => p.id);
      for (const id of ids) {
        expect((await listScreenings(store, {}, { patient_id: id })).items).toHaveLength(1);
        expect((await listCourses(store, {}, { patient_id: id })).items).toHaveLength(1);
      }
      const devices = await store.db.selectFrom('devices').select('kind').execute();
      expect(devices).toEqual([{ kind: 'simulated' }]);
      const created = (await listAudit(store, { limit: 1000 })).filter((e) => e.action === 'patient.create');
      expect(created.map((e) => e.entity_id).sort()).toEqual([...ids].sort());
      for (const { password_hash } of await store.db.selectFrom('users').select('password_hash').execute()) {
        expect(password_hash).toMatch(/^\$argon2id\$/);
      }
    } finally {
      await store.close();
    }
  });

  it.each(['abc', '70000', '-1', '80.5', ''])('refuses --port %j with exit 2 and starts nothing', async (port) => {
    const r = await runInProcess(['serve', '--port', port, '--db', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--port');
    expect(existsSync(file)).toBe(false);
  });

  it.each(['fast', '0', '20000', 'NaN', ''])(
    'refuses --session-speed %j with exit 2 and starts nothing',
    async (speed) => {
      const r = await runInProcess(['serve', '--session-speed', speed, '--db', file]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--session-speed must be a factor from 0.01 to 10000');
      expect(existsSync(file)).toBe(false);
    },
  );

  it('names the busy port, exits 1, and seeds nothing whose password nobody saw', async () => {
    const busy = await occupiedPort();
    try {
      const port = (busy.address() as AddressInfo).port;
      const r = await runInProcess(['serve', '--port', String(port), '--db', file]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.out).not.toContain('password');
      const store = await openStore({ url: file });
      try {
        expect(await store.db.selectFrom('users').select('id').execute()).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      busy.close();
    }
  });

  it('says which database it could not reach, exits 1, and never prints its password', async () => {
    const r = await runInProcess(['serve', '--port', '0', '--db', 'postgres://ionto:s3cret@127.0.0.1:1/clinic']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot open the database (PostgreSQL postgres://ionto:***@127.0.0.1:1/clinic)');
    expect(r.err).not.toContain('s3cret');
  });

  it('marks sessions a previous process left running as interrupted, and says so', async () => {
    const before = await openStore({ url: file });
    const clinic = await createClinic(before, { name: 'Clinic', time_zone: 'Europe/Berlin' });
    const p = await createPatient(before, {
      clinic_id: clinic.id,
      name: 'Pat',
      birth_date: '1990-01-01',
      time_zone: 'Europe/Berlin',
      user_id: null,
    });
    const s = await startSession(before, { patient_id: p.id, protocol: 'tapwater-palms', zone: 'palms' });
    await before.close();

    const server = await startClinicServer({ port: 0, db: file });
    try {
      expect(server.interrupted).toBe(1);
      // Not an empty database: no demo clinic beside the real one.
      expect(server.demo).toBeUndefined();
      expect((await getSession(server.store, s.id)).status).toBe('interrupted');
    } finally {
      await server.close();
    }
  });

  it('marks cookies Secure and warns when it listens beyond this computer over plain HTTP', async () => {
    const bg = serveInBackground(['--port', '0', '--host', '0.0.0.0', '--db', file]);
    const { url, password } = await bg.started();
    const port = new URL(url).port;
    const signed = await signIn(`http://127.0.0.1:${port}`, DEMO_EMAILS.admin, password!);
    expect(signed.status).toBe(200);
    expect(signed.setCookie).toMatch(/;\s*Secure/i);
    const r = await bg.stop();
    expect(r.err).toMatch(/warning: serving plain HTTP on 0\.0\.0\.0/);
  });

  it('takes the database from IONTO_DATABASE_URL when --db is not given', async () => {
    const server = await startClinicServer({ port: 0, env: { IONTO_DATABASE_URL: file } });
    try {
      expect(server.database).toBe(`SQLite file ${file}`);
      expect(server.demo).toBeDefined();
    } finally {
      await server.close();
    }
    expect(existsSync(file)).toBe(true);
  });

  it('knows loopback addresses and hides database passwords', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '128.0.0.1', 'example.org'])
      expect(isLoopbackHost(h)).toBe(false);
    expect(describeDatabase('postgres://u:pw@db:5432/x')).toBe('PostgreSQL postgres://u:***@db:5432/x');
    expect(describeDatabase('postgres://db/x')).toBe('PostgreSQL postgres://db/x');
  });
});
