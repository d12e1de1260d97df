import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClinic, listAudit, listPlannedSessions } from '../store/index.js';
import type { Store } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { TestDatabase } from '../store/test-backends.js';
import { DEMO_CLINIC_NAME, DEMO_EMAILS, seedDemoClinic } from './demo-clinic.js';
import { verifyPassword } from './passwords.js';

describe.each(TEST_BACKENDS)('demo clinic on $name', (backend) => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = backend.fresh();
    store = await db.open();
  });
  afterEach(async () => db.dispose());

  it('seeds an empty database once: a marked clinic, one user per role, patients with courses, a device', async () => {
    const demo = await seedDemoClinic(store, { password: 'demo-password-1', timeZone: 'Europe/Berlin' });
    expect(demo).toBeDefined();
    expect(demo!.clinic.name).toBe(DEMO_CLINIC_NAME);
    for (const [role, u] of Object.entries(demo!.users)) {
      expect(u.email).toBe(DEMO_EMAILS[role as keyof typeof DEMO_EMAILS]);
      expect(u.clinic_id).toBe(demo!.clinic.id);
      expect(await verifyPassword(u.password_hash!, 'demo-password-1')).toBe(true);
    }
    expect(demo!.patients.filter((p) => p.user_id === demo!.users.patient.id)).toHaveLength(1);
    const courses = await store.db.selectFrom('courses').selectAll().execute();
    expect(courses).toHaveLength(demo!.patients.length);
    for (const c of courses) expect((await listPlannedSessions(store, c.id)).length).toBeGreaterThan(0);
    expect(demo!.device.kind).toBe('simulated');
    const actions = (await listAudit(store, { limit: 1000 })).map((e) => e.action);
    expect(actions.filter((a) => a === 'patient.create')).toHaveLength(demo!.patients.length);

    expect(await seedDemoClinic(store)).toBeUndefined();
    expect(await store.db.selectFrom('clinics').select('id').execute()).toHaveLength(1);
  });

  it('leaves a database that already holds a clinic alone', async () => {
    await createClinic(store, { name: 'Real clinic', time_zone: 'UTC' });
    expect(await seedDemoClinic(store)).toBeUndefined();
    expect(await store.db.selectFrom('users').select('id').execute()).toEqual([]);
  });
});
