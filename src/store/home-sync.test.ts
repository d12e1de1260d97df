import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { homeWorld } from './home-store-fixtures.js';
import { syncDiaryEntry, syncUploadedSession } from './home-sync.js';
import type { Store } from './open-store.js';
import type { UploadedSession } from './sessions.js';
import { listSessions } from './sessions.js';
import { appendTelemetry, listTelemetry } from './telemetry.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';

describe.each(TEST_BACKENDS)('home sync on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    testDb = backend.fresh();
    store = await testDb.open();
  });
  afterEach(async () => testDb.dispose());

  const uploaded = (patientId: string, clientId: string): UploadedSession => ({
    patient_id: patientId,
    protocol: 'tapwater-palms',
    zone: 'palms',
    client_id: clientId,
    status: 'completed',
    started_at: '2026-11-20T18:00:00.000Z',
    ended_at: '2026-11-20T18:20:00.000Z',
    delivered_mamin: 300,
    report: { target_mA: 15, delivered_mAmin: 300 },
  });

  it('counts a session uploaded twice once, with its telemetry once', async () => {
    const w = await homeWorld(store);
    const clientId = randomUUID();
    const samples = [0, 1000, 2000].map((t) => ({ t_ms: t, phase: 'treat', setpoint: 15, current: 15, voltage: 10 }));
    const first = await syncUploadedSession(store, uploaded(w.patient.id, clientId));
    await appendTelemetry(store, first.row.id, samples);
    const second = await syncUploadedSession(store, uploaded(w.patient.id, clientId));
    await appendTelemetry(store, second.row.id, samples);
    expect([first.status, second.status]).toEqual(['created', 'duplicate']);
    expect(second.row.id).toBe(first.row.id);
    expect((await listSessions(store, {}, { patient_id: w.patient.id })).items).toHaveLength(1);
    expect(await listTelemetry(store, first.row.id)).toHaveLength(3);
    expect(first.row).toMatchObject({ status: 'completed', delivered_mamin: 300, client_id: clientId });
  });

  it('stores one row when two uploads of one client id race', async () => {
    const w = await homeWorld(store);
    const clientId = randomUUID();
    const results = await Promise.all([
      syncUploadedSession(store, uploaded(w.patient.id, clientId)),
      syncUploadedSession(store, uploaded(w.patient.id, clientId)),
      syncDiaryEntry(store, { patient_id: w.patient.id, client_id: clientId, value: {}, recorded_at: new Date() }),
      syncDiaryEntry(store, { patient_id: w.patient.id, client_id: clientId, value: {}, recorded_at: new Date() }),
    ]);
    expect(
      results
        .slice(0, 2)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['created', 'duplicate']);
    expect(
      results
        .slice(2)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['created', 'duplicate']);
    expect((await listSessions(store, {}, { patient_id: w.patient.id })).items).toHaveLength(1);
    const diary = await store.db.selectFrom('outcomes').selectAll().where('client_id', '=', clientId).execute();
    expect(diary).toHaveLength(1);
  });

  it('runs `after` with the new row in the same transaction, and not for a duplicate', async () => {
    const w = await homeWorld(store);
    const clientId = randomUUID();
    const seen: string[] = [];
    const after = async (_tx: Store, s: { id: string }) => {
      seen.push(s.id);
    };
    await syncUploadedSession(store, uploaded(w.patient.id, clientId), after);
    await syncUploadedSession(store, uploaded(w.patient.id, clientId), after);
    expect(seen).toHaveLength(1);
    const failing = syncUploadedSession(store, uploaded(w.patient.id, randomUUID()), () =>
      Promise.reject(new Error('x')),
    );
    await expect(failing).rejects.toThrow('x');
    expect((await listSessions(store, {}, { patient_id: w.patient.id })).items).toHaveLength(1);
  });

  it('leaves many sessions without a client id side by side (the unique index ignores NULL)', async () => {
    const w = await homeWorld(store);
    const { startSession } = await import('./sessions.js');
    await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
    await startSession(store, { patient_id: w.patient.id, protocol: 'tapwater-palms', zone: 'palms' });
    expect((await listSessions(store, {}, { patient_id: w.patient.id })).items).toHaveLength(2);
  });
});
