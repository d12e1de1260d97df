/**
 * The clinic API from the browser: same origin, the session cookie, and the CSRF token the sign-in returned on every
 * unsafe request. Errors arrive as problem+json and become `ApiError` with the catalogue code and field paths.
 */

export interface ProblemField {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: readonly ProblemField[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** No answer at all (server down, network gone); code `network`. */
export const networkError = (cause: unknown): ApiError =>
  new ApiError(0, 'network', cause instanceof Error ? cause.message : String(cause));

let csrfToken: string | undefined;
const unauthenticatedListeners = new Set<() => void>();

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when any request answers 401 (the session expired or the server restarted). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export interface Answer<T> {
  data: T;
  etag: string | undefined;
}

export interface RequestOptions {
  /** The version read earlier, for optimistic concurrency (`If-Match`). */
  ifMatch?: string;
  signal?: AbortSignal;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (opts.ifMatch) headers['if-match'] = opts.ifMatch;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw networkError(e);
  }
  const etag = res.headers.get('etag') ?? undefined;
  if (res.status === 204) return { data: undefined as T, etag };
  const type = res.headers.get('content-type') ?? '';
  const payload: unknown = type.includes('json') ? await res.json().catch(() => undefined) : await res.text();
  if (!res.ok) {
    const p = (payload ?? {}) as { code?: string; detail?: string; errors?: ProblemField[] };
    if (res.status === 401 && path !== '/api/auth/sign-in') for (const l of unauthenticatedListeners) l();
    throw new ApiError(res.status, p.code ?? `http_${res.status}`, p.detail ?? res.statusText, p.errors ?? []);
  }
  return { data: payload as T, etag };
}

export const api = {
  get: async <T>(path: string, opts?: RequestOptions) => (await request<T>('GET', path, undefined, opts)).data,
  post: async <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    (await request<T>('POST', path, body ?? {}, opts)).data,
  patch: async <T>(path: string, body: unknown, opts?: RequestOptions) =>
    (await request<T>('PATCH', path, body, opts)).data,
  del: async <T>(path: string, opts?: RequestOptions) => (await request<T>('DELETE', path, undefined, opts)).data,
};

/** A query string from defined values only. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Every page of a cursor-paginated list (`{items, next}`), up to `max` items. */
export async function allPages<T>(path: string, max = 1000): Promise<T[]> {
  const out: T[] = [];
  let next: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api.get<{ items: T[]; next?: string }>(
      next ? `${path}${sep}cursor=${encodeURIComponent(next)}` : path,
    );
    out.push(...page.items);
    next = page.next;
  } while (next && out.length < max);
  return out;
}

/** The WebSocket URL of an API path on this origin. */
export function socketUrl(path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}
