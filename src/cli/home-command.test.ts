import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextCurrent } from '../clinic/titration.js';
import type { ToleranceEntry } from '../clinic/tolerance.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { mA } from '../units/quantities.js';
import { buildServer } from '../server/build-server.js';
import type { App } from '../server/app-types.js';
import { DEMO_EMAILS, seedDemoClinic } from '../server/demo-clinic.js';
import { PASSWORD, signIn } from '../server/test-fixtures.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { TestBackend } from '../store/test-backends.js';
import { homeViewFixture } from './home-fixtures.js';
import { localToday } from './home-next.js';
import { HomeState } from './home-state.js';
import type { SessionSyncRecord, ToleranceSyncRecord } from './home-state.js';
import { runInProcess } from './run-in-process.js';

const NOW = new Date('2026-03-10T09:00:00Z');
const comfortable: ToleranceEntry = { sensation: 'tingling', discomfort: 1, findings: [], engine_events: [] };

/** A local URL where nothing listens: the server is "down". */
async function deadServer(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('ionto home, offline', () => {
  let dir: string;
  let state: HomeState;
  const home = (argv: string[], now = NOW) => runInProcess(['home', ...argv, '--home-dir', dir], { now: () => now });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ionto-home-'));
    state = new HomeState(dir);
    delete process.env['IONTO_SERVER'];
    process.env['IONTO_TOKEN'] = 'ionto_u_test';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a damaged outbox with its path and leaves it as it was', async () => {
    state.writeView(homeViewFixture({ now: NOW }), null, NOW);
    writeFileSync(state.outboxFile, '{"version":1,"entries":[{"record":');
    for (const cmd of [
      ['next'],
      ['diary', '--date', '2026-03-09', '--dry', 'yes'],
      ['sync', '--server', 'http://x.test'],
    ]) {
      const r = await home(cmd);
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.err).toContain(state.outboxFile);
      expect(r.err).toContain('damaged');
    }
    expect(readFileSync(state.outboxFile, 'utf8')).toBe('{"version":1,"entries":[{"record":');
  });

  it('reports a cached plan that is not a home view with its path', async () => {
    writeFileSync(state.viewFile, JSON.stringify({ fetched_at: NOW.toISOString(), server: null, view: { plan: {} } }));
    const r = await home(['next']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(state.viewFile);
  });

  it('keeps a diary day made while the server is down, and sync says so with exit 4', async () => {
    const server = await deadServer();
    state.writeView(homeViewFixture({ now: NOW }), server, NOW);
    const d = await home(['diary', '--date', '2026-03-09', '--dry', 'no', '--server', server]);
    expect(d.code).toBe(0);
    expect(d.out).toContain('Offline');
    const outbox = state.readOutbox();
    expect(outbox.map((e) => e.record)).toMatchObject([{ kind: 'diary', date: '2026-03-09', dry: false }]);
    const s = await home(['sync', '--server', server]);
    expect(s.code).toBe(4);
    expect(s.out).toContain('1 record(s) kept');
    expect(state.readOutbox()).toEqual(outbox);
  });

  it('asks each day of the past week not yet answered, on a terminal, and keeps the answers', async () => {
    state.writeView(homeViewFixture({ now: NOW }), null, NOW);
    expect((await home(['diary', '--date', '2026-03-05', '--dry', 'yes'])).code).toBe(0);
    const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
    // Six days are asked (03-05 is answered already): 03-03 yes, 03-04 no, 03-06 skip, 03-07 "maybe" (asked
    // again) then yes, 03-08 yes, 03-09 no.
    stdin.end('y\nn\ns\nmaybe\ny\ny\nn\n');
    const r = await runInProcess(['home', 'diary', '--home-dir', dir], { now: () => NOW, stdin });
    expect(r.code, r.err).toBe(0);
    expect(r.out).not.toContain('2026-03-05?');
    const days = state
      .readOutbox()
      .flatMap((e) => (e.record.kind === 'diary' ? [[e.record.date, e.record.dry] as const] : []));
    expect(days).toEqual([
      ['2026-03-05', true],
      ['2026-03-03', true],
      ['2026-03-04', false],
      ['2026-03-07', true],
      ['2026-03-08', true],
      ['2026-03-09', false],
    ]);
  });

  it('refuses a diary day in the future and a --dry without --date (usage, exit 2)', async () => {
    expect((await home(['diary', '--date', '2026-03-11', '--dry', 'yes'])).code).toBe(2);
    expect((await home(['diary', '--dry', 'yes'])).code).toBe(2);
    expect((await home(['diary', '--date', '2026-02-30x', '--dry', 'yes'])).code).toBe(2);
    expect(state.readOutbox()).toEqual([]);
  });

  it('without a cached plan and without a server, next says there is nothing to work from (exit 4)', async () => {
    const r = await home(['next']);
    expect(r.code).toBe(4);
    expect(r.err).toContain('no home plan here yet');
  });

  it('runs a session offline at the titrated current and keeps the session and its tolerance in the outbox', async () => {
    const view = homeViewFixture({ now: NOW });
    state.writeView(view, null, NOW);
    const tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify({ sensation: 'tingling', discomfort: 1, findings: ['dryness'] }));
    const r = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol, '--seed', '3']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const records = state.readOutbox().map((e) => e.record);
    expect(records.map((x) => x.kind)).toEqual(['session', 'tolerance']);
    const session = records[0] as SessionSyncRecord;
    const tolerance = records[1] as ToleranceSyncRecord;
    expect(session.target_mA).toBeCloseTo(view.titration.current_mA, 6);
    expect(session.status).toBe('completed');
    expect(session.telemetry?.length).toBeGreaterThan(0);
    expect(tolerance.session_client_id).toBe(session.client_id);
    expect(tolerance.entry).toMatchObject({ findings: ['dryness'] });
    // dryness → a moisturiser is advised (the assessment's own text is shown)
    expect(r.out.toLowerCase()).toContain('moistur');
    expect(r.out).toContain('Kept here');
  });

  it('counts a session made offline at once: next computes the following current from it', async () => {
    const protocol = findProtocol('tapwater-palms');
    const rule = protocol.zones['palms']!.titration!;
    const view = homeViewFixture({ now: NOW });
    state.writeView(view, null, NOW);
    const tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify(comfortable));
    expect((await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol])).code).toBe(0);
    const later = new Date(NOW.getTime() + 3 * 86_400_000);
    const r = await home(['next', '--json'], later);
    expect(r.code).toBe(0);
    const next = JSON.parse(r.out) as {
      source: string;
      unsynced: number;
      titration: { current_mA: number; step: string };
    };
    expect(next.source).toBe('local');
    expect(next.unsynced).toBe(2);
    expect(next.titration.step).toBe('step-up');
    expect(next.titration.current_mA).toBeCloseTo(view.titration.current_mA + rule.step_up_mA.value, 6);
  });

  it('refuses a session when a burn was recorded after the last one, even before it is uploaded', async () => {
    state.writeView(homeViewFixture({ now: NOW }), null, NOW);
    const tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify({ sensation: 'pain', discomfort: 6, findings: ['burn'] }));
    const first = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol]);
    expect(first.out).toContain('the course is stopped until your clinic reviews it');
    const later = new Date(NOW.getTime() + 3 * 86_400_000);
    const again = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol], later);
    expect(again.code).toBe(3);
    expect(again.err).toContain('reviews it');
    expect(state.readOutbox()).toHaveLength(2);
    const next = await home(['next'], later);
    expect(next.out).toContain('STOPPED');
  });

  it('refuses a second session on the same day (the caps) and starts nothing', async () => {
    const view = homeViewFixture({
      now: NOW,
      sessions: [{ at: '2026-03-10T07:00:00Z', target_mA: 10, status: 'completed', tolerance: comfortable }],
    });
    state.writeView(view, null, NOW);
    const tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify(comfortable));
    const r = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/at most 1 session\(s\) a day/);
    expect(state.readOutbox()).toEqual([]);
  });

  it('checks the tolerance file before anything starts (usage, exit 2)', async () => {
    state.writeView(homeViewFixture({ now: NOW }), null, NOW);
    const tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify({ sensation: 'tingling', discomfort: 11, findings: [] }));
    const r = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('discomfort');
    expect(state.readOutbox()).toEqual([]);
    const noTty = await home(['session', '--speed', 'max', '--confirm-steps']);
    expect(noTty.code).toBe(2);
    expect(noTty.err).toContain('--tolerance');
  });

  it('next from the server view cached after a clinician review ignores the burn that review cleared', async () => {
    const burnt: ToleranceEntry = { sensation: 'pain', discomfort: 5, findings: ['burn'], engine_events: [] };
    const sessions = [
      { at: '2026-03-01T08:00:00Z', target_mA: 12, status: 'completed' as const, tolerance: burnt },
      { at: '2026-03-05T08:00:00Z', target_mA: 10, status: 'completed' as const, tolerance: comfortable },
    ];
    const fixture = homeViewFixture({ now: NOW, sessions: sessions.slice(1) });
    const view = { ...fixture, history: homeViewFixture({ now: NOW, sessions }).history };
    state.writeView(view, null, NOW);
    const r = await home(['next', '--json']);
    const next = JSON.parse(r.out) as { titration: { stopped: boolean; current_mA: number } };
    const protocol = findProtocol('tapwater-palms');
    const expected = nextCurrent(protocol, 'palms', [
      { at: sessions[1]!.at, target: mA(10), status: 'completed', tolerance: comfortable },
    ]);
    // No server configured: computed here from the cached view.
    expect(next.titration.stopped).toBe(false);
    expect(next.titration.current_mA).toBeCloseTo(expected.current, 6);
  });
});

