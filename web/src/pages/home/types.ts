/**
 * The home-treatment shapes the web app reads (docs: the home API of issue 8; the rules are in
 * src/clinic/{tolerance,titration,home-follow-up}.ts). Currents are numbers in mA with an `_mA` suffix, as the API
 * sends them. Only the fields the pages use are typed.
 */
import type { ProtocolStep } from '../session/types';

export const SENSATIONS = ['none', 'tingling', 'discomfort', 'pain'] as const;
export type Sensation = (typeof SENSATIONS)[number];
export const SKIN_FINDINGS = ['redness', 'dryness', 'waterline-irritation', 'vesicles', 'burn'] as const;
export type SkinFinding = (typeof SKIN_FINDINGS)[number];
/** Findings that stop the course until a clinician reviews it (src/clinic/tolerance.ts). */
export const STOPPING_FINDINGS: ReadonlySet<string> = new Set(['vesicles', 'burn']);
/** The highest discomfort the form takes (0 none … 10 worst). */
export const DISCOMFORT_MAX = 10;
/** The longest note the server accepts (characters). */
export const NOTE_MAX = 2000;

export interface ToleranceEntry {
  sensation: Sensation;
  discomfort: number;
  findings: SkinFinding[];
  engine_events: string[];
  note?: string;
}

export interface ToleranceAdvice {
  code: string;
  text: string;
  source: string;
}

export interface ToleranceAssessment {
  stopCourse: boolean;
  reviewRequired: boolean;
  comfortable: boolean;
  advice: ToleranceAdvice[];
}

export interface ToleranceRecord {
  id: string;
  session_id: string;
  patient_id: string;
  entry: ToleranceEntry;
  assessment: ToleranceAssessment;
  recorded_by: string;
  recorded_at: string;
  client_id: string | null;
  version: number;
}

export type PlanStatus = 'active' | 'stopped' | 'ended';

export interface HomePlan {
  id: string;
  patient_id: string;
  course_id: string;
  device_id: string | null;
  protocol: string;
  zone: string;
  mode: string;
  interval_days: number;
  pin_mA: number | null;
  cap_mA: number | null;
  warning_signs: string[];
  status: PlanStatus;
  stopped_reason: string | null;
  /** The clinician's note when they last resumed a stopped plan. */
  review_note?: string | null;
  reviewed_at?: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export type TitrationStep = 'start' | 'step-up' | 'hold' | 'step-down' | 'pinned' | 'capped' | 'stopped' | 'fixed';

export interface Titration {
  current_mA: number;
  step: TitrationStep | string;
  reason: string;
  limit_mA: number;
  stopped: boolean;
}

export interface Relapse {
  basis: string;
  suggestion: 'extra-session' | 're-induction' | string;
  earliest: string;
  source: string;
}

export interface FollowUp {
  state: 'due' | 'overdue' | 'not-due' | 'stopped' | string;
  next_due: string;
  overdue_days: number;
  diary_prompt: boolean;
  week: { from: string; to: string; dry_days: number; answered: number };
  relapse: Relapse | null;
}

export interface HistoryItem {
  session_id: string | null;
  client_id: string | null;
  started_at: string;
  status: string;
  target_mA: number | null;
  delivered_mAmin: number;
  tolerance: ToleranceEntry | null;
}

export interface HomeView {
  plan: HomePlan;
  titration: Titration;
  follow_up: FollowUp;
  protocol: { id: string; title: string; pre_steps: ProtocolStep[]; post_steps: ProtocolStep[] };
  caps: { per_day: number; per_week: number };
  /** The patient's IANA zone: the diary's days are its local days. */
  time_zone: string;
  diary: { date: string; dry: boolean }[];
  last_tolerance: ToleranceRecord | null;
  history: HistoryItem[];
}

/** One answer of POST /api/home/sync. */
export interface SyncResult {
  client_id: string;
  kind: string;
  status: 'created' | 'duplicate' | 'rejected';
  id?: string;
  error?: { code: string; detail: string };
}

/** A new client id (a UUID) for an idempotent upload: the same record sent twice is stored once. */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The engine's event and fault codes of a session report, in order, as a tolerance entry carries them (at most 100).
 * Repeats are kept: the tolerance rules count them (contact lost twice in one session calls for a check).
 */
export function engineEventCodes(report: {
  events: readonly { code: string }[];
  faults: readonly { code: string }[];
}): string[] {
  const codes = [...report.events, ...report.faults]
    .map((e) => e.code)
    .filter((c) => /^ION_[A-Z]+_[A-Z0-9_]+$/.test(c));
  return codes.slice(0, 100);
}

/** The home view's address for a patient user (their own) or staff (the patient's id as a query parameter). */
export const homePath = (path: string, patientId: string | undefined): string =>
  patientId ? `${path}?patient_id=${encodeURIComponent(patientId)}` : path;

/** The shareable summary's facts (GET /api/home/summary; the PDF shows the same). */
export interface HomeSummary {
  patient: { id: string; name: string; birth_date: string; time_zone: string };
  generated_at: string;
  plan: HomePlan;
  protocol: { id: string; title: string };
  titration: Titration;
  follow_up: FollowUp;
  sessions: {
    date: string;
    started_at: string;
    status: string;
    target_mA: number | null;
    delivered_mAmin: number;
    tolerance: { sensation: string; discomfort: number; findings: string[] } | null;
  }[];
  findings: { date: string; session_id: string; findings: string[]; advice: ToleranceAdvice[] }[];
  weeks: { from: string; to: string; dry_days: number; answered: number }[];
  relapse: Relapse | null;
  warning_signs: string[];
}
