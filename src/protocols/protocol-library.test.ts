import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import { isIontoError } from '../errors/catalogue.js';
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import { compilePlan } from './compile-plan.js';
import { planProblems } from '../engine/plan-checks.js';
import { findProtocol, protocolLibrary } from './protocol-library.js';
import { parseProtocol, protocolIssues } from './protocol-parse.js';

const palmsText = JSON.stringify(findProtocol('tapwater-palms'));

describe('protocol library', () => {
  it('holds the tap-water protocols for palms, soles and axillae, with DC and pulsed modes', () => {
    const ids = [...protocolLibrary().keys()];
    expect(ids).toEqual(expect.arrayContaining(['tapwater-palms', 'tapwater-soles', 'tapwater-axillae']));
    expect(Object.keys(findProtocol('tapwater-axillae').modes).sort()).toEqual(['dc', 'pulsed']);
  });

  it('holds fifteen protocols for hyperhidrosis, drug delivery, cosmetics, diagnostics and extraction', () => {
    expect([...protocolLibrary().keys()].sort()).toEqual([
      'acetic-acid',
      'cryo-galvanic-face',
      'desincrustation',
      'dexamethasone',
      'galvanic-body',
      'galvanic-eyes-neck',
      'galvanic-face',
      'glucose-extraction',
      'glycopyrrolate-palms',
      'lidocaine',
      'pilocarpine-sweat-test',
      'tapwater-axillae',
      'tapwater-palms',
      'tapwater-palms-soles',
      'tapwater-soles',
    ]);
    const uses = new Set([...protocolLibrary().values()].map((p) => p.use));
    expect([...uses].sort()).toEqual(['cosmetic', 'diagnostic', 'drug-delivery', 'extraction', 'hyperhidrosis']);
  });

  it('compiles every protocol, zone, mode and agent charge into a plan the engine accepts on the simulated device', () => {
    let plans = 0;
    for (const p of protocolLibrary().values()) {
      const charges =
        p.polarity.electrode_a === 'by-agent-charge' ? (['cation', 'anion'] as const) : ([undefined] as const);
      for (const zone of Object.keys(p.zones)) {
        for (const mode of Object.keys(p.modes)) {
          for (const agentCharge of charges) {
            const plan = compilePlan(p, { zone, mode, agentCharge }, DEFAULT_DEVICE_INFO);
            expect(planProblems(plan, DEFAULT_DEVICE_INFO), `${p.id}/${zone}/${mode}/${agentCharge}`).toEqual([]);
            plans++;
          }
        }
      }
    }
    expect(plans).toBeGreaterThanOrEqual(25);
  });

  it('compiles every zone at the ends of its current and time or dose ranges too', () => {
    for (const p of protocolLibrary().values()) {
      const agentCharge = p.polarity.electrode_a === 'by-agent-charge' ? 'cation' : undefined;
      for (const [zone, z] of Object.entries(p.zones)) {
        for (const current of [z.current_mA.min, z.current_mA.max]) {
          const lengths = z.dose_mAmin
            ? [{ dose: z.dose_mAmin.min as MilliAmpMinute }, { dose: z.dose_mAmin.max as MilliAmpMinute }]
            : [{ minutes: z.duration_min!.min }, { minutes: z.duration_min!.max }];
          for (const length of lengths) {
            const plan = compilePlan(
              p,
              { zone, mode: 'dc', agentCharge, current: current as MilliAmp, ...length },
              DEFAULT_DEVICE_INFO,
            );
            expect(planProblems(plan, DEFAULT_DEVICE_INFO), `${p.id}/${zone} at ${current} mA`).toEqual([]);
          }
        }
      }
    }
  });

  it('gives every number a source', () => {
    const walk = (x: unknown, path: string): void => {
      if (x && typeof x === 'object' && !Array.isArray(x)) {
        const o = x as Record<string, unknown>;
        if (typeof o.value === 'number') expect(typeof o.source, `${path} has no source`).toBe('string');
        for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
      }
    };
    for (const p of protocolLibrary().values()) walk(p, p.id);
  });

  it('compiles the palms protocol to a 15 mA, 300 mA·min plan at 0.1 mA/cm² ([SP], [73], [62])', () => {
    const plan = compilePlan(findProtocol('tapwater-palms'), {}, DEFAULT_DEVICE_INFO);
    expect(plan.target).toBe(15);
    expect(plan.duration).toBe(1200);
    expect(plan.dose).toBe(300);
    expect(plan.target / plan.area).toBeCloseTo(0.1, 9);
    expect(plan.maxDensity).toBe(0.2);
    expect(plan.reversal.kind).toBe('half-time');
  });

  it('compiles pulsed axillae to 10 kHz at 50 % duty, pulses within the device maximum', () => {
    const plan = compilePlan(findProtocol('tapwater-axillae'), { mode: 'pulsed' }, DEFAULT_DEVICE_INFO);
    expect(plan.waveform).toEqual({ kind: 'pulsed', frequency: 10_000, duty: 0.5 });
    expect(plan.target / 0.5).toBeLessThanOrEqual(DEFAULT_DEVICE_INFO.maxCurrent);
  });

  it('refuses a current outside the protocol range and names the range and its source', () => {
    const p = findProtocol('tapwater-palms');
    try {
      compilePlan(p, { current: 40 as MilliAmp }, DEFAULT_DEVICE_INFO);
      expect.unreachable();
    } catch (e) {
      expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
      expect((e as Error).message).toMatch(/current 40 mA is outside 5–22 mA for tapwater-palms\/palms/);
    }
    expect(() => compilePlan(p, { minutes: 5 }, DEFAULT_DEVICE_INFO)).toThrow(/duration 5 min is outside 10–30 min/);
    expect(() => compilePlan(p, { zone: 'axillae' }, DEFAULT_DEVICE_INFO)).toThrow(
      /has no zone "axillae"; zones: palms/,
    );
    expect(() => compilePlan(p, { mode: 'ac' }, DEFAULT_DEVICE_INFO)).toThrow(/has no mode "ac"; modes: dc, pulsed/);
  });

  it('takes only the protocol’s own zones and modes, not names every object inherits', () => {
    const p = findProtocol('tapwater-palms');
    expect(() => compilePlan(p, { zone: 'toString' }, DEFAULT_DEVICE_INFO)).toThrow(/has no zone "toString"/);
    expect(() => compilePlan(p, { mode: 'constructor' }, DEFAULT_DEVICE_INFO)).toThrow(/has no mode "constructor"/);
  });

  it('refuses a pulsed current whose pulses would exceed the device maximum', () => {
    const p = findProtocol('tapwater-palms');
    expect(() => compilePlan(p, { mode: 'pulsed', current: 20 as MilliAmp }, DEFAULT_DEVICE_INFO)).toThrow(
      /needs 40.0 mA pulses, which exceeds the device maximum 30 mA/,
    );
  });

  it('reports every schema problem with its JSON path', () => {
    const doc = JSON.parse(palmsText);
    delete doc.zones.palms.area_cm2.source;
    doc.zones.palms.ramp_up_mA_per_s.value = 5;
    doc.zones.palms.current_mA.max = 40;
    doc.default_mode = 'ac';
    const issues = protocolIssues(doc).map((i) => i.path);
    expect(issues).toEqual(
      expect.arrayContaining([
        '$.zones.palms.area_cm2.source',
        '$.zones.palms.ramp_up_mA_per_s.value',
        '$.zones.palms.current_mA.max',
        '$.default_mode',
      ]),
    );
  });

  it('names the file when a protocol is not valid JSON', () => {
    expect(() => parseProtocol('{ "id": ', 'my-protocol.json')).toThrow(/^my-protocol\.json: not valid JSON/);
  });
});
