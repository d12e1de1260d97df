import type { ResponderStatus } from './outcomes.js';

/**
 * Which rule decided a responder status (outcomes.ts, `responderStatus`): the HDSS rule (baseline 3–4, follow-up
 * 1–2 [90][91]), the gravimetric rule (≥ 50 % below baseline at a site), or, when neither could be applied, what is
 * missing. A status decided by several rules lists each.
 */
export interface DecidingRule {
  readonly rule: 'hdss-responder' | 'gravimetric-responder';
  /** The site, for gravimetry. */
  readonly site?: string;
  readonly status: 'responder' | 'non-responder';
  readonly basis: string;
}

export interface ResponderDecision {
  readonly status: ResponderStatus['overall'];
  readonly decidedBy: readonly DecidingRule[];
  /** Why the status could not be evaluated, for 'not-evaluable'. */
  readonly missing?: string;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
const rate = (x: number) => `${Number(x.toFixed(1))} mg/min`;

export function responderDecision(s: ResponderStatus): ResponderDecision {
  const rules: DecidingRule[] = [];
  const h = s.hdss;
  if ((h.status === 'responder' || h.status === 'non-responder') && h.baseline && h.latest) {
    rules.push({
      rule: 'hdss-responder',
      status: h.status,
      basis:
        `HDSS ${h.baseline.score} → ${h.latest.score}` +
        (h.status === 'responder' ? ' (severe at baseline, 1–2 at follow-up)' : ' (still 3–4 at follow-up)') +
        (h.grade ? `; drop graded ${h.grade} [87]` : ''),
    });
  }
  for (const g of s.gravimetry) {
    if ((g.status === 'responder' || g.status === 'non-responder') && g.reduction !== undefined) {
      rules.push({
        rule: 'gravimetric-responder',
        site: g.site,
        status: g.status,
        basis:
          `${g.site}: ${rate(g.baselineMgPerMin!)} → ${rate(g.latestMgPerMin!)}, ${pct(g.reduction)} below baseline ` +
          `(${g.status === 'responder' ? 'at least' : 'less than'} 50 %)`,
      });
    }
  }
  if (s.overall === 'not-evaluable') {
    const missing =
      h.status === 'not-applicable'
        ? `HDSS ${h.baseline?.score ?? ''} at baseline is not severe, and no gravimetry pair before and after the first session`
        : 'no HDSS or gravimetry both on or before the first session and after it';
    return { status: 'not-evaluable', decidedBy: [], missing };
  }
  return { status: s.overall, decidedBy: rules.filter((r) => r.status === s.overall) };
}
