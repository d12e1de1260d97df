/**
 * `ionto home next|session|diary|sync`: home treatment for a patient without the web app. The plan comes from the
 * clinic's server (a personal token); sessions, tolerance answers and diary days made here go to a local outbox and
 * are uploaded when the server answers, each once (keyed by a client id). Without a network everything still works
 * from the last plan fetched.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import { SKIN_FINDINGS, SENSATIONS, assessTolerance, toleranceEntrySchema } from '../clinic/tolerance.js';
import type { ToleranceEntry } from '../clinic/tolerance.js';
import { severityOf } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { IontoError } from '../errors/catalogue.js';
import { titratedChoices } from '../clinic/titration.js';
import { mA } from '../units/quantities.js';
import { confirmSteps, unconfirmed } from './checklist.js';
import { EXIT, integerOption, numberOption } from './cli-errors.js';
import { connectionOf } from './home-client.js';
import type { HomeConnection } from './home-client.js';
import { runHomeSession } from './home-run.js';
import { describeNext, homeNext, localToday, protocolOf, refusal } from './home-next.js';
import type { HomeNext } from './home-next.js';
import { HomeState, homeDirOf, newClientId } from './home-state.js';
import type { CachedView, SyncRecord } from './home-state.js';
import { describeSync, freshestView, syncOutbox } from './home-sync.js';
import type { SyncSummary } from './home-sync.js';
import type { CliIo } from './main.js';
import { summary } from './run-command.js';

/** Exit code of `ionto home sync` (and of `home next` with nothing cached) when the server cannot be reached. */
export const EXIT_OFFLINE = 4;

interface Common {
  server?: string;
  tokenFile?: string;
  homeDir?: string;
}

interface Context {
  readonly state: HomeState;
  readonly conn: HomeConnection | undefined;
  readonly now: () => Date;
}

const context = (o: Common, io: CliIo): Context => ({
  state: new HomeState(homeDirOf(o.homeDir)),
  conn: connectionOf(o),
  now: io.now ?? (() => new Date()),
});

function common(c: Command): Command {
  return c
    .option('--server <url>', 'the clinic’s server (default: $IONTO_SERVER)')
    .option('--token-file <file>', 'file holding your personal token (default: $IONTO_TOKEN)')
    .option('--home-dir <dir>', 'where the plan and unsent records are kept (default: $IONTO_HOME or ~/.ionto-home)');
}

const CONNECTION_HELP =
  '\nThe server and token: --server or IONTO_SERVER, and IONTO_TOKEN or --token-file (a personal token made in the\n' +
  'web app under Settings → tokens). Local files: --home-dir, IONTO_HOME, or ~/.ionto-home.\n' +
  `Exit codes: 0 done, 1 error, 2 usage error, 3 not started or stopped, ${EXIT_OFFLINE} server unreachable (sync; next with nothing cached).`;

export function registerHomeCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const home = program
    .command('home')
    .description('home treatment without the web app: what is next, a guided session, the diary, upload');

  common(home.command('next'))
    .description('what is due and at what current (and why), the diary prompt, relapse and warning signs')
    .option('--json', 'print one JSON object')
    .addHelpText('after', CONNECTION_HELP)
    .action(async (o: Common & { json?: boolean }) => done(await nextCommand(o, io)));

  common(home.command('session'))
    .description('a guided session at the titrated current: checklist, session, tolerance questions, upload')
    .option('--seed <n>', 'simulated patient seed', '1')
    .option('--speed <factor|max>', 'simulation speed: a factor of real time, or max (default 1)')
    .option('--port <path>', 'run on a real device on this serial port instead of the simulated one')
    .option('--confirm-steps', 'confirm that every pre- and post-step is done (asked one by one otherwise)')
    .option(
      '--tolerance <file.json>',
      'the tolerance answers as JSON {sensation, discomfort, findings, note?} (asked after the session otherwise)',
    )
    .addHelpText('after', CONNECTION_HELP)
    .action(async (o: SessionOptions) => done(await sessionCommand(o, io)));

  common(home.command('diary'))
    .description('the past week’s dry days (asked day by day), or one day with --date and --dry')
    .option('--date <YYYY-MM-DD>', 'the day answered (not in the future)')
    .addOption(new Option('--dry <answer>', 'was the treated area dry all that day?').choices(['yes', 'no']))
    .addHelpText('after', CONNECTION_HELP)
    .action(async (o: Common & { date?: string; dry?: 'yes' | 'no' }) => done(await diaryCommand(o, io)));

  common(home.command('sync'))
    .description('upload the records kept here (sessions, tolerance, diary); rejected ones stay with the reason')
    .addHelpText('after', CONNECTION_HELP)
    .action(async (o: Common) => done(await syncCommand(o, io)));
}

