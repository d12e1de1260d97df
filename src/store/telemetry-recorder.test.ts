import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TraceRow } from '../engine/session-runner.js';
import type { Millisecond } from '../units/quantities.js';
import { createClinic } from './clinics.js';
import type { Store } from './open-store.js';
import { createPatient } from './patients.js';
import { startSession } from './sessions.js';
import { listTelemetry } from './telemetry.js';
import { TelemetryRecorder } from './telemetry-recorder.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';

const row = (t: number, current: number): TraceRow =>
  ({
    t: t as Millisecond,
    phase: 'treat',
    setpoint: 2,
    requested: 2,
    reference: 2,
    current,
    voltage: Number.isNaN(current) ? Number.NaN : 10,
    impedance: 5000,
    polarity: '+',
    outputEnabled: true,
    limit: 5,
    delivered: 0,
    telemetry: undefined,
  }) as TraceRow;

describe.each(TEST_BACKENDS)('telemetry recorder on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  let sessionId: string;

  beforeEach(async () => {
    testDb = backend.fresh();
    store = await testDb.open();
    const clinic = await createClinic(store, { name: 'C', time_zone: 'UTC' });
    const patient = await createPatient(store, {
      clinic_id: clinic.id,
      name: 'P',
      birth_date: '2000-01-01',
      time_zone: 'UTC',
      user_id: null,
    });
    sessionId = (await startSession(store, { patient_id: patient.id, protocol: 'x', zone: 'palms' })).id;
  });
  afterEach(async () => {
    await testDb.dispose();
  });

  it('writes runner rows in batches of about a second and keeps missing readings as null', async () => {
    const recorder = new TelemetryRecorder(store, sessionId, { flushEveryMs: 1000 });
    for (let t = 0; t <= 2_500; t += 20) recorder.record(row(t, t === 100 ? Number.NaN : 2));
    // Two batches (at 1 s and 2 s) were started by record itself; wait for them without flushing the rest.
    await recorder.settled();
    const before = await listTelemetry(store, sessionId);
    expect(before.length).toBe(101);
    expect(before.find((s) => s.t_ms === 100)?.current).toBeNull();
    await recorder.flush();
    expect(await listTelemetry(store, sessionId)).toHaveLength(126);
  });

  it('reports a failed write on flush', async () => {
    const recorder = new TelemetryRecorder(store, 'no-such-session');
    recorder.record(row(0, 1));
    await expect(recorder.flush()).rejects.toThrow();
  });
});
