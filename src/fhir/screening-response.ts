import type { QuestionnaireResponse, QuestionnaireResponseItem, Reference } from 'fhir/r4.js';
import { SCREENING_QUESTIONS } from '../clinic/screening-questionnaire.js';
import type { ScreeningReason } from '../clinic/screening.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { ScreeningRecord } from '../store/index.js';
import { CS, SCREENING_QUESTIONNAIRE_URL, SID, localCoding } from './codes.js';
import { resourceIdOf } from './bundle-links.js';
import { rowMeta } from './patient-resource.js';

const RESULT_DISPLAY: Record<string, string> = {
  allowed: 'Allowed',
  precautions: 'Allowed with precautions',
  refused: 'Refused',
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The stored reasons that have the shape the screening produces; anything else is left out, never guessed at. */
function reasonsOf(raw: unknown): ScreeningReason[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (r): r is ScreeningReason =>
      isRecord(r) &&
      typeof r.item === 'string' &&
      typeof r.text === 'string' &&
      typeof r.source === 'string' &&
      (r.effect === 'refuse' || r.effect === 'precaution' || r.effect === 'info'),
  );
}

const stringItem = (linkId: string, text: string, value: string): QuestionnaireResponseItem => ({
  linkId,
  text,
  answer: [{ valueString: value }],
});

/**
 * One stored screening as a QuestionnaireResponse to the OpenIonto screening questionnaire
 * (src/clinic/screening-questionnaire.ts: each question's linkId is the answers field): the questions and answers
 * in questionnaire order (a question without a stored answer is left out), then the protocol screened for, the
 * zone, the result, and one group per reason (item, effect, text, source).
 */
export function screeningResponse(s: ScreeningRecord, subject: Reference): QuestionnaireResponse {
  const answers = isRecord(s.answers) ? s.answers : {};
  const items: QuestionnaireResponseItem[] = [];
  for (const q of SCREENING_QUESTIONS) {
    const a = answers[q.linkId];
    if (q.type === 'boolean' && typeof a === 'boolean') {
      items.push({ linkId: q.linkId, text: q.text, answer: [{ valueBoolean: a }] });
    } else if (q.type === 'decimal' && typeof a === 'number' && Number.isFinite(a)) {
      items.push({ linkId: q.linkId, text: q.text, answer: [{ valueDecimal: a }] });
    }
  }
  const protocol = protocolLibrary().get(s.protocol);
  items.push({
    linkId: 'protocol',
    text: 'Protocol screened for',
    answer: [{ valueCoding: localCoding(CS.protocol, s.protocol, protocol?.title) }],
  });
  if (typeof answers.zone === 'string')
    items.push(stringItem('zone', 'Site the site questions were answered for', answers.zone));
  if (typeof answers.notes === 'string' && answers.notes !== '')
    items.push(stringItem('notes', 'Notes', answers.notes));
  items.push({
    linkId: 'result',
    text: 'Screening result',
    answer: [{ valueCoding: localCoding(CS.screeningResult, s.result, RESULT_DISPLAY[s.result]) }],
  });
  for (const r of reasonsOf(s.reasons)) {
    items.push({
      linkId: 'reason',
      text: 'Reason',
      item: [
        stringItem('reason.item', 'Item', r.item),
        {
          linkId: 'reason.effect',
          text: 'Effect',
          answer: [{ valueCoding: localCoding(CS.screeningEffect, r.effect) }],
        },
        stringItem('reason.text', 'Finding', r.text),
        stringItem('reason.source', 'Source', r.source),
      ],
    });
  }
  const answeredBy = typeof answers.answered_by === 'string' ? answers.answered_by : undefined;
  return {
    resourceType: 'QuestionnaireResponse',
    id: resourceIdOf('QuestionnaireResponse', s.id),
    meta: rowMeta(s),
    identifier: { system: SID.screening, value: s.id },
    questionnaire: SCREENING_QUESTIONNAIRE_URL,
    status: 'completed',
    subject,
    authored: s.answered_at,
    ...(answeredBy === undefined ? {} : { author: { display: answeredBy } }),
    item: items,
  };
}
