import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clinicRecord, outcomeEntrySchema } from './outcome-entry.js';
import { outcomeRecordSchema } from './outcome-records.js';

const at = fc
  .integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') })
  .map((t) => new Date(t).toISOString());
const site = fc.constantFrom('axillae', 'palms', 'soles', 'face');
const entry = fc.oneof(
  fc.record({ kind: fc.constant('hdss'), at, score: fc.constantFrom(1, 2, 3, 4) }),
  fc.record(
    {
      kind: fc.constant('gravimetry'),
      at,
      site,
      mg: fc.double({ min: 0, max: 1e4, noNaN: true }),
      minutes: fc.double({ min: 0.1, max: 60, noNaN: true }),
      method: fc.constantFrom('filter paper', 'bag'),
    },
    { requiredKeys: ['kind', 'at', 'site', 'mg', 'minutes'] },
  ),
  fc.record(
    {
      kind: fc.constant('minor'),
      at,
      site,
      grade: fc.constantFrom(0, 1, 2, 3, 4, 5),
      area_cm2: fc.double({ min: 1, max: 500, noNaN: true }),
    },
    { requiredKeys: ['kind', 'at', 'site', 'grade'] },
  ),
  fc.record({ kind: fc.constant('diary'), date: at.map((s) => s.slice(0, 10)), dry: fc.boolean() }),
);

describe('outcome entries', () => {
  it('every valid entry parses, and the rules read it without the method and area', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const parsed = outcomeEntrySchema.parse(e);
        const r = clinicRecord(parsed);
        expect(outcomeRecordSchema.safeParse(r).success).toBe(true);
        expect(r).not.toHaveProperty('method');
        expect(r).not.toHaveProperty('area_cm2');
        expect({
          ...r,
          ...('method' in e ? { method: e.method } : {}),
          ...('area_cm2' in e ? { area_cm2: e.area_cm2 } : {}),
        }).toEqual(parsed);
      }),
    );
  });

  it('never accepts anything else silently: arbitrary JSON fails with an issue, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = outcomeEntrySchema.safeParse(v);
        if (r.success) expect(outcomeRecordSchema.safeParse(clinicRecord(r.data)).success).toBe(true);
      }),
    );
  });

  it('a method belongs to gravimetry and an area to the Minor test only', () => {
    expect(
      outcomeEntrySchema.safeParse({ kind: 'hdss', at: '2026-03-01T10:00:00Z', score: 2, method: 'x' }).success,
    ).toBe(false);
    expect(
      outcomeEntrySchema.safeParse({
        kind: 'gravimetry',
        at: '2026-03-01T10:00:00Z',
        site: 'palms',
        mg: 1,
        minutes: 5,
        area_cm2: 3,
      }).success,
    ).toBe(false);
  });
});
