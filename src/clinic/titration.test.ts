import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import { isIontoError } from '../errors/catalogue.js';
import { compilePlan } from '../protocols/compile-plan.js';
import { findProtocol, protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { mA } from '../units/quantities.js';
import { nextCurrent, titratedChoices } from './titration.js';
import type { TitrationOverride, TitrationSession, TitrationStep } from './titration.js';
import { SENSATIONS, SKIN_FINDINGS, toleranceEntrySchema } from './tolerance.js';
import type { ToleranceEntry } from './tolerance.js';

const palms = findProtocol('tapwater-palms');
const rule = palms.zones.palms!.titration!;

/** Shorthands for a tolerance record. */
const ok: ToleranceEntry = toleranceEntrySchema.parse({ sensation: 'tingling', discomfort: 1, findings: [] });
const tol = (over: Partial<ToleranceEntry>): ToleranceEntry => toleranceEntrySchema.parse({ ...ok, ...over });
const sore = tol({ sensation: 'discomfort', discomfort: rule.discomfort_max.value + 2 });
const red = tol({ findings: ['redness'] });
const burn = tol({ findings: ['burn'] });
const blisters = tol({ sensation: 'none', discomfort: 0, findings: ['vesicles'] });
const dry = tol({ findings: ['dryness'] });
const waterline = tol({ findings: ['waterline-irritation'] });
const mild = tol({ sensation: 'discomfort', discomfort: 2 });

let day = 0;
const s = (
  target: number,
  tolerance?: ToleranceEntry,
  status: TitrationSession['status'] = 'completed',
): TitrationSession => {
  day++;
  return {
    at: `2026-03-${String(day).padStart(2, '0')}T08:00:00Z`,
    target: mA(target),
    status,
    ...(tolerance ? { tolerance } : {}),
  };
};

const start = rule.start_mA.value;
const up = rule.step_up_mA.value;
const down = rule.step_down_mA.value;
const zoneMax = palms.zones.palms!.current_mA.max;
const zoneMin = palms.zones.palms!.current_mA.min;

/**
 * The table: history → next current and step, tapwater-palms (the numbers come from the protocol's titration
 * block, so the table follows the protocol). `comfortable_sessions` is 1 in the library.
 */
const TABLE: [string, () => TitrationSession[], TitrationOverride, number, TitrationStep][] = [
  ['no history → start low', () => [], {}, start, 'start'],
  ['only a fault with nothing recorded → start low', () => [s(start, undefined, 'fault')], {}, start, 'start'],
  ['one comfortable session → one step up', () => [s(start, ok)], {}, start + up, 'step-up'],
  ['comfortable with dryness only → step up', () => [s(start, dry)], {}, start + up, 'step-up'],
  ['two comfortable steps → two steps up', () => [s(start, ok), s(start + up, ok)], {}, start + 2 * up, 'step-up'],
  ['discomfort above the threshold → step down', () => [s(14, ok), s(16, sore)], {}, 16 - down, 'step-down'],
  [
    'pain at a low score → step down',
    () => [s(14, tol({ sensation: 'pain', discomfort: 2 }))],
    {},
    14 - down,
    'step-down',
  ],
  ['redness → step down', () => [s(14, red)], {}, 14 - down, 'step-down'],
  ['aborted after mild discomfort → step down', () => [s(14, mild, 'aborted')], {}, 14 - down, 'step-down'],
  [
    'aborted with no discomfort → hold',
    () => [s(14, tol({ sensation: 'none', discomfort: 0 }), 'aborted')],
    {},
    14,
    'hold',
  ],
  ['mild discomfort, completed → hold', () => [s(14, mild)], {}, 14, 'hold'],
  ['waterline irritation → hold', () => [s(14, waterline)], {}, 14, 'hold'],
  ['not recorded → hold', () => [s(14)], {}, 14, 'hold'],
  ['interrupted → hold', () => [s(14, ok, 'interrupted')], {}, 14, 'hold'],
  ['a later fault with nothing recorded is skipped', () => [s(14, ok), s(16, undefined, 'fault')], {}, 16, 'step-up'],
  ['a step down never goes below the zone minimum', () => [s(zoneMin, sore)], {}, zoneMin, 'step-down'],
  ['comfortable at the zone maximum → hold at it', () => [s(zoneMax, ok)], {}, zoneMax, 'hold'],
  ['one step short of the maximum → the maximum', () => [s(zoneMax - 1, ok)], {}, zoneMax, 'hold'],
  ['a cap stops a step up', () => [s(16, ok)], { cap: mA(17) }, 17, 'capped'],
  ['a cap below the last current lowers it', () => [s(20, ok)], { cap: mA(12) }, 12, 'capped'],
  ['a pin fixes the current whatever the history', () => [s(10, ok), s(12, sore)], { pin: mA(15) }, 15, 'pinned'],
  ['a pin above the cap is held at the cap', () => [], { pin: mA(20), cap: mA(18) }, 18, 'capped'],
  ['a burn stops the course', () => [s(14, ok), s(16, burn), s(14, ok)], {}, 0, 'stopped'],
  ['vesicles stop the course even with a pin', () => [s(14, blisters)], { pin: mA(12) }, 0, 'stopped'],
  [
    'a burn before the last clinician review no longer stops it',
    () => [s(14, burn), s(10, ok)],
    { reviewedAt: '2026-03-20T00:00:00Z' },
    10 + up,
    'step-up',
  ],
];

describe('nextCurrent: table of histories → next current (tapwater-palms)', () => {
  for (const [name, history, override, current, step] of TABLE) {
    it(name, () => {
      day = 0;
      const r = nextCurrent(palms, 'palms', history(), override);
      expect({ current: r.current, step: r.step }).toEqual({ current, step });
      expect(r.stopped).toBe(step === 'stopped');
      expect(r.reason.length).toBeGreaterThan(10);
    });
  }

  it('reads the history in time order, whatever order it is given in', () => {
    day = 0;
    const h = [s(10, ok), s(12, sore)];
    expect(nextCurrent(palms, 'palms', [...h].reverse()).current).toBe(12 - down);
  });

  it('names the source of the start and the step in its reason', () => {
    expect(nextCurrent(palms, 'palms', []).reason).toContain('[F5]');
    day = 0;
    expect(nextCurrent(palms, 'palms', [s(10, ok)]).reason).toContain('[D2]');
  });

  it('runs a zone without a titration block at its own value (fixed), still within a cap and the stop rule', () => {
    const dex = findProtocol('dexamethasone');
    const zone = dex.default_zone;
    const z = dex.zones[zone]!;
    expect(z.titration).toBeUndefined();
    expect(nextCurrent(dex, zone, [])).toMatchObject({ current: z.current_mA.value, step: 'fixed' });
    expect(nextCurrent(dex, zone, [], { cap: mA(z.current_mA.min) })).toMatchObject({
      current: z.current_mA.min,
      step: 'capped',
    });
    day = 0;
    expect(nextCurrent(dex, zone, [s(z.current_mA.value, burn)]).step).toBe('stopped');
  });

  it('refuses a pin or cap outside the zone range, naming the field and the range', () => {
    for (const [o, field] of [
      [{ pin: mA(zoneMax + 1) }, 'pin_mA'],
      [{ cap: mA(zoneMin - 1) }, 'cap_mA'],
      [{ pin: mA(Number.NaN) }, 'pin_mA'],
    ] as const) {
      try {
        nextCurrent(palms, 'palms', [], o);
        expect.fail('accepted');
      } catch (e) {
        expect(isIontoError(e) && e.code).toBe('ION_ERR_OUT_OF_RANGE');
        expect((e as { details?: { field?: string } }).details?.field).toBe(field);
        expect((e as Error).message).toContain(`${zoneMin}–${zoneMax} mA`);
      }
    }
  });

  it('refuses an unknown zone', () => {
    expect(() => nextCurrent(palms, 'knees', [])).toThrow(/no zone "knees"/);
  });

  it('refuses to plan a session for a stopped course', () => {
    day = 0;
    const r = nextCurrent(palms, 'palms', [s(14, burn)]);
    expect(() => titratedChoices(palms, 'palms', r)).toThrow(/stopped until a clinician reviews/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties over every library protocol with a titration block

const titrated: [Protocol, string][] = [...protocolLibrary().values()].flatMap((p) =>
  Object.entries(p.zones)
    .filter(([, z]) => z.titration !== undefined)
    .map(([zone]) => [p, zone] as [Protocol, string]),
);

const anyToleranceArb = fc
  .record({
    sensation: fc.constantFrom(...SENSATIONS),
    discomfort: fc.integer({ min: 0, max: 10 }),
    findings: fc.uniqueArray(fc.constantFrom(...SKIN_FINDINGS), { maxLength: 3 }),
  })
  .map((x) => toleranceEntrySchema.parse(x));
/** Mostly comfortable sessions, so that the step-up branch is reached as often as the others. */
const toleranceArb = fc.oneof({ arbitrary: fc.constant(ok), weight: 3 }, { arbitrary: anyToleranceArb, weight: 2 });
const sometimes = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: a, weight: 1 });

const caseArb = fc.constantFrom(...titrated).chain(([p, zone]) => {
  const z = p.zones[zone]!;
  const current = fc.double({ min: z.current_mA.min, max: z.current_mA.max, noNaN: true });
  const session = fc.record(
    {
      day: fc.integer({ min: 0, max: 200 }),
      target: current,
      status: fc.oneof(
        { arbitrary: fc.constant('completed' as const), weight: 4 },
        {
          arbitrary: fc.constantFrom('aborted', 'fault', 'interrupted') as fc.Arbitrary<TitrationSession['status']>,
          weight: 1,
        },
      ),
      tolerance: toleranceArb,
    },
    { requiredKeys: ['day', 'target', 'status'] },
  );
  return fc.record({
    p: fc.constant(p),
    zone: fc.constant(zone),
    history: fc.array(session, { maxLength: 8 }),
    cap: sometimes(current),
    pin: sometimes(current),
  });
});

const sessionsOf = (
  h: { day: number; target: number; status: TitrationSession['status']; tolerance?: ToleranceEntry }[],
) =>
  h.map((x) => ({
    at: new Date(Date.UTC(2026, 0, 1) + x.day * 86_400_000).toISOString(),
    target: mA(x.target),
    status: x.status,
    ...(x.tolerance ? { tolerance: x.tolerance } : {}),
  }));

describe('nextCurrent properties (every library zone with a titration block)', () => {
  it('covers the tap-water and glycopyrrolate library protocols', () => {
    expect(titrated.map(([p]) => p.id).sort()).toEqual([
      'glycopyrrolate-palms',
      'tapwater-axillae',
      'tapwater-palms',
      'tapwater-palms-soles',
      'tapwater-soles',
    ]);
  });

  it('never goes above the zone maximum, the density limit or the cap, nor below the zone minimum unless stopped', () => {
    fc.assert(
      fc.property(caseArb, ({ p, zone, history, cap, pin }) => {
        const z = p.zones[zone]!;
        const override = {
          ...(cap === undefined ? {} : { cap: mA(cap) }),
          ...(pin === undefined ? {} : { pin: mA(pin) }),
        };
        const r = nextCurrent(p, zone, sessionsOf(history), override);
        const limit = Math.min(z.current_mA.max, z.max_density_mA_per_cm2.value * z.area_cm2.value, cap ?? Infinity);
        expect(r.limit).toBeLessThanOrEqual(limit);
        expect(r.limit).toBeGreaterThan(limit - 0.01);
        if (r.stopped) {
          expect(r.current).toBe(0);
          expect(history.some((h) => h.tolerance?.findings.some((f) => f === 'burn' || f === 'vesicles'))).toBe(true);
          return;
        }
        expect(r.current).toBeLessThanOrEqual(limit + 1e-9);
        expect(r.current).toBeGreaterThanOrEqual(z.current_mA.min);
        if (pin !== undefined) {
          expect(r.current).toBe(Math.min(Math.round(pin * 100) / 100, r.limit));
        }
      }),
    );
  });

  it('compilePlan accepts the titrated choices for every step of every titrated library zone', () => {
    const seen = new Set<TitrationStep>();
    fc.assert(
      fc.property(caseArb, ({ p, zone, history, cap, pin }) => {
        const override = {
          ...(cap === undefined ? {} : { cap: mA(cap) }),
          ...(pin === undefined ? {} : { pin: mA(pin) }),
        };
        const r = nextCurrent(p, zone, sessionsOf(history), override);
        seen.add(r.step);
        if (r.stopped) return;
        const plan = compilePlan(p, titratedChoices(p, zone, r), DEFAULT_DEVICE_INFO);
        expect(plan.target).toBe(r.current);
        expect(plan.zone).toBe(zone);
      }),
      { numRuns: 400 },
    );
    expect([...seen].sort()).toEqual(['capped', 'hold', 'pinned', 'start', 'step-down', 'step-up', 'stopped']);
  });

  it('compilePlan accepts every current a titration can reach, step by step from the start to the limit and back', () => {
    for (const [p, zone] of titrated) {
      const t = p.zones[zone]!.titration!;
      let history: TitrationSession[] = [];
      const reached: number[] = [];
      for (let i = 0; i < 40; i++) {
        const r = nextCurrent(p, zone, history);
        reached.push(r.current);
        compilePlan(p, titratedChoices(p, zone, r), DEFAULT_DEVICE_INFO);
        // Comfortable all the way up, then uncomfortable all the way down.
        const feel = i < 20 ? ok : sore;
        history = [
          ...history,
          {
            at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
            target: r.current,
            status: 'completed',
            tolerance: feel,
          },
        ];
      }
      const z = p.zones[zone]!;
      expect(reached[0], `${p.id} starts at its start`).toBe(t.start_mA.value);
      expect(Math.max(...reached), `${p.id} reaches its limit`).toBeCloseTo(
        Math.min(z.current_mA.max, z.max_density_mA_per_cm2.value * z.area_cm2.value),
        2,
      );
      expect(reached.at(-1), `${p.id} steps down to its minimum`).toBe(z.current_mA.min);
    }
  });
});