/** A clinic server on a real port (the CLI talks HTTP), seeded with the demo clinic; it can be stopped and restarted. */
async function clinicServer(backend: TestBackend) {
  const db = backend.fresh();
  const store = await db.open();
  const demo = (await seedDemoClinic(store, { password: PASSWORD, timeZone: 'UTC' }))!;
  let app: App | undefined;
  let port = 0;
  const server = {
    store,
    demo,
    url: '',
    async start(): Promise<void> {
      app = await buildServer({ store, secureCookies: false });
      await app.listen({ port, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
      server.url = `http://127.0.0.1:${port}`;
    },
    async stop(): Promise<void> {
      await app?.close();
      app = undefined;
    },
    app: (): App => app!,
    async close(): Promise<void> {
      await server.stop();
      await db.dispose();
    },
  };
  await server.start();
  return server;
}

type ClinicServer = Awaited<ReturnType<typeof clinicServer>>;

/** The clinician hands the demo patient's course over to home; the patient makes a personal token. */
async function handOver(s: ClinicServer): Promise<{ token: string; patientId: string }> {
  const app = s.app();
  const patient = s.demo.patients[0]!;
  const clinician = await signIn(app, DEMO_EMAILS.clinician, PASSWORD);
  const courses = await app.inject({
    method: 'GET',
    url: `/api/patients/${patient.id}/courses`,
    headers: clinician.headers,
  });
  expect(courses.statusCode, courses.body).toBe(200);
  const body = courses.json() as { items?: { id: string }[] } | { id: string }[];
  const course = (Array.isArray(body) ? body : body.items!)[0]!;
  const plan = await app.inject({
    method: 'POST',
    url: `/api/patients/${patient.id}/home-plan`,
    headers: clinician.headers,
    payload: { course_id: course.id },
  });
  expect(plan.statusCode, plan.body).toBe(201);
  const me = await signIn(app, DEMO_EMAILS.patient, PASSWORD);
  const t = await app.inject({
    method: 'POST',
    url: '/api/account/tokens',
    headers: me.headers,
    payload: { name: 'home cli' },
  });
  expect(t.statusCode, t.body).toBe(201);
  return { token: (t.json() as { token: string }).token, patientId: patient.id };
}

const countWhere = async (s: ClinicServer, table: 'sessions' | 'outcomes', clientId: string): Promise<number> =>
  (await s.store.db.selectFrom(table).select('id').where('client_id', '=', clientId).execute()).length;

describe.each(TEST_BACKENDS)('ionto home with the clinic server ($name)', (backend) => {
  let dir: string;
  let s: ClinicServer;
  let tokenFile: string;
  let tol: string;
  const home = (argv: string[]) =>
    runInProcess(['home', ...argv, '--home-dir', dir, '--server', s.url, '--token-file', tokenFile]);
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ionto-home-'));
    s = await clinicServer(backend);
    const { token } = await handOver(s);
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`);
    tol = join(dir, 'tolerance.json');
    writeFileSync(tol, JSON.stringify(comfortable));
  });
  afterEach(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('next shows the titrated current and the reason', async () => {
    const r = await home(['next', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const next = JSON.parse(r.out) as {
      source: string;
      titration: { current_mA: number; step: string; reason: string };
    };
    const rule = findProtocol('tapwater-palms').zones['palms']!.titration!;
    expect(next.source).toBe('server');
    expect(next.titration.step).toBe('start');
    expect(next.titration.current_mA).toBe(rule.start_mA.value);
    const text = await home(['next']);
    expect(text.out).toContain(`at ${rule.start_mA.value.toFixed(1)} mA`);
    expect(text.out).toContain(next.titration.reason);
  });

  it('keeps a session made offline and uploads it once when the server is back', async () => {
    expect((await home(['next'])).code).toBe(0); // the plan is cached
    await s.stop();
    const session = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol]);
    expect(session.code, session.err).toBe(0);
    expect(session.out).toContain('Offline');
    const diary = await home(['diary', '--date', localToday(new Date(), 'UTC'), '--dry', 'yes']);
    expect(diary.code).toBe(0);
    const outbox = new HomeState(dir).readOutbox();
    expect(outbox.map((e) => e.record.kind)).toEqual(['session', 'tolerance', 'diary']);
    expect((await home(['sync'])).code).toBe(4);

    await s.start();
    const before = readFileSync(new HomeState(dir).outboxFile, 'utf8');
    const first = await home(['sync']);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain('Uploaded 3 record(s)');
    expect(new HomeState(dir).readOutbox()).toEqual([]);
    // The answer was lost on the way back: the same records go up a second time.
    writeFileSync(new HomeState(dir).outboxFile, before);
    const second = await home(['sync']);
    expect(second.code).toBe(0);
    expect(second.out).toContain('3 the server already had');
    const [sRec, , dRec] = outbox.map((e) => e.record);
    expect(await countWhere(s, 'sessions', sRec!.client_id)).toBe(1);
    expect(await countWhere(s, 'outcomes', dRec!.client_id)).toBe(1);
    // The view the server sends back counts the uploaded session once.
    const view = new HomeState(dir).readView()!.view;
    expect(view.history.filter((h) => h.client_id === sRec!.client_id)).toHaveLength(1);
  });

  it('refuses a session when the plan is stopped after a burn', async () => {
    const burn = join(dir, 'burn.json');
    writeFileSync(burn, JSON.stringify({ sensation: 'pain', discomfort: 7, findings: ['burn'] }));
    const first = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', burn]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('the course is stopped until your clinic reviews it');
    expect(first.out).toContain('Uploaded 2 record(s)');
    // The server stopped the plan; a new day, and the session is still refused.
    const next = await home(['next', '--json']);
    expect((JSON.parse(next.out) as { plan: { status: string } }).plan.status).toBe('stopped');
    const again = await home(['session', '--speed', 'max', '--confirm-steps', '--tolerance', tol]);
    expect(again.code).toBe(3);
    expect(again.err).toContain('reviews it');
  });
});
