import type { ScreeningItem } from '../protocols/screening-items.js';
import { SCREENING_ITEMS, SCREENING_ITEM_IDS } from '../protocols/screening-items.js';
import type { ScreeningAnswers } from './screening-answers.js';

/**
 * The screening questionnaire as an ordered list of questions, shaped for a FHIR R4 `Questionnaire` (software.md
 * §3.1): each question's `linkId` is the field name in an answers file, so a saved answers file becomes a
 * `QuestionnaireResponse` item by item, and a positive finding can later become a `Condition` (or a `Device` for an
 * implant). The terminal questionnaire asks exactly these, in this order.
 */
export interface ScreeningQuestion {
  readonly linkId: ScreeningItem | 'age_years';
  readonly text: string;
  /** FHIR `Questionnaire.item.type`. */
  readonly type: 'boolean' | 'decimal';
  readonly required: true;
}

export const SCREENING_QUESTIONNAIRE_ID = 'openionto-contraindication-screening';

export const SCREENING_QUESTIONS: readonly ScreeningQuestion[] = [
  ...SCREENING_ITEM_IDS.map((id) => ({
    linkId: id,
    text: SCREENING_ITEMS[id],
    type: 'boolean' as const,
    required: true as const,
  })),
  { linkId: 'age_years', text: 'Age in years', type: 'decimal', required: true },
];

/** One answered question, shaped like a FHIR `QuestionnaireResponse.item`. */
export interface ScreeningResponseItem {
  readonly linkId: ScreeningQuestion['linkId'];
  readonly text: string;
  readonly answer: readonly [{ readonly valueBoolean: boolean } | { readonly valueDecimal: number }];
}

/** The answers as response items, in questionnaire order (the raw material of a `QuestionnaireResponse`). */
export function screeningResponseItems(answers: ScreeningAnswers): ScreeningResponseItem[] {
  return SCREENING_QUESTIONS.map((q) => ({
    linkId: q.linkId,
    text: q.text,
    answer: q.linkId === 'age_years' ? [{ valueDecimal: answers.age_years }] : [{ valueBoolean: answers[q.linkId] }],
  }));
}
