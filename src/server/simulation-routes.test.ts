import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_LIMITS, simulateDrugDelivery } from '../physics/drug-delivery.js';
import { DRUGS, DRUG_IDS } from '../physics/drugs.js';
import { cm2, mA } from '../units/quantities.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { clockedWorld, disposeWorld } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';
import { chargeLimit_mAmin_per_cm2, decimate, MAX_POINTS, SimulationPool } from './simulation-routes.js';
import { isProblem } from './test-fixtures.js';

const URL_RUN = '/api/simulations/drug-delivery';

describe.each(TEST_BACKENDS)('drug-delivery simulation routes on $name', (backend) => {
  let w: ClockedWorld;
  beforeAll(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterAll(async () => disposeWorld(w));

  const run = (body: unknown, who = w.as.patientA) => w.call(who, 'POST', URL_RUN, body);

  it('lists every drug of the model with its charge, pole, sources, and the model’s input limits', async () => {
    const res = await w.call(w.as.patientA, 'GET', '/api/simulations/drugs');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items.map((d: { id: string }) => d.id)).toEqual(DRUG_IDS);
    const dex = body.items.find((d: { id: string }) => d.id === 'dexamethasone-phosphate');
    expect(dex).toMatchObject({ charge: -2, pole: 'cathode', max_charge_mAmin_per_cm2: null });
    expect(dex.sources).toContain('[63]');
    expect(body.items.find((d: { id: string }) => d.id === 'lidocaine').max_charge_mAmin_per_cm2).toBeGreaterThan(0);
    expect(body.limits).toEqual({
      current_mA: { above: 0, max: DELIVERY_LIMITS.maxCurrent },
      minutes: { above: 0, max: DELIVERY_LIMITS.maxMinutes },
      area_cm2: { min: DELIVERY_LIMITS.minArea, max: DELIVERY_LIMITS.maxArea },
      density_mA_per_cm2: { above: 0, max: DELIVERY_LIMITS.maxDensity },
      electrodes: ['ag-agcl', 'inert'],
    });
    expect(body.model.sources).toContain('[68]');
  });

  it('answers the same delivered amount, dose, efficiency and depth profile as `ionto simulate drug`', async () => {
    const res = await run({ drug: 'dexamethasone-phosphate', current_mA: 4, minutes: 10 });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    const direct = simulateDrugDelivery({ drug: 'dexamethasone-phosphate', current: mA(4), minutes: 10 });
    expect(r.delivered_ug).toBeCloseTo(direct.delivered_ug, 9);
    expect(r.dose_mAmin).toBe(40);
    expect(r.area_cm2).toBe(+DRUGS['dexamethasone-phosphate']!.defaultArea);
    expect(r.efficiency).toBeCloseTo(direct.transport_number, 12);
    expect(r.efficiency).toBeGreaterThan(0);
    expect(r.efficiency).toBeLessThan(1);
    expect(r.depth_profile.depth_um).toEqual(direct.depth_profile.map((p) => p.depth_um));
    expect(r.depth_profile.conc_ug_per_cm3).toEqual(direct.depth_profile.map((p) => p.conc_ug_per_cm3));
    expect(r.depth_profile.depth_um.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(r.timeline.t_min.at(-1)).toBeCloseTo(10, 9);
    expect(r.notes.length).toBeGreaterThan(2);
    expect(r.compute_ms).toBeGreaterThanOrEqual(0);
  });

  it('takes the electrode area and kind: an inert anode delivers less lidocaine than Ag/AgCl (H⁺ competes)', async () => {
    const agcl = await run({ drug: 'lidocaine', current_mA: 2, minutes: 5, area_cm2: 10 });
    const inert = await run({ drug: 'lidocaine', current_mA: 2, minutes: 5, area_cm2: 10, electrode: 'inert' });
    expect(agcl.statusCode, agcl.body).toBe(200);
    expect(inert.statusCode, inert.body).toBe(200);
    expect(inert.json().electrode).toBe('inert');
    expect(inert.json().delivered_ug).toBeLessThan(agcl.json().delivered_ug);
    expect(agcl.json().density_mA_per_cm2).toBeCloseTo(0.2, 12);
  });

  it('refuses inputs outside the model’s limits with a 400 naming the field and the limit', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ current_mA: 11 }, '/body/current_mA', /at most 10 mA/],
      [{ current_mA: 0 }, '/body/current_mA', /above 0 mA/],
      [{ minutes: 241 }, '/body/minutes', /at most 240 min/],
      [{ area_cm2: 0.1 }, '/body/area_cm2', /at least 0.5 cm²/],
      [{ drug: 'aspirin' }, '/body/drug', /must be one of dexamethasone-phosphate/],
      [{ electrode: 'gold' }, '/body/electrode', /ag-agcl, inert/],
      [{ current_mA: '4' }, '/body/current_mA', /number/],
    ];
    for (const [change, path, message] of cases) {
      const res = await run({ drug: 'lidocaine', current_mA: 4, minutes: 10, ...change });
      expect(res.statusCode, JSON.stringify(change)).toBe(400);
      expect(isProblem(res)).toBe(true);
      const err = res.json().errors.find((e: { path: string }) => e.path === path);
      expect(err?.message, `${JSON.stringify(change)}: ${res.body}`).toMatch(message);
    }
  });

  it('refuses a current density or a charge the model refuses, naming the field and the limit', async () => {
    // 5 mA over 2 cm² is 2.5 mA/cm², above the model's 1 mA/cm².
    const dense = await run({ drug: 'lidocaine', current_mA: 5, minutes: 10, area_cm2: 2 });
    expect(dense.statusCode).toBe(400);
    expect(dense.json().code).toBe('ION_ERR_OUT_OF_RANGE');
    expect(dense.json().detail).toMatch(/^current_mA: .*current_mA \/ area_cm2 must be at most 1 mA\/cm² \(got 2\.5\)/);
    // Pilocarpine's vehicle holds little nitrate: 4 mA for 40 min over 5 cm² runs it out at the anode.
    const long = await run({ drug: 'pilocarpine', current_mA: 4, minutes: 40, area_cm2: 5 });
    expect(long.statusCode).toBe(400);
    const limit = chargeLimit_mAmin_per_cm2(DRUGS.pilocarpine!)!;
    expect(long.json().detail).toContain(`at most ${Number(limit.toPrecision(4))} mA·min/cm²`);
    expect(long.json().detail).toMatch(/^minutes: /);
  });

  it('states the anode charge limit the model checks: just under it runs, just over it is refused', () => {
    const drug = DRUGS.pilocarpine!;
    const limit = chargeLimit_mAmin_per_cm2(drug)!;
    const area = 5;
    const current = 1;
    const minutesAt = (f: number) => (limit * f * area) / current;
    expect(() =>
      simulateDrugDelivery({ drug: drug.id, current: mA(current), minutes: minutesAt(1.01), area: cm2(area) }),
    ).toThrow(/charge density/);
    expect(
      simulateDrugDelivery({ drug: drug.id, current: mA(current), minutes: minutesAt(0.99), area: cm2(area) })
        .delivered_ug,
    ).toBeGreaterThan(0);
    expect(chargeLimit_mAmin_per_cm2(DRUGS['dexamethasone-phosphate']!)).toBeNull();
    expect(chargeLimit_mAmin_per_cm2(drug, 'inert')).toBeNull();
  });

  it('is for signed-in users: anonymous requests get 401 before any run', async () => {
    const res = await w.app.inject({
      method: 'POST',
      url: URL_RUN,
      payload: { drug: 'lidocaine', current_mA: 4, minutes: 10 },
    });
    expect(res.statusCode).toBe(401);
    expect((await w.app.inject({ method: 'GET', url: '/api/simulations/drugs' })).statusCode).toBe(401);
  });
});

