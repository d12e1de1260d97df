/**
 * Browser tests against a real `ionto serve`: the server runs in a child process on a fresh SQLite file with the demo
 * clinic, on a free loopback port; Debian's Chromium is driven by playwright-core. Screenshots go to
 * test-artifacts/screenshots/ (kept by CI as artifacts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
const BUILT = join(ROOT, 'dist', 'web', 'index.html');
export const CHROMIUM = process.env.IONTO_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'screenshots');
const LOADER = new URL('../../src/server/ts-child-loader.mjs', import.meta.url).href;
const REGISTER = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(LOADER)});`;
const ENTRY = fileURLToPath(new URL('./serve-entry.ts', import.meta.url));

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** The files under src/ that web/src imports (`from '../../../src/…'`). */
function sharedModules(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name)) {
        for (const m of readFileSync(p, 'utf8').matchAll(/from '((?:\.\.\/)+src\/[^']+)'/g)) {
          found.add(join(dirname(p), `${m[1]!}.ts`));
        }
      }
    }
  };
  walk(join(WEB, 'src'));
  return [...found];
}

/**
 * Builds the web app when dist/web is missing or older than its sources, so the browser tests never test a stale
 * build. Test files run in parallel processes: a lock folder lets one build while the others wait.
 */
export function ensureWebBuilt(): void {
  const sourcesAt = Math.max(
    newestMtime(join(WEB, 'src')),
    newestMtime(join(WEB, 'public')),
    newestMtime(join(WEB, 'index.html')),
    newestMtime(join(WEB, 'vite.config.ts')),
    // The project modules the app bundles (rules it shares with the server), and the error catalogue.
    ...sharedModules().map(newestMtime),
    newestMtime(join(ROOT, 'src', 'errors', 'catalogue.ts')),
  );
  const fresh = () => existsSync(BUILT) && statSync(BUILT).mtimeMs >= sourcesAt;
  if (fresh()) return;
  const lock = join(ROOT, 'dist', '.web-build-lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`waited 120 s for another build to release ${lock}; remove it if stale`);
      spawnSync('sleep', ['0.5']);
      if (fresh()) return;
    }
  }
  try {
    if (fresh()) return;
    // Built beside the served folder and swapped in, so a server another test file is running never serves a
    // half-written build.
    const out = join(ROOT, 'dist', `web-build-${process.pid}`);
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        join(WEB, 'vite.config.ts'),
        '--outDir',
        out,
        '--logLevel',
        'warn',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`the web app did not build:\n${r.stdout}\n${r.stderr}`);
    const served = join(ROOT, 'dist', 'web');
    const old = join(ROOT, 'dist', `web-old-${process.pid}`);
    if (existsSync(served)) renameSync(served, old);
    renameSync(out, served);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface Served {
  url: string;
  password: string;
  /** Demo users by role: admin, clinician, nurse, patient. */
  emails: Record<string, string>;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts `ionto serve --port 0` on a new SQLite file (the demo clinic is seeded) and waits for its banner. */
export async function startServe(opts: { sessionSpeed?: number } = {}): Promise<Served> {
  ensureWebBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'ionto-web-'));
  const args = ['serve', '--port', '0', '--db', join(dir, 'clinic.sqlite')];
  if (opts.sessionSpeed !== undefined) args.push('--session-speed', String(opts.sessionSpeed));
  const child: ChildProcess = spawn(process.execPath, ['--import', REGISTER, ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, IONTO_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  while (!/Stop with Ctrl\+C/.test(out)) {
    if (child.exitCode !== null) throw new Error(`ionto serve exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ionto serve did not start within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
  const password = /with the password (\S+) as any of:/.exec(out)?.[1];
  if (!url || !password) throw new Error(`could not read the address and demo password from:\n${out}`);
  const emails: Record<string, string> = {};
  for (const m of out.matchAll(/^ {2}(admin|clinician|nurse|patient)\s+(\S+@\S+)$/gm)) emails[m[1]!] = m[2]!;
  return {
    url,
    password,
    emails,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set IONTO_CHROMIUM`);
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 900 } as const;

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors seen so far (a test expects none). */
  errors: string[];
}

/** A new browser context (own cookies) with the browser's language and window size. */
export async function openPage(
  browser: Browser,
  opts: { locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ locale: opts.locale ?? 'en-GB', viewport: opts.viewport ?? DESKTOP });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A refused request is the server answering as it should (a test may provoke one); everything else is a defect.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

/** Signs in through the sign-in form and waits for the dashboard. */
export async function signIn(page: Page, served: Served, role: string): Promise<void> {
  const email = served.emails[role];
  if (!email) throw new Error(`no demo user for the role ${role}`);
  await page.goto(served.url + '/');
  await page.getByLabel(/Email|E-mail/).fill(email);
  await page.getByLabel(/Password|Mot de passe/).fill(served.password);
  await page.getByRole('button', { name: /Sign in|Se connecter|Accedi/ }).click();
  await page.getByRole('button', { name: /Sign out|Se déconnecter|Esci/ }).waitFor();
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The page's address holds no patient data: only a page path, no query, no fragment. */
export function addressIsClean(page: Page): boolean {
  const u = new URL(page.url());
  return u.search === '' && u.hash === '' && /^\/[a-z-/]*$/.test(u.pathname);
}

/** The id of a demo patient by name, read through the signed-in page's own cookie. */
export async function demoPatientId(page: Page, served: Served, name: string): Promise<string> {
  const res = await page.request.get(`${served.url}/api/patients?limit=100`);
  if (res.status() !== 200) throw new Error(`listing patients answered ${res.status()}`);
  const body = (await res.json()) as { items: { id: string; name: string }[] };
  const hit = body.items.find((p) => p.name === name);
  if (!hit) throw new Error(`no demo patient ${name}`);
  return hit.id;
}

/**
 * Opens a page for a patient as the app does (`navigate(page, { patientId })`): the id in the history state only,
 * never in the address; waits for the page's heading.
 */
export async function openForPatient(page: Page, path: string, patientId: string, heading: string): Promise<void> {
  await page.evaluate(
    ({ path, patientId }) => {
      history.pushState({ patientId }, '', path);
      dispatchEvent(new PopStateEvent('popstate'));
    },
    { path, patientId },
  );
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
}
