import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SENSATIONS, SKIN_FINDINGS, assessTolerance, toleranceEntrySchema } from './tolerance.js';
import type { ToleranceEntry } from './tolerance.js';

const entry = (over: Partial<ToleranceEntry> = {}): ToleranceEntry =>
  toleranceEntrySchema.parse({ sensation: 'tingling', discomfort: 1, findings: [], ...over });
const codes = (e: ToleranceEntry, max?: number) => assessTolerance(e, max).advice.map((a) => a.code);

describe('tolerance entry', () => {
  it('defaults engine events to none and refuses a finding listed twice', () => {
    expect(entry().engine_events).toEqual([]);
    const r = toleranceEntrySchema.safeParse({ sensation: 'none', discomfort: 0, findings: ['redness', 'redness'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['findings']);
  });

  it('refuses a discomfort outside 0–10, an unknown finding and a malformed engine code', () => {
    for (const bad of [
      { sensation: 'none', discomfort: 11, findings: [] },
      { sensation: 'none', discomfort: 2.5, findings: [] },
      { sensation: 'none', discomfort: 0, findings: ['itch'] },
      { sensation: 'none', discomfort: 0, findings: [], engine_events: ['pause'] },
      { sensation: 'numb', discomfort: 0, findings: [] },
      { sensation: 'none', discomfort: 0, findings: [], extra: 1 },
    ]) {
      expect(toleranceEntrySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('assessTolerance', () => {
  it('stops the course and asks for review after a burn', () => {
    const a = assessTolerance(entry({ findings: ['burn'] }));
    expect(a).toMatchObject({ stopCourse: true, reviewRequired: true, comfortable: false });
    expect(a.advice.map((x) => x.code)).toEqual(['stop-course', 'clinician-review']);
    expect(a.advice[0]!.source).toMatch(/\[U3\]\[U4\]/);
  });

  it('stops the course and asks for review after vesicles (blisters)', () => {
    const a = assessTolerance(entry({ sensation: 'none', discomfort: 0, findings: ['vesicles'] }));
    expect(a.stopCourse).toBe(true);
    expect(a.advice[0]!.text).toMatch(/^Blisters/);
    expect(a.advice[0]!.source).toMatch(/\[F5\]\[U2\]/);
  });

  it('suggests a moisturiser for dryness and still counts the session comfortable', () => {
    const a = assessTolerance(entry({ findings: ['dryness'] }));
    expect(a.advice.map((x) => x.code)).toEqual(['moisturiser']);
    expect(a.comfortable).toBe(true);
  });

  it('suggests petroleum jelly at the waterline for waterline irritation, and does not step up on it', () => {
    const a = assessTolerance(entry({ findings: ['waterline-irritation'] }));
    expect(a.advice.map((x) => x.code)).toEqual(['petroleum-jelly-waterline']);
    expect(a).toMatchObject({ comfortable: false, uncomfortable: false, stopCourse: false });
  });

  it('asks for a lower current after redness, pain, or discomfort above the threshold', () => {
    expect(codes(entry({ findings: ['redness'] }))).toContain('lower-current');
    expect(codes(entry({ sensation: 'pain', discomfort: 2 }))).toContain('lower-current');
    expect(codes(entry({ sensation: 'discomfort', discomfort: 4 }))).toContain('lower-current');
    expect(codes(entry({ sensation: 'discomfort', discomfort: 4 }), 5)).not.toContain('lower-current');
    expect(assessTolerance(entry({ sensation: 'discomfort', discomfort: 3 })).uncomfortable).toBe(false);
  });

  it('asks for the electrodes to be checked after an engine fault, and for the contact after two contact losses', () => {
    expect(codes(entry({ engine_events: ['ION_ERR_SHORT_CIRCUIT'] }))).toEqual(['check-electrodes']);
    expect(codes(entry({ engine_events: ['ION_ERR_OPEN_CIRCUIT', 'ION_EVT_PAUSE'] }))).toEqual([]);
    expect(
      codes(
        entry({ engine_events: ['ION_ERR_OPEN_CIRCUIT', 'ION_EVT_PAUSE', 'ION_ERR_OPEN_CIRCUIT', 'ION_EVT_PAUSE'] }),
      ),
    ).toEqual(['check-contact']);
    // A warning (compliance) is not a fault.
    expect(codes(entry({ engine_events: ['ION_ERR_COMPLIANCE'] }))).toEqual([]);
  });

  it('does not count a session with a pause the contact does not explain as comfortable', () => {
    expect(assessTolerance(entry({ engine_events: ['ION_EVT_PAUSE'] })).comfortable).toBe(false);
    expect(assessTolerance(entry({ engine_events: ['ION_ERR_OPEN_CIRCUIT', 'ION_EVT_PAUSE'] })).comfortable).toBe(true);
  });

  it('property: comfortable and uncomfortable never both hold; a burn or vesicles always stop the course', () => {
    const arb = fc.record({
      sensation: fc.constantFrom(...SENSATIONS),
      discomfort: fc.integer({ min: 0, max: 10 }),
      findings: fc.uniqueArray(fc.constantFrom(...SKIN_FINDINGS), { maxLength: 5 }),
      engine_events: fc.array(fc.constantFrom('ION_EVT_PAUSE', 'ION_ERR_OPEN_CIRCUIT', 'ION_ERR_MISMATCH'), {
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 9 }), (raw, max) => {
        const e = toleranceEntrySchema.parse(raw);
        const a = assessTolerance(e, max);
        expect(a.comfortable && a.uncomfortable).toBe(false);
        const stop = e.findings.includes('burn') || e.findings.includes('vesicles');
        expect(a.stopCourse).toBe(stop);
        if (stop) expect(a.comfortable || a.uncomfortable).toBe(false);
        if (a.comfortable) expect(e.discomfort).toBeLessThanOrEqual(max);
        if (e.discomfort > max && !stop) expect(a.uncomfortable).toBe(true);
      }),
    );
  });
});
