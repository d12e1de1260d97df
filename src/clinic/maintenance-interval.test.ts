import { describe, expect, it } from 'vitest';
import { afterMaintenanceSession, afterRelapse, initialInterval } from './maintenance-interval.js';

const bounds = { value: 14, min: 7, max: 28 };

describe('adaptive maintenance interval (treat and extend within the protocol range)', () => {
  it.each([
    // [interval, dry days before the relapse, new interval]
    [14, 10, 7],
    [14, 13, 7],
    [21, 20, 14],
    [21, 14, 7],
    [28, 22, 21],
    [28, 3, 7],
    [7, 5, 7],
    [14, 14, 14],
    [14, 30, 14],
  ])('interval %i, relapse after %i days → %i', (interval, dry, expected) => {
    const r = afterRelapse({ intervalDays: interval, dryStreak: 1 }, bounds, dry, '2025-05-01');
    expect(r.state).toEqual({ intervalDays: expected, dryStreak: 0 });
    expect(r.change === undefined).toBe(expected === interval);
    if (r.change && expected > bounds.min) expect(r.state.intervalDays).toBeLessThan(dry);
  });

  it('lengthens by a week after two dry intervals in a row, never above the maximum', () => {
    let s = initialInterval(bounds);
    const seen: number[] = [];
    for (let k = 0; k < 8; k++) {
      s = afterMaintenanceSession(s, bounds, s.intervalDays, `2025-06-0${k + 1}`).state;
      seen.push(s.intervalDays);
    }
    expect(seen).toEqual([14, 21, 21, 28, 28, 28, 28, 28]);
  });

  it('an interval without a dry record resets the streak and changes nothing', () => {
    let s = afterMaintenanceSession(initialInterval(bounds), bounds, 14, 'a').state;
    s = afterMaintenanceSession(s, bounds, undefined, 'b').state;
    expect(s).toEqual({ intervalDays: 14, dryStreak: 0 });
    expect(afterMaintenanceSession(s, bounds, 14, 'c').state).toEqual({ intervalDays: 14, dryStreak: 1 });
  });

  it('a recorded dry spell a step longer than the interval lengthens it at once', () => {
    const r = afterMaintenanceSession(initialInterval(bounds), bounds, 21, '2025-06-01');
    expect(r.change).toMatchObject({ rule: 'long-dry-spell', fromDays: 14, toDays: 21 });
  });
});
