/**
 * Whether a patient may have a session of a protocol now: the latest screening must let it through, and the session
 * must keep to the course's frequency caps and exclusions, counted on the patient's local calendar from the sessions
 * actually held. The rules are the clinic layer's (screening, `sessionCaps`, `excludes`); this file only gathers the
 * stored facts they apply to.
 */
import { excludes } from '../clinic/course-plan.js';
import { sessionCaps } from '../clinic/session-caps.js';
import { dateOf, localDayOf } from '../clinic/local-calendar.js';
import { ageInYears, validateScreeningAnswers } from '../clinic/screening-answers.js';
import { reasonSummary, screen, SCREENING_REFUSED_CODE } from '../clinic/screening.js';
import type { Screening } from '../clinic/screening.js';
import type { PlanScreening } from '../engine/session-plan.js';
import { IontoError } from '../errors/catalogue.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { fromJsonText } from '../store/index.js';
import type { Patient, Store } from '../store/index.js';

/**
 * How long a screening stays valid before the patient must be screened again (days). A design choice of this
 * software, not a clinical figure from the references: pregnancy, implants and skin conditions change within months,
 * so a screening older than half a year no longer speaks for today.
 */
export const SCREENING_VALID_DAYS = 180;

const DAY_MS = 86_400_000;

/** The last instant a screening answered at `answeredAt` lets a session start (ISO 8601, UTC). */
export const screeningValidUntil = (answeredAt: string): string =>
  new Date(Date.parse(answeredAt) + SCREENING_VALID_DAYS * DAY_MS).toISOString();

export interface EligibilityInput {
  readonly patient: Patient;
  readonly protocol: Protocol;
  readonly zone: string;
  readonly mode: string;
  readonly at: Date;
}

export interface Eligibility {
  /** The verdict the session's plan carries (the engine refuses a refused one a second time). */
  readonly screening: PlanScreening;
  /** The screening's precautions, for the staff starting the session. */
  readonly precautions: readonly string[];
  /** The patient's local date of the session. */
  readonly localDate: string;
}

/** A held session: one that is running or that delivered current; a session stopped before any current did not. */
export interface HeldSession {
  readonly protocol: string;
  readonly zone: string;
  readonly status: string;
  readonly started_at: string;
  readonly delivered_mamin: number;
}

export const wasHeld = (s: Pick<HeldSession, 'status' | 'delivered_mamin'>): boolean =>
  s.status === 'running' || s.status === 'completed' || Number(s.delivered_mamin) > 0;

const refused = (protocol: Protocol, zone: string, why: string, details: Record<string, unknown> = {}): IontoError =>
  new IontoError(SCREENING_REFUSED_CODE, `screening refuses ${protocol.id} (${zone}): ${why}`, {
    protocolId: protocol.id,
    zone,
    ...details,
  });

/**
 * The screening verdict for this session: the latest stored screening of the patient for the protocol, screened again
 * with today's age for the zone and mode asked for. A refusal by either the stored result or the re-screen refuses;
 * a missing, outdated or unreadable screening refuses too (the patient must be screened first).
 */
