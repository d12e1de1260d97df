import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cm2, mAmin, type MilliAmpMinute, type SquareCm } from '../units/quantities.js';
import {
  SWEAT_RESPONSE,
  UNTREATED,
  applySession,
  daysToRelapse,
  drawSweatIndividual,
  hdss,
  isEuhidrotic,
  isResponder,
  recover,
  responderRatio,
  sessionEffect,
  sessionResponse,
  sweatRateMgPerMin,
  sweatRatio,
  weightedDensity,
  type SessionDose,
  type SweatIndividual,
} from './sweat-response.js';

/** A palms session at `mA` for `min` minutes, reversed at half time, on 150 cm² per hand. */
const palms = (mA: number, min: number, waveform: 'dc' | 'pulsed' = 'dc', area = 150): SessionDose => ({
  anodalA: mAmin((mA * min) / 2),
  anodalB: mAmin((mA * min) / 2),
  areaA: cm2(area),
  areaB: cm2(area),
  waveform,
});

const median = drawSweatIndividual(null, 'palms');

describe('one session', () => {
  it('10 minutes at 15 mA do nearly what 30 minutes do; under 10 minutes fails [H6]', () => {
    const e = (min: number): number => sessionEffect('palms', palms(15, min)).A;
    expect(e(10)).toBeGreaterThan(0.85);
    expect(e(30)).toBeGreaterThan(0.99);
    expect(e(10) / e(30)).toBeGreaterThan(0.85);
    expect(e(5)).toBeLessThan(0.4);
    expect(e(2)).toBeLessThan(0.05);
  });

  it('scales with amperage below saturation [28]', () => {
    const e = (mA: number): number => sessionEffect('palms', palms(mA, 20)).A;
    expect(e(3)).toBeLessThan(e(5));
    expect(e(5)).toBeLessThan(e(8));
    expect(e(8)).toBeLessThan(e(15));
  });

  it('depends on charge density, not charge: the same charge on a smaller area acts more', () => {
    const big = sessionEffect('palms', palms(6, 10, 'dc', 200)).A;
    const small = sessionEffect('palms', palms(6, 10, 'dc', 100)).A;
    expect(small).toBeGreaterThan(big);
  });

  it('the anode side responds more than the cathode side, moderately [28][58]', () => {
    // No reversal: electrode A is the anode for the whole session.
    const oneWay = (mA: number): SessionDose => ({
      anodalA: mAmin(mA * 20),
      anodalB: mAmin(0),
      areaA: cm2(150),
      areaB: cm2(150),
      waveform: 'dc',
    });
    // Per unit charge the cathode counts 0.7 of the anode; below saturation the steep session response makes
    // that a clear difference in effect (Sato's anode > cathode [28]).
    const low = sessionEffect('palms', oneWay(3));
    expect(low.A).toBeGreaterThan(1.5 * low.B);
    // At a clinical dose both sides are near saturation: the advantage is slight [58].
    const clinical = sessionEffect('palms', oneWay(15));
    expect(clinical.A).toBeGreaterThan(clinical.B);
    expect(clinical.A / clinical.B).toBeLessThan(1.05);
    expect(weightedDensity(oneWay(15)).B / weightedDensity(oneWay(15)).A).toBeCloseTo(SWEAT_RESPONSE.cathodeWeight);
  });

  it('pulsed DC is slightly less effective than DC [58][H7]', () => {
    const dc = sessionEffect('palms', palms(15, 20, 'dc')).A;
    const pulsed = sessionEffect('palms', palms(15, 20, 'pulsed')).A;
    expect(pulsed).toBeLessThan(dc);
    expect(pulsed / dc).toBeGreaterThan(0.75);
  });

  it('the axillae respond less than palms and soles [DN][U1]', () => {
    const dose = palms(15, 20);
    expect(sessionEffect('axillae', dose).A).toBeLessThan(sessionEffect('palms', dose).A);
    expect(sessionEffect('soles', dose).A).toBe(sessionEffect('palms', dose).A);
  });

  it('e(q) rises from 0 to 1 and is ½ at q₅₀', () => {
    expect(sessionResponse(0)).toBe(0);
    expect(sessionResponse(SWEAT_RESPONSE.halfEffectDensity)).toBeCloseTo(0.5, 12);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        expect(sessionResponse(lo)).toBeLessThanOrEqual(sessionResponse(hi));
        expect(sessionResponse(hi)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('refuses a negative charge or an empty area', () => {
    expect(() => sessionEffect('palms', { ...palms(15, 20), anodalA: -1 as MilliAmpMinute })).toThrow(/anodalA/);
    expect(() => sessionEffect('palms', { ...palms(15, 20), areaB: 0 as SquareCm })).toThrow(/areas/);
    expect(() => drawSweatIndividual(1, 'face' as never)).toThrow(/no sweat response/);
  });
});

describe('the course of sweating', () => {
  it('untreated sweating is the baseline: severity × the gravimetric threshold [40][16]', () => {
    expect(sweatRatio(median, UNTREATED).zone).toBe(1);
    expect(median.baselineMgPerMin).toBeCloseTo(2.6 * 20, 12);
    expect(drawSweatIndividual(null, 'axillae').baselineMgPerMin).toBeCloseTo(2.6 * 50, 12);
    expect(sweatRateMgPerMin(median, UNTREATED)).toBe(median.baselineMgPerMin);
    expect(isEuhidrotic(median, UNTREATED)).toBe(false);
    expect(hdss(median, UNTREATED)).toBe(3);
  });

  it('falls with each session and recovers between them, exponentially with τ', () => {
    let s = UNTREATED;
    const ratios: number[] = [];
    for (const day of [0, 1, 3, 6, 9, 14, 21]) {
      s = applySession(median, s, day, palms(15, 20));
      ratios.push(sweatRatio(median, s).zone);
    }
    for (let k = 1; k < ratios.length; k++) expect(ratios[k]).toBeLessThan(ratios[k - 1]!);
    const later = recover(median, s, s.day + median.recoveryDays);
    expect(later.A / s.A).toBeCloseTo(Math.exp(-1), 12);
    expect(sweatRatio(median, later).zone).toBeGreaterThan(sweatRatio(median, s).zone);
    expect(() => recover(median, s, s.day - 1)).toThrow(/before/);
  });

  it('halves sweating at I₅₀', () => {
    const s = { day: 0, A: median.inhibitionHalf, B: median.inhibitionHalf };
    expect(sweatRatio(median, s).zone).toBeCloseTo(0.5, 12);
    expect(isResponder(median, s)).toBe(true);
  });

  it('without reversal the anode side dries first', () => {
    const oneWay: SessionDose = { ...palms(8, 20), anodalA: mAmin(160), anodalB: mAmin(0) };
    let s = UNTREATED;
    for (const day of [0, 2, 5, 7]) s = applySession(median, s, day, oneWay);
    const r = sweatRatio(median, s);
    expect(r.A).toBeLessThan(r.B);
    expect(r.zone).toBeCloseTo((r.A + r.B) / 2, 12);
  });

  it('is a pure function of its inputs: the same session twice gives the same state', () => {
    const a = applySession(median, UNTREATED, 0, palms(15, 20));
    const b = applySession(median, UNTREATED, 0, palms(15, 20));
    expect(a).toEqual(b);
  });

  it('more charge never leaves more sweating (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 10 }), mA: fc.double({ min: 0, max: 20, noNaN: true }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        (sessions, extra, seed) => {
          const ind = drawSweatIndividual(seed, 'palms');
          let lo = UNTREATED;
          let hi = UNTREATED;
          let day = 0;
          for (const x of sessions) {
            day += x.gap;
            lo = applySession(ind, lo, day, palms(x.mA, 20));
            hi = applySession(ind, hi, day, palms(x.mA + extra, 20));
          }
          const a = sweatRatio(ind, lo).zone;
          const b = sweatRatio(ind, hi).zone;
          expect(b).toBeLessThanOrEqual(a + 1e-12);
          expect(b).toBeGreaterThan(0);
          expect(a).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('outcomes', () => {
  const at = (ind: SweatIndividual, ratio: number) => {
    // Inhibition that gives this zone ratio on both sites.
    const i = ind.inhibitionHalf * Math.pow(1 / ratio - 1, 1 / SWEAT_RESPONSE.inhibitionSteepness);
    return { day: 0, A: i, B: i };
  };

  it('HDSS drops a point at 50 % and two at 80 % reduction (UNVERIFIED mapping), never below 1', () => {
    expect(hdss(median, at(median, 0.6))).toBe(3);
    expect(hdss(median, at(median, 0.49))).toBe(2);
    expect(hdss(median, at(median, 0.19))).toBe(1);
    const severe = { ...median, severity: 5, baselineMgPerMin: 100, baselineHdss: 4 as const };
    expect(hdss(severe, at(severe, 0.45))).toBe(3);
    expect(hdss(severe, at(severe, 0.15))).toBe(2);
  });

  it('a responder is HDSS 3–4 → 1–2 or a ≥ 50 % reduction; the two agree through the mapping', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (seed, r) => {
        const ind = drawSweatIndividual(seed, 'palms');
        const s = at(ind, r);
        const byHdss = hdss(ind, s) <= 2;
        const byGravimetry = 1 - sweatRatio(ind, s).zone >= 0.5;
        expect(isResponder(ind, s)).toBe(byHdss || byGravimetry);
        expect(isResponder(ind, s)).toBe(sweatRatio(ind, s).zone <= responderRatio(ind));
      }),
    );
  });

  it('normal sweating is at or below the zone threshold: palm 20, axilla 50 mg/min [40]', () => {
    const ax = drawSweatIndividual(null, 'axillae');
    expect(ax.thresholdMgPerMin).toBe(50);
    expect(isEuhidrotic(ax, at(ax, 49 / ax.baselineMgPerMin))).toBe(true);
    expect(isEuhidrotic(ax, at(ax, 51 / ax.baselineMgPerMin))).toBe(false);
    expect(isEuhidrotic(median, at(median, 19.9 / median.baselineMgPerMin))).toBe(true);
  });

  it('relapse comes when the responder criterion fails: τ·ln(I/I_c) for equal sites', () => {
    const s = at(median, 0.3);
    const rc = responderRatio(median);
    const ic = median.inhibitionHalf * Math.pow(1 / rc - 1, 1 / SWEAT_RESPONSE.inhibitionSteepness);
    const expected = median.recoveryDays * Math.log(s.A / ic);
    expect(daysToRelapse(median, s)).toBeCloseTo(expected, 1);
    expect(isResponder(median, recover(median, s, expected - 0.1))).toBe(true);
    expect(isResponder(median, recover(median, s, expected + 0.1))).toBe(false);
    expect(daysToRelapse(median, at(median, 0.9))).toBe(0);
    expect(daysToRelapse(median, at(median, 0.0001), 30)).toBe(Infinity);
  });
});

describe('variability between people', () => {
  it('is drawn once from the patient seed: same seed, same person; the zone changes only the setup', () => {
    expect(drawSweatIndividual(42, 'palms')).toEqual(drawSweatIndividual(42, 'palms'));
    const p = drawSweatIndividual(42, 'palms');
    const a = drawSweatIndividual(42, 'axillae');
    expect(a.inhibitionHalf).toBe(p.inhibitionHalf);
    expect(a.recoveryDays).toBe(p.recoveryDays);
    expect(a.severity).toBe(p.severity);
    expect(drawSweatIndividual(43, 'palms')).not.toEqual(p);
  });

  it('spreads around the stated medians, inside the stated ranges', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => drawSweatIndividual(i * 7919 + 1, 'palms'));
    const med = (f: (x: SweatIndividual) => number): number => {
      const s = xs.map(f).sort((a, b) => a - b);
      return s[s.length >> 1]!;
    };
    expect(med((x) => x.inhibitionHalf) / SWEAT_RESPONSE.inhibitionHalf).toBeCloseTo(1, 1);
    expect(med((x) => x.recoveryDays) / SWEAT_RESPONSE.recoveryDays).toBeCloseTo(1, 1);
    expect(med((x) => x.severity) / SWEAT_RESPONSE.severity).toBeCloseTo(1, 1);
    for (const x of xs) {
      expect(x.severity).toBeGreaterThanOrEqual(SWEAT_RESPONSE.severityMin);
      expect(x.severity).toBeLessThanOrEqual(SWEAT_RESPONSE.severityMax);
      expect(x.baselineHdss).toBe(x.severity >= SWEAT_RESPONSE.hdss4Severity ? 4 : 3);
    }
    const share4 = xs.filter((x) => x.baselineHdss === 4).length / xs.length;
    expect(share4).toBeGreaterThan(0.1);
    expect(share4).toBeLessThan(0.35);
  });
});
