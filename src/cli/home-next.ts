/**
 * What is next for a home user: the session due, its titrated current and why, the diary prompt, a relapse
 * suggestion and the warning signs. From the server's view when it was just fetched and nothing waits in the outbox;
 * otherwise computed afresh by the clinic rules (nextCurrent, homeFollowUp) from the cached view plus the records
 * made here and not yet uploaded, so an offline session counts at once.
 */
import { homeFollowUp } from '../clinic/home-follow-up.js';
import { localDayOf, dateOf } from '../clinic/local-calendar.js';
import type { DiaryRecord } from '../clinic/outcome-records.js';
import { sessionCaps } from '../clinic/session-caps.js';
import { nextCurrent } from '../clinic/titration.js';
import type { TitrationResult, TitrationSession, TitrationStep } from '../clinic/titration.js';
import { assessTolerance, toleranceEntrySchema } from '../clinic/tolerance.js';
import type { ToleranceEntry } from '../clinic/tolerance.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { followUpJson, titrationJson } from '../server/home-view.js';
import { checkFrequency } from '../server/session-eligibility.js';
import type { HeldSession } from '../server/session-eligibility.js';
import { mA } from '../units/quantities.js';
import type { DiaryDay, HomeView, OutboxEntry } from './home-state.js';

/** Everything `ionto home next` shows, as `--json` prints it (currents in mA with the `_mA` suffix). */
export interface HomeNext {
  readonly source: 'server' | 'local';
  /** When the view this is based on was fetched (ISO instant). */
  readonly fetched_at: string;
  /** Records made here and not yet uploaded. */
  readonly unsynced: number;
  readonly plan: {
    readonly protocol: string;
    readonly title: string;
    readonly zone: string;
    readonly mode: string;
    readonly interval_days: number;
    readonly status: 'active' | 'stopped' | 'ended';
    readonly stopped_reason: string | null;
  };
  readonly titration: {
    readonly current_mA: number;
    readonly step: string;
    readonly reason: string;
    readonly limit_mA: number;
    readonly stopped: boolean;
  };
  readonly follow_up: {
    readonly state: string;
    readonly next_due: string;
    readonly overdue_days: number;
    readonly diary_prompt: boolean;
    readonly week: { readonly from: string; readonly to: string; readonly dry_days: number; readonly answered: number };
    readonly relapse: { basis: string; suggestion: string; earliest: string; source: string } | null;
  };
  readonly warning_signs: readonly string[];
  readonly tz: string;
}

/** The patient's time zone: the view's when the server sends one, else this computer's. */
export const timeZoneOf = (view: HomeView): string =>
  view.time_zone ?? view.plan.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

export const protocolOf = (view: HomeView): Protocol => findProtocol(view.plan.protocol);

interface LocalSession {
  readonly client_id: string | null;
  readonly at: string;
  readonly status: string;
  readonly target_mA: number | null;
  readonly delivered_mAmin: number;
  readonly tolerance: ToleranceEntry | undefined;
}

const parseEntry = (raw: unknown): ToleranceEntry | undefined => {
  const p = toleranceEntrySchema.safeParse(raw);
  return p.success ? p.data : undefined;
};

/**
 * The plan's sessions, oldest first: the cached history joined with the sessions and tolerance records of the outbox
 * (matched by client id; a record already in the history is not counted twice).
 */
