/**
 * Server benchmark: the clinic server, started as `ionto serve` starts it (startClinicServer, in a process of its
 * own: bench/server-host.ts) on 127.0.0.1, loaded over loopback by autocannon at 100 concurrent connections, on
 * SQLite and, when IONTO_TEST_PG or --pg names a server, on PostgreSQL in a fresh schema dropped afterwards. For 100,
 * 10,000 and 100,000 patients in one clinic (bulk inserts; one course of six planned sessions each; one finished
 * session with ten minutes of telemetry at the 20 ms control period) it measures, signed in as a nurse of the clinic:
 *
 *  - GET /api/patients?limit=50 — a page of the patient list (which writes an audit row per listed patient);
 *  - a patient's course, GET /api/courses/:id (or GET /api/patients/:id when the server has no course route yet);
 *  - a session's telemetry, GET /api/sessions/:id/telemetry?limit=1000 (a page of 1,000 samples);
 *  - telemetry ingestion, POST /api/agent/sessions/:id/telemetry with a device token, in batches of 50 samples (one
 *    second of one session, what an agent sends) and of 1,000 (an agent flushing a backlog), spread over 100 running
 *    sessions; reported in samples/s.
 *
 * Each read runs twice: at saturation (autocannon, a closed loop of 100 connections: the most the server answers,
 * and by Little's law a latency of 100 / throughput whatever a request costs) and paced (200 requests/s spread evenly
 * over up to 100 connections: 100 users each asking twice a second, the interactive case). Ingestion runs at
 * saturation. Latency percentiles are exact, over every 2xx response (autocannon's own histogram rounds to whole ms).
 * Requests go to patients and courses spread over a sample of 1,000, so no single row stays hot.
 *
 *   npm run bench:server -- --json [--quick] [--pg postgres://…] [--duration s] [--connections n] [--sizes 100,10000]
 *                              [--backend sqlite|postgres] [--rate n]
 *                              [--profile-server DIR]   (a V8 CPU profile of each server process, into DIR)
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { percentile } from '../src/simulation/regulation-trial.js';
import { createUserWithPassword } from '../src/server/passwords.js';
import { hashSecretToken, newSecretToken } from '../src/server/secret-tokens.js';
import {
  appendTelemetry,
  createClinic,
  createDevice,
  dropPostgresSchema,
  finishSession,
  inTransaction,
  openStore,
  startSession,
} from '../src/store/index.js';
import type { Store, TelemetrySample } from '../src/store/index.js';
import { benchArgs } from './bench-args.js';

const args = benchArgs(process.argv.slice(2), {
  json: 'flag',
  quick: 'flag',
  pg: 'string',
  duration: 'number',
  connections: 'number',
  sizes: 'string',
  'profile-server': 'string',
  rate: 'number',
  backend: 'string',
});
const QUICK = args.quick === true;
const DURATION_S = (args.duration as number | undefined) ?? (QUICK ? 3 : 6);
const WARMUP_S = QUICK ? 1 : 2;
const CONNECTIONS = (args.connections as number | undefined) ?? 100;
/**
 * The paced load of the reads: 200 requests/s spread evenly in time over up to 100 connections, as 100 clinic users
 * each asking twice a second would. The saturating run shows the most the server answers; at a closed loop of 100 connections its
 * latency is 100 / throughput by Little's law, whatever the handler costs.
 */
const PACED_RATE = (args.rate as number | undefined) ?? 2 * CONNECTIONS;
const SIZES = args.sizes
  ? String(args.sizes)
      .split(',')
      .map((s) => Number(s.trim()))
  : QUICK
    ? [100, 10_000]
    : [100, 10_000, 100_000];
if (SIZES.some((n) => !Number.isSafeInteger(n) || n < 1)) {
  process.stderr.write('--sizes takes patient counts like 100,10000\n');
  process.exit(2);
}
const PG_URL = (args.pg as string | undefined) ?? process.env.IONTO_TEST_PG;
const SAMPLE_IDS = 1000;
const PLANNED_PER_COURSE = 6;
/** The engine's control period (ms): one telemetry sample per period. */
const CONTROL_PERIOD_MS = 20;
/** Ten minutes of telemetry for the session whose telemetry is read. */
const STORED_SAMPLES = (10 * 60_000) / CONTROL_PERIOD_MS;
const INGEST_BATCHES = [50, 1000];
/** Sample indices each batch size may use per session: 2,000,000 × 20 ms stays below the API's 24-hour t_ms. */
const INGEST_RANGE = 2_000_000;
const PAGE = 50;
const TELEMETRY_PAGE = 1000;
const PASSWORD = `bench-${randomBytes(9).toString('base64url')}`;
const EMAIL = 'nurse@bench.test';
const here = dirname(fileURLToPath(import.meta.url));
const progress = (s: string) => {
  if (!args.json || process.stderr.isTTY) process.stderr.write(`${s}\n`);
};

