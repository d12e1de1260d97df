import type { ErrorCode } from '../errors/catalogue.js';
import { IontoError } from '../errors/catalogue.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { ScreeningItem } from '../protocols/screening-items.js';
import { SCREENING_ITEMS, SCREENING_ITEM_IDS } from '../protocols/screening-items.js';
import type { ScreeningAnswers } from './screening-answers.js';
import { SITE_ITEMS, formatAge } from './screening-answers.js';

/**
 * Contraindication screening: a pure function of a protocol, a patient's answers and the chosen zone and mode.
 *
 * Like AndroidAPS's `Constraint` (software.md §1), the result starts at `allowed` and every rule can only tighten it
 * (allowed → precautions → refused), recording why and on what source. Nothing clinical is hard-coded here: the
 * contraindications and age limits come from the protocol as written (clinical.md §4, devices.md §6).
 *
 * The rules, in order:
 * 1. Unanswered item or age (answers not checked by the schema): refuse. Never taken as "no" (fail safe).
 * 2. Age under `age.min_years`: refuse. The age is compared exactly (5.99 is under 6; exactly 6 is not).
 * 3. Age under `age.pulsed_recommended_under_years`: a precaution recommending the pulsed mode when the chosen
 *    mode is DC, or a plain precaution when the protocol has no pulsed mode; a note when the pulsed mode is chosen.
 * 4. Each of the protocol's `contraindications` answered yes: its effect (refuse or precaution) as written.
 * 5. Site items answered for another zone than the one screened: a precaution (ask them again for this site).
 * 6. An item answered yes that the protocol does not list (breastfeeding for tap water, an IUD for a hand tray):
 *    a note only; it does not change the result.
 */

export type ScreeningResult = 'allowed' | 'precautions' | 'refused';

/** `info` reasons are notes for the record; they never change the result. */
export type ReasonEffect = 'refuse' | 'precaution' | 'info';

export interface ScreeningReason {
  /** The screening item, or `age`, or `zone` (site answers given for another site). */
  readonly item: ScreeningItem | 'age' | 'zone';
  readonly effect: ReasonEffect;
  /** For people: the question and what it means for this protocol. */
  readonly text: string;
  /** Reference keys or a design rationale, as in the protocol. */
  readonly source: string;
}

export interface Screening {
  readonly protocolId: string;
  readonly protocolTitle: string;
  readonly zone: string;
  readonly mode: string;
  readonly ageYears: number;
  readonly result: ScreeningResult;
  /** Refusals first, then precautions, then notes; within each, in the order of the rules above. */
  readonly reasons: readonly ScreeningReason[];
  readonly answeredAt?: string;
  readonly answeredBy?: string;
}

export interface ScreenOptions {
  /** Zone to be treated; default: the answers' zone when the protocol has it, else the protocol's default zone. */
  readonly zone?: string | undefined;
  /** Mode to be used; default: the protocol's default mode (what a session would run). */
  readonly mode?: string | undefined;
}

const RANK: Record<ReasonEffect, number> = { info: 0, precaution: 1, refuse: 2 };
const RESULT: readonly ScreeningResult[] = ['allowed', 'precautions', 'refused'];

