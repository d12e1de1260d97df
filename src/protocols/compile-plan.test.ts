import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import { IontoError } from '../errors/catalogue.js';
import type { AgentCharge } from './compile-plan.js';
import { compilePlan, polarityFor } from './compile-plan.js';
import { findProtocol } from './protocol-library.js';

const refusal = (f: () => unknown): IontoError => {
  try {
    f();
  } catch (e) {
    if (e instanceof IontoError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('a pole chosen by the product’s charge ([117][118])', () => {
  const face = findProtocol('galvanic-face');

  it('puts a cationic product under the anode and an anionic one under the cathode', () => {
    expect(compilePlan(face, { agentCharge: 'cation' }, DEFAULT_DEVICE_INFO).polarity).toBe('+');
    expect(compilePlan(face, { agentCharge: 'anion' }, DEFAULT_DEVICE_INFO).polarity).toBe('-');
  });

  it('refuses to compile without the charge, and says what to choose', () => {
    const e = refusal(() => compilePlan(face, {}, DEFAULT_DEVICE_INFO));
    expect(e.code).toBe('ION_ERR_OUT_OF_RANGE');
    expect(e.details).toMatchObject({ field: 'agentCharge' });
    expect(e.message).toMatch(/galvanic-face: the pole is chosen by the product's charge; choose the agent charge/);
    expect(e.message).toMatch(/"cation" .*under the anode/);
    expect(e.message).toMatch(/"anion" .*under the cathode/);
  });

  it('refuses a charge that is neither cation nor anion', () => {
    const e = refusal(() => compilePlan(face, { agentCharge: 'neutral' as AgentCharge }, DEFAULT_DEVICE_INFO));
    expect(e.message).toMatch(/agent charge must be "cation" or "anion", got "neutral"/);
  });

  it('accepts the protocol’s own charge for a fixed pole, and refuses the other', () => {
    expect(polarityFor(findProtocol('lidocaine'), 'cation')).toBe('+');
    expect(polarityFor(findProtocol('dexamethasone'), 'anion')).toBe('-');
    expect(polarityFor(findProtocol('dexamethasone'), undefined)).toBe('-');
    const e = refusal(() => compilePlan(findProtocol('dexamethasone'), { agentCharge: 'cation' }, DEFAULT_DEVICE_INFO));
    expect(e.code).toBe('ION_ERR_OUT_OF_RANGE');
    expect(e.message).toMatch(
      /dexamethasone delivers .* \(anion\) at a fixed pole; an agent charge "cation" does not apply/,
    );
    expect(() => compilePlan(findProtocol('tapwater-palms'), { agentCharge: 'anion' }, DEFAULT_DEVICE_INFO)).toThrow(
      /tap water \(none\) at a fixed pole/,
    );
  });
});

describe('dosed zones', () => {
  it('take their time from the dose and the current: lidocaine 40 mA·min at 2 mA is 20 min ([65])', () => {
    const plan = compilePlan(findProtocol('lidocaine'), { current: 2 as never }, DEFAULT_DEVICE_INFO);
    expect(plan.duration).toBe(1200);
    expect(plan.dose).toBe(40);
  });

  it('refuse minutes for a zone dosed only in mA·min', () => {
    expect(() => compilePlan(findProtocol('dexamethasone'), { minutes: 10 }, DEFAULT_DEVICE_INFO)).toThrow(
      /dexamethasone\/site is dosed in mA·min \(40–80\); choose a dose, not minutes/,
    );
  });

  it('refuse a dose outside the range, naming it: the sweat test is fixed at 7.5 mA·min', () => {
    expect(() =>
      compilePlan(findProtocol('pilocarpine-sweat-test'), { dose: 15 as never }, DEFAULT_DEVICE_INFO),
    ).toThrow(/dose 15 mA·min is outside 7.5–7.5 mA·min for pilocarpine-sweat-test\/forearm/);
  });
});
