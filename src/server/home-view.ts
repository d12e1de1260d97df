/**
 * What a patient's home plan looks like now (HomeView of docs: /api/home): the plan, the next session's titrated
 * current (clinic rule nextCurrent over the plan's sessions and their tolerance records), reminders and relapse from
 * the diary (homeFollowUp), the protocol's checklists, the caps, and the plan's recent sessions.
 */
import { z } from 'zod';
import { homeFollowUp } from '../clinic/home-follow-up.js';
import type { HomeFollowUp } from '../clinic/home-follow-up.js';
import { diaryRecordSchema } from '../clinic/outcome-records.js';
import type { DiaryRecord } from '../clinic/outcome-records.js';
import { sessionCaps } from '../clinic/session-caps.js';
import { nextCurrent } from '../clinic/titration.js';
import type { TitrationResult, TitrationSession } from '../clinic/titration.js';
import { toleranceEntrySchema } from '../clinic/tolerance.js';
import type { ToleranceEntry } from '../clinic/tolerance.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { mA } from '../units/quantities.js';
import { currentHomePlan, getSession, HOME_PLAN_STATUSES, toleranceOfSessions } from '../store/index.js';
import type {
  HomePlanRecord,
  HomePlanStatus,
  Patient,
  SessionRecord,
  Store,
  ToleranceRecordRow,
} from '../store/index.js';
import { IontoError } from '../errors/catalogue.js';

/** Most sessions a view lists (and titration reads): the newest 50. */
export const HOME_HISTORY = 50;
/** Diary days the follow-up reads: the plan's time and, before it, this many days (the best week before the plan). */
const DIARY_DAYS_BEFORE_PLAN = 28;
const DAY_MS = 86_400_000;

/**
 * Warning signs a plan lists when the clinician gives none: what should make the patient stop and call. Each from the
 * tolerance rules (src/clinic/tolerance.ts) and their sources.
 */
export const DEFAULT_WARNING_SIGNS: readonly string[] = [
  'Blisters or a burn on the treated skin: no further session; call the clinic [F5][U2][U3][U4]',
  'Pain during a session: stop it; redness or pain that lasts after it: call the clinic [D2][H6]',
  'A shock when the skin leaves the water or a pad comes off: stop and check the contact [H4][U1]',
  'Sweating back on several days of a week: record it in the diary; the clinic may add a session [83][87]',
];

