import type { Protocol } from '../protocols/protocol-schema.js';

/** Never more than one session a day or five in any seven days in a treatment course, whatever a protocol or a user asks [74][D2]. */
export const HARD_CAPS = Object.freeze({ perDay: 1, perWeek: 5, source: '[74][D2]' });

/** How many sessions of a protocol one zone may have on one local day and in any seven local days, and why. */
export interface SessionCaps {
  readonly perDay: number;
  readonly perWeek: number;
  /** The sources of both caps together, for messages. */
  readonly source: string;
  readonly perDaySource: string;
  readonly perWeekSource: string;
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
    return {
      perDay: per_day.value,
      perWeek: per_week.value,
      source: `${per_day.source}; ${per_week.source}`,
      perDaySource: per_day.source,
      perWeekSource: per_week.source,
    };
  }
  return {
    perDay: Math.min(HARD_CAPS.perDay, per_day.value),
    perWeek: Math.min(HARD_CAPS.perWeek, per_week.value),
    source: HARD_CAPS.source,
    perDaySource: `${HARD_CAPS.source}; protocol: ${per_day.source}`,
    perWeekSource: `${HARD_CAPS.source}; protocol: ${per_week.source}`,
  };
}
