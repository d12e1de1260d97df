import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { getHomePlan } from './home-plans.js';
import { homeWorld } from './home-store-fixtures.js';
import type { Store } from './open-store.js';
import { startSession } from './sessions.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';
import { listToleranceRecords, recordTolerance } from './tolerance-records.js';
import type { NewToleranceRecord } from './tolerance-records.js';

const entry = { sensation: 'tingling', discomfort: 1, findings: [], engine_events: [] };

describe.each(TEST_BACKENDS)('tolerance records on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  const clock = { now: new Date('2026-11-21T09:00:00.000Z') };
  beforeEach(async () => {
    testDb = backend.fresh();
    store = await testDb.open({ now: () => clock.now });
  });
  afterEach(async () => testDb.dispose());

  const input = (
    sessionId: string,
    patientId: string,
    extra: Partial<NewToleranceRecord> = {},
  ): NewToleranceRecord => ({
    session_id: sessionId,
    patient_id: patientId,
    entry,
    assessment: { stopCourse: false },
    recorded_by: 'user-1',
    recorded_at: '2026-11-21T09:30:00.000Z',
    ...extra,
  });

  it('stops the home plan when a burn is recorded, in the same transaction as the record', async () => {
    const w = await homeWorld(store);
    const s = await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
    const r = await recordTolerance(
      store,
      input(s.id, w.patient.id, { entry: { ...entry, findings: ['burn'] }, stop_reason: 'burn after the session' }),
    );
    expect(r.status).toBe('created');
    expect(r.stoppedPlan?.id).toBe(w.plan.id);
    expect(await getHomePlan(store, w.plan.id)).toMatchObject({
      status: 'stopped',
      stopped_reason: 'burn after the session',
    });
  });

  it('rolls the plan stop back when the record cannot be stored', async () => {
    const w = await homeWorld(store);
    const e = await recordTolerance(store, input('no-such-session', w.patient.id, { stop_reason: 'burn' })).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(Error);
    expect((await getHomePlan(store, w.plan.id)).status).toBe('active');
  });

  it('answers the stored record for a repeated client id and refuses a second record for the session', async () => {
    const w = await homeWorld(store);
    const s = await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
    const clientId = randomUUID();
    const first = await recordTolerance(store, input(s.id, w.patient.id, { client_id: clientId }));
    const again = await recordTolerance(store, input(s.id, w.patient.id, { client_id: clientId }));
    expect([first.status, again.status]).toEqual(['created', 'duplicate']);
    expect(again.record.id).toBe(first.record.id);
    const other = await recordTolerance(store, input(s.id, w.patient.id)).catch((x: unknown) => x);
    expect(isIontoError(other) && other.code).toBe('ION_ERR_CONFLICT');
    expect((await listToleranceRecords(store, w.patient.id)).items).toHaveLength(1);
  });

  it('keeps one record when two uploads of one client id race', async () => {
    const w = await homeWorld(store);
    const s = await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
    const clientId = randomUUID();
    const results = await Promise.all([
      recordTolerance(store, input(s.id, w.patient.id, { client_id: clientId })),
      recordTolerance(store, input(s.id, w.patient.id, { client_id: clientId })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['created', 'duplicate']);
    expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
    expect((await listToleranceRecords(store, w.patient.id)).items).toHaveLength(1);
  });

  it('lists a patient’s records newest first, page by page', async () => {
    const w = await homeWorld(store);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const s = await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
      const r = await recordTolerance(store, input(s.id, w.patient.id, { recorded_at: `2026-11-2${i}T09:30:00.000Z` }));
      ids.push(r.record.id);
    }
    const p1 = await listToleranceRecords(store, w.patient.id, { limit: 2 });
    const p2 = await listToleranceRecords(store, w.patient.id, { limit: 2, cursor: p1.next });
    const p3 = await listToleranceRecords(store, w.patient.id, { limit: 2, cursor: p2.next });
    expect([...p1.items, ...p2.items, ...p3.items].map((r) => r.id)).toEqual([...ids].reverse());
    expect(p3.next).toBeUndefined();
  });
});
