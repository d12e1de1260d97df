import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, FhirResource } from 'fhir/r4.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClinic, createPatient, listAudit, openStore, recordOutcome } from '../store/index.js';
import type { Patient, Store } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { TestBackend, TestDatabase } from '../store/test-backends.js';
import { EXIT } from './cli-errors.js';
import { runInProcess } from './run-in-process.js';

/** A database the CLI can open by URL: a SQLite file, or the test's own PostgreSQL schema via search_path. */
async function cliDatabase(backend: TestBackend): Promise<{ store: Store; url: string; dispose(): Promise<void> }> {
  if (backend.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ionto-export-'));
    const url = join(dir, 'clinic.sqlite');
    const store = await openStore({ url });
    return {
      store,
      url,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db: TestDatabase = backend.fresh();
  const store = await db.open();
  const url = `${process.env.IONTO_TEST_PG}?options=${encodeURIComponent(`-c search_path=${store.schema}`)}`;
  return { store, url, dispose: () => db.dispose() };
}

describe.each(TEST_BACKENDS)('ionto export fhir on $name', (backend) => {
  let db: Awaited<ReturnType<typeof cliDatabase>>;
  let patient: Patient;
  let dir: string;

  beforeEach(async () => {
    db = await cliDatabase(backend);
    const clinic = await createClinic(db.store, { name: 'C', time_zone: 'Europe/Berlin' });
    patient = await createPatient(db.store, {
      clinic_id: clinic.id,
      name: 'Ida Export',
      birth_date: '1980-02-29',
      time_zone: 'Europe/Berlin',
      user_id: null,
    });
    await recordOutcome(db.store, {
      patient_id: patient.id,
      kind: 'hdss',
      value: { kind: 'hdss', at: '2026-11-01T10:00:00Z', score: 3 },
      recorded_at: '2026-11-01T10:00:00Z',
    });
    dir = mkdtempSync(join(tmpdir(), 'ionto-export-out-'));
  });
  afterEach(async () => {
    await db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const exports = async () =>
    (await listAudit(db.store, { limit: 1000 })).filter((a) => a.action === 'patient.export_fhir');

  it('writes the Bundle to standard output and audits the export with actor cli', async () => {
    const r = await runInProcess(['export', 'fhir', '--patient', patient.id, '--db', db.url]);
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const bundle = JSON.parse(r.out) as Bundle<FhirResource>;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry!.map((e) => e.resource!.resourceType)).toEqual(['Patient', 'Observation']);
    expect(bundle.entry![0]!.fullUrl).toBe(`urn:uuid:${patient.id}`);
    expect((await exports()).map((a) => [a.actor, a.entity, a.entity_id])).toEqual([['cli', 'patients', patient.id]]);
  });

  it('writes to --out, refuses to replace a file without --force, and replaces it with --force', async () => {
    const out = join(dir, 'patient.json');
    const first = await runInProcess(['export', 'fhir', '--patient', patient.id, '--db', db.url, '--out', out]);
    expect(first.code).toBe(EXIT.ok);
    expect(first.out).toBe('');
    expect(first.err).toMatch(/wrote 2 resources to .*patient\.json/);
    expect((JSON.parse(readFileSync(out, 'utf8')) as Bundle).entry).toHaveLength(2);

    writeFileSync(out, 'keep me');
    const again = await runInProcess(['export', 'fhir', '--patient', patient.id, '--db', db.url, '--out', out]);
    expect(again.code).toBe(EXIT.usage);
    expect(again.err).toMatch(/exists: choose another file or add --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');

    const forced = await runInProcess([
      'export',
      'fhir',
      '--patient',
      patient.id,
      '--db',
      db.url,
      '--out',
      out,
      '--force',
    ]);
    expect(forced.code).toBe(EXIT.ok);
    expect(readFileSync(out, 'utf8')).toMatch(/"resourceType": "Bundle"/);
    expect(await exports()).toHaveLength(2);
  });

  it('gives relative references under a server base with --base', async () => {
    const r = await runInProcess([
      'export',
      'fhir',
      '--patient',
      patient.id,
      '--db',
      db.url,
      '--base',
      'https://clinic.example/fhir',
    ]);
    expect(r.code).toBe(EXIT.ok);
    const bundle = JSON.parse(r.out) as Bundle<FhirResource>;
    expect(bundle.entry![0]!.fullUrl).toBe(`https://clinic.example/fhir/Patient/${patient.id}`);
    expect(r.out).toContain(`"reference": "Patient/${patient.id}"`);
  });

  it('names an unknown patient clearly, exits 1, writes and audits nothing', async () => {
    const out = join(dir, 'nobody.json');
    const r = await runInProcess(['export', 'fhir', '--patient', 'no-such-patient', '--db', db.url, '--out', out]);
    expect(r.code).toBe(EXIT.fault);
    expect(r.err).toBe('ionto export fhir: no patient with id no-such-patient in this database [ION_ERR_NOT_FOUND]\n');
    expect(existsSync(out)).toBe(false);
    expect(await exports()).toEqual([]);
  });
});

describe('ionto export: usage errors exit 2 and touch no database', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ionto-export-usage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without --patient', async () => {
    const r = await runInProcess(['export', 'fhir', '--db', join(dir, 'x.sqlite')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/--patient/);
  });

  it('for a format it does not know', async () => {
    const r = await runInProcess(['export', 'csv', '--patient', 'p']);
    expect(r.code).toBe(EXIT.usage);
  });

  it('for a SQLite file that does not exist, without creating it', async () => {
    const file = join(dir, 'missing.sqlite');
    const r = await runInProcess(['export', 'fhir', '--patient', 'p', '--db', file]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/no database at .*missing\.sqlite: give --db or set IONTO_DATABASE_URL/);
    expect(existsSync(file)).toBe(false);
  });

  it('for a --base that is not an http(s) URL', async () => {
    const r = await runInProcess(['export', 'fhir', '--patient', 'p', '--base', 'ftp://x', '--db', join(dir, 'x')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/--base must be an http\(s\) URL/);
  });

  it('reads IONTO_DATABASE_URL when --db is not given', async () => {
    const file = join(dir, 'env.sqlite');
    const saved = process.env.IONTO_DATABASE_URL;
    process.env.IONTO_DATABASE_URL = file;
    try {
      const r = await runInProcess(['export', 'fhir', '--patient', 'p']);
      expect(r.err).toMatch(/no database at .*env\.sqlite/);
    } finally {
      if (saved === undefined) delete process.env.IONTO_DATABASE_URL;
      else process.env.IONTO_DATABASE_URL = saved;
    }
  });
});