/** The view to work from, or an error saying why there is none. */
async function viewFor(ctx: Context, io: CliIo): Promise<{ cached: CachedView; fresh: boolean } | number> {
  const got = await freshestView(ctx.state, ctx.conn, ctx.now());
  if (got.sync) io.stdout.write(describeSync(got.sync));
  if (got.cached === undefined) {
    io.stderr.write(
      `ionto: no home plan here yet and ${got.offline ?? 'the server cannot be reached'}: connect once with --server and a token\n`,
    );
    return EXIT_OFFLINE;
  }
  return { cached: got.cached, fresh: got.fresh };
}

function nextOf(ctx: Context, cached: CachedView, fresh: boolean): HomeNext {
  return homeNext({
    view: cached.view,
    fetchedAt: cached.fetched_at,
    fresh,
    outbox: ctx.state.readOutbox(),
    diaryLog: ctx.state.readDiary(),
    now: ctx.now(),
  });
}

async function nextCommand(o: Common & { json?: boolean }, io: CliIo): Promise<number> {
  const ctx = context(o, io);
  const got = await viewFor(ctx, io);
  if (typeof got === 'number') return got;
  const next = nextOf(ctx, got.cached, got.fresh);
  io.stdout.write(o.json ? JSON.stringify(next, null, 2) + '\n' : describeNext(next, localToday(ctx.now(), next.tz)));
  return EXIT.ok;
}

interface SessionOptions extends Common {
  seed?: string;
  speed?: string;
  port?: string;
  confirmSteps?: boolean;
  tolerance?: string;
}

/** The tolerance answers of a file, checked before anything starts (engine events are added from the session). */
function readToleranceFile(path: string): ToleranceEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new IontoError('ION_ERR_USAGE', `--tolerance ${path}: cannot read it as JSON (${(e as Error).message})`);
  }
  const p = toleranceEntrySchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0]!;
    throw new IontoError('ION_ERR_USAGE', `--tolerance ${path}: ${i.path.join('.') || '(top)'}: ${i.message}`, {
      field: i.path.join('.'),
    });
  }
  return p.data;
}

function parseSpeed(raw: string | undefined): number | 'max' {
  if (raw === undefined) return 1;
  if (raw === 'max') return 'max';
  const n = numberOption('--speed', raw)!;
  if (!(n > 0 && n <= 1e6)) {
    throw new IontoError('ION_ERR_USAGE', `--speed must be "max" or a factor between 0 and 1000000, got ${raw}`);
  }
  return n;
}

/** The codes of the engine's pauses, warnings, limits and faults in a session (what a tolerance entry records). */
export function engineEvents(events: readonly { code: string }[]): string[] {
  return events
    .filter((e) => /^ION_[A-Z]+_[A-Z0-9_]+$/.test(e.code))
    .filter((e) => {
      try {
        return severityOf(e.code as ErrorCode) !== 'info';
      } catch {
        return true;
      }
    })
    .map((e) => e.code)
    .slice(0, 100);
}

