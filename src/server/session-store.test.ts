import { describe, expect, it } from 'vitest';
import { SessionStore, sameToken } from './session-store.js';

describe('server-side sessions', () => {
  it('forgets an expired session when it is presented, and sweeps the others at the next sign-in', () => {
    let t = Date.parse('2026-01-01T08:00:00Z');
    const sessions = new SessionStore(() => new Date(t), 1000);
    const a = sessions.create('u1');
    sessions.create('u2');
    expect(sessions.get(a.token)?.userId).toBe('u1');
    t += 1000;
    expect(sessions.get(a.token)).toBeUndefined();
    expect(sessions.size).toBe(1);
    sessions.create('u3');
    expect(sessions.size).toBe(1);
  });

  it('compares tokens of different lengths as unequal without throwing', () => {
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
    expect(sameToken('abc', 'abc')).toBe(true);
  });
});
