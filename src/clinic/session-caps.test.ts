import { describe, expect, it } from 'vitest';
import { protocolLibrary } from '../protocols/protocol-library.js';
import { planCourse } from './course-plan.js';
import { HARD_CAPS } from './session-caps.js';
import { sessionCaps } from './session-caps.js';

describe('session caps', () => {
  it('never lets a treatment protocol above the hard caps of 1 a day and 5 a week', () => {
    for (const p of protocolLibrary().values()) {
      if (p.use === 'diagnostic') continue;
      const caps = sessionCaps(p);
      expect(caps.perDay, p.id).toBeLessThanOrEqual(HARD_CAPS.perDay);
      expect(caps.perWeek, p.id).toBeLessThanOrEqual(HARD_CAPS.perWeek);
    }
  });

  it("gives a diagnostic test its protocol's own sourced caps: two sweat-test stimulations a day", () => {
    const caps = sessionCaps(protocolLibrary().get('pilocarpine-sweat-test')!);
    expect(caps).toMatchObject({ perDay: 2, perWeek: 4 });
    expect(caps.source).toContain('[47]');
  });
});

describe('caps in the course planner', () => {
  const rulesOf = (id: string) =>
    planCourse({ protocol: protocolLibrary().get(id)!, start: '2026-03-02', tz: 'Europe/Berlin' }).rules;

  it("cites a diagnostic test's own caps and the hard caps for a treatment", () => {
    expect(rulesOf('pilocarpine-sweat-test').find((r) => r.id === 'per-day')).toMatchObject({
      text: 'at most 2 session a day',
      source: expect.stringContaining('[47]'),
    });
    expect(rulesOf('tapwater-palms').find((r) => r.id === 'per-day')).toMatchObject({
      text: 'at most 1 session a day',
      source: expect.stringMatching(/^\[74\]\[D2\]; protocol: /),
    });
  });
});
