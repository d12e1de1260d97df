import type { Protocol } from '../protocols/protocol-schema.js';
import { HARD_CAPS } from './course-plan.js';

/** How many sessions of a protocol one zone may have on one local day and in any seven local days, and why. */
export interface SessionCaps {
  readonly perDay: number;
  readonly perWeek: number;
  readonly source: string;
}

/**
 * The caps a session must keep to. A treatment course never goes above the hard caps of hyperhidrosis treatment
 * (1 a day, 5 a week [74][D2]), whatever a protocol says. A diagnostic test is not a course: its protocol's own caps
 * hold, each with its source — the CF sweat test stimulates both arms on one day [47] and may be repeated after a
 * QNS sample [97].
 */
export function sessionCaps(protocol: Protocol): SessionCaps {
  const { per_day, per_week } = protocol.course.caps;
  if (protocol.use === 'diagnostic') {
    return { perDay: per_day.value, perWeek: per_week.value, source: `${per_day.source}; ${per_week.source}` };
  }
  return {
    perDay: Math.min(HARD_CAPS.perDay, per_day.value),
    perWeek: Math.min(HARD_CAPS.perWeek, per_week.value),
    source: HARD_CAPS.source,
  };
}
