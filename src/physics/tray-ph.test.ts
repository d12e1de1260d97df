import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { mA } from '../units/quantities.js';
import { CLINICAL_SESSION, simulateTrayPh } from './tray-ph.js';

describe('tray pH from water electrolysis', () => {
  it('proton load: 15 mA makes 9.33 µmol H⁺ per minute, 93 µmol in 10 min (physics.md §6, DERIVED)', () => {
    const r = simulateTrayPh({ current: mA(15), minutes: 10 });
    expect(r.protons_umol / 10).toBeCloseTo(9.33, 2);
    expect(r.protons_umol).toBeCloseTo(93.3, 1);
  });

  it('unbuffered litre: pH ≈ 4.0 after 15 mA × 10 min (physics.md §6, DERIVED)', () => {
    const r = simulateTrayPh({
      current: mA(15),
      minutes: 10,
      volumeLitres: 1,
      bicarbonate_mM: 0,
      magnesium_mM: 0,
      initialPh: 7,
    });
    expect(r.final.anode_pH).toBeCloseTo(4.03, 2);
    expect(r.final.cathode_pH).toBeCloseTo(9.97, 2);
  });

  it('a clinical session with the default tap water reproduces Sato: anode ≈ 3, cathode ≈ 10 [28]', () => {
    const r = simulateTrayPh({ current: mA(CLINICAL_SESSION.current_mA), minutes: CLINICAL_SESSION.minutes });
    expect(Math.abs(r.final.anode_pH - 3)).toBeLessThan(0.15);
    expect(Math.abs(r.final.cathode_pH - 10)).toBeLessThan(0.15);
    // monotone timeline
    for (let k = 1; k < r.timeline.length; k++) {
      expect(r.timeline[k]!.anode_pH).toBeLessThanOrEqual(r.timeline[k - 1]!.anode_pH);
      expect(r.timeline[k]!.cathode_pH).toBeGreaterThanOrEqual(r.timeline[k - 1]!.cathode_pH);
    }
  });

  it('carbonate alone cannot give both: whenever the anode reaches pH ≤ 3.5 the cathode exceeds 10.5', () => {
    for (const hco3 of [0, 0.2, 0.5, 1, 2, 4, 8]) {
      for (const minutes of [5, 10, 20, 40]) {
        const r = simulateTrayPh({ current: mA(15), minutes, bicarbonate_mM: hco3, magnesium_mM: 0 });
        if (r.final.anode_pH <= 3.5) expect(r.final.cathode_pH).toBeGreaterThan(10.5);
      }
    }
  });

  it('bicarbonate buffers the anode: more alkalinity, higher anodal pH', () => {
    const soft = simulateTrayPh({ current: mA(15), minutes: 20, bicarbonate_mM: 0.2 });
    const hard = simulateTrayPh({ current: mA(15), minutes: 20, bicarbonate_mM: 4 });
    expect(hard.final.anode_pH).toBeGreaterThan(soft.final.anode_pH + 1);
  });

  it('refuses out-of-range input with a coded error naming the field', () => {
    for (const bad of [
      { current: mA(-1), minutes: 10 },
      { current: mA(15), minutes: 0 },
      { current: mA(15), minutes: 10, volumeLitres: 0 },
      { current: mA(15), minutes: 10, initialPh: 13 },
    ]) {
      try {
        simulateTrayPh(bad);
        expect.unreachable();
      } catch (e) {
        expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
      }
    }
  });
});