describe('the simulation pool', () => {
  it('keeps at most maxQueued runs waiting and refuses more with 429 at once', async () => {
    const pool = new SimulationPool({ maxQueued: 1 });
    try {
      const job = { drug: 'lidocaine', current_mA: 2, minutes: 20, area_cm2: 10 };
      const first = pool.run(job);
      const second = pool.run(job);
      await expect(pool.run(job)).rejects.toMatchObject({ code: 'ION_ERR_RATE_LIMITED' });
      const [a, b] = await Promise.all([first, second]);
      expect(a.result.delivered_ug).toBeCloseTo(b.result.delivered_ug, 12);
      // Once the queue has drained, a new run is taken again.
      await expect(pool.run({ ...job, minutes: 1 })).resolves.toMatchObject({ result: { minutes: 1 } });
    } finally {
      await pool.close();
    }
  });

  it('stops a run that takes longer than its timeout with its worker, and runs the next on a new one', async () => {
    const pool = new SimulationPool({ timeoutMs: 50 });
    try {
      await expect(pool.run({ drug: 'fentanyl', current_mA: 1, minutes: 240, area_cm2: 10 })).rejects.toMatchObject({
        code: 'ION_ERR_UNAVAILABLE',
      });
    } finally {
      await pool.close();
    }
    const fresh = new SimulationPool();
    try {
      await expect(fresh.run({ drug: 'fentanyl', current_mA: 1, minutes: 1 })).resolves.toMatchObject({
        result: { minutes: 1 },
      });
    } finally {
      await fresh.close();
    }
  });

  it('decimates a long series to at most 200 points, keeping the first and the last', () => {
    const pts = Array.from({ length: 1001 }, (_, i) => i);
    const d = decimate(pts);
    expect(d).toHaveLength(200);
    expect(d[0]).toBe(0);
    expect(d.at(-1)).toBe(1000);
    expect(decimate([1, 2, 3])).toEqual([1, 2, 3]);
  });
});
