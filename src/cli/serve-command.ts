import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { buildServer } from '../server/build-server.js';
import type { App } from '../server/app-types.js';
import { seedDemoClinic } from '../server/demo-clinic.js';
import type { DemoClinic } from '../server/demo-clinic.js';
import { recoverInterruptedSessions } from '../server/live-sessions.js';
import { defaultWebRoot, webAppBuilt } from '../server/web-app.js';
import { databaseUrlFromEnv, DEFAULT_SQLITE_FILE, openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { EXIT, integerOption } from './cli-errors.js';
import type { CliIo } from './main.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

export interface ServeOptions {
  /** TCP port; 0 takes any free one (default 8080). */
  readonly port?: number;
  /** Address to bind (default 127.0.0.1, this computer only). */
  readonly host?: string;
  /** `postgres://…` or a SQLite file path; default IONTO_DATABASE_URL, else ./data/openionto.sqlite. */
  readonly db?: string;
  /** PostgreSQL only: the schema to work in (for benchmarks and tests; the command has no flag for it). */
  readonly schema?: string;
  /** Seed the demo clinic into an empty database (default true). */
  readonly demo?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Session time per wall time for the simulated sessions the server hosts (default 1: real time). */
  readonly sessionSpeed?: number;
  /** The built web app to serve (default: dist/web of this project; false: the API only). */
  readonly webRoot?: string | false;
}

/** A clinic server listening on its port, until `close()`. */
export interface RunningClinic {
  readonly app: App;
  readonly store: Store;
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Where the data lives, for people: the SQLite file or the PostgreSQL URL without its password. */
  readonly database: string;
  /** The demo clinic, when this start seeded it (an empty database). */
  readonly demo: DemoClinic | undefined;
  /** Sessions a previous process left running, now marked interrupted. */
  readonly interrupted: number;
  /** Whether the built web app is served at `/`. */
  readonly webApp: boolean;
  /** Session time per wall time of hosted sessions (1 = real time). */
  readonly sessionSpeed: number;
  /** Stops accepting requests, ends the open ones, then closes the database. Calling it again does nothing. */
  close(): Promise<void>;
}

const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** True for an address only this computer can reach. */
export const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);

/** The database for people: a SQLite file's absolute path, or the PostgreSQL URL with its password hidden. */
export function describeDatabase(url: string): string {
  if (isPostgresUrl(url)) {
    try {
      const u = new URL(url);
      if (u.password !== '') u.password = '***';
      return `PostgreSQL ${u.toString()}`;
    } catch {
      return 'PostgreSQL (the URL could not be parsed)';
    }
  }
  if (url === ':memory:') return 'SQLite in memory (the data is gone when the server stops)';
  return `SQLite file ${resolve(url.replace(/^sqlite:(\/\/)?/i, ''))}`;
}

/** The session speed option: a factor from 0.01 to 10000, else a usage error naming the option (exit 2). */
export function parseSessionSpeed(raw: string): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0.01 || n > 10_000) {
    throw new IontoError('ION_ERR_USAGE', `--session-speed must be a factor from 0.01 to 10000, got "${raw}"`, {
      option: '--session-speed',
    });
  }
  return n;
}

/** The port option: a whole number from 0 to 65535, else a usage error naming the option (exit 2). */
export function parsePort(raw: string | undefined): number {
  const port = integerOption('--port', raw) ?? DEFAULT_PORT;
  if (port < 0 || port > 65535) {
    throw new IontoError('ION_ERR_USAGE', `--port must be from 0 to 65535, got "${raw}"`, { option: '--port' });
  }
  return port;
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function listenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new IontoError(
      'ION_ERR_PORT_IN_USE',
      `port ${port} on ${host} is already in use: stop the program using it or choose another with --port`,
      { port, host },
    );
  }
  if (code === 'EACCES') {
    return new IontoError(
      'ION_ERR_PORT_IN_USE',
      `port ${port} on ${host} is not allowed for this user (ports below 1024 need privileges): choose another with --port`,
      { port, host },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new IontoError('ION_ERR_USAGE', `--host ${host} is not an address of this computer`, { option: '--host' });
  }
  return e;
}