async function sessionCommand(o: SessionOptions, io: CliIo): Promise<number> {
  const ctx = context(o, io);
  // Everything that can be wrong with the options is found before the session starts.
  const seed = integerOption('--seed', o.seed) ?? 1;
  const speed = parseSpeed(o.speed);
  if (o.port !== undefined && o.speed !== undefined && o.speed !== '1') {
    throw new IontoError('ION_ERR_USAGE', `--port runs a real device in real time; --speed ${o.speed} is not allowed`);
  }
  const fromFile = o.tolerance !== undefined ? readToleranceFile(o.tolerance) : undefined;
  if (fromFile === undefined && io.stdin?.isTTY !== true) {
    throw new IontoError(
      'ION_ERR_USAGE',
      'the tolerance questions after the session need a terminal: answer them with --tolerance <file.json>',
    );
  }
  const got = await viewFor(ctx, io);
  if (typeof got === 'number') return got;
  const { view } = got.cached;
  const next = nextOf(ctx, got.cached, got.fresh);
  const why = refusal(next, view, ctx.state.readOutbox(), ctx.now());
  if (why !== undefined) {
    io.stderr.write(`ionto: no session today: ${why}\n`);
    return EXIT.aborted;
  }
  const protocol = protocolOf(view);
  const t = next.titration;
  const choices = {
    ...titratedChoices(protocol, view.plan.zone, {
      current: mA(t.current_mA),
      step: t.step as Parameters<typeof titratedChoices>[2]['step'],
      reason: t.reason,
      limit: mA(t.limit_mA),
      stopped: t.stopped,
    }),
    mode: view.plan.mode,
  };
  io.stdout.write(`Today: ${t.current_mA.toFixed(1)} mA — ${t.reason}\n`);
  if (next.warning_signs.length > 0) {
    io.stdout.write(`Stop and call your clinic if you notice: ${next.warning_signs.join('; ')}\n`);
  }
  const pre = await confirmSteps(`Before ${protocol.title}`, protocol.pre_steps, o.confirmSteps === true, io);
  const missing = unconfirmed(pre);
  if (missing.length > 0) {
    io.stderr.write(`ionto: not started: ${missing.map((m) => `"${m.text}"`).join(', ')} not done\n`);
    return EXIT.aborted;
  }
  const result = await runHomeSession({ protocol, choices, seed, speed, port: o.port, now: ctx.now }, io);
  const { report } = result;
  io.stdout.write(summary(report));
  const sessionId = newClientId();
  const session: SyncRecord = {
    kind: 'session',
    client_id: sessionId,
    protocol: protocol.id,
    zone: view.plan.zone,
    mode: view.plan.mode,
    started_at: result.startedAt.toISOString(),
    ended_at: result.endedAt.toISOString(),
    status: report.status,
    target_mA: report.target_mA,
    delivered_mAmin: report.delivered_mAmin,
    report: report as unknown as Record<string, unknown>,
    telemetry: [...result.telemetry],
  };
  // Kept at once: a session is never lost to an interrupted questionnaire.
  ctx.state.enqueue([session], ctx.now());
  if (report.status !== 'fault') {
    const post = await confirmSteps(`After ${protocol.title}`, protocol.post_steps, o.confirmSteps === true, io).catch(
      () => protocol.post_steps.map((s) => ({ id: s.id, text: s.text, required: s.required, confirmed: false })),
    );
    const todo = post.filter((p) => !p.confirmed);
    if (todo.length > 0) io.stdout.write(`  still to do: ${todo.map((p) => p.text).join('; ')}\n`);
  }
  const answers = fromFile ?? (await askTolerance(io));
  const entry: ToleranceEntry = {
    ...answers,
    engine_events: [...answers.engine_events, ...engineEvents(report.events)].slice(0, 100),
  };
  const assessment = assessTolerance(entry);
  ctx.state.enqueue(
    [{ kind: 'tolerance', client_id: newClientId(), session_client_id: sessionId, entry: { ...entry } }],
    ctx.now(),
  );
  if (assessment.stopCourse) {
    io.stdout.write('STOP: the course is stopped until your clinic reviews it. Please call your clinic.\n');
  }
  for (const a of assessment.advice) io.stdout.write(`  ${a.text} [${a.source}]\n`);
  if (ctx.conn !== undefined) {
    io.stdout.write(describeSync(await syncOutbox(ctx.state, ctx.conn, ctx.now())));
  } else {
    io.stdout.write('Kept here; upload it with: ionto home sync --server URL\n');
  }
  return report.status === 'completed' ? EXIT.ok : report.status === 'fault' ? EXIT.fault : EXIT.aborted;
}

