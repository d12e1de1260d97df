import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import type { SessionReport } from '../engine/session-runner.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import type { Actor, CollectionMethod, StimulationSession, SweatSide, SweatTestState } from './sweat-test.js';
import {
  assessEligibility,
  collectionMinutesLeft,
  interpretChloride,
  isQns,
  linkStimulation,
  orderSweatTest,
  recordCollection,
  recordResult,
  recordSample,
  reportedResults,
  INFANT_RULES,
  SWEAT_RULES,
  SWEAT_TEST_PROTOCOL_ID,
  sweatTestScreeningItems,
  verifySweatTest,
} from './sweat-test.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const at = (min: number, user = 'u-nurse'): Actor => ({ user_id: user, at: new Date(T0 + min * 60_000) });
const PATIENT = 'p1';
const child = { birth_date: '2016-05-10', time_zone: 'Europe/Berlin' };
const noAnswers = () => Object.fromEntries(sweatTestScreeningItems().map((i) => [i, false]));

let report: SessionReport;
beforeAll(() => {
  const s = prepareSimulatedSession({ protocol: findProtocol(SWEAT_TEST_PROTOCOL_ID), choices: {}, seed: 7 });
  report = s.run.runToEnd();
});

/** A session row as the store holds it, with the engine's real report; starting `startMin` after T0. */
function session(id: string, startMin: number, patch: Partial<StimulationSession> = {}): StimulationSession {
  return {
    id,
    patient_id: PATIENT,
    protocol: SWEAT_TEST_PROTOCOL_ID,
    zone: 'forearm',
    status: 'completed',
    started_at: new Date(T0 + startMin * 60_000).toISOString(),
    ended_at: new Date(T0 + startMin * 60_000 + report.duration_s * 1000).toISOString(),
    delivered_mamin: report.delivered_mAmin,
    report,
    ...patch,
  };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isIontoError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

const eligible = (): SweatTestState =>
  assessEligibility(orderSweatTest({}, at(0)), { weight_kg: 30, answers: noAnswers() }, child, at(1));

function stimulated(): SweatTestState {
  let s = eligible();
  s = linkStimulation(
    s,
    { side: 'left', session: session('s-left', 2), patient_id: PATIENT, linkedElsewhere: false },
    at(10),
  );
  s = linkStimulation(
    s,
    { side: 'right', session: session('s-right', 3), patient_id: PATIENT, linkedElsewhere: false },
    at(10),
  );
  return s;
}

function sampled(method: CollectionMethod, left: number, right: number): SweatTestState {
  let s = stimulated();
  for (const [side, amount] of [
    ['left', left],
    ['right', right],
  ] as const) {
    s = recordCollection(
      s,
      { side, method, started_at: at(10).at.toISOString(), ended_at: at(35).at.toISOString() },
      at(36),
    );
    s = recordSample(s, { side, ...(method === 'macroduct' ? { volume_ul: amount } : { weight_mg: amount }) }, at(37));
  }
  return s;
}

describe('order and eligibility', () => {
  it('an order starts with both sides pending and no eligibility', () => {
    const s = orderSweatTest({ indication: 'positive newborn screen' }, at(0));
    expect(s.status).toBe('ordered');
    expect(s.data.sides.left.status).toBe('pending');
    expect(s.data.eligibility).toBeNull();
  });

  it('a child without contraindications is eligible; the test is in progress', () => {
    const s = eligible();
    expect(s.status).toBe('in_progress');
    expect(s.data.eligibility?.result).toBe('eligible');
  });

  it('an infant of 9 days is refused, of 10 days accepted (protocol minimum age, [47])', () => {
    const born = '2026-02-20'; // 2026-03-02 in Berlin is day 10
    const ok = assessEligibility(
      orderSweatTest({}, at(0)),
      { weight_kg: 3.1, gestational_age_at_birth_weeks: 39, answers: noAnswers() },
      { birth_date: born, time_zone: 'Europe/Berlin' },
      at(1),
    );
    expect(ok.data.eligibility?.age_days).toBe(10);
    expect(ok.status).toBe('in_progress');
    const young = assessEligibility(
      orderSweatTest({}, at(0)),
      { weight_kg: 3.1, gestational_age_at_birth_weeks: 39, answers: noAnswers() },
      { birth_date: '2026-02-21', time_zone: 'Europe/Berlin' },
      at(1),
    );
    expect(young.status).toBe('ineligible');
    expect(young.data.eligibility?.reasons[0]?.item).toBe('age');
    expect(young.data.eligibility?.reasons[0]?.text).toBe('age 9 days is under the minimum of 10 days for this test');
  });

  it('weight must be above 2 kg: exactly 2 kg is refused, 2.01 kg accepted', () => {
    const infant = { birth_date: '2026-01-01', time_zone: 'UTC' };
    const run = (w: number) =>
      assessEligibility(
        orderSweatTest({}, at(0)),
        { weight_kg: w, gestational_age_at_birth_weeks: 38, answers: noAnswers() },
        infant,
        at(1),
      );
    expect(run(2).status).toBe('ineligible');
    expect(run(2).data.eligibility?.reasons.map((r) => r.item)).toContain('weight');
    expect(run(2.01).status).toBe('in_progress');
  });

  it('an infant under 36 weeks corrected gestational age is refused; the corrected age is derived', () => {
    const infant = { birth_date: '2026-02-16', time_zone: 'UTC' }; // 14 days old on 2026-03-02
    const run = (ga: number) =>
      assessEligibility(
        orderSweatTest({}, at(0)),
        { weight_kg: 2.5, gestational_age_at_birth_weeks: ga, answers: noAnswers() },
        infant,
        at(1),
      );
    expect(run(33.9).status).toBe('ineligible');
    expect(run(33.9).data.eligibility?.corrected_gestational_age_weeks).toBe(35.9);
    expect(run(34).status).toBe('in_progress');
    expect(run(34).data.eligibility?.corrected_gestational_age_weeks).toBe(36);
  });

  it('an infant without a gestational age is refused as bad input naming the field', () => {
    const infant = { birth_date: '2026-01-01', time_zone: 'UTC' };
    expect(
      codeOf(() => assessEligibility(orderSweatTest({}, at(0)), { weight_kg: 4, answers: noAnswers() }, infant, at(1))),
    ).toMatch(/^ION_ERR_VALIDATION: gestational_age_at_birth_weeks/);
  });

  it('a pilocarpine allergy refuses; a pacemaker needs the precautions accepted', () => {
    const allergy = assessEligibility(
      orderSweatTest({}, at(0)),
      { weight_kg: 30, answers: { ...noAnswers(), 'agent-allergy': true } },
      child,
      at(1),
    );
    expect(allergy.status).toBe('ineligible');
    const pm = { weight_kg: 30, answers: { ...noAnswers(), pacemaker: true } };
    expect(codeOf(() => assessEligibility(orderSweatTest({}, at(0)), pm, child, at(1)))).toMatch(
      /^ION_ERR_VALIDATION: precautions_accepted/,
    );
    const ok = assessEligibility(orderSweatTest({}, at(0)), { ...pm, precautions_accepted: true }, child, at(1));
    expect(ok.status).toBe('in_progress');
    expect(ok.data.eligibility?.precautions_accepted).toBe(true);
  });

  it('every contraindication item must be answered; unknown items are refused', () => {
    const { pacemaker: _p, ...missing } = noAnswers();
    expect(
      codeOf(() => assessEligibility(orderSweatTest({}, at(0)), { weight_kg: 30, answers: missing }, child, at(1))),
    ).toMatch(/^ION_ERR_VALIDATION: answers\.pacemaker/);
    expect(
      codeOf(() =>
        assessEligibility(
          orderSweatTest({}, at(0)),
          { weight_kg: 30, answers: { ...noAnswers(), smoker: false } },
          child,
          at(1),
        ),
      ),
    ).toMatch(/^ION_ERR_VALIDATION: answers\.smoker/);
  });

  it('eligibility is assessed once: again is an impossible transition', () => {
    expect(codeOf(() => assessEligibility(eligible(), { weight_kg: 30, answers: noAnswers() }, child, at(2)))).toMatch(
      /^ION_ERR_SWEAT_TEST_STATE/,
    );
  });
});

describe('stimulation', () => {
  const link = (s: SweatTestState, ses: StimulationSession, side: SweatSide = 'left', linkedElsewhere = false) =>
    codeOf(() => linkStimulation(s, { side, session: ses, patient_id: PATIENT, linkedElsewhere }, at(10)));

  it('links a completed session and copies current, duration and dose from the engine report', () => {
    const s = stimulated();
    const st = s.data.sides.left.stimulation!;
    expect(s.data.sides.left.status).toBe('stimulated');
    expect(st.delivered_mAmin).toBe(report.delivered_mAmin);
    expect(st.target_mA).toBe(1.5);
    expect(st.duration_s).toBe(report.duration_s);
  });

  it('refuses a stimulation before eligibility', () => {
    expect(link(orderSweatTest({}, at(0)), session('x', 2))).toMatch(/^ION_ERR_SWEAT_TEST_STATE/);
  });

  it('refuses another patient, another protocol, an unfinished or aborted session, an early one, a reused one', () => {
    const s = eligible();
    expect(link(s, session('x', 2, { patient_id: 'p2' }))).toMatch(/^ION_ERR_SWEAT_STIMULATION: .*not this patient/);
    expect(link(s, session('x', 2, { protocol: 'tap-water-palms' }))).toMatch(
      /^ION_ERR_SWEAT_STIMULATION: .*ran protocol/,
    );
    expect(link(s, session('x', 2, { status: 'aborted' }))).toMatch(/^ION_ERR_SWEAT_STIMULATION: .*aborted/);
    expect(link(s, session('x', -5))).toMatch(/before the test was ordered/);
    expect(link(s, session('x', 2), 'left', true)).toMatch(/already linked/);
    const one = linkStimulation(
      s,
      { side: 'left', session: session('x', 2), patient_id: PATIENT, linkedElsewhere: false },
      at(10),
    );
    expect(link(one, session('x', 2), 'right')).toMatch(/already linked/);
    expect(link(one, session('y', 2), 'left')).toMatch(/^ION_ERR_SWEAT_TEST_STATE: .*left side: it is stimulated/);
  });

  it('refuses a session whose report shows a dose outside the protocol range ± 1 %', () => {
    const s = eligible();
    const short = { ...report, delivered_mAmin: 7.5 * 0.98 };
    expect(link(s, session('x', 2, { report: short }))).toMatch(/^ION_ERR_SWEAT_STIMULATION: .*delivered 7.35/);
    const over = { ...report, delivered_mAmin: 7.5 * 1.02 };
    expect(link(s, session('x', 2, { report: over }))).toMatch(/delivered/);
    expect(link(s, session('x', 2, { report: { ...report, status: 'aborted' } }))).toMatch(/report says aborted/);
    expect(link(s, session('x', 2, { report: null }))).toMatch(/no engine report/);
    expect(link(s, session('x', 2, { delivered_mamin: 3.1 }))).toMatch(/stored with 3.1 mA·min delivered/);
  });
});

describe('collection', () => {
  it('runs a timer due 30 min after the start, then ends it', () => {
    let s = stimulated();
    s = recordCollection(s, { side: 'left', method: 'macroduct', started_at: at(10).at.toISOString() }, at(11));
    expect(s.data.sides.left.status).toBe('collecting');
    expect(s.data.sides.left.collection?.due_by).toBe(at(40).at.toISOString());
    expect(collectionMinutesLeft(s, 'left', at(25).at)).toBe(15);
    s = recordCollection(
      s,
      { side: 'left', method: 'macroduct', started_at: at(10).at.toISOString(), ended_at: at(40).at.toISOString() },
      at(41),
    );
    expect(s.data.sides.left.status).toBe('collected');
    expect(s.data.sides.left.collection?.duration_min).toBe(30);
  });

  it('a collection longer than 30 min rejects the side [97]', () => {
    const s = recordCollection(
      stimulated(),
      {
        side: 'left',
        method: 'gauze',
        started_at: at(10).at.toISOString(),
        ended_at: new Date(T0 + 40 * 60_000 + 1000).toISOString(),
      },
      at(41),
    );
    expect(s.data.sides.left.status).toBe('rejected');
    expect(s.data.sides.left.collection?.over_limit).toBe(true);
    expect(codeOf(() => recordSample(s, { side: 'left', weight_mg: 100 }, at(42)))).toMatch(
      /^ION_ERR_SWEAT_TEST_STATE/,
    );
  });

  it('names the field of bad times and methods', () => {
    const s = stimulated();
    const c = (x: object) =>
      codeOf(() =>
        recordCollection(s, { side: 'left', method: 'macroduct', started_at: at(10).at.toISOString(), ...x }, at(41)),
      );
    expect(c({ method: 'cup' })).toMatch(/^ION_ERR_VALIDATION: method/);
    expect(c({ started_at: 'yesterday' })).toMatch(/^ION_ERR_VALIDATION: started_at/);
    expect(c({ started_at: at(2).at.toISOString() })).toMatch(
      /^ION_ERR_VALIDATION: started_at: must not be before the stimulation/,
    );
    expect(c({ ended_at: at(9).at.toISOString() })).toMatch(/^ION_ERR_VALIDATION: ended_at: must be after/);
    expect(c({ ended_at: at(60).at.toISOString() })).toMatch(
      /^ION_ERR_VALIDATION: ended_at: must not be in the future/,
    );
    expect(c({ side: 'middle' })).toMatch(/^ION_ERR_VALIDATION: side/);
  });
});

describe('samples, QNS and results', () => {
  it('QNS at 14.9 µL and 74.9 mg; 15 µL and 75 mg are enough [97]', () => {
    expect(isQns('macroduct', 14.9)).toBe(true);
    expect(isQns('macroduct', 15)).toBe(false);
    expect(isQns('gauze', 74.9)).toBe(true);
    expect(isQns('filter_paper', 75)).toBe(false);
  });

  it('a weight for a Macroduct collection is refused naming both fields', () => {
    let s = stimulated();
    s = recordCollection(
      s,
      { side: 'left', method: 'macroduct', started_at: at(10).at.toISOString(), ended_at: at(30).at.toISOString() },
      at(31),
    );
    expect(codeOf(() => recordSample(s, { side: 'left', weight_mg: 80 }, at(32)))).toMatch(
      /^ION_ERR_VALIDATION: weight_mg: does not apply to macroduct: send volume_ul/,
    );
    expect(codeOf(() => recordSample(s, { side: 'left', volume_ul: -1 }, at(32)))).toMatch(
      /^ION_ERR_OUT_OF_RANGE: volume_ul/,
    );
  });

  it('a QNS side has no result and cannot be pooled', () => {
    const s = sampled('macroduct', 10, 40);
    expect(s.data.sides.left.status).toBe('qns');
    expect(codeOf(() => recordResult(s, { side: 'left', chloride_mmol_l: 20 }, at(50)))).toMatch(/^ION_ERR_SWEAT_QNS/);
    expect(codeOf(() => recordResult(s, { side: 'pooled', chloride_mmol_l: 20 }, at(50)))).toMatch(
      /^ION_ERR_SWEAT_QNS: pooling refused: the left/,
    );
    const done = recordResult(s, { side: 'right', chloride_mmol_l: 22 }, at(50));
    expect(done.status).toBe('completed');
    expect(done.data.conclusion?.repeat_required).toBe(true);
    expect(done.data.conclusion?.interpretation?.band).toBe('cf_unlikely');
  });

  it('both sides resulted: completed with the higher value deciding the band; verified by someone else', () => {
    let s = sampled('gauze', 120, 90);
    s = recordResult(s, { side: 'left', chloride_mmol_l: 64 }, at(50, 'u-analyst'));
    expect(s.status).toBe('in_progress');
    s = recordResult(s, { side: 'right', chloride_mmol_l: 58 }, at(51, 'u-analyst'));
    expect(s.status).toBe('completed');
    expect(s.data.conclusion?.chloride_mmol_l).toBe(64);
    expect(s.data.conclusion?.interpretation?.band).toBe('consistent_with_cf');
    expect(s.data.conclusion?.notes.join(' ')).toMatch(/different bands/);
    expect(codeOf(() => verifySweatTest(s, at(60, 'u-analyst')))).toMatch(/^ION_ERR_SWEAT_TEST_STATE: .*someone other/);
    expect(verifySweatTest(s, at(60, 'u-doctor')).status).toBe('verified');
    expect(codeOf(() => recordResult(s, { side: 'left', chloride_mmol_l: 50 }, at(70)))).toMatch(
      /^ION_ERR_SWEAT_TEST_STATE/,
    );
  });

  it('two sufficient samples of one method may be pooled (the reference forbids pooling only QNS samples)', () => {
    const s = recordResult(sampled('macroduct', 20, 25), { side: 'pooled', chloride_mmol_l: 35 }, at(50));
    expect(s.status).toBe('completed');
    expect(reportedResults(s.data)).toEqual([{ side: 'pooled', result: s.data.pooled_result }]);
    expect(s.data.conclusion?.interpretation?.band).toBe('intermediate');
    expect(s.data.conclusion?.repeat_required).toBe(false);
  });

  it('refuses chloride outside 0–200 mmol/L naming the field', () => {
    const s = sampled('macroduct', 20, 25);
    expect(codeOf(() => recordResult(s, { side: 'left', chloride_mmol_l: 250 }, at(50)))).toMatch(
      /^ION_ERR_OUT_OF_RANGE: chloride_mmol_l/,
    );
    expect(codeOf(() => recordResult(s, { side: 'left', chloride_mmol_l: '40' }, at(50)))).toMatch(
      /^ION_ERR_VALIDATION: chloride_mmol_l/,
    );
  });
});

describe('interpretation (CFF 2017, clinical.md §5.3)', () => {
  it('the band edges: 29.9 unlikely, 30 and 59.9 intermediate, 60 consistent with CF', () => {
    expect(interpretChloride(29.9).band).toBe('cf_unlikely');
    expect(interpretChloride(30).band).toBe('intermediate');
    expect(interpretChloride(59.9).band).toBe('intermediate');
    expect(interpretChloride(60).band).toBe('consistent_with_cf');
  });

  it('adds the age reference interval [103] and the 5–6 week infant centile [102]', () => {
    expect(interpretChloride(45, { days: 4000, years: 11 }).notes.join(' ')).toMatch(
      /10–14 y: median 18, 95 % RI 3–47 .* within/,
    );
    expect(interpretChloride(25, { days: 40, years: 0.11 }).notes.join(' ')).toMatch(/99.5th centile 24 .* above/);
  });

  const ORDER = { cf_unlikely: 0, intermediate: 1, consistent_with_cf: 2 } as const;
  it('property: the band never goes down as chloride goes up', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(ORDER[interpretChloride(lo).band]).toBeLessThanOrEqual(ORDER[interpretChloride(hi).band]);
        },
      ),
    );
  });
});