export async function screeningVerdict(
  store: Store,
  input: EligibilityInput,
): Promise<{ screening: Screening; stored: string }> {
  const { patient, protocol, zone, mode, at } = input;
  const latest = await store.db
    .selectFrom('screenings')
    .select(['result', 'answers', 'answered_at', 'reasons'])
    .where('patient_id', '=', patient.id)
    .where('protocol', '=', protocol.id)
    .orderBy('answered_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest === undefined)
    throw refused(protocol, zone, 'the patient has no screening for this protocol: screen first');
  if (!(at.getTime() <= Date.parse(screeningValidUntil(latest.answered_at)))) {
    throw refused(
      protocol,
      zone,
      `the latest screening (${latest.answered_at.slice(0, 10)}) is older than ${SCREENING_VALID_DAYS} days: screen again`,
      { outdated: true },
    );
  }
  let screening: Screening;
  try {
    const answers = validateScreeningAnswers(fromJsonText(latest.answers), 'stored screening');
    const today = dateOf(localDayOf(at.getTime(), patient.time_zone));
    screening = screen(protocol, { ...answers, age_years: ageInYears(patient.birth_date, today) }, { zone, mode });
  } catch (e) {
    if (e instanceof IontoError && e.code === 'ION_ERR_ANSWERS_INVALID') {
      throw refused(protocol, zone, 'the stored screening answers no longer match the questionnaire: screen again');
    }
    throw e;
  }
  if (screening.result === 'refused' || latest.result === 'refused') {
    const storedReasons = latest.result === 'refused' ? storedRefusals(latest.reasons) : [];
    const why = [reasonSummary(screening), ...storedReasons].filter((x) => x.length > 0);
    throw refused(protocol, zone, why.length > 0 ? [...new Set(why)].join('; ') : 'the screening refused it', {
      reasons: screening.reasons.filter((r) => r.effect === 'refuse'),
    });
  }
  return { screening, stored: latest.result };
}

/** The refusal texts of a stored screening's reasons, whatever shape an older record has. */
function storedRefusals(text: string): string[] {
  const raw: unknown = fromJsonText(text);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((r) => {
    if (typeof r !== 'object' || r === null) return [];
    const { effect, item, text: t, source } = r as Record<string, unknown>;
    if (effect !== 'refuse' || typeof t !== 'string') return [];
    return [`${String(item)}: ${t}${typeof source === 'string' ? ` [${source}]` : ''}`];
  });
}

/**
 * Refuses (ION_ERR_FREQUENCY_CAP) a session that would break a frequency cap or an exclusion on the patient's local
 * calendar: at most the caps of `sessionCaps` (a treatment never above the hard caps) of sessions in the same zone on one day and in any
 * seven consecutive days; never on the same day as a held session of a protocol it excludes (course.not_with).
 */
export function checkFrequency(
  held: readonly HeldSession[],
  input: Pick<EligibilityInput, 'protocol' | 'zone' | 'at'> & { tz: string },
): void {
  const { protocol, zone, at, tz } = input;
  const today = localDayOf(at.getTime(), tz);
  const { perDay, perWeek, source } = sessionCaps(protocol);
  const library = protocolLibrary();
  let sameDay = 0;
  let week = 0;
  for (const s of held) {
    if (!wasHeld(s)) continue;
    const day = localDayOf(Date.parse(s.started_at), tz);
    if (day > today || day <= today - 7) continue;
    if (day === today) {
      const other = library.get(s.protocol);
      if (other !== undefined && excludes(protocol, other)) {
        throw new IontoError(
          'ION_ERR_FREQUENCY_CAP',
          `${protocol.id} is never given on the same day as ${other.id} (course.not_with); ${other.id} was held on ${dateOf(today)}`,
          { rule: 'not-with', with: other.id },
        );
      }
    }
    if (s.zone !== zone) continue;
    if (day === today) sameDay++;
    week++;
  }
  if (sameDay + 1 > perDay) {
    throw new IontoError(
      'ION_ERR_FREQUENCY_CAP',
      `at most ${perDay} session(s) a day in zone ${zone} (${source}): ${sameDay} already held on ${dateOf(today)}`,
      { rule: 'per-day' },
    );
  }
  if (week + 1 > perWeek) {
    throw new IontoError(
      'ION_ERR_FREQUENCY_CAP',
      `at most ${perWeek} sessions in any 7 days in zone ${zone} (${source}): ${week} held in the 7 days to ${dateOf(today)}`,
      { rule: 'per-week' },
    );
  }
}

/** The sessions of a patient that started within the last `days` days before `at` (and up to `at`). */
export async function recentSessions(store: Store, patientId: string, at: Date, days = 9): Promise<HeldSession[]> {
  const from = new Date(at.getTime() - days * DAY_MS).toISOString();
  const rows = await store.db
    .selectFrom('sessions')
    .select(['protocol', 'zone', 'status', 'started_at', 'delivered_mamin'])
    .where('patient_id', '=', patientId)
    .where('started_at', '>=', from)
    .execute();
  return rows.map((r) => ({ ...r, delivered_mamin: Number(r.delivered_mamin) }));
}

/** Everything that must hold before a session starts; throws the first refusal. */
export async function checkEligibility(store: Store, input: EligibilityInput): Promise<Eligibility> {
  const { screening } = await screeningVerdict(store, input);
  checkFrequency(await recentSessions(store, input.patient.id, input.at), { ...input, tz: input.patient.time_zone });
  return {
    screening: {
      result: screening.result,
      reasons: screening.reasons.filter((r) => r.effect !== 'info').map((r) => `${r.item}: ${r.text}`),
    },
    precautions: screening.reasons.filter((r) => r.effect === 'precaution').map((r) => `${r.item}: ${r.text}`),
    localDate: dateOf(localDayOf(input.at.getTime(), input.patient.time_zone)),
  };
}
