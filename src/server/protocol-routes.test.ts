import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENING_QUESTIONS } from '../clinic/screening-questionnaire.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { clockedWorld, disposeWorld } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';
import { isProblem } from './test-fixtures.js';

/** Every `{ value, source }` number of a document, with its path. */
function sourcedNumbers(x: unknown, path = ''): { path: string; source: unknown }[] {
  if (x === null || typeof x !== 'object') return [];
  const o = x as Record<string, unknown>;
  const here = typeof o.value === 'number' ? [{ path, source: o.source }] : [];
  return [...here, ...Object.entries(o).flatMap(([k, v]) => sourcedNumbers(v, `${path}/${k}`))];
}

describe.each(TEST_BACKENDS)('protocol and questionnaire routes on $name', (backend) => {
  let w: ClockedWorld;
  beforeAll(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterAll(async () => disposeWorld(w));

  it('lists every protocol of the library with its zones, modes, evidence and current range, in id order', async () => {
    const res = await w.call(w.as.patientA, 'GET', '/api/protocols');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    expect(items.map((i) => i.id)).toEqual([...protocolLibrary().keys()]);
    const palms = items.find((i) => i.id === 'tapwater-palms')!;
    const doc = protocolLibrary().get('tapwater-palms')!;
    expect(palms).toMatchObject({
      name: doc.title,
      purpose: 'hyperhidrosis',
      end_on: doc.end_on,
      default_zone: 'palms',
      default_mode: 'dc',
      zones: [
        {
          id: 'palms',
          name: doc.zones.palms!.label,
          current_mA: doc.zones.palms!.current_mA,
          duration_min: doc.zones.palms!.duration_min,
        },
      ],
      modes: [
        { id: 'dc', name: 'direct current', waveform: 'dc' },
        { id: 'pulsed', name: 'pulsed DC', waveform: 'pulsed' },
      ],
      evidence: { level: doc.evidence.level, source: doc.evidence.source },
      course: { induction_template: 'clinic', induction_sessions: 7 },
    });
    // A drug protocol is dosed in mA·min, and says so with the dose range and its source.
    const lidocaine = items.find((i) => i.id === 'lidocaine') as { zones: { dose_mAmin?: { source: string } }[] };
    expect(lidocaine.zones[0]!.dose_mAmin?.source.length).toBeGreaterThan(3);
  });

  it('answers a protocol document exactly as the library holds it, every number with its source', async () => {
    for (const id of protocolLibrary().keys()) {
      const res = await w.call(w.as.nurseA, 'GET', `/api/protocols/${id}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toEqual(JSON.parse(JSON.stringify(protocolLibrary().get(id))));
      const numbers = sourcedNumbers(body);
      expect(numbers.length).toBeGreaterThan(10);
      expect(numbers.filter((n) => typeof n.source !== 'string' || n.source.length < 3)).toEqual([]);
    }
  });

  it('answers 404 problem+json for an unknown protocol id, and 401 when not signed in', async () => {
    const res = await w.call(w.as.patientA, 'GET', '/api/protocols/no-such-protocol');
    expect(res.statusCode).toBe(404);
    expect(isProblem(res)).toBe(true);
    expect(res.json().code).toBe('ION_ERR_NOT_FOUND');
    expect((await w.app.inject({ method: 'GET', url: '/api/protocols' })).statusCode).toBe(401);
    expect((await w.app.inject({ method: 'GET', url: '/api/screening/questionnaire' })).statusCode).toBe(401);
  });

  it('answers the screening questionnaire in order: ids, answer kinds, required, English text', async () => {
    const res = await w.call(w.as.patientA, 'GET', '/api/screening/questionnaire');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.items).toHaveLength(SCREENING_QUESTIONS.length);
    expect(body.items.map((i: { id: string }) => i.id)).toEqual(SCREENING_QUESTIONS.map((q) => q.linkId));
    expect(body.items.find((i: { id: string }) => i.id === 'pacemaker')).toEqual({
      id: 'pacemaker',
      kind: 'boolean',
      required: true,
      text: SCREENING_QUESTIONS.find((q) => q.linkId === 'pacemaker')!.text,
    });
    expect(body.items.at(-1)).toMatchObject({ id: 'age_years', kind: 'decimal', required: true });
  });

  it('takes exactly the questionnaire’s ids as screening answers: answering each one screens the patient', async () => {
    const items = (await w.call(w.as.nurseA, 'GET', '/api/screening/questionnaire')).json().items as {
      id: string;
      kind: string;
    }[];
    const answers = Object.fromEntries(items.map((i) => [i.id, i.kind === 'boolean' ? false : 40]));
    const res = await w.call(w.as.nurseA, 'POST', `/api/patients/${w.patients.ownA.id}/screenings`, {
      protocol: 'tapwater-palms',
      answers,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().result).toBe('allowed');
  });
});