// ---------------------------------------------------------------------------------------------------------------
// Seeding, with multi-row INSERTs.

interface Seeded {
  deviceToken: string;
  deviceId: string;
  /** Up to 1,000 patient ids spread over the id range, and the courses of the same patients. */
  patientIds: string[];
  courseIds: string[];
  telemetrySessionId: string;
  rows: Record<string, number>;
  seconds: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const untyped = (store: Store): Kysely<any> => store.db as unknown as Kysely<any>;

/** Rows per statement: at 9 columns, 500 rows stay far below both backends' parameter limits. */
const ROWS_PER_STATEMENT = 500;

async function bulkInsert(store: Store, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await untyped(store)
      .insertInto(table)
      .values(rows.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
  }
}

const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A sample of `k` items spread evenly over `xs`. */
const spread = <T>(xs: readonly T[], k: number): T[] =>
  xs.length <= k ? [...xs] : Array.from({ length: k }, (_, i) => xs[Math.floor((i * xs.length) / k)]!);

async function seed(store: Store, n: number): Promise<Seeded> {
  const t0 = performance.now();
  const clinic = await createClinic(store, { name: 'Benchmark clinic', time_zone: 'Europe/Berlin' });
  await createUserWithPassword(store, { email: EMAIL, password: PASSWORD, role: 'nurse', clinic_id: clinic.id });
  const deviceToken = newSecretToken('device');
  const device = await createDevice(store, {
    clinic_id: clinic.id,
    kind: 'simulated',
    name: 'Benchmark device',
    token_hash: hashSecretToken(deviceToken),
  });
  const now = new Date().toISOString();
  const start = now.slice(0, 10);
  const stamp = { created_at: now, updated_at: now, version: 1 };
  const patients: { id: string; courseId: string }[] = [];
  const CHUNK = 10_000;
  // In chunks of 10,000 patients, each with its course and planned sessions, one transaction per chunk.
  for (let c = 0; c < n; c += CHUNK) {
    const m = Math.min(CHUNK, n - c);
    const chunk = Array.from({ length: m }, () => ({ id: randomUUID(), courseId: randomUUID() }));
    await inTransaction(store, async (tx) => {
      await bulkInsert(
        tx,
        'patients',
        chunk.map((p, i) => ({
          ...stamp,
          id: p.id,
          clinic_id: clinic.id,
          name: `Bench Patient ${c + i + 1}`,
          birth_date: `19${50 + ((c + i) % 50)}-0${1 + ((c + i) % 9)}-1${(c + i) % 10}`,
          time_zone: 'Europe/Berlin',
          user_id: null,
        })),
      );
      await bulkInsert(
        tx,
        'courses',
        chunk.map((p) => ({
          ...stamp,
          id: p.courseId,
          patient_id: p.id,
          protocol: 'tapwater-palms',
          template: 'clinic',
          start_date: start,
          time_zone: 'Europe/Berlin',
        })),
      );
      await bulkInsert(
        tx,
        'planned_sessions',
        chunk.flatMap((p) =>
          [0, 1, 3, 6, 9, 14].slice(0, PLANNED_PER_COURSE).map((day, k) => ({
            ...stamp,
            id: randomUUID(),
            course_id: p.courseId,
            seq: k + 1,
            phase: 'induction',
            local_date: addDays(start, day),
            starts_at: `${addDays(start, day)}T08:00:00.000Z`,
            status: 'planned',
          })),
        ),
      );
    });
    patients.push(...chunk);
  }
  const sampled = spread(
    [...patients].sort((a, b) => (a.id < b.id ? -1 : 1)),
    SAMPLE_IDS,
  );
  const session = await startSession(store, {
    patient_id: sampled[0]!.id,
    protocol: 'tapwater-palms',
    zone: 'palms',
    device_id: device.id,
  });
  await appendTelemetry(store, session.id, samples(0, STORED_SAMPLES));
  await finishSession(store, session.id, { status: 'completed' });
  // Fresh planner statistics, as autovacuum would gather after a bulk load: without them PostgreSQL guesses a few
  // hundred telemetry rows per session and reads a session's 30,000 samples and sorts them for every page.
  if (store.dialect === 'postgres') await sql`analyze`.execute(store.db);
  return {
    deviceToken,
    deviceId: device.id,
    patientIds: sampled.map((p) => p.id),
    courseIds: sampled.map((p) => p.courseId),
    telemetrySessionId: session.id,
    rows: { patients: n, courses: n, planned_sessions: n * PLANNED_PER_COURSE, telemetry: STORED_SAMPLES },
    seconds: round((performance.now() - t0) / 1000, 2),
  };
}

/** `count` samples of a steady 2 mA session, from sample index `from` on, one per control period. */
function samples(from: number, count: number): TelemetrySample[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      t_ms: i * CONTROL_PERIOD_MS,
      phase: 'treat',
      setpoint: 2,
      current: 2 + 0.01 * Math.sin(i / 7),
      voltage: 18 + 0.1 * Math.cos(i / 11),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The server process and the load.

interface Host {
  child: ChildProcess;
  base: string;
}

async function startHost(db: string, schema: string | undefined): Promise<Host> {
  const profile = args['profile-server'] as string | undefined;
  const nodeArgs = profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile];
  const child = spawn(process.execPath, [...nodeArgs, join(here, 'server-host.js'), db, schema ?? ''], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it listened`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function stopHost(h: Host): Promise<void> {
  const exited = new Promise<void>((r) => h.child.once('exit', () => r()));
  h.child.kill('SIGTERM');
  await exited;
}

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

interface LoadResult {
  endpoint: string;
  /** saturation: every connection sends its next request as soon as the last is answered; paced: `offered_per_s`. */
  mode: 'saturation' | 'paced';
  offered_per_s?: number;
  /** Set when the endpoint asked for was not served and another stood in for it. */
  fallback?: string;
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Responses other than 2xx and connection errors or timeouts: each should be 0. */
  non_2xx: number;
  errors: number;
  timeouts: number;
  samples_per_s?: number;
  batch?: number;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Count, rate and latency percentiles (nearest rank) of the answered requests' times over `elapsed` seconds. */
function latencies(times: readonly number[], elapsed: number) {
  return {
    duration_s: round(elapsed, 1),
    requests: times.length,
    requests_per_s: Math.round(times.length / elapsed),
    p50_ms: round(percentile(times, 50)),
    p90_ms: round(percentile(times, 90)),
    p99_ms: round(percentile(times, 99)),
    max_ms: round(times.reduce((m, t) => Math.max(m, t), times.length === 0 ? NaN : 0)),
  };
}

interface LoadSpec {
  endpoint: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The k-th request's path and body; k counts on across the warm-up and the measured run. */
  path: (k: number) => string;
  body?: (k: number) => string;
  /** Requests made so far. */
  sent: number;
}

/** Closed loop (autocannon): every connection sends its next request as soon as the last is answered. */
async function runLoad(base: string, spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const times: number[] = [];
  let non2xx = 0;
  let finish: (e: Error | null, r: autocannon.Result) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (e, r) => (e ? reject(e) : resolve(r));
  });
  const instance = autocannon(
    {
      url: base,
      connections: CONNECTIONS,
      duration: seconds,
      method: spec.method,
      headers: spec.headers,
      requests: [
        {
          setupRequest: (req) => {
            const i = spec.sent++;
            return { ...req, path: spec.path(i), ...(spec.body === undefined ? {} : { body: spec.body(i) }) };
          },
        },
      ],
    },
    (e, r) => finish(e, r),
  );
  instance.on('response', (_client, status, _bytes, responseTime) => {
    if (status >= 200 && status < 300) times.push(responseTime);
    else non2xx++;
  });
  const result = await finished;
  const elapsed = result.duration;
  return {
    endpoint: spec.endpoint,
    mode: 'saturation',
    connections: CONNECTIONS,
    ...latencies(times, elapsed),
    non_2xx: non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const pick = <T>(xs: readonly T[], k: number): T => xs[(k * 7919) % xs.length]!;

/** Whether the server serves `path`: anything but its "no such route" 404 counts as served. */
async function serves(base: string, path: string, init: RequestInit): Promise<{ served: boolean; status: number }> {
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { served: !(res.status === 404 && text.includes('no such route')), status: res.status };
}

/**
 * Open loop: requests leave at even intervals, `rate` a second, over at most CONNECTIONS keep-alive connections,
 * whether or not the earlier ones were answered. (autocannon's own rate limit sends each connection's quota for the
 * second in one burst, which measures bursts of 100, not clients spread over time.) Latency runs from the moment a
 * request is handed to the connection pool, so waiting for a free connection counts.
 */
async function runPaced(base: string, spec: LoadSpec, seconds: number, rate: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const origin = new URL(base);
  const times: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const send = (k: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = spec.body?.(k);
      const req = http.request(
        {
          host: origin.hostname,
          port: origin.port,
          path: spec.path(k),
          method: spec.method,
          headers: body === undefined ? spec.headers : { ...spec.headers, 'content-length': Buffer.byteLength(body) },
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const total = Math.round(seconds * rate);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sentAt = performance.now();
    pending.push(
      send(spec.sent++).then(
        (status) => {
          if (status >= 200 && status < 300) times.push(performance.now() - sentAt);
          else non2xx++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  const elapsed = (performance.now() - t0) / 1000;
  return {
    endpoint: spec.endpoint,
    mode: 'paced',
    offered_per_s: rate,
    connections: CONNECTIONS,
    ...latencies(times, elapsed),
    non_2xx: non2xx,
    errors,
    timeouts: 0,
  };
}

async function measure(base: string, s: Omit<LoadSpec, 'sent'>, rate?: number): Promise<LoadResult> {
  const spec = { ...s, sent: 0 };
  if (rate === undefined) {
    await runLoad(base, spec, WARMUP_S);
    return runLoad(base, spec, DURATION_S);
  }
  await runPaced(base, spec, 1, rate);
  return runPaced(base, spec, DURATION_S, rate);
}

/** A read at saturation, then paced; `fallback` says what stood in for the endpoint asked for. */
async function measureRead(base: string, spec: Omit<LoadSpec, 'sent'>, fallback?: string): Promise<LoadResult[]> {
  const out = [await measure(base, spec), await measure(base, spec, PACED_RATE)];
  return fallback === undefined ? out : out.map((r) => ({ ...r, fallback }));
}

// ---------------------------------------------------------------------------------------------------------------

interface Backend {
  name: 'sqlite' | 'postgres';
  /** A fresh database: the URL or path, the schema, and how to remove it. */
  fresh(): { db: string; schema: string | undefined; dispose: () => Promise<void> };
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'ionto-bench-'));
    return {
      db: join(dir, 'bench.sqlite'),
      schema: undefined,
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgresBackend = (url: string): Backend => ({
  name: 'postgres',
  fresh() {
    const schema = `ionto_bench_${randomBytes(6).toString('hex')}`;
    return {
      db: url,
      schema,
      dispose: () => dropPostgresSchema(url, schema),
    };
  },
});

interface SizeRun {
  backend: 'sqlite' | 'postgres';
  patients: number;
  seed_s: number;
  rows: Record<string, number>;
  results: LoadResult[];
}

async function benchSize(backend: Backend, n: number): Promise<SizeRun> {
  const fresh = backend.fresh();
  let store: Store | undefined;
  let host: Host | undefined;
  try {
    store = await openStore({ url: fresh.db, ...(fresh.schema === undefined ? {} : { schema: fresh.schema }) });
    progress(`${backend.name}, ${n} patients: seeding`);
    const seeded = await seed(store, n);
    host = await startHost(fresh.db, fresh.schema);
    const base = host.base;
    const cookie = await signIn(base);
    const asNurse = { cookie };
    const results: LoadResult[] = [];

    progress(`${backend.name}, ${n} patients: patient list`);
    results.push(
      ...(await measureRead(base, {
        endpoint: `GET /api/patients?limit=${PAGE}`,
        method: 'GET',
        headers: asNurse,
        path: () => `/api/patients?limit=${PAGE}`,
      })),
    );

    const patientRead: Omit<LoadSpec, 'sent'> = {
      endpoint: 'GET /api/patients/:id',
      method: 'GET',
      headers: asNurse,
      path: (k) => `/api/patients/${pick(seeded.patientIds, k)}`,
    };
    const stoodIn = (what: string, probe: { served: boolean; status: number }) =>
      `${what} answered ${probe.status}${probe.served ? '' : ' (no such route)'}; measured GET /api/patients/:id instead`;

    progress(`${backend.name}, ${n} patients: a patient's course`);
    const course = await serves(base, `/api/courses/${seeded.courseIds[0]}`, { headers: asNurse });
    results.push(
      ...(course.served && course.status === 200
        ? await measureRead(base, {
            endpoint: 'GET /api/courses/:id',
            method: 'GET',
            headers: asNurse,
            path: (k) => `/api/courses/${pick(seeded.courseIds, k)}`,
          })
        : await measureRead(base, patientRead, stoodIn('GET /api/courses/:id', course))),
    );

    progress(`${backend.name}, ${n} patients: a session's telemetry`);
    const telemetryPath = `/api/sessions/${seeded.telemetrySessionId}/telemetry?limit=${TELEMETRY_PAGE}`;
    const telemetry = await serves(base, telemetryPath, { headers: asNurse });
    results.push(
      ...(telemetry.served && telemetry.status === 200
        ? await measureRead(base, {
            endpoint: `GET /api/sessions/:id/telemetry?limit=${TELEMETRY_PAGE}`,
            method: 'GET',
            headers: asNurse,
            path: () => telemetryPath,
          })
        : await measureRead(base, patientRead, stoodIn('GET /api/sessions/:id/telemetry', telemetry))),
    );

    // Running sessions on the device, opened now: the server marked any running at its start as interrupted.
    const running: string[] = [];
    for (let k = 0; k < CONNECTIONS; k++) {
      const s = await startSession(store, {
        patient_id: pick(seeded.patientIds, k + 1),
        protocol: 'tapwater-palms',
        zone: 'palms',
        device_id: seeded.deviceId,
      });
      running.push(s.id);
    }
    const asDevice = { authorization: `Bearer ${seeded.deviceToken}`, 'content-type': 'application/json' };
    const ingestProbe = await serves(base, `/api/agent/sessions/${running[0]}/telemetry`, {
      method: 'POST',
      headers: asDevice,
      body: JSON.stringify({ samples: samples(0, 1) }),
    });
    for (const [b, batch] of INGEST_BATCHES.entries()) {
      progress(`${backend.name}, ${n} patients: telemetry ingestion, batches of ${batch}`);
      // Each session takes batches of consecutive samples: request k goes to session k mod S, its (k div S)-th batch,
      // from a range of sample indices of this batch size's own (t_ms stays within the API's 24 hours).
      const offset = 1 + b * INGEST_RANGE;
      const bodyFor = (k: number) =>
        JSON.stringify({ samples: samples(offset + Math.floor(k / running.length) * batch, batch) });
      if (ingestProbe.served && ingestProbe.status === 202) {
        const r = await measure(base, {
          endpoint: `POST /api/agent/sessions/:id/telemetry (${batch} samples per request)`,
          method: 'POST',
          headers: asDevice,
          path: (k) => `/api/agent/sessions/${running[k % running.length]}/telemetry`,
          body: bodyFor,
        });
        results.push({ ...r, batch, samples_per_s: r.requests_per_s * batch });
      } else {
        results.push(await storeLevelIngestion(store, running, batch, offset, ingestProbe.status));
      }
    }
    return { backend: backend.name, patients: n, seed_s: seeded.seconds, rows: seeded.rows, results };
  } finally {
    if (host !== undefined) await stopHost(host);
    await store?.close();
    await fresh.dispose();
  }
}

/** When the server takes no telemetry over HTTP: the store's appendTelemetry, one batch per call, CONNECTIONS at once. */
async function storeLevelIngestion(
  store: Store,
  sessions: readonly string[],
  batch: number,
  offset: number,
  status: number,
): Promise<LoadResult> {
  const times: number[] = [];
  const until = performance.now() + DURATION_S * 1000;
  const t0 = performance.now();
  await Promise.all(
    sessions.map(async (id) => {
      for (let k = 0; performance.now() < until; k++) {
        const a = performance.now();
        await appendTelemetry(store, id, samples(offset + k * batch, batch));
        times.push(performance.now() - a);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return {
    endpoint: `store appendTelemetry (${batch} samples per call)`,
    mode: 'saturation',
    fallback: `POST /api/agent/sessions/:id/telemetry answered ${status}; measured the store's appendTelemetry instead (store-level, no HTTP)`,
    connections: sessions.length,
    ...latencies(times, elapsed),
    non_2xx: 0,
    errors: 0,
    timeouts: 0,
    batch,
    samples_per_s: Math.round((times.length * batch) / elapsed),
  };
}

// ---------------------------------------------------------------------------------------------------------------

const loadBefore = loadavg();
const backends: Backend[] = [sqliteBackend, ...(PG_URL ? [postgresBackend(PG_URL)] : [])].filter(
  (b) => args.backend === undefined || b.name === args.backend,
);
if (backends.length === 0) {
  process.stderr.write(
    `--backend ${String(args.backend)}: no such backend here (sqlite; postgres needs --pg or IONTO_TEST_PG)\n`,
  );
  process.exit(2);
}
const started = performance.now();
const runs: SizeRun[] = [];
for (const backend of backends) for (const n of SIZES) runs.push(await benchSize(backend, n));

const READ_TARGET_MS = 10;
const INGEST_TARGET = 50_000;
const isRead = (r: LoadResult) => r.endpoint.startsWith('GET');
const checks = [
  ...runs
    .filter((r) => r.backend === 'sqlite' && r.patients === 10_000)
    .flatMap((r) =>
      r.results.filter(isRead).map((x) => ({
        check:
          `p99 < ${READ_TARGET_MS} ms at ${CONNECTIONS} connections (${x.mode === 'paced' ? `paced, ${x.offered_per_s} requests/s` : 'saturation'}), ` +
          `SQLite, 10,000 patients: ${x.endpoint}${x.fallback === undefined ? '' : ' (stand-in)'}`,
        measured_ms: x.p99_ms,
        ok: x.p99_ms < READ_TARGET_MS && x.non_2xx === 0,
      })),
    ),
  ...runs.flatMap((r) =>
    r.results
      .filter((x) => x.samples_per_s !== undefined)
      .map((x) => ({
        check: `ingestion ≥ ${INGEST_TARGET} samples/s, ${r.backend}, ${r.patients} patients: ${x.endpoint}`,
        measured_samples_per_s: x.samples_per_s,
        ok: (x.samples_per_s ?? 0) >= INGEST_TARGET && x.non_2xx === 0,
      })),
  ),
];

const report = {
  benchmark: 'server',
  cores: availableParallelism(),
  cpu: cpus()[0]?.model ?? 'unknown',
  /** The machine's 1-minute load average before and after: other work on the cores skews every figure. */
  load_average: { before: round(loadBefore[0]!, 2), after: round(loadavg()[0]!, 2) },
  node: process.version,
  quick: QUICK,
  connections: CONNECTIONS,
  duration_s: DURATION_S,
  warmup_s: WARMUP_S,
  targets: {
    interactive_read_p99_ms: READ_TARGET_MS,
    at: 'SQLite, 10,000 patients, 100 concurrent connections',
    ingestion_samples_per_s: INGEST_TARGET,
  },
  runs,
  checks,
  seconds: round((performance.now() - started) / 1000, 1),
};

if (args.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(
    `Server on 127.0.0.1, ${CONNECTIONS} connections, ${DURATION_S} s per endpoint, ${report.cores} cores (${report.cpu}), ` +
      `load average ${report.load_average.before} before, ${report.load_average.after} after`,
  );
  const head = ['backend', 'patients', 'endpoint', 'load', 'req/s', 'p50 ms', 'p99 ms', 'samples/s', 'failed'];
  const rows = runs.flatMap((r) =>
    r.results.map((x) => [
      r.backend,
      String(r.patients),
      x.endpoint + (x.fallback === undefined ? '' : ' *'),
      x.mode === 'paced' ? `paced ${x.offered_per_s}/s` : 'saturation',
      String(x.requests_per_s),
      x.p50_ms.toFixed(2),
      x.p99_ms.toFixed(2),
      x.samples_per_s === undefined ? '' : String(x.samples_per_s),
      String(x.non_2xx + x.errors + x.timeouts),
    ]),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const line of [head, ...rows]) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  for (const r of runs)
    for (const x of r.results) if (x.fallback) console.log(`* ${r.backend} ${r.patients}: ${x.fallback}`);
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'MISS'} ${c.check}`);
  console.log(`${report.seconds} s in all`);
}
