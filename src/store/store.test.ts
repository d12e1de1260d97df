import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { isIontoError } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { appendAudit, listAudit } from './audit-log.js';
import { createClinic, getClinic, listClinics, updateClinic } from './clinics.js';
import { createCourse, listPlannedSessions, updatePlannedSession } from './courses.js';
import { migrationsFor } from './migrations.js';
import type { Store } from './open-store.js';
import { createPatient, listPatients, updatePatient } from './patients.js';
import { createScreening, getScreening, listScreenings } from './screenings.js';
import { finishSession, getSession, interruptRunningSessions, markInterrupted, startSession } from './sessions.js';
import { appendTelemetry, listTelemetry } from './telemetry.js';
import type { TelemetrySample } from './telemetry.js';
import { TEST_BACKENDS } from './test-backends.js';
import type { TestDatabase } from './test-backends.js';
import { createUser, findUserByEmail, updateUser } from './users.js';
import { createDevice, findDeviceByTokenHash, updateDevice } from './devices.js';
import { getOutcome, listOutcomes, recordOutcome, updateOutcome } from './outcomes.js';
import { createSweatTest, getSweatTest, updateSweatTest } from './sweat-tests.js';
import type { Page } from './versioned-rows.js';

const TABLES = [
  'api_tokens',
  'audit_log',
  'clinics',
  'course_options',
  'courses',
  'devices',
  'home_plans',
  'outcomes',
  'patients',
  'planned_sessions',
  'screenings',
  'sessions',
  'sweat_tests',
  'telemetry',
  'tolerance_records',
  'users',
];

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isIontoError(e) ? e.code : e).toBe(code);
}

async function collectAll<T extends { id: string }>(
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await fetch(cursor);
    ids.push(...page.items.map((r) => r.id));
    if (page.next === undefined) return ids;
    cursor = page.next;
  }
  throw new Error('pagination did not end');
}

/** Samples every `stepMs` at a constant current, from `fromMs` up to and including `toMs`. */
const samples = (fromMs: number, toMs: number, stepMs: number, current: number): TelemetrySample[] => {
  const out: TelemetrySample[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs)
    out.push({ t_ms: t, phase: 'treat', setpoint: current, current, voltage: 12.5 });
  return out;
};

