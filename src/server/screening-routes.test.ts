import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { answers, clockedWorld, disposeWorld } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';
import { isProblem } from './test-fixtures.js';

describe.each(TEST_BACKENDS)('screening routes on $name', (backend) => {
  let w: ClockedWorld;
  beforeEach(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterEach(async () => disposeWorld(w));

  const post = (body: unknown, who = w.as.nurseA, patient = w.patients.ownA.id) =>
    w.call(who, 'POST', `/api/patients/${patient}/screenings`, body);

  it('runs the clinic screening and stores the answers, the result and each reason with its source', async () => {
    const res = await post({ protocol: 'tapwater-palms', answers: answers({ pacemaker: true, pregnancy: true }) });
    expect(res.statusCode).toBe(201);
    const s = res.json();
    expect(s).toMatchObject({ protocol: 'tapwater-palms', result: 'refused', zone: 'palms', mode: 'dc' });
    expect(s.answered_at).toBe('2026-03-02T08:00:00.000Z');
    // The last instant it lets a session start: 180 days later, the rule the session check applies.
    expect(s.valid_until).toBe('2026-08-29T08:00:00.000Z');
    const pacemaker = s.reasons.find((r: { item: string }) => r.item === 'pacemaker');
    expect(pacemaker).toMatchObject({ effect: 'refuse' });
    expect(pacemaker.source.length).toBeGreaterThan(0);
    expect(res.headers.location).toBe(`/api/screenings/${s.id}`);

    const one = await w.call(w.as.clinicianA, 'GET', `/api/screenings/${s.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.headers.etag).toBe('"1"');
    expect(one.json()).toMatchObject({ result: 'refused', answers: { pacemaker: true, age_years: 35 } });
    expect(one.json().reasons).toEqual(s.reasons);
    expect(await w.auditActions(w.patients.ownA.id)).toEqual(['screening.create', 'screening.read']);
  });

  it('gives the same result as the rules of `ionto screen`: allowed, precautions, refused', async () => {
    expect((await post({ protocol: 'tapwater-palms', answers: answers() })).json().result).toBe('allowed');
    // Under the pulsed-recommended age in DC mode: a precaution, not a refusal.
    const child = await post({ protocol: 'tapwater-palms', answers: answers({ age_years: 9 }), mode: 'dc' });
    expect(child.json().result).toBe('precautions');
    const pulsed = await post({ protocol: 'tapwater-palms', answers: answers({ age_years: 9 }), mode: 'pulsed' });
    expect(pulsed.json().result).toBe('allowed');
  });

  it('refuses invalid answers with a 400 naming the field, and stores nothing', async () => {
    const { pregnancy: _p, ...missing } = answers();
    const res = await post({ protocol: 'tapwater-palms', answers: missing });
    expect(res.statusCode).toBe(400);
    expect(isProblem(res)).toBe(true);
    expect(res.json().errors).toContainEqual({
      path: '/body/answers/pregnancy',
      message: 'is missing: every item must be answered yes or no',
    });
    const typo = await post({ protocol: 'tapwater-palms', answers: { ...answers(), pacemakr: false } });
    expect(typo.statusCode).toBe(400);
    const age = await post({ protocol: 'tapwater-palms', answers: answers({ age_years: 200 }) });
    expect(age.json().errors[0].path).toBe('/body/answers/age_years');
    const unknown = await post({ protocol: 'no-such-protocol', answers: answers() });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('ION_ERR_UNKNOWN_PROTOCOL');
    const zone = await post({ protocol: 'tapwater-palms', answers: answers(), zone: 'axillae' });
    expect(zone.json().code).toBe('ION_ERR_UNKNOWN_ZONE');
    const list = await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/screenings`);
    expect(list.json().items).toEqual([]);
  });

  it('lets only staff screen; a patient reads their own screenings and no one else’s', async () => {
    expect((await post({ protocol: 'tapwater-palms', answers: answers() }, w.as.patientA)).statusCode).toBe(403);
    const s = (await post({ protocol: 'tapwater-palms', answers: answers() })).json();
    const mine = await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.ownA.id}/screenings`);
    expect(mine.json().items.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await w.call(w.as.patientA, 'GET', `/api/screenings/${s.id}`)).statusCode).toBe(200);
    const other = await post({ protocol: 'tapwater-palms', answers: answers() }, w.as.nurseA, w.patients.otherA.id);
    expect((await w.call(w.as.patientA, 'GET', `/api/screenings/${other.json().id}`)).statusCode).toBe(404);
    expect((await w.call(w.as.patientA, 'GET', `/api/patients/${w.patients.otherA.id}/screenings`)).statusCode).toBe(
      404,
    );
  });

  it("answers 404 for another clinic's patient, never naming it, and audits the refusal", async () => {
    const s = (await post({ protocol: 'tapwater-palms', answers: answers() })).json();
    const res = await w.call(w.as.nurseB, 'GET', `/api/screenings/${s.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(w.patients.ownA.id);
    expect(res.json().detail).toBe(`screening ${s.id} not found`);
    expect((await post({ protocol: 'tapwater-palms', answers: answers() }, w.as.nurseB)).statusCode).toBe(404);
    expect(await w.auditActions(w.patients.ownA.id)).toEqual([
      'screening.create',
      'patient.read_denied',
      'patient.read_denied',
    ]);
  });

  it('pages the list', async () => {
    for (let i = 0; i < 3; i++) await post({ protocol: 'tapwater-palms', answers: answers() });
    const first = await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.ownA.id}/screenings?limit=2`);
    expect(first.json().items).toHaveLength(2);
    const second = await w.call(
      w.as.nurseA,
      'GET',
      `/api/patients/${w.patients.ownA.id}/screenings?limit=2&cursor=${first.json().next}`,
    );
    expect(second.json().items).toHaveLength(1);
    expect(second.json().next).toBeUndefined();
  });
});
