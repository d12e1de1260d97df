/**
 * The local state of `ionto home`: the last home view fetched from the clinic's server, an outbox of records made
 * here and not yet uploaded, and the diary answers kept for computing the follow-up offline. One JSON file each,
 * written atomically (a temporary file renamed over the old one), so a crash mid-write leaves the previous file
 * whole. A file that does not parse is reported with its path and left untouched: nothing in it is lost.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';

/** One step of a protocol checklist as the server sends it. */
export const viewStepSchema = z.looseObject({
  id: z.string(),
  text: z.string(),
  required: z.boolean(),
  source: z.string().optional(),
});

/** The home view of /api/home (docs/server.md, "Home treatment"); checked loosely, so fields the server adds later pass through. */
export const homeViewSchema = z.looseObject({
  plan: z.looseObject({
    id: z.string(),
    patient_id: z.string(),
    protocol: z.string(),
    zone: z.string(),
    mode: z.string(),
    interval_days: z.number(),
    pin_mA: z.number().nullable().optional(),
    cap_mA: z.number().nullable().optional(),
    warning_signs: z.array(z.string()).default([]),
    status: z.enum(['active', 'stopped', 'ended']),
    stopped_reason: z.string().nullable().optional(),
    /** The patient's IANA time zone, when the server sends it. */
    time_zone: z.string().optional(),
  }),
  titration: z.looseObject({
    current_mA: z.number(),
    step: z.string(),
    reason: z.string(),
    limit_mA: z.number(),
    stopped: z.boolean(),
  }),
  follow_up: z.looseObject({
    state: z.string(),
    next_due: z.string(),
    overdue_days: z.number(),
    diary_prompt: z.boolean(),
    week: z.looseObject({ from: z.string(), to: z.string(), dry_days: z.number(), answered: z.number() }),
    relapse: z
      .looseObject({ basis: z.string(), suggestion: z.string(), earliest: z.string(), source: z.string() })
      .nullable()
      .optional(),
  }),
  protocol: z.looseObject({
    id: z.string(),
    title: z.string(),
    pre_steps: z.array(viewStepSchema),
    post_steps: z.array(viewStepSchema),
  }),
  caps: z.looseObject({ per_day: z.number(), per_week: z.number() }),
  last_tolerance: z.unknown().nullable().optional(),
  history: z.array(
    z.looseObject({
      session_id: z.string().nullable().optional(),
      client_id: z.string().nullable().optional(),
      started_at: z.string(),
      status: z.string(),
      /** Null when the stored session has no report to read it from. */
      target_mA: z.number().nullable(),
      delivered_mAmin: z.number(),
      tolerance: z.unknown().nullable().optional(),
    }),
  ),
  /** The patient's IANA time zone, when the server sends it. */
  time_zone: z.string().optional(),
  /** Diary answers, when the server sends them. */
  diary: z.array(z.looseObject({ date: z.string(), dry: z.boolean() })).optional(),
});
export type HomeView = z.infer<typeof homeViewSchema>;

const cachedViewSchema = z.strictObject({
  fetched_at: z.string(),
  server: z.string().nullable(),
  view: homeViewSchema,
});
export type CachedView = z.infer<typeof cachedViewSchema>;

/** A session record, as POST /api/home/sync takes it. */
const sessionRecord = z.looseObject({
  kind: z.literal('session'),
  client_id: z.uuid(),
  protocol: z.string(),
  zone: z.string(),
  mode: z.string(),
  started_at: z.string(),
  ended_at: z.string(),
  status: z.enum(['completed', 'aborted', 'fault']),
  target_mA: z.number(),
  delivered_mAmin: z.number(),
  report: z.record(z.string(), z.unknown()),
  telemetry: z.array(z.unknown()).optional(),
});
const toleranceRecord = z.looseObject({
  kind: z.literal('tolerance'),
  client_id: z.uuid(),
  session_client_id: z.uuid(),
  entry: z.record(z.string(), z.unknown()),
});
const diaryRecord = z.looseObject({
  kind: z.literal('diary'),
  client_id: z.uuid(),
  date: z.iso.date(),
  dry: z.boolean(),
  site: z.string().optional(),
});
export const syncRecordSchema = z.discriminatedUnion('kind', [sessionRecord, toleranceRecord, diaryRecord]);
export type SyncRecord = z.infer<typeof syncRecordSchema>;
export type SessionSyncRecord = z.infer<typeof sessionRecord>;
export type ToleranceSyncRecord = z.infer<typeof toleranceRecord>;
export type DiarySyncRecord = z.infer<typeof diaryRecord>;

