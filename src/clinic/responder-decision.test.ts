import { describe, expect, it } from 'vitest';
import type { OutcomeRecord } from './outcome-records.js';
import { responderStatus } from './outcomes.js';
import { responderDecision } from './responder-decision.js';

const scope = { tz: 'Europe/Berlin', start: '2026-03-02', now: '2026-04-01T00:00:00Z' };
const hdss = (at: string, score: 1 | 2 | 3 | 4): OutcomeRecord => ({ kind: 'hdss', at, score });
const grav = (at: string, mg: number): OutcomeRecord => ({ kind: 'gravimetry', at, site: 'palms', mg, minutes: 5 });
const decide = (records: OutcomeRecord[]) => responderDecision(responderStatus(records, scope));

describe('which rule decided the responder status', () => {
  it('HDSS alone: severe at baseline, 1–2 after', () => {
    const d = decide([hdss('2026-03-01T10:00:00Z', 3), hdss('2026-03-20T10:00:00Z', 1)]);
    expect(d).toEqual({
      status: 'responder',
      decidedBy: [
        {
          rule: 'hdss-responder',
          status: 'responder',
          basis: 'HDSS 3 → 1 (severe at baseline, 1–2 at follow-up); drop graded excellent [87]',
        },
      ],
    });
  });

  it('gravimetry decides when HDSS cannot (baseline HDSS 2 is not severe), and HDSS is not listed', () => {
    const d = decide([
      hdss('2026-03-01T10:00:00Z', 2),
      grav('2026-03-01T10:00:00Z', 200),
      hdss('2026-03-20T10:00:00Z', 1),
      grav('2026-03-20T10:00:00Z', 100),
    ]);
    expect(d.status).toBe('responder');
    expect(d.decidedBy).toEqual([
      {
        rule: 'gravimetric-responder',
        site: 'palms',
        status: 'responder',
        basis: 'palms: 40 mg/min → 20 mg/min, 50 % below baseline (at least 50 %)',
      },
    ]);
  });

  it('a responder by one rule is a responder even when the other says no; only the deciding rule is named', () => {
    const d = decide([
      hdss('2026-03-01T10:00:00Z', 4),
      grav('2026-03-01T10:00:00Z', 200),
      hdss('2026-03-20T10:00:00Z', 3),
      grav('2026-03-20T10:00:00Z', 50),
    ]);
    expect(d.status).toBe('responder');
    expect(d.decidedBy.map((r) => r.rule)).toEqual(['gravimetric-responder']);
  });

  it('non-responder names every rule that said no; not-evaluable says what is missing', () => {
    const no = decide([hdss('2026-03-01T10:00:00Z', 4), hdss('2026-03-20T10:00:00Z', 3)]);
    expect(no).toMatchObject({
      status: 'non-responder',
      decidedBy: [{ rule: 'hdss-responder', status: 'non-responder' }],
    });
    expect(no.decidedBy[0]!.basis).toBe('HDSS 4 → 3 (still 3–4 at follow-up); drop graded good [87]');
    const none = decide([hdss('2026-03-20T10:00:00Z', 3)]);
    expect(none).toMatchObject({ status: 'not-evaluable', decidedBy: [] });
    expect(none.missing).toMatch(/no HDSS or gravimetry/);
    const mild = decide([hdss('2026-03-01T10:00:00Z', 2), hdss('2026-03-20T10:00:00Z', 1)]);
    expect(mild.missing).toMatch(/HDSS 2 at baseline is not severe/);
  });
});