describe('properties of the whole workflow', () => {
  const method = fc.constantFrom<CollectionMethod>('macroduct', 'gauze', 'filter_paper');
  const amount = fc.double({ min: 0, max: 200, noNaN: true });

  it('a QNS sample never reaches a pooled result, and a pooled result exists only when neither side is QNS', () => {
    fc.assert(
      fc.property(method, amount, amount, fc.double({ min: 0, max: 200, noNaN: true }), (m, l, r, cl) => {
        const s = sampled(m, l, r);
        const anyQns = isQns(m, l) || isQns(m, r);
        let out: SweatTestState | undefined;
        try {
          out = recordResult(s, { side: 'pooled', chloride_mmol_l: cl }, at(50));
        } catch (e) {
          expect(isIontoError(e) && e.code).toBe('ION_ERR_SWEAT_QNS');
        }
        expect(out !== undefined).toBe(!anyQns);
        if (out) expect(out.data.pooled_result?.chloride_mmol_l).toBe(cl);
      }),
      { numRuns: 150 },
    );
  });

  it('any sequence of steps: a refused step changes nothing, and QNS sides never carry a result', () => {
    const step = fc.oneof(
      fc.record({
        k: fc.constant('collect' as const),
        side: fc.constantFrom('left', 'right'),
        m: method,
        len: fc.integer({ min: -5, max: 40 }),
        open: fc.boolean(),
      }),
      fc.record({
        k: fc.constant('sample' as const),
        side: fc.constantFrom('left', 'right'),
        amount,
        useVolume: fc.boolean(),
      }),
      fc.record({
        k: fc.constant('result' as const),
        side: fc.constantFrom('left', 'right', 'pooled'),
        cl: fc.double({ min: -10, max: 250, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        let s = stimulated();
        for (const st of steps) {
          const before = JSON.stringify(s);
          try {
            if (st.k === 'collect') {
              const start = at(12).at.toISOString();
              const cur = s.data.sides[st.side as SweatSide].collection;
              s = recordCollection(
                s,
                {
                  side: st.side,
                  method: st.m,
                  started_at: cur?.started_at ?? start,
                  ...(st.open ? {} : { ended_at: at(12 + st.len).at.toISOString() }),
                },
                at(60),
              );
            } else if (st.k === 'sample') {
              s = recordSample(
                s,
                { side: st.side, ...(st.useVolume ? { volume_ul: st.amount } : { weight_mg: st.amount }) },
                at(61),
              );
            } else {
              s = recordResult(s, { side: st.side, chloride_mmol_l: st.cl }, at(62));
            }
          } catch (e) {
            expect(isIontoError(e)).toBe(true);
            expect(JSON.stringify(s)).toBe(before);
          }
          for (const side of ['left', 'right'] as const) {
            const rec = s.data.sides[side];
            if (rec.sample?.qns) {
              expect(rec.result).toBeNull();
              expect(s.data.pooled_result).toBeNull();
            }
          }
          const ended = (['left', 'right'] as const).every((x) =>
            ['qns', 'rejected', 'resulted'].includes(s.data.sides[x].status),
          );
          expect(s.status).toBe(ended ? 'completed' : 'in_progress');
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('the workflow figures agree with the protocol as written', () => {
  it('QNS minimums, the 30 min collection and the 10-day minimum age are the protocol’s', () => {
    const p = findProtocol(SWEAT_TEST_PROTOCOL_ID);
    const step = (id: string) => [...p.post_steps, ...p.pre_steps].find((s) => s.id === id)?.text ?? '';
    expect(step('qns-check')).toContain(`${SWEAT_RULES.macroduct_min_ul} µL`);
    expect(step('qns-check')).toContain(`${SWEAT_RULES.gauze_min_mg} mg`);
    expect(step('collect')).toContain(`at most ${SWEAT_RULES.collection_max_min} min`);
    expect(step('infant-criteria')).toContain(`more than ${INFANT_RULES.min_weight_kg_exclusive} kg`);
    expect(step('infant-criteria')).toContain(`at least ${INFANT_RULES.min_corrected_gestational_age_weeks} weeks`);
    expect(Math.ceil(p.age.min_years.value * 365.25)).toBe(10);
  });
});
