/**
 * The shapes the patient pages read from the clinic API (src/server/*-routes.ts), and the calendar arithmetic they
 * need (local dates as YYYY-MM-DD strings, weeks, ages). No patient data leaves this module for the address bar.
 */
import { allPages, api } from '../../api';
import { ageInYears as exactAge } from '../../../../src/clinic/age';

export interface Patient {
  id: string;
  clinic_id: string;
  name: string;
  birth_date: string;
  time_zone: string;
  user_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export type ReasonEffect = 'refuse' | 'precaution' | 'info';
export type ScreeningResult = 'allowed' | 'precautions' | 'refused';

export interface ScreeningReason {
  item: string;
  effect: ReasonEffect;
  /** English clinical text from the protocol (data, shown as recorded). */
  text: string;
  source: string;
}

export interface Screening {
  id: string;
  patient_id: string;
  protocol: string;
  answers: Record<string, unknown>;
  result: ScreeningResult;
  reasons: ScreeningReason[];
  answered_at: string;
  /** The last instant this screening lets a session start (the server's rule). */
  valid_until: string;
  zone?: string;
  mode?: string;
  version: number;
  created_at: string;
}

export type PlannedStatus = 'planned' | 'done' | 'missed' | 'cancelled';

export interface PlannedSession {
  id: string;
  seq: number;
  phase: string;
  local_date: string;
  starts_at: string;
  status: PlannedStatus;
  version: number;
}

export interface Course {
  id: string;
  patient_id: string;
  protocol: string;
  template: string;
  start_date: string;
  time_zone: string;
  version: number;
  created_at: string;
}

export interface CourseDetail extends Course {
  options: Record<string, unknown>;
  planned_sessions: PlannedSession[];
}

export interface Planning {
  rules: { id: string; text: string; source: string }[];
  adjustments: { index: number; phase: string; from: string; to: string; reason: string }[];
  warnings: string[];
  shared_days_refused: { date: string; protocol: string }[];
}

export type OutcomeKind = 'hdss' | 'gravimetry' | 'minor' | 'diary';

export interface Outcome {
  id: string;
  patient_id: string;
  kind: OutcomeKind;
  value: Record<string, unknown>;
  recorded_at: string;
  version: number;
}

export interface FollowUpCourse {
  course_id: string;
  protocol: string;
  start_date: string;
  responder: {
    status: 'responder' | 'non-responder' | 'not-evaluable';
    decided_by: { rule: string; status: string; site?: string; basis: string }[];
    missing?: string;
    hdss_status: string;
    treatment_failure: { status: string; reason: string };
  };
  next_session: { date: string; starts_at: string; phase: string; reason: string } | null;
  next_maintenance: { date: string; starts_at: string } | null;
  maintenance_interval_days: number | null;
  relapses: { date: string; at: string; measure: string; basis: string }[];
  relapse_signal: boolean;
}

export interface FollowUp {
  patient_id: string;
  time_zone: string;
  as_of: string;
  courses: FollowUpCourse[];
  overdue: Overdue[];
}

export interface Overdue {
  course_id: string;
  protocol: string;
  seq: number;
  phase: string;
  local_date: string;
  starts_at: string;
  overdue_since: string;
}

export type SessionStatus = 'running' | 'completed' | 'aborted' | 'fault' | 'interrupted';

export interface SessionRecord {
  id: string;
  patient_id: string;
  protocol: string;
  zone: string;
  status: SessionStatus;
  started_at: string;
  ended_at: string | null;
  delivered_mamin: number;
  live?: { phase: string; t_ms: number; delivered_mAmin: number };
}

export interface ProtocolSummary {
  id: string;
  name: string;
  purpose: string;
  zones: { id: string; name: string }[];
  default_zone: string;
  modes: { id: string; name: string; waveform: string }[];
  default_mode: string;
  course: { induction_template: string; induction_sessions: number; maintenance_interval_days: unknown };
  min_age_years: number;
}

export interface Question {
  id: string;
  kind: 'boolean' | 'decimal';
  required: boolean;
  text: string;
}

/** The induction templates the course planner knows (src/protocols/course-template.ts). */
export const TEMPLATES = [
  'clinic',
  'every-2-3-days',
  'daily',
  'weekly',
  'twice-weekly',
  'fortnightly',
  'single',
] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Sites an outcome is measured at (src/clinic/outcome-scales.ts). */
export const OUTCOME_SITES = ['axillae', 'palms', 'soles', 'face'] as const;
/** A screening older than this no longer lets a session start (src/server/session-eligibility.ts). */

export const protocolsList = async (signal?: AbortSignal): Promise<ProtocolSummary[]> =>
  (await api.get<{ items: ProtocolSummary[] }>('/api/protocols', signal ? { signal } : {})).items;

export const questionnaire = async (signal?: AbortSignal): Promise<Question[]> =>
  (await api.get<{ id: string; items: Question[] }>('/api/screening/questionnaire', signal ? { signal } : {})).items;

/** Every screening of a patient, newest first. */
export async function screeningsOf(patientId: string): Promise<Screening[]> {
  const all = await allPages<Screening>(`/api/patients/${encodeURIComponent(patientId)}/screenings?limit=100`);
  return all.sort((a, b) => b.answered_at.localeCompare(a.answered_at) || b.created_at.localeCompare(a.created_at));
}

/** The newest screening of each protocol, newest first. */
export function latestByProtocol(screenings: readonly Screening[]): Screening[] {
  const seen = new Set<string>();
  const out: Screening[] = [];
  for (const s of screenings) {
    if (seen.has(s.protocol)) continue;
    seen.add(s.protocol);
    out.push(s);
  }
  return out;
}

/** True when the screening is older than a session accepts (past the `valid_until` the server answers). */
export const screeningOutdated = (s: Screening, now: Date): boolean => now.getTime() > Date.parse(s.valid_until);

/** The browser's IANA time zone (the default of a new patient's zone). */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Every IANA zone the browser knows, for a picker; the given zone is always in it. */
export function timeZones(must: string): string[] {
  let zones: string[] = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  if (!zones.includes(must)) zones = [must, ...zones];
  if (!zones.includes('UTC')) zones.push('UTC');
  return zones;
}

/** Today's local date (YYYY-MM-DD) in a zone. */
export function localToday(zone: string, now: Date = new Date()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(now)
      .slice(0, 10);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

const DAY_MS = 86_400_000;
const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / DAY_MS;
const fromDayNumber = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** A local date moved by whole days. */
export const addDays = (d: string, days: number): string => fromDayNumber(dayNumber(d) + days);

/** The Monday of a local date's week. */
export function weekStart(d: string): string {
  const n = dayNumber(d);
  const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7; // Monday 0
  return fromDayNumber(n - weekday);
}

/** A local date as an instant the date formatters show as that same day (format it in UTC). */
export const localDateInstant = (d: string): Date => new Date(`${d}T12:00:00Z`);

/** Seconds since the epoch at noon UTC of a local date (x of the outcome charts). */
export const localDateSeconds = (d: string): number => Date.parse(`${d}T12:00:00Z`) / 1000;

/** True when YYYY-MM-DD names a real calendar day. */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return t.getUTCFullYear() === Number(m[1]) && t.getUTCMonth() === Number(m[2]) - 1 && t.getUTCDate() === Number(m[3]);
}

/**
 * Exact age in years on a calendar day, by the screening's own rule (src/clinic/age.ts: whole years reached plus the
 * fraction of the current year of life; a 29 February birthday falls on 1 March in common years). Undefined when a
 * date is not valid or the birth is after the day.
 */
export function ageInYears(birthDate: string, onDate: string): number | undefined {
  try {
    return exactAge(birthDate, onDate);
  } catch {
    return undefined;
  }
}

/** An age truncated (never rounded) to two decimals, so 5.997 never shows as 6. */
export const truncatedAge = (years: number): number => Math.floor(years * 100) / 100;

/** The planned session a session would start now: the first still planned, from the oldest. */
export const nextPlanned = (sessions: readonly PlannedSession[]): PlannedSession | undefined =>
  [...sessions].filter((s) => s.status === 'planned').sort((a, b) => a.seq - b.seq)[0];