/** Line-by-line questions on a terminal; the answers typed ahead are kept (the iterator buffers). */
function questioner(io: CliIo) {
  const rl = createInterface({ input: io.stdin!, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask<T>(prompt: string, parse: (s: string) => T | undefined): Promise<T> {
      for (;;) {
        io.stdout.write(prompt);
        const next = await lines.next();
        if (next.done) throw new IontoError('ION_ERR_USAGE', 'input ended before every question was answered');
        const v = parse(next.value.trim());
        if (v !== undefined) return v;
      }
    },
    close: () => rl.close(),
  };
}

async function askTolerance(io: CliIo): Promise<ToleranceEntry> {
  const q = questioner(io);
  try {
    io.stdout.write('How was it?\n');
    const sensation = await q.ask(`  What did you feel? [${SENSATIONS.join('/')}] `, (s) =>
      (SENSATIONS as readonly string[]).includes(s) ? (s as ToleranceEntry['sensation']) : undefined,
    );
    const discomfort = await q.ask('  Discomfort from 0 (none) to 10 (worst)? ', (s) =>
      /^(10|[0-9])$/.test(s) ? Number(s) : undefined,
    );
    const findings = await q.ask(
      `  Anything on the skin? comma-separated: ${SKIN_FINDINGS.join(', ')} (empty: nothing) `,
      (s) => {
        const items = s === '' ? [] : [...new Set(s.split(',').map((x) => x.trim()))];
        return items.every((x) => (SKIN_FINDINGS as readonly string[]).includes(x))
          ? (items as ToleranceEntry['findings'])
          : undefined;
      },
    );
    const note = await q.ask('  A note for your clinic (empty: none)? ', (s) => (s.length <= 2000 ? s : undefined));
    return toleranceEntrySchema.parse({ sensation, discomfort, findings, ...(note !== '' ? { note } : {}) });
  } finally {
    q.close();
  }
}

/** The local dates of the week before today, oldest first. */
const pastWeek = (today: string): string[] =>
  Array.from({ length: 7 }, (_, k) =>
    new Date(Date.parse(`${today}T00:00:00Z`) - (7 - k) * 86_400_000).toISOString().slice(0, 10),
  );

async function diaryCommand(o: Common & { date?: string; dry?: 'yes' | 'no' }, io: CliIo): Promise<number> {
  const ctx = context(o, io);
  const cached = ctx.state.readView();
  const tz = cached ? (cached.view.time_zone ?? cached.view.plan.time_zone) : undefined;
  const today = localToday(ctx.now(), tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const answers: { date: string; dry: boolean }[] = [];
  if (o.date !== undefined || o.dry !== undefined) {
    if (o.date === undefined || o.dry === undefined) {
      throw new IontoError('ION_ERR_USAGE', '--date and --dry go together (e.g. --date 2026-03-02 --dry yes)');
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date) || Number.isNaN(Date.parse(`${o.date}T00:00:00Z`))) {
      throw new IontoError('ION_ERR_USAGE', `--date must be a date YYYY-MM-DD, got "${o.date}"`, { option: '--date' });
    }
    if (o.date > today) {
      throw new IontoError('ION_ERR_USAGE', `--date ${o.date} is in the future (today is ${today})`, {
        option: '--date',
      });
    }
    answers.push({ date: o.date, dry: o.dry === 'yes' });
  } else {
    if (io.stdin?.isTTY !== true) {
      throw new IontoError(
        'ION_ERR_USAGE',
        'the diary questions need a terminal: answer one day with --date and --dry',
      );
    }
    const known = new Set([
      ...ctx.state.readDiary().map((d) => d.date),
      ...ctx.state.readOutbox().flatMap((e) => (e.record.kind === 'diary' ? [e.record.date] : [])),
    ]);
    const q = questioner(io);
    try {
      io.stdout.write('Was the treated area dry all day? (y yes, n no, s skip)\n');
      for (const date of pastWeek(today)) {
        if (known.has(date)) continue;
        const a = await q.ask(`  ${date}? [y/n/s] `, (s) =>
          ['y', 'n', 's'].includes(s.toLowerCase()) ? s : undefined,
        );
        if (a !== 's') answers.push({ date, dry: a === 'y' });
      }
    } finally {
      q.close();
    }
  }
  if (answers.length === 0) {
    io.stdout.write('Nothing to record: the past week is answered.\n');
    return EXIT.ok;
  }
  ctx.state.enqueue(
    answers.map((a) => ({ kind: 'diary' as const, client_id: newClientId(), date: a.date, dry: a.dry })),
    ctx.now(),
  );
  io.stdout.write(`Recorded ${answers.length} day(s).\n`);
  if (ctx.conn !== undefined) io.stdout.write(describeSync(await syncOutbox(ctx.state, ctx.conn, ctx.now())));
  return EXIT.ok;
}

async function syncCommand(o: Common, io: CliIo): Promise<number> {
  const ctx = context(o, io);
  if (ctx.conn === undefined) {
    throw new IontoError('ION_ERR_USAGE', 'no server: pass --server URL or set IONTO_SERVER');
  }
  const waiting = ctx.state.readOutbox().length;
  if (waiting === 0) {
    io.stdout.write('Nothing to upload.\n');
    return EXIT.ok;
  }
  const s: SyncSummary = await syncOutbox(ctx.state, ctx.conn, ctx.now());
  io.stdout.write(describeSync(s));
  return s.offline !== undefined ? EXIT_OFFLINE : s.rejected.length > 0 ? EXIT.fault : EXIT.ok;
}