export function sessionsOf(view: HomeView, outbox: readonly OutboxEntry[]): LocalSession[] {
  const tolerance = new Map<string, ToleranceEntry>();
  for (const { record } of outbox) {
    if (record.kind !== 'tolerance') continue;
    const e = parseEntry(record.entry);
    if (e !== undefined) tolerance.set(record.session_client_id, e);
  }
  const out: LocalSession[] = view.history.map((h) => ({
    client_id: h.client_id ?? null,
    at: h.started_at,
    status: h.status,
    target_mA: h.target_mA,
    delivered_mAmin: h.delivered_mAmin,
    tolerance: parseEntry(h.tolerance) ?? (h.client_id ? tolerance.get(h.client_id) : undefined),
  }));
  const known = new Set(out.flatMap((s) => (s.client_id ? [s.client_id] : [])));
  for (const { record } of outbox) {
    if (record.kind !== 'session' || known.has(record.client_id)) continue;
    known.add(record.client_id);
    out.push({
      client_id: record.client_id,
      at: record.started_at,
      status: record.status,
      target_mA: record.target_mA,
      delivered_mAmin: record.delivered_mAmin,
      tolerance: tolerance.get(record.client_id),
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** Diary answers by date (the newest answer of a day wins): the view's, then the kept log, then the outbox. */
export function diaryOf(view: HomeView, log: readonly DiaryDay[], outbox: readonly OutboxEntry[]): DiaryRecord[] {
  const byDate = new Map<string, boolean>();
  for (const d of view.diary ?? []) byDate.set(d.date, d.dry);
  for (const d of log) byDate.set(d.date, d.dry);
  for (const { record } of outbox) if (record.kind === 'diary') byDate.set(record.date, record.dry);
  return [...byDate]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, dry]) => ({ kind: 'diary' as const, date, dry }));
}

const TITRATION_STEPS: readonly TitrationStep[] = [
  'start',
  'step-up',
  'hold',
  'step-down',
  'pinned',
  'capped',
  'stopped',
  'fixed',
];

/** The server's titration answer as the clinic layer's result (for titratedChoices). */
export function titrationOfView(view: HomeView): TitrationResult {
  const t = view.titration;
  const step = (TITRATION_STEPS as readonly string[]).includes(t.step) ? (t.step as TitrationStep) : 'hold';
  return { current: mA(t.current_mA), step, reason: t.reason, limit: mA(t.limit_mA), stopped: t.stopped };
}

/** Whether a tolerance entry stops the course (burn or vesicles). */
const stops = (e: ToleranceEntry | undefined): boolean => e !== undefined && assessTolerance(e).stopCourse;

/**
 * The titrated current computed here. The server applies the rule to the history since the clinician's last review;
 * the cached history may still show the finding that review cleared, so while the cached plan is active the review is taken to follow the last stopping finding in it (one recorded here offline still stops). A
 * `reviewed_at` the server sends is used as it is.
 */
export function localTitration(view: HomeView, protocol: Protocol, sessions: readonly LocalSession[]): TitrationResult {
  let reviewedAt: string | undefined =
    typeof view.plan['reviewed_at'] === 'string' ? (view.plan['reviewed_at'] as string) : undefined;
  if (view.plan.status === 'active' && !view.titration.stopped) {
    const cached = new Set(view.history.map((h) => h.started_at));
    for (const s of sessions) {
      if (cached.has(s.at) && stops(s.tolerance)) {
        const after = new Date(Date.parse(s.at) + 1).toISOString();
        if (reviewedAt === undefined || after > reviewedAt) reviewedAt = after;
      }
    }
  }
  // A session with no known target cannot say what current it ran at (the server's view skips it too).
  const history: TitrationSession[] = sessions.flatMap((s) =>
    s.target_mA === null
      ? []
      : [
          {
            at: s.at,
            target: mA(s.target_mA),
            status: titrationStatus(s.status),
            ...(s.tolerance !== undefined ? { tolerance: s.tolerance } : {}),
          },
        ],
  );
  const override = {
    ...(view.plan.pin_mA !== null && view.plan.pin_mA !== undefined ? { pin: mA(view.plan.pin_mA) } : {}),
    ...(view.plan.cap_mA !== null && view.plan.cap_mA !== undefined ? { cap: mA(view.plan.cap_mA) } : {}),
    ...(reviewedAt !== undefined ? { reviewedAt } : {}),
  };
  return nextCurrent(protocol, view.plan.zone, history, override);
}

const titrationStatus = (s: string): TitrationSession['status'] =>
  s === 'completed' || s === 'aborted' || s === 'fault' ? s : 'interrupted';

/** What is next, from a view just fetched (`source` 'server') or computed here with the outbox. */
export function homeNext(input: {
  readonly view: HomeView;
  readonly fetchedAt: string;
  readonly fresh: boolean;
  readonly outbox: readonly OutboxEntry[];
  readonly diaryLog: readonly DiaryDay[];
  readonly now: Date;
}): HomeNext {
  const { view, outbox } = input;
  const protocol = protocolOf(view);
  const tz = timeZoneOf(view);
  const base = {
    fetched_at: input.fetchedAt,
    unsynced: outbox.length,
    warning_signs: view.plan.warning_signs,
    tz,
  };
  const local = !input.fresh || outbox.length > 0;
  const sessions = sessionsOf(view, outbox);
  const stoppedHere = outbox.some((o) => o.record.kind === 'tolerance' && stops(parseEntry(o.record.entry)));
  const status = stoppedHere && view.plan.status === 'active' ? 'stopped' : view.plan.status;
  const plan = {
    protocol: protocol.id,
    title: view.protocol.title,
    zone: view.plan.zone,
    mode: view.plan.mode,
    interval_days: view.plan.interval_days,
    status,
    stopped_reason: stoppedHere
      ? 'a burn or blisters were recorded after a session: the course is stopped until your clinic reviews it'
      : (view.plan.stopped_reason ?? null),
  } as const;
  if (!local) {
    const f = view.follow_up;
    return {
      ...base,
      source: 'server',
      plan,
      titration: { ...view.titration },
      follow_up: { ...f, relapse: f.relapse ?? null },
    };
  }
  const t = localTitration(view, protocol, sessions);
  const stopped = t.stopped || status !== 'active';
  const f = homeFollowUp({
    tz,
    now: input.now.toISOString(),
    intervalDays: view.plan.interval_days,
    sessions: sessions.map((s) => ({ at: s.at, status: s.status })),
    diary: diaryOf(view, input.diaryLog, outbox),
    caps: sessionCaps(protocol),
    stopped,
  });
  return {
    ...base,
    source: 'local',
    plan,
    titration: titrationJson(t),
    follow_up: followUpJson(f),
  };
}

/** Why no session may start today, or undefined: a stopped or ended plan, or the caps counted on the local calendar. */
export function refusal(next: HomeNext, view: HomeView, outbox: readonly OutboxEntry[], now: Date): string | undefined {
  if (next.plan.status === 'stopped' || next.titration.stopped) {
    return `the course is stopped until your clinic reviews it${next.plan.stopped_reason ? ` (${next.plan.stopped_reason})` : ''}`;
  }
  if (next.plan.status === 'ended') return 'this home plan has ended; ask your clinic for a new one';
  const protocol = protocolOf(view);
  const held: HeldSession[] = sessionsOf(view, outbox).map((s) => ({
    protocol: protocol.id,
    zone: view.plan.zone,
    status: s.status,
    started_at: s.at,
    delivered_mamin: s.delivered_mAmin,
  }));
  try {
    checkFrequency(held, { protocol, zone: view.plan.zone, at: now, tz: next.tz });
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Today's local date in the patient's zone. */
export const localToday = (now: Date, tz: string): string => dateOf(localDayOf(now.getTime(), tz));

/** The readable text of `ionto home next`. */
export function describeNext(n: HomeNext, today: string): string {
  const lines: string[] = [];
  const t = n.titration;
  lines.push(`${n.plan.title} · ${n.plan.zone} · ${n.plan.mode} · every ${n.plan.interval_days} day(s)`);
  if (n.plan.status !== 'active' || t.stopped) {
    lines.push(
      n.plan.status === 'ended'
        ? '  This home plan has ended: ask your clinic for a new one.'
        : `  STOPPED: no session until your clinic reviews the course${n.plan.stopped_reason ? ` (${n.plan.stopped_reason})` : ''}.`,
    );
  } else {
    const f = n.follow_up;
    const when =
      f.state === 'overdue'
        ? `OVERDUE by ${f.overdue_days} day(s) (was due ${f.next_due})`
        : f.state === 'due'
          ? `due today (${today})`
          : `next due ${f.next_due}`;
    lines.push(`  Next session: ${when}, at ${t.current_mA.toFixed(1)} mA (limit ${t.limit_mA.toFixed(1)} mA)`);
    lines.push(`  Current: ${t.step} — ${t.reason}`);
  }
  const w = n.follow_up.week;
  lines.push(`  Diary ${w.from} to ${w.to}: ${w.dry_days} dry day(s) of ${w.answered} answered`);
  if (n.follow_up.diary_prompt) lines.push('  Please fill in your diary for the past week: ionto home diary');
  const r = n.follow_up.relapse;
  if (r) {
    lines.push(
      `  Sweating seems to be back (${r.basis}): ${r.suggestion === 're-induction' ? 'ask your clinic about a new induction course' : 'an extra session is suggested'}, from ${r.earliest} [${r.source}]`,
    );
  }
  if (n.warning_signs.length > 0) {
    lines.push('  Stop and call your clinic if you notice:');
    for (const s of n.warning_signs) lines.push(`    - ${s}`);
  }
  if (n.source === 'local') {
    lines.push(
      `  (computed on this computer from the plan fetched ${n.fetched_at}${n.unsynced > 0 ? `, with ${n.unsynced} record(s) not yet uploaded` : ''})`,
    );
  }
  return lines.join('\n') + '\n';
}