describe.each(TEST_BACKENDS)('store on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  const clock = { now: new Date('2026-11-21T09:00:00.000Z') };

  beforeEach(async () => {
    clock.now = new Date('2026-11-21T09:00:00.000Z');
    testDb = backend.fresh();
    store = await testDb.open({ now: () => clock.now });
  });
  afterEach(async () => {
    await testDb.dispose();
  });

  const aClinic = () => createClinic(store, { name: 'Dermatology', time_zone: 'Europe/Paris' });
  const aPatient = async (clinicId?: string) =>
    createPatient(store, {
      clinic_id: clinicId ?? (await aClinic()).id,
      name: 'A. Patient',
      birth_date: '1990-04-01',
      time_zone: 'Europe/Paris',
      user_id: null,
    });

  describe('migrations', () => {
    it('run on an empty database, create every table, and running them again changes nothing', async () => {
      const empty = backend.fresh();
      try {
        const s = await empty.open({ migrate: false });
        const before = (await s.db.introspection.getTables()).filter(
          (t) => s.schema === undefined || t.schema === s.schema,
        );
        expect(before.map((t) => t.name)).toEqual([]);
        const first = await s.migrate();
        expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(
          Object.keys(migrationsFor(backend.name)).map((name) => [name, 'Success']),
        );
        const second = await s.migrate();
        expect(second.results).toEqual([]);
        const tables = (await s.db.introspection.getTables())
          .filter((t) => s.schema === undefined || t.schema === s.schema)
          .map((t) => t.name)
          .sort();
        expect(tables).toEqual(TABLES);
        await s.close();
        // Reopening an already migrated database migrates nothing and keeps working.
        const again = await empty.open();
        expect((await again.migrate()).results).toEqual([]);
      } finally {
        await empty.dispose();
      }
    });
  });

  describe('optimistic concurrency', () => {
    it('refuses an update made against a stale version and keeps the newer row', async () => {
      const c = await aClinic();
      expect(c.version).toBe(1);
      clock.now = new Date('2026-11-21T10:00:00.000Z');
      const renamed = await updateClinic(store, c.id, 1, { name: 'Dermatology East' });
      expect(renamed).toMatchObject({ version: 2, name: 'Dermatology East', updated_at: '2026-11-21T10:00:00.000Z' });
      expect(renamed.created_at).toBe(c.created_at);
      await expectCode(updateClinic(store, c.id, 1, { name: 'Lost write' }), 'ION_ERR_CONFLICT');
      expect((await getClinic(store, c.id)).name).toBe('Dermatology East');
    });

    it('lets exactly one of two concurrent updates from the same version win', async () => {
      const c = await aClinic();
      const results = await Promise.allSettled([
        updateClinic(store, c.id, 1, { name: 'first' }),
        updateClinic(store, c.id, 1, { name: 'second' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(isIontoError(lost?.reason) && lost.reason.code).toBe('ION_ERR_CONFLICT');
      expect((await getClinic(store, c.id)).version).toBe(2);
    });

    it('reports a missing row as not found, for reads and updates alike', async () => {
      await expectCode(getClinic(store, 'nope'), 'ION_ERR_NOT_FOUND');
      await expectCode(updateClinic(store, 'nope', 1, { name: 'x' }), 'ION_ERR_NOT_FOUND');
    });

    it('versions users and patients the same way', async () => {
      const u = await createUser(store, {
        clinic_id: null,
        email: ' Nurse@Example.org ',
        password_hash: 'h',
        role: 'nurse',
      });
      expect((await findUserByEmail(store, 'nurse@example.org'))?.id).toBe(u.id);
      await updateUser(store, u.id, 1, { role: 'clinician' });
      await expectCode(updateUser(store, u.id, 1, { role: 'admin' }), 'ION_ERR_CONFLICT');
      const p = await aPatient();
      await updatePatient(store, p.id, 1, { user_id: u.id });
      await expectCode(updatePatient(store, p.id, 1, { name: 'B' }), 'ION_ERR_CONFLICT');
    });
  });

  describe('pagination', () => {
    it('returns every row exactly once across pages, filtered by clinic', async () => {
      const [a, b] = [await aClinic(), await aClinic()];
      const inA: string[] = [];
      for (let i = 0; i < 23; i++) inA.push((await aPatient(a!.id)).id);
      for (let i = 0; i < 4; i++) await aPatient(b!.id);
      const seen = await collectAll((cursor) => listPatients(store, { limit: 5, cursor }, { clinic_id: a!.id }));
      expect(seen).toHaveLength(23);
      expect(new Set(seen)).toEqual(new Set(inA));
      const clinics = await collectAll((cursor) => listClinics(store, { limit: 1, cursor }));
      expect(clinics.sort()).toEqual([a!.id, b!.id].sort());
    });

    it('refuses a page size out of range', async () => {
      await expectCode(listClinics(store, { limit: 0 }), 'ION_ERR_OUT_OF_RANGE');
      await expectCode(listClinics(store, { limit: 10_000 }), 'ION_ERR_OUT_OF_RANGE');
    });
  });

  describe('sessions and telemetry', () => {
    it('keeps stored telemetry batches across a restart and marks the session interrupted with the dose stored', async () => {
      const durable = backend.fresh({ persistent: true });
      try {
        let s = await durable.open({ now: () => clock.now });
        const p = await createPatient(s, {
          clinic_id: (await createClinic(s, { name: 'C', time_zone: 'UTC' })).id,
          name: 'P',
          birth_date: '1980-01-01',
          time_zone: 'UTC',
          user_id: null,
        });
        const session = await startSession(s, { patient_id: p.id, protocol: 'tap-water-palms', zone: 'palms' });
        // 2 mA for 60 s in two batches of 30 s: 2 mA·min stored. The batch after it never reached the store.
        await appendTelemetry(s, session.id, samples(0, 30_000, 100, 2));
        await appendTelemetry(s, session.id, samples(30_100, 60_000, 100, 2));
        await s.close();

        s = await durable.open({ now: () => clock.now });
        expect(await listTelemetry(s, session.id)).toHaveLength(601);
        const [interrupted] = await interruptRunningSessions(s);
        expect(interrupted).toMatchObject({ id: session.id, status: 'interrupted', version: 2 });
        expect(interrupted!.delivered_mamin).toBeCloseTo(2, 9);
        expect(interrupted!.ended_at).toBe('2026-11-21T09:01:00.000Z');
        await expectCode(markInterrupted(s, session.id), 'ION_ERR_CONFLICT');
      } finally {
        await durable.dispose();
      }
    });

    it('stores a batch whole or not at all, and a retried batch adds no duplicates', async () => {
      const session = await startSession(store, { patient_id: (await aPatient()).id, protocol: 'x', zone: 'palms' });
      const batch = samples(0, 1_000, 100, 1.5);
      await appendTelemetry(store, session.id, batch);
      await appendTelemetry(store, session.id, batch);
      expect(await listTelemetry(store, session.id)).toHaveLength(11);
      const broken = [
        ...samples(1_100, 2_000, 100, 1.5),
        { ...batch[0]!, t_ms: 2_100, phase: null as unknown as string },
      ];
      await expect(appendTelemetry(store, session.id, broken)).rejects.toThrow();
      expect(await listTelemetry(store, session.id)).toHaveLength(11);
    });

    it('integrates the magnitude of the stored current and skips gaps with no reading', async () => {
      const session = await startSession(store, { patient_id: (await aPatient()).id, protocol: 'x', zone: 'palms' });
      await appendTelemetry(store, session.id, [
        { t_ms: 0, phase: 'treat', setpoint: 3, current: -3, voltage: -9 },
        { t_ms: 30_000, phase: 'treat', setpoint: 3, current: -3, voltage: -9 },
        { t_ms: 40_000, phase: 'pause', setpoint: 0, current: Number.NaN, voltage: Number.NaN },
        { t_ms: 50_000, phase: 'treat', setpoint: 3, current: 3, voltage: 9 },
      ]);
      const stored = await listTelemetry(store, session.id);
      expect(stored[2]).toMatchObject({ current: null, voltage: null });
      const s = await markInterrupted(store, session.id);
      expect(s.delivered_mamin).toBeCloseTo(1.5, 9);
    });

    it('finishes a running session once, with its report kept as JSON', async () => {
      const session = await startSession(store, {
        patient_id: (await aPatient()).id,
        protocol: 'tap-water-palms',
        zone: 'palms',
        started_at: '2026-11-21T10:00:00+01:00',
      });
      expect(session.started_at).toBe('2026-11-21T09:00:00.000Z');
      const report = { status: 'completed', delivered_mAmin: 12.5, events: [{ t_s: 1, code: 'ION_EVT_CONTACT' }] };
      const done = await finishSession(store, session.id, { status: 'completed', report });
      expect(done).toMatchObject({ status: 'completed', delivered_mamin: 12.5, report });
      expect((await getSession(store, session.id)).report).toEqual(report);
      await expectCode(finishSession(store, session.id, { status: 'aborted' }), 'ION_ERR_CONFLICT');
    });
  });

  describe('audit log', () => {
    it('only grows: entries come back in order and the database refuses updates and deletes', async () => {
      for (const action of ['patient.create', 'patient.update', 'session.start']) {
        await appendAudit(store, { actor: 'user-1', action, entity: 'patients', entity_id: 'p-1' });
      }
      const entries = await listAudit(store);
      expect(entries.map((e) => e.action)).toEqual(['patient.create', 'patient.update', 'session.start']);
      expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((x, y) => x - y));
      await expect(store.db.updateTable('audit_log').set({ actor: 'mallory' }).execute()).rejects.toThrow(
        /append-only/,
      );
      await expect(store.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      if (backend.name === 'postgres') {
        await expect(sql`truncate audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
      }
      expect(await listAudit(store)).toEqual(entries);
      expect(await listAudit(store, { afterSeq: entries[0]!.seq, limit: 1 })).toEqual([entries[1]]);
    });

    it('refuses free text, which keeps patient data out of it', async () => {
      await expectCode(
        appendAudit(store, {
          actor: 'user-1',
          action: 'note',
          entity: 'patients',
          entity_id: 'Jane Doe, hyperhidrosis',
        }),
        'ION_ERR_OUT_OF_RANGE',
      );
    });
  });

  describe('time', () => {
    it('stores instants as UTC and returns them unchanged, whatever offset they were given in', async () => {
      const p = await aPatient();
      expect(p.created_at).toBe('2026-11-21T09:00:00.000Z');
      const s = await createScreening(store, {
        patient_id: p.id,
        protocol: 'tap-water-palms',
        answers: { pregnancy: false, pacemaker: false, notes: ['é', 'ü'] },
        result: 'allowed',
        reasons: [],
        answered_at: '2026-03-29T02:30:00.123+02:00',
      });
      expect(s.answered_at).toBe('2026-03-29T00:30:00.123Z');
      const back = await getScreening(store, s.id);
      expect(back.answered_at).toBe('2026-03-29T00:30:00.123Z');
      expect(back.answers).toEqual({ pregnancy: false, pacemaker: false, notes: ['é', 'ü'] });
      expect(new Date(back.answered_at).getTime()).toBe(Date.UTC(2026, 2, 29, 0, 30, 0, 123));
      expect((await listScreenings(store, {}, { patient_id: p.id })).items).toHaveLength(1);
      await expectCode(createScreening(store, { ...s, answered_at: '2026-03-29T02:30:00' }), 'ION_ERR_INVALID_INSTANT');
    });

    it('accepts IANA zones and refuses offsets and unknown names', async () => {
      const c = await createClinic(store, { name: 'Auckland', time_zone: 'Pacific/Auckland' });
      expect(c.time_zone).toBe('Pacific/Auckland');
      for (const bad of ['+02:00', 'GMT+2', 'Mars/Olympus_Mons', '']) {
        await expectCode(createClinic(store, { name: 'x', time_zone: bad }), 'ION_ERR_INVALID_TIME_ZONE');
      }
      const p = await aPatient(c.id);
      await expectCode(updatePatient(store, p.id, 1, { time_zone: 'CET+1' }), 'ION_ERR_INVALID_TIME_ZONE');
      await expectCode(updatePatient(store, p.id, 1, { birth_date: '1990-02-30' }), 'ION_ERR_OUT_OF_RANGE');
    });
  });

  describe('outcomes, sweat tests and devices', () => {
    it('round-trip their JSON values and are versioned like every other row', async () => {
      const p = await aPatient();
      const o = await recordOutcome(store, {
        patient_id: p.id,
        kind: 'gravimetry',
        value: { mg_per_5min: 87.5, site: 'palms' },
        recorded_at: new Date(Date.UTC(2026, 10, 20, 8)),
      });
      expect(await getOutcome(store, o.id)).toMatchObject({
        value: { mg_per_5min: 87.5, site: 'palms' },
        recorded_at: '2026-11-20T08:00:00.000Z',
      });
      await updateOutcome(store, o.id, 1, { value: { mg_per_5min: 40 } });
      await expectCode(updateOutcome(store, o.id, 1, { value: {} }), 'ION_ERR_CONFLICT');
      expect((await listOutcomes(store, {}, { patient_id: p.id, kind: 'gravimetry' })).items).toHaveLength(1);
      await expectCode(
        recordOutcome(store, { patient_id: p.id, kind: 'mood' as 'hdss', value: 1, recorded_at: new Date() }),
        'ION_ERR_OUT_OF_RANGE',
      );

      const t = await createSweatTest(store, { patient_id: p.id, status: 'collecting', data: { site: 'forearm' } });
      const done = await updateSweatTest(store, t.id, 1, { status: 'reported', data: { chloride_mmol_L: 25 } });
      expect(await getSweatTest(store, t.id)).toEqual(done);

      const d = await createDevice(store, {
        clinic_id: p.clinic_id,
        kind: 'simulated',
        name: 'sim-1',
        token_hash: 'abc',
      });
      expect((await findDeviceByTokenHash(store, 'abc'))?.id).toBe(d.id);
      await updateDevice(store, d.id, 1, { name: 'sim-one' });
      await expectCode(updateDevice(store, d.id, 1, { name: 'x' }), 'ION_ERR_CONFLICT');
    });
  });

  describe('courses', () => {
    it('stores a course with its planned sessions at once, and none of it when a session is invalid', async () => {
      const p = await aPatient();
      const course = {
        patient_id: p.id,
        protocol: 'tap-water-palms',
        template: 'induction-3w',
        start_date: '2026-03-23',
        time_zone: 'Europe/Paris',
      };
      const { course: c, sessions } = await createCourse(store, course, [
        {
          seq: 1,
          phase: 'induction',
          local_date: '2026-03-27',
          starts_at: '2026-03-27T09:00:00+01:00',
          status: 'planned',
        },
        {
          seq: 2,
          phase: 'induction',
          local_date: '2026-03-30',
          starts_at: '2026-03-30T09:00:00+02:00',
          status: 'planned',
        },
      ]);
      expect(sessions.map((s) => s.starts_at)).toEqual(['2026-03-27T08:00:00.000Z', '2026-03-30T07:00:00.000Z']);
      const planned = await listPlannedSessions(store, c.id);
      expect(planned.map((s) => s.seq)).toEqual([1, 2]);
      await updatePlannedSession(store, planned[0]!.id, 1, { status: 'done' });
      await expectCode(updatePlannedSession(store, planned[0]!.id, 1, { status: 'missed' }), 'ION_ERR_CONFLICT');

      const q = await aPatient();
      await expectCode(
        createCourse(store, { ...course, patient_id: q.id }, [
          {
            seq: 1,
            phase: 'induction',
            local_date: '2026-13-01',
            starts_at: '2026-03-27T09:00:00Z',
            status: 'planned',
          },
        ]),
        'ION_ERR_OUT_OF_RANGE',
      );
      const rows = await store.db.selectFrom('courses').select('id').where('patient_id', '=', q.id).execute();
      expect(rows).toEqual([]);
    });
  });
});