/** A record waiting in the outbox; `rejected` holds the server's last refusal (the record stays until fixed). */
export const outboxEntrySchema = z.strictObject({
  record: syncRecordSchema,
  added_at: z.string(),
  rejected: z.strictObject({ code: z.string(), detail: z.string(), at: z.string() }).optional(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;
const outboxSchema = z.strictObject({ version: z.literal(1), entries: z.array(outboxEntrySchema) });

/** Diary answers kept after upload, so that the follow-up can be computed offline. */
const diaryLogSchema = z.strictObject({
  version: z.literal(1),
  days: z.array(z.strictObject({ date: z.iso.date(), dry: z.boolean() })),
});
export type DiaryDay = z.infer<typeof diaryLogSchema>['days'][number];

/** How many days of diary answers are kept locally (design: four weeks of the relapse rule plus a margin). */
export const DIARY_KEEP_DAYS = 60;

/** The home directory: --home-dir, else IONTO_HOME, else ~/.ionto-home. */
export const homeDirOf = (option: string | undefined, env: NodeJS.ProcessEnv = process.env): string =>
  option ?? env['IONTO_HOME'] ?? join(homedir(), '.ionto-home');

export const newClientId = (): string => randomUUID();

/** The local files of one home user. */
export class HomeState {
  readonly viewFile: string;
  readonly outboxFile: string;
  readonly diaryFile: string;

  constructor(readonly dir: string) {
    this.viewFile = join(dir, 'view.json');
    this.outboxFile = join(dir, 'outbox.json');
    this.diaryFile = join(dir, 'diary.json');
  }

  /** The cached view, or undefined when none was ever fetched. */
  readView(): CachedView | undefined {
    return readJson(this.viewFile, cachedViewSchema);
  }

  writeView(view: HomeView, server: string | null, at: Date): void {
    writeJsonAtomic(this.dir, this.viewFile, { fetched_at: at.toISOString(), server, view });
  }

  readOutbox(): OutboxEntry[] {
    return readJson(this.outboxFile, outboxSchema)?.entries ?? [];
  }

  writeOutbox(entries: readonly OutboxEntry[]): void {
    writeJsonAtomic(this.dir, this.outboxFile, { version: 1, entries });
  }

  /** Append records to the outbox (read afresh first, so nothing written meanwhile is dropped). */
  enqueue(records: readonly SyncRecord[], at: Date): void {
    const entries = this.readOutbox();
    for (const r of records) entries.push({ record: syncRecordSchema.parse(r), added_at: at.toISOString() });
    this.writeOutbox(entries);
  }

  readDiary(): DiaryDay[] {
    return readJson(this.diaryFile, diaryLogSchema)?.days ?? [];
  }

  /** Keep diary answers (the newest answer of a day wins), dropping those older than DIARY_KEEP_DAYS before `today`. */
  rememberDiary(days: readonly DiaryDay[], today: string): void {
    const byDate = new Map(this.readDiary().map((d) => [d.date, d]));
    for (const d of days) byDate.set(d.date, { date: d.date, dry: d.dry });
    const oldest = new Date(Date.parse(`${today}T00:00:00Z`) - DIARY_KEEP_DAYS * 86_400_000).toISOString().slice(0, 10);
    const kept = [...byDate.values()].filter((d) => d.date >= oldest).sort((a, b) => a.date.localeCompare(b.date));
    writeJsonAtomic(this.dir, this.diaryFile, { version: 1, days: kept });
  }
}

function readJson<T>(file: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new IontoError('ION_ERR_USAGE', `${file}: cannot read the file (${(e as Error).message})`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw corrupt(file, `not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw corrupt(file, `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

const corrupt = (file: string, why: string): IontoError =>
  new IontoError(
    'ION_ERR_USAGE',
    `${file} is damaged: ${why}. It was left as it is; repair or move it aside, then try again`,
    { file },
  );

let tmpCounter = 0;

/** Write a file whole or not at all: a temporary file in the same directory, flushed, then renamed over the old one. */
export function writeJsonAtomic(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
