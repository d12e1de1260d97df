/**
 * Uploading the outbox: batches of at most 200 records to POST /api/home/sync, in the order they were made (a
 * tolerance record after its session). Only records the server answers 'created' or 'duplicate' leave the outbox;
 * a rejected one stays with the server's reason. The server keys every record by its client id, so a batch sent
 * twice (an answer lost on the way back) is counted once.
 */
import type { HomeConnection, SyncResult } from './home-client.js';
import { SYNC_BATCH, fetchView, uploadBatch } from './home-client.js';
import type { CachedView, HomeState, OutboxEntry } from './home-state.js';

export interface SyncSummary {
  /** Set when the server could not be reached: what was not uploaded stays in the outbox. */
  readonly offline?: string;
  readonly created: number;
  readonly duplicate: number;
  readonly rejected: readonly { readonly entry: OutboxEntry; readonly code: string; readonly detail: string }[];
  /** Records still waiting in the outbox after this sync. */
  readonly remaining: number;
}

/** Upload everything in the outbox; the view in the server's answer replaces the cached one. */
export async function syncOutbox(state: HomeState, c: HomeConnection, now: Date): Promise<SyncSummary> {
  const pending = state.readOutbox();
  let created = 0;
  let duplicate = 0;
  const rejected: { entry: OutboxEntry; code: string; detail: string }[] = [];
  for (let i = 0; i < pending.length; i += SYNC_BATCH) {
    const batch = pending.slice(i, i + SYNC_BATCH);
    const answer = await uploadBatch(
      c,
      batch.map((e) => e.record),
    );
    if (!answer.ok) {
      return { offline: answer.why, created, duplicate, rejected, remaining: state.readOutbox().length };
    }
    const byId = new Map<string, SyncResult>(answer.value.results.map((r) => [r.client_id, r]));
    const stored = new Set<string>();
    const diary: { date: string; dry: boolean }[] = [];
    for (const e of batch) {
      const r = byId.get(e.record.client_id);
      if (r === undefined) continue;
      if (r.status === 'created' || r.status === 'duplicate') {
        stored.add(e.record.client_id);
        if (r.status === 'created') created++;
        else duplicate++;
        if (e.record.kind === 'diary') diary.push({ date: e.record.date, dry: e.record.dry });
      } else {
        const code = r.error?.code ?? 'ION_ERR_VALIDATION';
        const detail = r.error?.detail ?? 'rejected by the server';
        rejected.push({ entry: e, code, detail });
      }
    }
    // Read afresh: a record added meanwhile by another `ionto home` is kept.
    const rejectedNow = new Map(rejected.map((x) => [x.entry.record.client_id, x]));
    state.writeOutbox(
      state
        .readOutbox()
        .filter((e) => !stored.has(e.record.client_id))
        .map((e) => {
          const r = rejectedNow.get(e.record.client_id);
          return r ? { ...e, rejected: { code: r.code, detail: r.detail, at: now.toISOString() } } : e;
        }),
    );
    if (diary.length > 0) state.rememberDiary(diary, now.toISOString().slice(0, 10));
    if (answer.value.view !== undefined) state.writeView(answer.value.view, c.server, now);
  }
  return { created, duplicate, rejected, remaining: state.readOutbox().length };
}

/**
 * The freshest view there is: uploads the outbox and fetches the view when the server answers (`fresh`), else the
 * cached one. Undefined when the server cannot be reached and nothing was ever cached.
 */
export async function freshestView(
  state: HomeState,
  c: HomeConnection | undefined,
  now: Date,
): Promise<{ cached: CachedView | undefined; fresh: boolean; sync?: SyncSummary; offline?: string }> {
  if (c === undefined) return { cached: state.readView(), fresh: false, offline: 'no server configured' };
  let sync: SyncSummary | undefined;
  if (state.readOutbox().length > 0) {
    sync = await syncOutbox(state, c, now);
    if (sync.offline !== undefined) return { cached: state.readView(), fresh: false, sync, offline: sync.offline };
  }
  const got = await fetchView(c);
  if (!got.ok) return { cached: state.readView(), fresh: false, ...(sync ? { sync } : {}), offline: got.why };
  state.writeView(got.value, c.server, now);
  return { cached: state.readView(), fresh: true, ...(sync ? { sync } : {}) };
}

export const describeSync = (s: SyncSummary): string => {
  const lines: string[] = [];
  if (s.created + s.duplicate > 0) {
    lines.push(
      `Uploaded ${s.created + s.duplicate} record(s)${s.duplicate > 0 ? ` (${s.duplicate} the server already had)` : ''}.`,
    );
  }
  for (const r of s.rejected) {
    const rec = r.entry.record;
    const what =
      rec.kind === 'diary' ? `diary ${rec.date}` : rec.kind === 'session' ? `session ${rec.started_at}` : 'tolerance';
    lines.push(`Not accepted by the server: ${what} (${rec.client_id}): ${r.detail} [${r.code}] — kept here.`);
  }
  if (s.offline !== undefined) lines.push(`Offline: ${s.offline}. ${s.remaining} record(s) kept here for later.`);
  else if (s.remaining > 0) lines.push(`${s.remaining} record(s) still waiting to be uploaded.`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
};
