import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { createHomePlan, currentHomePlan, getHomePlan, stopActiveHomePlan, updateHomePlan } from './home-plans.js';
import { homeWorld } from './home-store-fixtures.js';
import type { Store } from './open-store.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (isIontoError(e) ? e.code : String(e)),
  );

describe.each(TEST_BACKENDS)('home plans on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    testDb = backend.fresh();
    store = await testDb.open();
  });
  afterEach(async () => testDb.dispose());

  it('stores a plan with its warning signs, pin and cap, and reads it back as the current plan', async () => {
    const w = await homeWorld(store);
    const plan = await updateHomePlan(store, w.plan.id, 1, { pin_ma: 12.5, cap_ma: 15 });
    expect(plan).toMatchObject({ status: 'active', pin_ma: 12.5, cap_ma: 15, interval_days: 14, version: 2 });
    expect((await getHomePlan(store, w.plan.id)).warning_signs).toEqual(['blisters or a burn']);
    expect((await currentHomePlan(store, w.patient.id))?.id).toBe(w.plan.id);
  });

  it('ends the previous plan when a new one is created', async () => {
    const w = await homeWorld(store);
    const next = await createHomePlan(store, {
      patient_id: w.patient.id,
      course_id: w.courseId,
      protocol: 'tapwater-palms',
      zone: 'palms',
      mode: 'dc',
      interval_days: 7,
      warning_signs: [],
      created_by: w.clinicianId,
    });
    expect((await getHomePlan(store, w.plan.id)).status).toBe('ended');
    expect((await currentHomePlan(store, w.patient.id))?.id).toBe(next.id);
  });

  it('stops the active plan with the reason, and a stale update is a conflict', async () => {
    const w = await homeWorld(store);
    const stopped = await stopActiveHomePlan(store, w.patient.id, 'burn recorded');
    expect(stopped).toMatchObject({ id: w.plan.id, status: 'stopped', stopped_reason: 'burn recorded' });
    expect(await stopActiveHomePlan(store, w.patient.id, 'again')).toBeUndefined();
    expect(await codeOf(updateHomePlan(store, w.plan.id, 1, { status: 'active' }))).toBe('ION_ERR_CONFLICT');
  });

  it('refuses an interval outside 1 to 365 days and a current of 0 mA, naming the field', async () => {
    const w = await homeWorld(store);
    expect(await codeOf(updateHomePlan(store, w.plan.id, 1, { interval_days: 0 }))).toBe('ION_ERR_OUT_OF_RANGE');
    const e = await updateHomePlan(store, w.plan.id, 1, { cap_ma: 0 }).catch((x: unknown) => x);
    expect(isIontoError(e) && e.details.field).toBe('cap_mA');
  });
});
