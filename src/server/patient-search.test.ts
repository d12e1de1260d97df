import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPatient, listAudit, nameKey } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { clockedWorld, disposeWorld } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';

describe('name key', () => {
  it('folds accents, case and runs of spaces alike', () => {
    expect(nameKey('Élodie  MÜLLER')).toBe('elodie muller');
    expect(nameKey(' Niccolò Çelik ')).toBe('niccolo celik');
  });
});

describe.each(TEST_BACKENDS)('patient search on $name', (backend) => {
  let w: ClockedWorld;
  beforeEach(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
    const clinic = w.patients.ownA.clinic_id;
    for (const name of ['Élodie Müller', 'Elodie Martin', 'Marco 100%_Rossi']) {
      await createPatient(w.store, {
        clinic_id: clinic,
        name,
        birth_date: '1980-01-01',
        time_zone: 'Europe/Rome',
        user_id: null,
      });
    }
  });
  afterEach(async () => disposeWorld(w));

  const search = async (q: string, who = w.as.nurseA, extra = '') => {
    const res = await w.call(who, 'GET', `/api/patients?q=${encodeURIComponent(q)}${extra}`);
    expect(res.statusCode).toBe(200);
    return res.json() as { items: { name: string }[]; next?: string };
  };

  it('finds names containing the words whatever their accents and case, in the user clinic only', async () => {
    expect((await search('elodie')).items.map((p) => p.name).sort()).toEqual(['Elodie Martin', 'Élodie Müller']);
    expect((await search('MULLER')).items.map((p) => p.name)).toEqual(['Élodie Müller']);
    // Bea Bee is in the other clinic.
    expect((await search('bee')).items).toEqual([]);
    expect((await search('bee', w.as.nurseB)).items.map((p) => p.name)).toEqual(['Bea Bee']);
  });

  it('takes % and _ literally rather than as wildcards', async () => {
    expect((await search('100%_')).items.map((p) => p.name)).toEqual(['Marco 100%_Rossi']);
    expect((await search('%')).items.map((p) => p.name)).toEqual(['Marco 100%_Rossi']);
    expect((await search('_')).items.map((p) => p.name)).toEqual(['Marco 100%_Rossi']);
  });

  it('pages through the matches and audits only the patients it lists', async () => {
    const first = await search('o', w.as.nurseA, '&limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.next).toBeDefined();
    const second = await search('o', w.as.nurseA, `&limit=2&cursor=${encodeURIComponent(first.next!)}`);
    const all = [...first.items, ...second.items].map((p) => p.name);
    expect(new Set(all).size).toBe(all.length);
    const listed = (await listAudit(w.store, { entity: 'patients', limit: 1000 })).filter(
      (e) => e.action === 'patient.list',
    );
    expect(listed.length).toBe(all.length);
  });

  it('keeps a renamed patient findable by the new name', async () => {
    const get = await w.call(w.as.nurseA, 'GET', `/api/patients/${w.patients.otherA.id}`);
    const res = await w.call(
      w.as.nurseA,
      'PATCH',
      `/api/patients/${w.patients.otherA.id}`,
      { name: 'Ottavia Ñúñez' },
      {
        'if-match': get.headers.etag as string,
      },
    );
    expect(res.statusCode).toBe(200);
    expect((await search('nunez')).items.map((p) => p.name)).toEqual(['Ottavia Ñúñez']);
    expect((await search('otto')).items).toEqual([]);
  });

  it('refuses an empty or over-long search naming q', async () => {
    for (const q of ['', ' ', 'x'.repeat(101)]) {
      const res = await w.call(w.as.nurseA, 'GET', `/api/patients?q=${q}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('/querystring/q');
    }
  });
});