export const HomePlanSchema = z.object({
  id: z.string(),
  patient_id: z.string(),
  course_id: z.string(),
  device_id: z.string().nullable(),
  protocol: z.string(),
  zone: z.string(),
  mode: z.string(),
  interval_days: z.number().int(),
  pin_mA: z.number().nullable(),
  cap_mA: z.number().nullable(),
  warning_signs: z.array(z.string()),
  status: z.enum(HOME_PLAN_STATUSES as [HomePlanStatus, ...HomePlanStatus[]]),
  stopped_reason: z.string().nullable(),
  review_note: z.string().nullable(),
  reviewed_at: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type HomePlanJson = z.infer<typeof HomePlanSchema>;

const AdviceSchema = z.object({ code: z.string(), text: z.string(), source: z.string() });
export const AssessmentSchema = z.object({
  stopCourse: z.boolean(),
  reviewRequired: z.boolean(),
  comfortable: z.boolean(),
  uncomfortable: z.boolean().optional(),
  advice: z.array(AdviceSchema),
});

export const ToleranceRecordSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  patient_id: z.string(),
  entry: z.record(z.string(), z.unknown()),
  assessment: AssessmentSchema,
  recorded_by: z.string(),
  recorded_at: z.string(),
  client_id: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ToleranceRecordJson = z.infer<typeof ToleranceRecordSchema>;

const StepSchema = z.object({ id: z.string(), text: z.string(), required: z.boolean(), source: z.string() });

export const HomeViewSchema = z.object({
  plan: HomePlanSchema,
  titration: z.object({
    current_mA: z.number(),
    step: z.string(),
    reason: z.string(),
    limit_mA: z.number(),
    stopped: z.boolean(),
  }),
  follow_up: z.object({
    state: z.enum(['due', 'overdue', 'not-due', 'stopped']),
    next_due: z.string(),
    overdue_days: z.number(),
    diary_prompt: z.boolean(),
    week: z.object({ from: z.string(), to: z.string(), dry_days: z.number(), answered: z.number() }),
    relapse: z
      .object({
        basis: z.string(),
        suggestion: z.enum(['extra-session', 're-induction']),
        earliest: z.string(),
        source: z.string(),
      })
      .nullable(),
  }),
  protocol: z.object({
    id: z.string(),
    title: z.string(),
    pre_steps: z.array(StepSchema),
    post_steps: z.array(StepSchema),
  }),
  caps: z.object({ per_day: z.number().int(), per_week: z.number().int() }),
  /** The patient's IANA zone: due days and diary days are its local days (a home device offline computes in it). */
  time_zone: z.string(),
  /** The diary answers the follow-up was computed from (local days, oldest first). */
  diary: z.array(z.object({ date: z.string(), dry: z.boolean() })),
  last_tolerance: ToleranceRecordSchema.nullable(),
  history: z.array(
    z.object({
      session_id: z.string().nullable(),
      client_id: z.string().nullable(),
      started_at: z.string(),
      status: z.string(),
      target_mA: z.number().nullable(),
      delivered_mAmin: z.number(),
      tolerance: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
});
export type HomeView = z.infer<typeof HomeViewSchema>;

export const planJson = (p: HomePlanRecord): HomePlanJson => ({
  id: p.id,
  patient_id: p.patient_id,
  course_id: p.course_id,
  device_id: p.device_id,
  protocol: p.protocol,
  zone: p.zone,
  mode: p.mode,
  interval_days: p.interval_days,
  pin_mA: p.pin_ma,
  cap_mA: p.cap_ma,
  warning_signs: p.warning_signs,
  status: p.status,
  stopped_reason: p.stopped_reason,
  review_note: p.review_note,
  reviewed_at: p.reviewed_at,
  version: p.version,
  created_at: p.created_at,
  updated_at: p.updated_at,
});

export const toleranceJson = (r: ToleranceRecordRow): ToleranceRecordJson => r as ToleranceRecordJson;

/** The target current a stored session ran at: its report's target_mA (hosted and uploaded sessions both have one). */
export function targetOf(s: Pick<SessionRecord, 'report'>): number | null {
  const r = s.report as { target_mA?: unknown } | null;
  return r !== null && typeof r === 'object' && typeof r.target_mA === 'number' && Number.isFinite(r.target_mA)
    ? r.target_mA
    : null;
}

/** The entry of a stored tolerance record, when it still reads as one. */
function entryOf(r: ToleranceRecordRow | undefined): ToleranceEntry | undefined {
  if (r === undefined) return undefined;
  const parsed = toleranceEntrySchema.safeParse(r.entry);
  return parsed.success ? parsed.data : undefined;
}

/** The plan's sessions, newest first, at most `limit`. */
export async function planSessions(store: Store, planId: string, limit = HOME_HISTORY): Promise<SessionRecord[]> {
  const rows = await store.db
    .selectFrom('sessions')
    .select('id')
    .where('home_plan_id', '=', planId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const out: SessionRecord[] = [];
  for (const r of rows) out.push(await getSession(store, r.id));
  return out;
}

const TITRATION_STATUSES = new Set(['completed', 'aborted', 'fault', 'interrupted']);

/** The titration rule applied to the plan's sessions and their tolerance, with the plan's pin, cap and last review. */
export function titrationOf(
  protocol: Protocol,
  plan: HomePlanRecord,
  sessions: readonly SessionRecord[],
  tolerance: ReadonlyMap<string, ToleranceRecordRow>,
): TitrationResult {
  const history: TitrationSession[] = [];
  for (const s of sessions) {
    const target = targetOf(s);
    if (!TITRATION_STATUSES.has(s.status) || target === null) continue;
    const entry = entryOf(tolerance.get(s.id));
    history.push({
      at: s.started_at,
      target: mA(target),
      status: s.status as TitrationSession['status'],
      ...(entry === undefined ? {} : { tolerance: entry }),
    });
  }
  return nextCurrent(protocol, plan.zone, history, {
    ...(plan.pin_ma === null ? {} : { pin: mA(plan.pin_ma) }),
    ...(plan.cap_ma === null ? {} : { cap: mA(plan.cap_ma) }),
    ...(plan.reviewed_at === null ? {} : { reviewedAt: plan.reviewed_at }),
  });
}

/** The patient's diary records from DIARY_DAYS_BEFORE_PLAN days before the plan on (at most 400 days back). */
export async function diaryOf(
  store: Store,
  patientId: string,
  plan: HomePlanRecord,
  now: Date,
): Promise<DiaryRecord[]> {
  const from = new Date(
    Math.max(Date.parse(plan.created_at) - DIARY_DAYS_BEFORE_PLAN * DAY_MS, now.getTime() - 400 * DAY_MS),
  ).toISOString();
  const rows = await store.db
    .selectFrom('outcomes')
    .select(['value'])
    .where('patient_id', '=', patientId)
    .where('kind', '=', 'diary')
    .where('recorded_at', '>=', from)
    .orderBy('recorded_at')
    .execute();
  const out: DiaryRecord[] = [];
  for (const r of rows) {
    const parsed = diaryRecordSchema.safeParse(JSON.parse(r.value));
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

export interface HomeFacts {
  readonly protocol: Protocol;
  readonly plan: HomePlanRecord;
  readonly sessions: SessionRecord[];
  readonly tolerance: Map<string, ToleranceRecordRow>;
  readonly titration: TitrationResult;
  readonly followUp: HomeFollowUp;
  readonly diary: DiaryRecord[];
  readonly timeZone: string;
}

/** Everything a view or summary of the plan is made from. */
export async function homeFacts(store: Store, patient: Patient, plan: HomePlanRecord, now: Date): Promise<HomeFacts> {
  const protocol = findProtocol(plan.protocol);
  const sessions = await planSessions(store, plan.id);
  const tolerance = await toleranceOfSessions(
    store,
    sessions.map((s) => s.id),
  );
  const titration = titrationOf(protocol, plan, sessions, tolerance);
  const diary = await diaryOf(store, patient.id, plan, now);
  const followUp = homeFollowUp({
    tz: patient.time_zone,
    now: now.toISOString(),
    intervalDays: plan.interval_days,
    sessions: sessions.map((s) => ({ at: s.started_at, status: s.status })),
    diary,
    caps: sessionCaps(protocol),
    stopped: plan.status !== 'active' || titration.stopped,
  });
  return { protocol, plan, sessions, tolerance, titration, followUp, diary, timeZone: patient.time_zone };
}

/** The titrated current as the API shows it (currents in mA). */
export const titrationJson = (t: TitrationResult): HomeView['titration'] => ({
  current_mA: t.current,
  step: t.step,
  reason: t.reason,
  limit_mA: t.limit,
  stopped: t.stopped,
});

/** The follow-up as the API shows it. */
export const followUpJson = (f: HomeFollowUp): HomeView['follow_up'] => ({
  state: f.state,
  next_due: f.nextDue,
  overdue_days: f.overdueDays,
  diary_prompt: f.diaryPrompt,
  week: { from: f.week.from, to: f.week.to, dry_days: f.week.dryDays, answered: f.week.answered },
  relapse: f.relapse === undefined ? null : { ...f.relapse },
});

export function viewOf(f: HomeFacts): HomeView {
  const { protocol, plan, sessions, tolerance, titration, followUp } = f;
  const caps = sessionCaps(protocol);
  let last: ToleranceRecordRow | undefined;
  for (const r of tolerance.values()) if (last === undefined || r.recorded_at > last.recorded_at) last = r;
  return {
    plan: planJson(plan),
    titration: titrationJson(titration),
    follow_up: followUpJson(followUp),
    protocol: {
      id: protocol.id,
      title: protocol.title,
      pre_steps: protocol.pre_steps,
      post_steps: protocol.post_steps,
    },
    caps: { per_day: caps.perDay, per_week: caps.perWeek },
    time_zone: f.timeZone,
    diary: f.diary.map((d) => ({ date: d.date, dry: d.dry })),
    last_tolerance: last === undefined ? null : toleranceJson(last),
    history: sessions.map((s) => ({
      session_id: s.id,
      client_id: s.client_id,
      started_at: s.started_at,
      status: s.status,
      target_mA: targetOf(s),
      delivered_mAmin: s.delivered_mamin,
      tolerance: (tolerance.get(s.id)?.entry as Record<string, unknown> | undefined) ?? null,
    })),
  };
}

/** The patient's current plan, or 404 naming the patient's home plan. */
export async function requirePlan(store: Store, patientId: string): Promise<HomePlanRecord> {
  const plan = await currentHomePlan(store, patientId);
  if (plan === undefined) {
    throw new IontoError('ION_ERR_NOT_FOUND', `patient ${patientId} has no home plan`, { patient_id: patientId });
  }
  return plan;
}
