import { describe, expect, it } from 'vitest';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import {
  MAX_UNTIL_DRY_SESSIONS,
  REMISSION_HORIZON_DAYS,
  courseRunner,
  courseSpec,
  runCohort,
  summariseCohort,
  type PatientCourse,
} from './cohort.js';

const palms = findProtocol('tapwater-palms');

describe('a cohort course', () => {
  it('runs the clinic template as a fixed course of the protocol’s 7 sessions', () => {
    const spec = courseSpec({ protocol: palms, seed: 3 });
    expect(spec).toMatchObject({ template: 'clinic', sessions: 7, untilDry: false, mode: 'dc', zone: 'palms' });
    const run = courseRunner(spec);
    for (let i = 0; i < 3; i++) {
      const c = run(i);
      expect(c.sessions).toBe(7);
      expect(c.faulted + c.aborted + c.underdosed).toBe(0);
      expect(c.finalMgPerMin).toBeLessThan(c.baselineMgPerMin);
      expect(c.meanDensity).toBeGreaterThan(1.2); // 300 mA·min over ≈ 160 cm² per hand, cathodal charge at 0.7
      expect(c.responder).toBe(c.remissionDays !== null);
    }
  });

  it('runs every 2–3 days until dry: the course stops at the first session with normal sweating', () => {
    const spec = courseSpec({ protocol: palms, seed: 3, template: 'every-2-3-days' });
    expect(spec.untilDry).toBe(true); // the protocol's until_dry, on the open-ended template
    const run = courseRunner(spec);
    for (let i = 0; i < 6; i++) {
      const c = run(i);
      if (c.sessionsToEuhidrosis !== null) expect(c.sessions).toBe(c.sessionsToEuhidrosis);
      else expect(c.sessions).toBe(MAX_UNTIL_DRY_SESSIONS);
    }
  });

  it('a patient’s course depends only on the seed and the index', () => {
    const a = courseRunner(courseSpec({ protocol: palms, seed: 11 }));
    const b = courseRunner(courseSpec({ protocol: palms, seed: 11 }));
    expect(b(5)).toEqual(a(5));
    expect(a(4)).not.toEqual(a(5));
  });

  it('refuses what it cannot simulate, before any patient runs', () => {
    const bad = (o: Partial<Parameters<typeof courseSpec>[0]>, msg: RegExp) =>
      expect(() => courseSpec({ protocol: palms, seed: 1, ...o })).toThrow(msg);
    bad({ zone: 'feet' }, /no zone "feet"/);
    bad({ protocol: { ...palms, use: 'cosmetic' } as Protocol }, /hyperhidrosis courses/);
    bad(
      { protocol: { ...palms, agent: { ...palms.agent, name: 'glycopyrronium', charge: 'cation' } } as Protocol },
      /calibrated for tap water/,
    );
    bad({ template: 'monthly' as never }, /unknown induction template "monthly"/);
    bad({ sessions: 0 }, /sessions must be a whole number/);
    bad({ mode: 'ac' }, /no mode "ac"/);
    bad({ current: 40 }, /current 40 mA is outside/);
    bad({ seed: -1 }, /seed/);
  });
});

describe('runCohort', () => {
  it('gives the same figures in this thread and on one or two workers (needs the build)', async () => {
    const o = { protocol: palms, n: 10, seed: 5 };
    const here = await runCohort({ ...o, workers: 0 });
    const one = await runCohort({ ...o, workers: 1 });
    const two = await runCohort({ ...o, workers: 2 });
    expect(one).toEqual(here);
    expect(two).toEqual(here);
    expect(here.n).toBe(10);
    expect(here.sessions_total).toBe(70);
  });

  it('reports progress up to n and refuses a bad n or worker count', async () => {
    const seen: number[] = [];
    await runCohort({ protocol: palms, n: 30, seed: 1, workers: 0, onProgress: (d) => seen.push(d) });
    expect(seen).toEqual([25, 30]);
    await expect(runCohort({ protocol: palms, n: 0, seed: 1 })).rejects.toThrow(/n must be/);
    await expect(runCohort({ protocol: palms, n: 2, seed: 1, workers: -1 })).rejects.toThrow(/workers/);
  });
});

describe('summariseCohort', () => {
  const spec = courseSpec({ protocol: palms, seed: 1 });
  const course = (i: number, o: Partial<PatientCourse>): PatientCourse => ({
    index: i,
    sessions: 7,
    sessionsToEuhidrosis: null,
    responder: false,
    remissionDays: null,
    baselineMgPerMin: 50,
    finalMgPerMin: 30,
    hdssBefore: 3,
    hdssAfter: 3,
    meanDensity: 1.6,
    faulted: 0,
    aborted: 0,
    underdosed: 0,
    adverse: 0,
    complianceLimited: 0,
    faults: [],
    ...o,
  });

  it('counts responders, the median session count with never-dry patients beyond every count, and remissions', () => {
    const r = summariseCohort(spec, [
      course(3, { sessionsToEuhidrosis: 4, responder: true, remissionDays: 20, finalMgPerMin: 10 }),
      course(0, { sessionsToEuhidrosis: 6, responder: true, remissionDays: Infinity, finalMgPerMin: 15 }),
      course(1, {}),
      course(2, { faulted: 1, adverse: 1, faults: ['ION_ERR_SHORT_CIRCUIT'], complianceLimited: 3 }),
    ]);
    expect(r.responder_rate).toBe(0.5);
    // Two of four dry (at 4 and 6), two never: the middle of (4, 6, ∞, ∞) is beyond every count.
    expect(r.sessions_to_euhidrosis_median).toBe(null);
    expect(r.euhidrosis_rate).toBe(0.5);
    expect(r.euhidrosis_by_session).toEqual([0, 0, 0, 0.25, 0.25, 0.5, 0.5]);
    expect(r.remission_days_mean).toBe((20 + REMISSION_HORIZON_DAYS) / 2);
    expect(r.remission_censored).toBe(1);
    expect(r.relapsed_within_180d).toBe(0.5);
    expect(r.adverse_events).toEqual({
      sessions: 1,
      patients: 1,
      faulted: 1,
      aborted: 0,
      underdosed: 0,
      fault_codes: { ION_ERR_SHORT_CIRCUIT: 1 },
      compliance_episodes: 3,
    });
    expect(r.sessions_total).toBe(28);
  });

  it('the median session count is the middle patient’s, counted across everyone', () => {
    const r = summariseCohort(spec, [
      course(0, { sessionsToEuhidrosis: 3 }),
      course(1, { sessionsToEuhidrosis: 5 }),
      course(2, {}),
    ]);
    expect(r.sessions_to_euhidrosis_median).toBe(5);
  });
});
