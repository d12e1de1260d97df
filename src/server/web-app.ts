import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './app-types.js';

/**
 * The web app (web/, built by Vite into dist/web) served from the API's own origin, so the session cookie, CSRF token
 * and WebSocket need no cross-origin rules.
 */

/** The project folder: the nearest folder above this module whose package.json is OpenIonto's. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'openionto') return dir;
      } catch {
        // Not a readable package.json: keep looking further up.
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Where `npm run build` puts the web app, or undefined outside the project folder. */
export function defaultWebRoot(): string | undefined {
  const root = packageRoot();
  return root === undefined ? undefined : join(root, 'dist', 'web');
}

/**
 * What every response carries: the pages load scripts, styles and data from this origin only, are never framed, and
 * never send a Referer (page paths hold no patient data, but a Referer would name the page to another site).
 * Styles allow inline `style` attributes (the chart library positions its cursor and legend with them).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function installSecurityHeaders(app: App): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    return payload;
  });
}

/** Whether a web app build is at `root` (its index.html). */
export const webAppBuilt = (root: string | undefined): root is string =>
  root !== undefined && existsSync(join(root, 'index.html'));

/**
 * Serves the built files under `/`: hashed assets cached for a year, index.html always revalidated. Paths that are
 * not files and not API routes are the app's own pages (`/patients`, `/session`): they get index.html, and the app's
 * router shows the page.
 */
export async function webAppRoutes(app: App, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        path.includes(`${join(root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

/** An address the web app's router may own: a GET for a page, not the API, FHIR or a file with an extension. */
export function isAppPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/fhir')) return false;
  if (/\.[A-Za-z0-9]+$/.test(path)) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendAppPage(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
}

/** What `/` answers when the web app has not been built: how to build it (the API works without it). */
export const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>OpenIonto</title>
<h1>OpenIonto</h1><p>The web app has not been built. Run <code>npm run build</code> in the project folder and
restart <code>ionto serve</code>. The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p></html>`;
