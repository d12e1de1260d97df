import type { ErrorCode } from '../errors/catalogue.js';
import type { Millisecond } from '../units/quantities.js';

/** Who raised an event. */
export type EventSource = 'engine' | 'supervisor' | 'device' | 'runner' | 'operator';

/** Something that happened during a session, with a catalogue code and a reason a person can read. */
export interface SessionEvent {
  /** Session time (milliseconds since the session started). */
  readonly t: Millisecond;
  readonly code: ErrorCode;
  readonly message: string;
  readonly source: EventSource;
}

/** Shared empty list so that a quiet step allocates nothing. */
export const NO_EVENTS: readonly SessionEvent[] = Object.freeze([]);
