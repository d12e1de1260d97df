import { describe, expect, it } from 'vitest';
import { sessionEffect, type SweatZone } from '../physics/sweat-response.js';
import { drawCohortMember } from '../physics/virtual-patient.js';
import { findProtocol } from '../protocols/protocol-library.js';
import {
  COHORT_FIDELITY,
  FULL_FIDELITY,
  compileCoursePlan,
  doseOf,
  runCourseSession,
  type CohortFidelity,
  type CourseSessionResult,
} from './cohort-session.js';

/** One course session of cohort patient `index` at a fidelity. */
const session = (protocolId: string, mode: 'dc' | 'pulsed', index: number, sweat: number, f: CohortFidelity) => {
  const protocol = findProtocol(protocolId);
  const zone = protocol.default_zone as SweatZone;
  const patient = drawCohortMember(7, index, zone);
  const plan = compileCoursePlan(protocol, { mode }, f);
  return { zone, patient, plan, r: runCourseSession(patient, plan, sweat, 3, f) };
};

const CASES = [
  ['tapwater-palms', 'dc', 0, 1],
  ['tapwater-palms', 'dc', 1, 0.5],
  ['tapwater-palms', 'dc', 2, 0.25],
  ['tapwater-palms', 'pulsed', 3, 1],
  ['tapwater-palms', 'pulsed', 4, 0.4],
  ['tapwater-soles', 'pulsed', 5, 0.2],
  ['tapwater-axillae', 'dc', 6, 1],
  ['tapwater-axillae', 'pulsed', 7, 0.3],
] as const;

describe('cohort fidelity against full fidelity', () => {
  // The same device (an exact DAC) at both fidelities: what is compared is the stepping alone.
  const FULL_SAME_DEVICE: CohortFidelity = { ...FULL_FIDELITY, exactDac: true };
  const mean = (r: CourseSessionResult): number => (r.delivered * 60) / r.treated;

  it.each(CASES)(
    '%s %s, patient %i at sweat rate %f: same dose, mean current and sweat-response effect within 1 %',
    (p, mode, i, sweat) => {
      const full = session(p, mode, i, sweat, FULL_SAME_DEVICE);
      const fast = session(p, mode, i, sweat, COHORT_FIDELITY);
      expect(fast.r.status).toBe(full.r.status);
      expect(full.r.status).toBe('completed');
      expect(Math.abs(fast.r.delivered / full.r.delivered - 1)).toBeLessThan(0.01);
      expect(Math.abs(mean(fast.r) / mean(full.r) - 1)).toBeLessThan(0.01);
      const effect = (x: typeof full) => sessionEffect(x.zone, doseOf(x.patient, x.r, mode));
      for (const side of ['A', 'B'] as const) {
        expect(Math.abs(effect(fast)[side] / effect(full)[side] - 1)).toBeLessThan(0.01);
      }
      // The split between the polarities can differ: the engine reverses only from 'treat', and a soft start held
      // at the compliance limit reaches 'treat' later at a 20 ms period (it creeps up 0.01 mA per period instead of
      // 1 mA per 2 s), so a patient still compliance-limited at half the dose reverses late at full fidelity
      // (patient 4: 60/40 vs 50/50). At clinical doses both sides are saturated, so the effect above is the same.
      expect(Math.abs(fast.r.anodalA / fast.r.delivered - full.r.anodalA / full.r.delivered)).toBeLessThan(0.12);
    },
  );

  it('with the seeded DAC errors of the full-fidelity device: dose within 1 %, mean current within 2 %', () => {
    // The exact DAC itself moves the mean current of a compliance-limited soft start by up to ≈ 1.5 %.
    for (const [p, mode, i, sweat] of CASES.slice(3, 6)) {
      const full = session(p, mode, i, sweat, FULL_FIDELITY).r;
      const fast = session(p, mode, i, sweat, COHORT_FIDELITY).r;
      expect(Math.abs(fast.delivered / full.delivered - 1)).toBeLessThan(0.01);
      expect(Math.abs(mean(fast) / mean(full) - 1)).toBeLessThan(0.02);
    }
  });

  it('runs a session in a hundredth of the control periods: 2 s instead of 20 ms', () => {
    expect(COHORT_FIDELITY.controlPeriod / FULL_FIDELITY.controlPeriod).toBe(100);
    const { plan } = session('tapwater-palms', 'dc', 0, 1, COHORT_FIDELITY);
    expect(plan.controlPeriod).toBe(2000);
    expect(plan.lease).toBeGreaterThanOrEqual(2 * plan.controlPeriod);
  });
});

describe('a course session', () => {
  it('delivers the prescription through the engine and reports the charge by polarity', () => {
    const { patient, plan, r } = session('tapwater-palms', 'dc', 0, 1, COHORT_FIDELITY);
    expect(r.status).toBe('completed');
    expect(r.delivered / plan.dose).toBeCloseTo(1, 2);
    // Half-time reversal: each side is the anode for half the charge.
    expect(r.anodalA + r.anodalB).toBeCloseTo(r.delivered, 9);
    expect(r.anodalA / r.delivered).toBeCloseTo(0.5, 1);
    const dose = doseOf(patient, r, 'dc');
    expect(dose.areaA).toBe(patient.circuit.siteA.area);
    expect(dose.anodalB).toBe(r.anodalB);
  });

  it('is reproducible: same patient, session number and sweat rate, same result', () => {
    const a = session('tapwater-axillae', 'dc', 3, 0.6, COHORT_FIDELITY).r;
    const b = session('tapwater-axillae', 'dc', 3, 0.6, COHORT_FIDELITY).r;
    expect(a).toEqual(b);
  });

  it('a drier patient is a more resistive load: lower sweating, more of the session against the compliance limit', () => {
    // The sweat-duct shunt: skin resistance rises as sweating falls. At the same current the voltage rises.
    const wet = session('tapwater-palms', 'pulsed', 2, 1, COHORT_FIDELITY);
    const dry = session('tapwater-palms', 'pulsed', 2, 0.05, COHORT_FIDELITY);
    expect(dry.r.treated).toBeGreaterThanOrEqual(wet.r.treated);
  });
});
