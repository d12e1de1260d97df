import { describe, expect, it } from 'vitest';
import {
  CLINIC_DAYS,
  INDUCTION_TEMPLATES,
  capViolation,
  inductionDays,
  isInductionTemplate,
} from './course-template.js';

describe('induction templates', () => {
  it('places the clinic course on days 1, 2, 4, 7, 10, 15 and 22 ([73])', () => {
    expect(inductionDays('clinic', 7).map((d) => d + 1)).toEqual([1, 2, 4, 7, 10, 15, 22]);
    expect(inductionDays('clinic', 9)).toEqual([...CLINIC_DAYS, 28, 35]);
  });

  it('alternates two and three days for every-2-3-days', () => {
    expect(inductionDays('every-2-3-days', 6)).toEqual([0, 2, 5, 7, 10, 12]);
  });

  it('treats daily at most five days in seven', () => {
    const days = inductionDays('daily', 12);
    expect(days).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15]);
    expect(capViolation(days, 1, 5)).toBeUndefined();
  });

  it('keeps every template within one a day and five a week', () => {
    for (const t of INDUCTION_TEMPLATES) {
      expect(capViolation(inductionDays(t, 20), 1, 5), t).toBeUndefined();
    }
  });

  it('finds the first day that breaks a cap', () => {
    expect(capViolation([0, 1, 2, 3, 4, 5], 1, 5)).toBe(5);
    expect(capViolation([0, 3, 3], 1, 5)).toBe(3);
  });
});

describe('weekly, twice-weekly and fortnightly templates', () => {
  it('places a weekly course every 7 days ([89])', () => {
    expect(inductionDays('weekly', 4)).toEqual([0, 7, 14, 21]);
  });

  it('places a twice-weekly course alternately 3 and 4 days apart, two in every week ([122])', () => {
    const days = inductionDays('twice-weekly', 6);
    expect(days).toEqual([0, 3, 7, 10, 14, 17]);
    expect(capViolation(days, 1, 2)).toBeUndefined();
    expect(capViolation(days, 1, 1)).toBe(3);
  });

  it('places a fortnightly course every 14 days ([120])', () => {
    expect(inductionDays('fortnightly', 4)).toEqual([0, 14, 28, 42]);
  });

  it('lists every template, and knows which names are templates', () => {
    expect(INDUCTION_TEMPLATES).toEqual([
      'clinic',
      'every-2-3-days',
      'daily',
      'weekly',
      'twice-weekly',
      'fortnightly',
      'single',
    ]);
    expect(isInductionTemplate('weekly')).toBe(true);
    expect(isInductionTemplate('monthly')).toBe(false);
  });
});
