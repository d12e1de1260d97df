import { describe, expect, it } from 'vitest';
import { SCREENING_ITEM_IDS } from '../protocols/screening-items.js';
import {
  ageInYears,
  formatAge,
  noToEverything,
  parseScreeningAnswers,
  validateScreeningAnswers,
} from './screening-answers.js';
import { SCREENING_QUESTIONS, screeningResponseItems } from './screening-questionnaire.js';

const base = (): Record<string, unknown> => ({ ...noToEverything(35) });
const text = (doc: unknown): string => JSON.stringify(doc, null, 2);
const problem = (doc: unknown): string => {
  try {
    parseScreeningAnswers(typeof doc === 'string' ? doc : text(doc), 'answers.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};
const without = (key: string, doc = base()): Record<string, unknown> => {
  delete doc[key];
  return doc;
};

describe('parseScreeningAnswers accepts', () => {
  it('a complete file with every optional field', () => {
    const doc = {
      ...base(),
      pregnancy: true,
      age_years: 34.5,
      zone: 'palms',
      answered_at: '2025-03-01T10:30:00+01:00',
      answered_by: 'A. Jones (nurse)',
      notes: 'week 12',
    };
    expect(parseScreeningAnswers(text(doc), 'a.json')).toEqual(doc);
  });

  it('a file with only the items and the age', () => {
    expect(parseScreeningAnswers(text(base()), 'a.json')).toEqual(noToEverything(35));
  });
});

describe('parseScreeningAnswers names the file, the field and the rule', () => {
  it('a missing item: never taken as no', () =>
    expect(problem(without('pregnancy'))).toBe(
      'answers.json: "pregnancy" is missing: every item must be answered yes or no',
    ));
  it('an item answered null', () =>
    expect(problem({ ...base(), iud: null })).toBe(
      'answers.json: (line 8) "iud" is not answered (null): every item must be answered true (yes) or false (no)',
    ));
  it('an item answered with a word', () =>
    expect(problem({ ...base(), fever: 'no' })).toMatch(
      /^answers\.json: \(line \d+\) "fever" must be true \(yes\) or false \(no\), got "no"$/,
    ));
  it('a missing age', () =>
    expect(problem(without('age_years'))).toBe(
      'answers.json: "age_years" is missing: the age in years (0 to 120) is required',
    ));
  it.each([[-1], [120.5], ['35'], [null]])('an age of %j', (age) =>
    expect(problem({ ...base(), age_years: age })).toMatch(
      new RegExp(
        `"age_years" must be the age in years, a number from 0 to 120, got ${JSON.stringify(JSON.stringify(age)).slice(1, -1)}$`,
      ),
    ),
  );
  it('an unknown field, with the line and a suggestion', () =>
    expect(problem({ ...without('pacemaker'), pacemakr: false })).toMatch(
      /"pacemaker" is missing: .*; \(line 16\) unknown field "pacemakr" \(did you mean "pacemaker"\?\): the fields are/,
    ));
  it('an unknown field with nothing near', () =>
    expect(problem({ ...base(), colour: 'blue' })).toMatch(/unknown field "colour": the fields are/));
  it('every problem at once', () => {
    const m = problem({ ...without('epilepsy', without('cancer')), age_years: 300 });
    expect(m.split('; ').length).toBe(3);
    expect(m).toMatch(/"epilepsy" is missing/);
    expect(m).toMatch(/"cancer" is missing/);
    expect(m).toMatch(/"age_years" must be/);
  });
  it('a time that is not ISO 8601 with a zone', () => {
    expect(problem({ ...base(), answered_at: 'yesterday' })).toMatch(
      /"answered_at" must be an ISO 8601 date-time like "2025-03-01T09:30:00Z", got "yesterday"/,
    );
    expect(problem({ ...base(), answered_at: '2025-03-01T09:30:00' })).toMatch(/"answered_at" must be an ISO 8601/);
  });
  it('an empty name and a bad zone', () => {
    expect(problem({ ...base(), answered_by: ' ' })).toMatch(/"answered_by" must not be empty/);
    expect(problem({ ...base(), zone: 'Left Palm' })).toMatch(/"zone" must be a zone id like "palms", got "Left Palm"/);
  });
  it('not JSON', () => expect(problem('{ "pacemaker": no }')).toMatch(/^answers\.json: not valid JSON \(/));
  it('not an object', () =>
    expect(problem([base()])).toMatch(/^answers\.json: must be a JSON object like \{"pacemaker": false, …/));
  it('with the code ION_ERR_ANSWERS_INVALID and the problems in the details', () => {
    try {
      validateScreeningAnswers(without('fever'), 'x.json');
    } catch (e) {
      expect(e).toMatchObject({
        code: 'ION_ERR_ANSWERS_INVALID',
        details: { file: 'x.json', problems: [expect.any(String)] },
      });
      return;
    }
    throw new Error('accepted');
  });
});

describe('ageInYears', () => {
  it('is a whole number on a birthday and just under it the day before', () => {
    expect(ageInYears('2019-03-11', '2025-03-11')).toBe(6);
    const eve = ageInYears('2019-03-11', '2025-03-10');
    expect(eve).toBeLessThan(6);
    expect(eve).toBeCloseTo(5 + 364 / 365, 12); // 364 of the 365 days from 2024-03-11 to 2025-03-11
  });
  it('counts the fraction of the current year of life in days', () => {
    expect(ageInYears('2000-01-01', '2000-01-01')).toBe(0);
    expect(ageInYears('2001-01-01', '2001-07-02')).toBeCloseTo(182 / 365, 12);
    expect(ageInYears('1990-06-15', '2025-06-14')).toBeCloseTo(34 + 364 / 365, 12);
  });
  it('moves a 29 February birthday to 1 March in common years', () => {
    expect(ageInYears('2016-02-29', '2022-03-01')).toBe(6);
    expect(ageInYears('2016-02-29', '2022-02-28')).toBeLessThan(6);
    expect(ageInYears('2016-02-29', '2024-02-29')).toBe(8);
  });
  it('rejects impossible dates and a birth after the day', () => {
    expect(() => ageInYears('2019-02-30', '2025-01-01')).toThrow(/date of birth must be a calendar date YYYY-MM-DD/);
    expect(() => ageInYears('11/03/2019', '2025-01-01')).toThrow(/YYYY-MM-DD, got "11\/03\/2019"/);
    expect(() => ageInYears('2025-01-02', '2025-01-01')).toThrow(/is after 2025-01-01/);
  });
});

describe('formatAge', () => {
  it('truncates, never rounds up to a limit', () => {
    expect(formatAge(5.999999999)).toBe('5.99 years');
    expect(formatAge(ageInYears('2019-03-12', '2025-03-11'))).toBe('5.99 years');
    expect(formatAge(5.5)).toBe('5.50 years');
    expect(formatAge(6)).toBe('6 years');
    expect(formatAge(1)).toBe('1 year');
    expect(formatAge(0)).toBe('0 years');
    expect(formatAge(1e-7)).toBe('0.00 years');
  });
});

describe('the questionnaire', () => {
  it('asks every item, then the age, with the item ids as link ids', () => {
    expect(SCREENING_QUESTIONS.map((q) => q.linkId)).toEqual([...SCREENING_ITEM_IDS, 'age_years']);
    expect(SCREENING_QUESTIONS.every((q) => q.required && q.text.length > 3)).toBe(true);
  });
  it('turns answers into response items, one per question', () => {
    const items = screeningResponseItems({ ...noToEverything(41.5), pregnancy: true });
    expect(items).toHaveLength(SCREENING_ITEM_IDS.length + 1);
    expect(items.find((i) => i.linkId === 'pregnancy')).toEqual({
      linkId: 'pregnancy',
      text: 'Pregnant',
      answer: [{ valueBoolean: true }],
    });
    expect(items.at(-1)).toEqual({ linkId: 'age_years', text: 'Age in years', answer: [{ valueDecimal: 41.5 }] });
  });
});
