import { describe, expect, it } from 'vitest';
import { findProtocol } from '../protocols/protocol-library.js';
import type { HeldSession } from './session-eligibility.js';
import { checkFrequency, wasHeld } from './session-eligibility.js';

const PALMS = findProtocol('tapwater-palms');
const AXILLAE = findProtocol('tapwater-axillae');
const held = (started_at: string, over: Partial<HeldSession> = {}): HeldSession => ({
  protocol: 'tapwater-palms',
  zone: 'palms',
  status: 'completed',
  started_at,
  delivered_mamin: 200,
  ...over,
});
const check =
  (sessions: HeldSession[], at: string, protocol = PALMS, zone = 'palms', tz = 'Europe/Berlin') =>
  () =>
    checkFrequency(sessions, { protocol, zone, at: new Date(at), tz });

describe('session frequency on the local calendar', () => {
  it("counts a day in the patient's zone: 23:30 UTC is already the next day in Berlin", () => {
    // 2026-03-28T23:30Z is 00:30 on 29 March in Berlin (CET), so a session then and one on the 28th are two days.
    expect(check([held('2026-03-28T10:00:00Z')], '2026-03-28T23:30:00Z')).not.toThrow();
    expect(check([held('2026-03-28T10:00:00Z')], '2026-03-28T22:30:00Z')).toThrow(/at most 1 session\(s\) a day/);
    // In New York the same instants fall on one day.
    expect(check([held('2026-03-28T10:00:00Z')], '2026-03-28T23:30:00Z', PALMS, 'palms', 'America/New_York')).toThrow(
      /a day/,
    );
  });

  it('allows five sessions in any seven local days, across the spring DST change', () => {
    const five = ['2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29'].map((d) =>
      held(`${d}T08:00:00Z`),
    );
    expect(check(five.slice(1), '2026-03-31T08:00:00Z')).not.toThrow();
    expect(check(five, '2026-03-31T08:00:00Z')).toThrow(/at most 5 sessions in any 7 days/);
    // Seven local days after the first, it no longer counts.
    expect(check(five, '2026-04-01T08:00:00Z')).not.toThrow();
  });

  it('counts only sessions held in the same zone, and only those that delivered current', () => {
    expect(wasHeld({ status: 'aborted', delivered_mamin: 0 })).toBe(false);
    expect(wasHeld({ status: 'interrupted', delivered_mamin: 3.2 })).toBe(true);
    expect(wasHeld({ status: 'running', delivered_mamin: 0 })).toBe(true);
    const stopped = held('2026-05-04T08:00:00Z', { status: 'aborted', delivered_mamin: 0 });
    expect(check([stopped], '2026-05-04T12:00:00Z')).not.toThrow();
    const soles = held('2026-05-04T08:00:00Z', { protocol: 'tapwater-soles', zone: 'soles' });
    expect(check([soles], '2026-05-04T12:00:00Z')).not.toThrow();
  });

  it('never puts axillae on the same local day as hands or feet (course.not_with)', () => {
    const hands = held('2026-05-04T08:00:00Z');
    expect(check([hands], '2026-05-04T15:00:00Z', AXILLAE, 'axillae')).toThrow(/never given on the same day/);
    expect(check([hands], '2026-05-05T08:00:00Z', AXILLAE, 'axillae')).not.toThrow();
  });
});

describe('caps of a diagnostic test', () => {
  const SWEAT = findProtocol('pilocarpine-sweat-test');
  const arm = (started_at: string): HeldSession => ({
    protocol: 'pilocarpine-sweat-test',
    zone: 'forearm',
    status: 'completed',
    started_at,
    delivered_mamin: 7.5,
  });

  it('lets both arms of a CF sweat test be stimulated on one day, and refuses a third stimulation', () => {
    const left = arm('2026-03-02T09:00:00Z');
    expect(check([left], '2026-03-02T09:10:00Z', SWEAT, 'forearm')).not.toThrow();
    expect(check([left, arm('2026-03-02T09:10:00Z')], '2026-03-02T09:30:00Z', SWEAT, 'forearm')).toThrow(
      /at most 2 session\(s\) a day in zone forearm \(\[47\]/,
    );
  });

  it('keeps a treatment under the hard caps whatever its protocol says', () => {
    expect(check([held('2026-03-02T09:00:00Z')], '2026-03-02T15:00:00Z')).toThrow(
      /at most 1 session\(s\) a day.*\[74\]\[D2\]/,
    );
  });
});
