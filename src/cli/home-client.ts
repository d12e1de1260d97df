/**
 * The few calls `ionto home` makes to the clinic's server (docs/server.md, "Home treatment"), with the patient's personal token.
 * A server that cannot be reached is an answer (`offline`), not an error: the home commands then work from the
 * local state. An answer with an error status becomes an IontoError with the server's code and detail.
 */
import { readFileSync } from 'node:fs';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';
import type { HomeView, SyncRecord } from './home-state.js';
import { homeViewSchema } from './home-state.js';

/** How long one request may take before the server counts as unreachable (design: a slow phone link, not a hang). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Records per upload: POST /api/home/sync takes 1..200 (docs/server.md). */
export const SYNC_BATCH = 200;

export interface HomeConnection {
  /** Base URL of the server, e.g. https://clinic.example */
  readonly server: string;
  readonly token: string;
}

export type Reached<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

export interface SyncResult {
  readonly client_id: string;
  readonly kind: string;
  readonly status: 'created' | 'duplicate' | 'rejected';
  readonly id?: string;
  readonly error?: { readonly code: string; readonly detail: string };
}

/** The connection from the options and the environment; undefined when no server is configured. */
export function connectionOf(
  o: { server?: string | undefined; tokenFile?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): HomeConnection | undefined {
  const raw = o.server ?? env['IONTO_SERVER'];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IontoError('ION_ERR_USAGE', `--server must be a URL such as https://clinic.example, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IontoError('ION_ERR_USAGE', `--server must be an http or https URL, got "${raw}"`);
  }
  let token: string | undefined;
  if (o.tokenFile !== undefined) {
    try {
      token = readFileSync(o.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new IontoError(
        'ION_ERR_USAGE',
        `--token-file ${o.tokenFile}: cannot read the file (${(e as Error).message})`,
      );
    }
  } else {
    token = env['IONTO_TOKEN']?.trim();
  }
  if (token === undefined || token === '') {
    throw new IontoError(
      'ION_ERR_USAGE',
      'a personal token is needed to reach the server: set IONTO_TOKEN or pass --token-file (create one in Settings → tokens)',
    );
  }
  return { server: url.toString().replace(/\/+$/, ''), token };
}

async function call(c: HomeConnection, method: string, path: string, body?: unknown): Promise<Reached<unknown>> {
  let res: Response;
  try {
    res = await fetch(`${c.server}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${c.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return {
      ok: false,
      why: `${c.server} cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).message})`,
    };
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.status >= 500 && (json === undefined || res.status === 502 || res.status === 503 || res.status === 504)) {
    return { ok: false, why: `${c.server} answered ${res.status} ${res.statusText}` };
  }
  if (!res.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
    const code = (typeof p.code === 'string' && p.code.startsWith('ION_') ? p.code : 'ION_ERR_INTERNAL') as ErrorCode;
    throw new IontoError(code, `${method} ${path}: ${res.status} ${p.detail ?? p.title ?? res.statusText}`, {
      status: res.status,
    });
  }
  return { ok: true, value: json };
}

/** GET /api/home: the patient's plan, titrated current, follow-up and history. */
export async function fetchView(c: HomeConnection): Promise<Reached<HomeView>> {
  const r = await call(c, 'GET', '/api/home');
  if (!r.ok) return r;
  const parsed = homeViewSchema.safeParse(r.value);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new IontoError('ION_ERR_INTERNAL', `GET /api/home: unexpected answer (${i.path.join('.')}: ${i.message})`);
  }
  return { ok: true, value: parsed.data };
}

/** POST /api/home/sync for one batch (at most SYNC_BATCH records). */
export async function uploadBatch(
  c: HomeConnection,
  records: readonly SyncRecord[],
): Promise<Reached<{ results: SyncResult[]; view: HomeView | undefined }>> {
  if (records.length === 0 || records.length > SYNC_BATCH) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `a sync batch holds 1 to ${SYNC_BATCH} records, got ${records.length}`,
    );
  }
  const r = await call(c, 'POST', '/api/home/sync', { records });
  if (!r.ok) return r;
  const body = r.value as { results?: SyncResult[]; view?: unknown };
  if (!Array.isArray(body.results)) {
    throw new IontoError('ION_ERR_INTERNAL', 'POST /api/home/sync: the answer has no results');
  }
  const view = homeViewSchema.safeParse(body.view);
  return { ok: true, value: { results: body.results, view: view.success ? view.data : undefined } };
}

/** True for an error that means the server is there but refuses us (so retrying offline is pointless). */
export const isServerRefusal = (e: unknown): boolean => isIontoError(e) && typeof e.details['status'] === 'number';