async function openDatabase(url: string, schema: string | undefined, where: string): Promise<Store> {
  try {
    return await openStore({ url, ...(schema === undefined ? {} : { schema }) });
  } catch (e) {
    if (isIontoError(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    const why = [err.code, err.message].filter((x) => typeof x === 'string' && x !== '').join(': ') || String(e);
    throw new IontoError('ION_ERR_UNAVAILABLE', `cannot open the database (${where}): ${why}`);
  }
}

/**
 * Opens the store, marks sessions left running by a previous process as interrupted, starts listening, and seeds
 * the demo clinic when the database is empty (after listening, so a start that cannot listen seeds nothing whose
 * password nobody saw). Cookies are Secure unless the server binds a loopback address, the one place plain HTTP is
 * private.
 */
export async function startClinicServer(options: ServeOptions = {}): Promise<RunningClinic> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  const url = options.db ?? databaseUrlFromEnv(options.env ?? process.env) ?? DEFAULT_SQLITE_FILE;
  const database = describeDatabase(url);
  const store = await openDatabase(url, options.schema, database);
  let app: App | undefined;
  let webRoot: string | undefined;
  try {
    // Before the server hosts any session: every one still 'running' belongs to a process that died.
    const interrupted = (await recoverInterruptedSessions(store)).length;
    webRoot = options.webRoot === false ? undefined : (options.webRoot ?? defaultWebRoot());
    app = await buildServer({
      store,
      secureCookies: !isLoopbackHost(host),
      ...(options.sessionSpeed === undefined ? {} : { sessionSpeed: options.sessionSpeed }),
      ...(webRoot === undefined ? {} : { webRoot }),
    });
    try {
      await app.listen({ port, host });
    } catch (e) {
      throw listenError(e, host, port);
    }
    const bound = (app.server.address() as AddressInfo).port;
    const demo = options.demo === false ? undefined : await seedDemoClinic(store);
    const running = app;
    let closing: Promise<void> | undefined;
    return {
      app: running,
      store,
      url: `http://${urlHost(host)}:${bound}`,
      port: bound,
      database,
      demo,
      interrupted,
      webApp: webAppBuilt(webRoot),
      sessionSpeed: options.sessionSpeed ?? 1,
      close: () =>
        (closing ??= (async () => {
          try {
            await running.close();
          } finally {
            await store.close();
          }
        })()),
    };
  } catch (e) {
    await app?.close();
    await store.close();
    throw e;
  }
}

/** What a start prints: where it listens and its data lives, and on a first start the demo sign-in. */
export function startBanner(server: RunningClinic): string {
  const lines = [
    `OpenIonto clinic server listening on ${server.url}`,
    server.webApp
      ? `Web app: ${server.url}/ (open it in a browser)`
      : 'Web app: not built (run `npm run build`, then start again); the API works without it',
    `API: ${server.url}/api (described at ${server.url}/api/openapi.json; guide in docs/server.md)`,
    `Database: ${server.database}`,
  ];
  if (server.sessionSpeed !== 1) {
    lines.push(
      `Simulated sessions run ${server.sessionSpeed}x faster than real time (--session-speed): for demos and tests.`,
    );
  }
  if (server.interrupted > 0) {
    lines.push(
      `Marked ${server.interrupted} session(s) left running by a previous process as interrupted, with the dose their telemetry shows.`,
    );
  }
  const demo = server.demo;
  if (demo !== undefined) {
    const pad = Math.max(...Object.keys(demo.users).map((r) => r.length));
    lines.push(
      '',
      `First start: created the demo clinic "${demo.clinic.name}" with ${demo.patients.length} invented patients and a simulated device.`,
      'It is demo data for trying the software, not for real patients.',
      `Sign in (POST ${server.url}/api/auth/sign-in) with the password ${demo.password} as any of:`,
      ...Object.entries(demo.users).map(([role, u]) => `  ${role.padEnd(pad)}  ${u.email}`),
      'This password is shown only now, on the first start; only its hash is stored.',
    );
  }
  lines.push('', 'Stop with Ctrl+C.');
  return lines.join('\n') + '\n';
}

/** Resolves with the signal's name on the first SIGINT or SIGTERM; a second one while stopping exits at once. */
function untilSignal(io: CliIo): { stopped: Promise<NodeJS.Signals>; release: () => void } {
  let stopping = false;
  let resolveStop: (s: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((r) => (resolveStop = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      io.stderr.write(`ionto: ${signal} again: stopping without waiting\n`);
      process.exit(EXIT.fault);
    }
    stopping = true;
    resolveStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export function registerServeCommand(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd
    .command('serve')
    .description('run the clinic server (API) on this computer; the first start creates a demo clinic')
    .option('--port <n>', 'TCP port; 0 takes any free port', String(DEFAULT_PORT))
    .option('--host <address>', 'address to listen on; the default serves this computer only', DEFAULT_HOST)
    .option(
      '--db <url|path>',
      `database: a postgres:// URL or a SQLite file (default: $IONTO_DATABASE_URL, else ${DEFAULT_SQLITE_FILE})`,
    )
    .option(
      '--session-speed <factor>',
      'run the simulated sessions the server hosts this many times faster than real time (demos, tests; 0.01 to 10000)',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped by Ctrl+C or SIGTERM, 1 could not start (port in use, database unreachable), ' +
        '2 usage error.\nExample: ionto serve --port 8080 --db ./data/openionto.sqlite',
    )
    .action(async (opts: { port?: string; host?: string; db?: string; sessionSpeed?: string }) => {
      const port = parsePort(opts.port);
      const sessionSpeed = opts.sessionSpeed === undefined ? undefined : parseSessionSpeed(opts.sessionSpeed);
      const host = (opts.host ?? DEFAULT_HOST).trim();
      if (host === '') throw new IontoError('ION_ERR_USAGE', '--host must not be empty', { option: '--host' });
      const signals = untilSignal(io);
      try {
        const server = await startClinicServer({
          port,
          host,
          ...(opts.db === undefined ? {} : { db: opts.db }),
          ...(sessionSpeed === undefined ? {} : { sessionSpeed }),
        });
        if (!isLoopbackHost(host)) {
          io.stderr.write(
            `ionto: warning: serving plain HTTP on ${host}, which other computers may reach. Session cookies are ` +
              'marked Secure, so browsers sign in only over HTTPS: put a TLS-terminating reverse proxy in front.\n',
          );
        }
        io.stdout.write(startBanner(server));
        const signal = await signals.stopped;
        io.stderr.write(`ionto: ${signal}: stopping the server\n`);
        await server.close();
        io.stderr.write('ionto: stopped\n');
        done(EXIT.ok);
      } finally {
        signals.release();
      }
    });
}
