import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import { compilePlan } from './compile-plan.js';
import { capViolation, inductionDays } from './course-template.js';
import { findProtocol, protocolLibrary } from './protocol-library.js';
import type { Protocol } from './protocol-schema.js';

const all = [...protocolLibrary().values()];

/** Every `source` string in a document, with its path. */
function sources(x: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(x)) x.forEach((v, i) => sources(v, `${path}[${i}]`, out));
  else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      if (k === 'source' && typeof v === 'string') out.push([path, v]);
      else if (k !== 'sources') sources(v, `${path}.${k}`, out);
    }
  }
  return out;
}

const cosmetics = all.filter((p) => p.use === 'cosmetic');
const pre = (p: Protocol, id: string) => p.pre_steps.find((s) => s.id === id);

describe('every library protocol', () => {
  it('says where each number comes from: a reference key, DERIVED, UNVERIFIED, a design decision or a reference file', () => {
    for (const p of all) {
      for (const [path, s] of sources(p, p.id)) {
        expect(s, path).toMatch(/\[[A-Z0-9]+\]|\bdesign\b|DERIVED|UNVERIFIED|\.md\b|shared\/articles/);
      }
    }
  });

  it('describes every reference key it cites in its sources', () => {
    for (const p of all) {
      const { sources: listed, ...body } = p;
      const cited = new Set(JSON.stringify(body).match(/\[[A-Z0-9]+\]/g) ?? []);
      for (const key of cited) expect(Object.keys(listed), `${p.id} cites ${key}`).toContain(key);
    }
  });

  it('keeps its induction course within its own frequency caps', () => {
    for (const p of all) {
      const { induction, caps } = p.course;
      const days = inductionDays(induction.template, induction.sessions.value);
      expect(capViolation(days, caps.per_day.value, caps.per_week.value), p.id).toBeUndefined();
    }
  });

  it('names only library protocols in not_with, symmetrically', () => {
    for (const p of all) {
      for (const other of p.course.not_with) {
        expect(protocolLibrary().has(other), `${p.id} → ${other}`).toBe(true);
        expect(findProtocol(other).course.not_with, `${other} → ${p.id}`).toContain(p.id);
      }
    }
  });

  it('delivers a drug, product or pilocarpine from the pole of its charge (like charges repel)', () => {
    for (const p of all) {
      if (p.agent.charge === 'cation')
        expect(p.polarity, p.id).toMatchObject({ electrode_a: '+', active_pole: 'anode' });
      if (p.agent.charge === 'anion')
        expect(p.polarity, p.id).toMatchObject({ electrode_a: '-', active_pole: 'cathode' });
      if (p.agent.charge === 'product') expect(p.polarity.electrode_a, p.id).toBe('by-agent-charge');
    }
  });
});

describe('hyperhidrosis protocols', () => {
  it('treats hands and feet in one session, the axillae never with them ([A004])', () => {
    const p = findProtocol('tapwater-palms-soles');
    expect(p.course.not_with).toContain('tapwater-axillae');
    expect(findProtocol('tapwater-axillae').course.not_with).toContain('tapwater-palms-soles');
    const z = p.zones['hands-feet']!;
    expect(z.area_cm2.value).toBe(300);
    expect(z.area_cm2.source).toMatch(/DERIVED/);
    // A single hand left in its tray never takes more than the 0.2 mA/cm² DC ceiling ([62]).
    expect(z.current_mA.max / 150).toBeLessThanOrEqual(0.2);
    expect(p.reversal.kind).toBe('half-time');
    expect(p.summary).toMatch(/\[A004\]/);
  });

  it('runs glycopyrrolate at the 7.5–8.0 mA optimum ([72]), weekly for 4 weeks ([89]), refusing an agent allergy', () => {
    const p = findProtocol('glycopyrrolate-palms');
    expect(p.zones.palms!.current_mA).toMatchObject({ value: 7.5, max: 8 });
    expect(p.zones.palms!.current_mA.source).toMatch(/\[72\]/);
    expect(p.course.induction).toMatchObject({ template: 'weekly', sessions: { value: 4 } });
    expect(p.contraindications).toContainEqual(expect.objectContaining({ item: 'agent-allergy', effect: 'refuse' }));
    expect(p.agent).toMatchObject({ charge: 'cation' });
    expect(JSON.stringify(p)).toMatch(/\[88\]/);
  });
});

describe('drug-delivery protocols', () => {
  const drugs = all.filter((p) => p.use === 'drug-delivery');

  it('are dosed in mA·min, end on the dose and never reverse', () => {
    expect(drugs.map((p) => p.id).sort()).toEqual(['acetic-acid', 'dexamethasone', 'lidocaine']);
    for (const p of drugs) {
      expect(p.end_on, p.id).toBe('dose');
      expect(p.reversal.kind, p.id).toBe('none');
      for (const z of Object.values(p.zones)) {
        expect(z.dose_mAmin, p.id).toBeDefined();
        expect(z.duration_min, p.id).toBeUndefined();
        expect(z.area_cm2.value, p.id).toBeGreaterThanOrEqual(3);
        expect(z.area_cm2.value, p.id).toBeLessThanOrEqual(20);
        expect(z.current_mA.max / z.area_cm2.value, p.id).toBeLessThanOrEqual(0.5 + 1e-9); // [68]
      }
    }
  });

  it('gives dexamethasone 40 mA·min at 4 mA from the cathode: 10 min at 0.2 mA/cm² over 20 cm² ([63][E5][62])', () => {
    const plan = compilePlan(findProtocol('dexamethasone'), {}, DEFAULT_DEVICE_INFO);
    expect(plan).toMatchObject({ polarity: '-', target: 4, dose: 40, duration: 600, area: 20, endOn: 'dose' });
    expect(plan.target / plan.area).toBeCloseTo(0.2, 9);
    expect(findProtocol('dexamethasone').zones.site!.dose_mAmin).toMatchObject({ min: 40, max: 80 });
  });

  it('gives lidocaine 40 mA·min from the anode ([64][65])', () => {
    const plan = compilePlan(findProtocol('lidocaine'), {}, DEFAULT_DEVICE_INFO);
    expect(plan).toMatchObject({ polarity: '+', dose: 40, reversal: { kind: 'none' } });
  });

  it('says honestly that the references hold nothing on acetic acid, and marks its numbers as design values', () => {
    const p = findProtocol('acetic-acid');
    expect(p.agent.source).toMatch(/say nothing about acetic acid/);
    const z = p.zones.site!;
    for (const n of [z.dose_mAmin!, z.current_mA, z.area_cm2]) expect(n.source).toMatch(/^design/);
    expect(p.evidence.level).toBe('very-low');
  });
});

