import { describe, expect, it } from 'vitest';
import { protocolLibrary } from '../protocols/protocol-library.js';
import { HARD_CAPS } from './course-plan.js';
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
