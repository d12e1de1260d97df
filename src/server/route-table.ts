import type { App } from './app-types.js';

/**
 * Every route the server has registered, as `METHOD /path` (HEAD routes Fastify adds beside GET are left out), read
 * from the router itself (`printRoutes`), so a route registered anywhere, by any module or plugin, is listed.
 */
export function registeredRoutes(app: App): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (m === null) continue;
    const depth = m[1]!.length / 4;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (method !== '' && method !== 'HEAD') out.push(`${method} ${path}`);
    }
  }
  return out.sort();
}