/** Screen one protocol. Throws for a zone or mode the protocol does not have (a usage error, not a finding). */
export function screen(protocol: Protocol, answers: ScreeningAnswers, options: ScreenOptions = {}): Screening {
  const zone =
    options.zone ??
    (answers.zone !== undefined && Object.hasOwn(protocol.zones, answers.zone) ? answers.zone : protocol.default_zone);
  if (!Object.hasOwn(protocol.zones, zone)) {
    throw new IontoError(
      'ION_ERR_UNKNOWN_ZONE',
      `protocol ${protocol.id} has no zone "${zone}"; zones: ${Object.keys(protocol.zones).join(', ')}`,
      { zone },
    );
  }
  const modeId = options.mode ?? protocol.default_mode;
  const mode = Object.hasOwn(protocol.modes, modeId) ? protocol.modes[modeId] : undefined;
  if (!mode) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `protocol ${protocol.id} has no mode "${modeId}"; modes: ${Object.keys(protocol.modes).join(', ')}`,
      { field: 'mode' },
    );
  }

  const reasons: ScreeningReason[] = [];
  const add = (r: ScreeningReason): void => void reasons.push(r);
  const FAIL_SAFE = 'design: an unanswered question is never taken as "no" (fail safe, DESIGN.md rule 5)';

  // 1. Unanswered: the type says every item is there, but answers may come from anywhere at run time.
  const answer = (item: ScreeningItem): boolean | undefined => {
    const a: unknown = (answers as Record<string, unknown>)[item];
    return typeof a === 'boolean' ? a : undefined;
  };
  for (const item of SCREENING_ITEM_IDS) {
    if (answer(item) === undefined) {
      add({ item, effect: 'refuse', text: `${SCREENING_ITEMS[item]}: not answered`, source: FAIL_SAFE });
    }
  }
  const age: unknown = answers.age_years;
  const ageKnown = typeof age === 'number' && Number.isFinite(age) && age >= 0;

  // 2–3. Age.
  if (!ageKnown) {
    add({ item: 'age', effect: 'refuse', text: 'age not answered', source: FAIL_SAFE });
  } else if (age < protocol.age.min_years.value) {
    add({
      item: 'age',
      effect: 'refuse',
      text: `age ${formatAge(age)} is under the minimum of ${formatAge(protocol.age.min_years.value)} for this protocol`,
      source: protocol.age.min_years.source,
    });
  } else if (protocol.age.pulsed_recommended_under_years && age < protocol.age.pulsed_recommended_under_years.value) {
    const limit = formatAge(protocol.age.pulsed_recommended_under_years.value);
    const pulsed = Object.entries(protocol.modes).filter(([, m]) => m.waveform.kind === 'pulsed');
    const source = protocol.age.pulsed_recommended_under_years.source;
    if (mode.waveform.kind === 'pulsed') {
      add({ item: 'age', effect: 'info', text: `under ${limit}: pulsed mode "${modeId}", as recommended`, source });
    } else if (pulsed.length > 0) {
      const names = pulsed.map(([id]) => `"${id}"`).join(' or ');
      add({
        item: 'age',
        effect: 'precaution',
        text: `under ${limit}: the pulsed mode is recommended; mode "${modeId}" is direct current, choose ${names}`,
        source,
      });
    } else {
      add({
        item: 'age',
        effect: 'precaution',
        text: `under ${limit}: pulsed current is recommended, and this protocol has none; lower the current and watch the skin closely`,
        source,
      });
    }
  }

  // 4. The protocol's contraindications, as written.
  const listed = new Set<string>();
  for (const c of protocol.contraindications) {
    const item = c.item as ScreeningItem;
    listed.add(item);
    if (answer(item) === true) {
      add({ item, effect: c.effect, text: `${SCREENING_ITEMS[item]}: ${c.note}`, source: c.source });
    }
  }

  // 5. Site answers given for another site.
  if (answers.zone !== undefined && answers.zone !== zone) {
    const items = SITE_ITEMS.filter((i) => listed.has(i));
    if (items.length > 0) {
      add({
        item: 'zone',
        effect: 'precaution',
        text:
          `the site questions (${items.join(', ')}) were answered for "${answers.zone}", not "${zone}": ` +
          `ask them again for ${zone} before treating`,
        source: 'design: an answer about a site holds only for the site it was given for',
      });
    }
  }

  // 6. Yes to an item this protocol does not list: recorded, not counted.
  for (const item of SCREENING_ITEM_IDS) {
    if (answer(item) === true && !listed.has(item)) {
      add({
        item,
        effect: 'info',
        text: `${SCREENING_ITEMS[item]}: answered yes; not a contraindication of this protocol`,
        source: `protocol ${protocol.id}: not among its contraindications`,
      });
    }
  }

  const ordered = reasons
    .map((r, i) => ({ r, i }))
    .sort((a, b) => RANK[b.r.effect] - RANK[a.r.effect] || a.i - b.i)
    .map((x) => x.r);
  const worst = ordered.reduce((m, r) => Math.max(m, RANK[r.effect]), 0);
  return {
    protocolId: protocol.id,
    protocolTitle: protocol.title,
    zone,
    mode: modeId,
    ageYears: ageKnown ? age : NaN,
    result: RESULT[worst]!,
    reasons: ordered,
    ...(answers.answered_at !== undefined ? { answeredAt: answers.answered_at } : {}),
    ...(answers.answered_by !== undefined ? { answeredBy: answers.answered_by } : {}),
  };
}

/**
 * Screen every protocol (by default the built-in library), in the protocols' order, each in its default mode and in
 * the answers' zone where it has it (else its default zone): the summary of a clinic's intake page.
 */
export function screenAll(
  answers: ScreeningAnswers,
  protocols: Iterable<Protocol> = protocolLibrary().values(),
): Screening[] {
  return [...protocols].map((p) => screen(p, answers));
}

/** The reasons of the given effects (by default the refusals) in one line: `item: text [source]; …`. */
export const reasonSummary = (s: Screening, effects: readonly ReasonEffect[] = ['refuse']): string =>
  s.reasons
    .filter((r) => effects.includes(r.effect))
    .map((r) => `${r.item}: ${r.text} [${r.source}]`)
    .join('; ');

/** The code a refusal is thrown with. */
export const SCREENING_REFUSED_CODE: ErrorCode = 'ION_ERR_CONTRAINDICATED';

/**
 * For `ionto run` and the plan compiler: return the screening if treatment may go on (allowed, or with precautions),
 * and throw an IontoError listing every refusal with its source if it was refused.
 */
export function assertNotRefused(s: Screening): Screening {
  if (s.result !== 'refused') return s;
  throw new IontoError(SCREENING_REFUSED_CODE, `screening refused ${s.protocolId} (${s.zone}): ${reasonSummary(s)}`, {
    screening: 'refused',
    protocolId: s.protocolId,
    zone: s.zone,
    reasons: s.reasons,
  });
}
