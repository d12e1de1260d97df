import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import { answers, clockedWorld, disposeWorld, screened } from './follow-up-fixtures.js';
import type { ClockedWorld } from './follow-up-fixtures.js';
import { isProblem } from './test-fixtures.js';

interface Item {
  id: string;
  course_id: string;
  seq: number;
  patient_id: string;
  patient_name: string;
  protocol_id: string;
  zone: string | null;
  local_date: string;
  starts_at: string;
  phase: string;
  status: string;
  time_zone: string;
}

describe.each(TEST_BACKENDS)('planned sessions of the clinic on $name', (backend) => {
  let w: ClockedWorld;
  beforeEach(async () => {
    w = await clockedWorld(backend, '2026-03-02T08:00:00.000Z');
  });
  afterEach(async () => disposeWorld(w));

  /** Screens and plans a clinic course of tapwater-palms from 2026-03-02 for a patient, as nurse A (or B). */
  async function course(patientId: string, who = w.as.nurseA): Promise<string> {
    if (who === w.as.nurseA) await screened(w, patientId, 'tapwater-palms');
    else {
      const s = await w.call(who, 'POST', `/api/patients/${patientId}/screenings`, {
        protocol: 'tapwater-palms',
        answers: answers(),
      });
      expect(s.statusCode).toBe(201);
    }
    const res = await w.call(who, 'POST', `/api/patients/${patientId}/courses`, {
      protocol: 'tapwater-palms',
      template: 'clinic',
      start_date: '2026-03-02',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id;
  }

  const range = (from: string, to: string, extra = '', who = w.as.nurseA) =>
    w.call(who, 'GET', `/api/planned-sessions?from=${from}&to=${to}${extra}`);

  it('lists the planned sessions of every patient of the clinic in the range, by start time, with patient and course', async () => {
    const own = await course(w.patients.ownA.id);
    const other = await course(w.patients.otherA.id);
    await course(w.patients.b.id, w.as.nurseB);
    // Clinic days 1, 2, 4, 7: 2, 3, 5 and 8 March; up to 7 March that is three sessions each.
    const res = await range('2026-03-01', '2026-03-07');
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Item[];
    expect(items).toHaveLength(6);
    expect(new Set(items.map((i) => i.course_id))).toEqual(new Set([own, other]));
    expect(items.map((i) => i.local_date).sort()).toEqual([
      '2026-03-02',
      '2026-03-02',
      '2026-03-03',
      '2026-03-03',
      '2026-03-05',
      '2026-03-05',
    ]);
    const starts = items.map((i) => i.starts_at);
    expect(starts).toEqual([...starts].sort());
    expect(items.find((i) => i.course_id === own && i.seq === 1)).toMatchObject({
      patient_id: w.patients.ownA.id,
      patient_name: 'Ada Own',
      protocol_id: 'tapwater-palms',
      zone: 'palms',
      local_date: '2026-03-02',
      starts_at: '2026-03-02T08:00:00.000Z',
      phase: 'induction',
      status: 'planned',
      time_zone: 'Europe/Berlin',
    });
    // Clinic B's patient is not in clinic A's list, and clinic B sees only its own.
    const b = (await range('2026-03-01', '2026-03-07', '', w.as.nurseB)).json().items as Item[];
    expect(b.map((i) => i.patient_id)).toEqual([w.patients.b.id, w.patients.b.id, w.patients.b.id]);
  });

  it('shows a session marked missed or cancelled with its status, and one day alone when from equals to', async () => {
    const id = await course(w.patients.ownA.id);
    const s2 = (await w.call(w.as.nurseA, 'GET', `/api/courses/${id}`)).json().planned_sessions[1];
    const patch = await w.call(
      w.as.nurseA,
      'PATCH',
      `/api/courses/${id}/planned-sessions/2`,
      { status: 'cancelled' },
      { 'if-match': `"${s2.version}"` },
    );
    expect(patch.statusCode, patch.body).toBe(200);
    const day = (await range('2026-03-03', '2026-03-03')).json().items as Item[];
    expect(day.map((i) => [i.seq, i.status])).toEqual([[2, 'cancelled']]);
  });

  it('pages through a range with the cursor, each session on exactly one page', async () => {
    await course(w.patients.ownA.id);
    await course(w.patients.otherA.id);
    const all = (await range('2026-03-01', '2026-03-31')).json().items as Item[];
    expect(all.length).toBeGreaterThan(8);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await range('2026-03-01', '2026-03-31', `&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i: Item) => i.id));
      cursor = page.next;
      pages++;
    } while (cursor !== undefined && pages < 50);
    expect(seen).toEqual(all.map((i) => i.id));
    const bad = await range('2026-03-01', '2026-03-31', '&cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('cursor');
  });

  it('audits the read once per patient shown, in the same request', async () => {
    await course(w.patients.ownA.id);
    const before = await w.auditActions(w.patients.ownA.id);
    await range('2026-03-01', '2026-03-07');
    const after = await w.auditActions(w.patients.ownA.id);
    expect(after.slice(before.length)).toEqual(['planned_session.list']);
    // A range with no session shows no patient and audits nothing.
    const n = (await listAudit(w.store, { limit: 10_000 })).length;
    expect((await range('2027-01-01', '2027-01-31')).json().items).toEqual([]);
    expect((await listAudit(w.store, { limit: 10_000 })).length).toBe(n);
  });

  it('refuses more than 31 days, a reversed range and a malformed date with a 400 naming the field', async () => {
    const long = await range('2026-03-01', '2026-04-01');
    expect(long.statusCode).toBe(400);
    expect(isProblem(long)).toBe(true);
    expect(long.json().detail).toMatch(/^to: .*32 days; at most 31/);
    expect((await range('2026-03-01', '2026-03-31')).statusCode).toBe(200);
    const reversed = await range('2026-03-10', '2026-03-09');
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().detail).toContain('to (2026-03-09) must not be before from (2026-03-10)');
    const malformed = await range('2026-02-30', '2026-03-01');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.body).toContain('from');
    const missing = await w.call(w.as.nurseA, 'GET', '/api/planned-sessions?from=2026-03-01');
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('to');
  });

  it('is for clinic staff: a patient user is refused (403)', async () => {
    const res = await range('2026-03-01', '2026-03-07', '', w.as.patientA);
    expect(res.statusCode).toBe(403);
  });
});