describe('cosmetic protocols', () => {
  it('are the five galvanic protocols', () => {
    expect(cosmetics.map((p) => p.id).sort()).toEqual([
      'cryo-galvanic-face',
      'desincrustation',
      'galvanic-body',
      'galvanic-eyes-neck',
      'galvanic-face',
    ]);
  });

  it('ask for clean skin, no jewellery, covered cuts and a thin water-based product before, moisturiser after ([A000][A003])', () => {
    for (const p of cosmetics) {
      for (const id of ['cleanse-skin', 'remove-jewellery', 'cover-cuts', 'water-based-product', 'not-over-applied']) {
        expect(pre(p, id)?.required, `${p.id} ${id}`).toBe(true);
      }
      expect(pre(p, 'water-based-product')!.text).toBe(
        'The product is water-based (gel or tonic, not an oil or fatty cream)',
      );
      expect(pre(p, 'water-based-product')!.source).toMatch(/\[A000\]/);
      expect(pre(p, 'cover-cuts')!.text).toMatch(/petroleum jelly/);
      expect(p.post_steps.map((s) => s.id)).toContain('moisturise');
    }
  });

  it('keep to ≤0.2 mA/cm² galvanic on every zone ([CD1][70])', () => {
    for (const p of cosmetics) {
      for (const [id, z] of Object.entries(p.zones)) {
        expect(z.max_density_mA_per_cm2.value, `${p.id}/${id}`).toBeLessThanOrEqual(0.2);
        expect(z.current_mA.max / z.area_cm2.value, `${p.id}/${id}`).toBeLessThanOrEqual(0.2 + 1e-9);
      }
    }
  });

  it('desincrusts at the negative pole, ≈1.5 mA for 3–4 min ([115][116])', () => {
    const p = findProtocol('desincrustation');
    expect(p.polarity.electrode_a).toBe('-');
    expect(p.zones.face!.current_mA.value).toBe(1.5);
    expect(p.zones.face!.duration_min).toMatchObject({ min: 3, max: 4 });
    expect(p.zones.face!.setup).toBe('facial');
  });

  it('refuses an IUD for body electrodes and rates the cellulite evidence low or very low ([A002])', () => {
    const p = findProtocol('galvanic-body');
    expect(p.contraindications).toContainEqual(expect.objectContaining({ item: 'iud', effect: 'refuse' }));
    expect(['low', 'very-low']).toContain(p.evidence.level);
  });

  it('run their facial zones on small facial electrodes the virtual patient accepts (0.5–10 cm²)', () => {
    for (const p of cosmetics) {
      for (const z of Object.values(p.zones)) {
        if (z.setup === 'facial') expect(z.area_cm2.value).toBeLessThanOrEqual(10);
        if (z.setup === 'pad') expect(z.area_cm2.value).toBeLessThanOrEqual(50);
      }
    }
  });
});

describe('diagnostic and extraction protocols', () => {
  it('stimulates sweat with pilocarpine at the anode, 1.5 mA × 5 min = 7.5 mA·min over 5 cm² ([M1][13])', () => {
    const p = findProtocol('pilocarpine-sweat-test');
    const plan = compilePlan(p, {}, DEFAULT_DEVICE_INFO);
    expect(plan).toMatchObject({ polarity: '+', target: 1.5, dose: 7.5, duration: 300, area: 5 });
    expect(plan.reversal.kind).toBe('none');
    // 0.30 mA/cm², above the 0.07–0.21 of [71]: the limit is the standard's own density, stated as such.
    expect(plan.maxDensity).toBeCloseTo(plan.target / plan.area, 9);
    expect(p.zones.forearm!.max_density_mA_per_cm2.source).toMatch(/\[71\]/);
    expect(p.course).toMatchObject({ induction: { template: 'single' }, maintenance: null });
  });

  it('extracts glucose at the cathode with the circulating 0.3 mA and 3 min marked UNVERIFIED', () => {
    const p = findProtocol('glucose-extraction');
    const z = p.zones.forearm!;
    expect(p.polarity).toMatchObject({ electrode_a: '-', active_pole: 'cathode' });
    expect(z.current_mA.value).toBe(0.3);
    expect(z.current_mA.source).toMatch(/UNVERIFIED/);
    expect(z.duration_min!.value).toBe(3);
    expect(z.duration_min!.source).toMatch(/UNVERIFIED/);
    expect(p.sources.UNVERIFIED).toBeDefined();
    expect(p.course).toMatchObject({ induction: { template: 'single' }, maintenance: null });
  });
});
