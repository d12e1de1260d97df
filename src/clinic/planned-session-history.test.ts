import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findProtocol } from '../protocols/protocol-library.js';
import { planCourse } from './course-plan.js';
import {
  dayHasEnded,
  endOfLocalDay,
  historyOfRows,
  latestEndedDateAnywhere,
  localToday,
  reconcileRows,
} from './planned-session-history.js';

const palms = findProtocol('tapwater-palms');
const row = (seq: number, local_date: string, status: string, phase = 'induction') => ({
  seq,
  phase,
  local_date,
  status,
  starts_at: `${local_date}T08:00:00.000Z`,
});

describe('stored planned sessions as the planner’s history', () => {
  it('done and missed are history; a cancelled day is missed when past, closed when to come', () => {
    const rows = [
      row(1, '2025-03-03', 'done'),
      row(2, '2025-03-04', 'missed'),
      row(3, '2025-03-06', 'cancelled'),
      row(4, '2025-03-09', 'cancelled'),
      row(5, '2025-03-12', 'planned'),
      row(6, '2025-03-15', 'done'),
    ];
    expect(historyOfRows(rows, '2025-03-07')).toEqual({
      history: {
        sessions: [
          { status: 'done', date: '2025-03-03' },
          { status: 'missed', date: '2025-03-04' },
          { status: 'missed', date: '2025-03-06' },
        ],
      },
      closed: ['2025-03-09'],
    });
  });
});

describe('a new plan laid onto the stored rows', () => {
  it('open rows keep their order and take the sessions to come; a replacement becomes a new row', () => {
    const rows = [row(1, '2025-03-03', 'done'), row(2, '2025-03-04', 'missed'), row(3, '2025-03-06', 'planned')];
    const plan = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: 'Europe/Berlin',
      inductionSessions: 3,
      maintenanceSessions: 0,
      now: '2025-03-05T07:00:00Z',
      history: historyOfRows(rows, '2025-03-05').history,
    });
    const r = reconcileRows(rows, plan.sessions);
    expect(r.update).toEqual([
      { seq: 3, phase: 'induction', local_date: '2025-03-05', starts_at: '2025-03-05T08:00:00Z' },
    ]);
    expect(r.insert).toEqual([
      { seq: 4, phase: 'induction', local_date: '2025-03-07', starts_at: '2025-03-07T08:00:00Z' },
    ]);
    expect(r.drop).toEqual([]);
  });

  it('rows the plan has no place for are dropped; unchanged rows are left alone', () => {
    const rows = [
      { ...row(1, '2025-03-03', 'planned'), starts_at: '2025-03-03T09:00:00.000Z' },
      row(2, '2025-03-04', 'planned'),
    ];
    const plan = planCourse({
      protocol: palms,
      start: '2025-03-03',
      tz: 'UTC',
      inductionSessions: 1,
      maintenanceSessions: 0,
    });
    expect(reconcileRows(rows, plan.sessions)).toEqual({ update: [], insert: [], drop: [2] });
  });
});

describe('when a local day ends', () => {
  it('at the next local midnight, DST-safe: a 23-hour and a 25-hour day in Berlin', () => {
    expect(new Date(endOfLocalDay('2026-03-29', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(new Date(endOfLocalDay('2026-03-28', 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(endOfLocalDay('2026-10-25', 'Europe/Berlin')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('where midnight does not exist (Santiago springs forward at 00:00), at the end of the gap', () => {
    // 2026-09-06 00:00 does not exist in America/Santiago: the day starts at 01:00 (-03), 04:00Z.
    expect(new Date(endOfLocalDay('2026-09-05', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('the same instant has ended a day in Auckland and not in Los Angeles', () => {
    const now = Date.parse('2026-03-10T11:30:00Z');
    expect(dayHasEnded('2026-03-10', 'Pacific/Auckland', now)).toBe(true);
    expect(dayHasEnded('2026-03-10', 'America/Los_Angeles', now)).toBe(false);
    expect(localToday(now, 'Pacific/Auckland')).toBe('2026-03-11');
  });

  it('no day after latestEndedDateAnywhere has ended in any zone (the store filter never drops an overdue day)', () => {
    const zones = [
      'Pacific/Kiritimati',
      'Pacific/Auckland',
      'Europe/Berlin',
      'America/Santiago',
      'Pacific/Pago_Pago',
      'Etc/GMT+12',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.integer({ min: -3, max: 3 }),
        (now, tz, offset) => {
          const latest = latestEndedDateAnywhere(now);
          const d = new Date(Date.parse(`${latest}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
          if (d > latest) expect(dayHasEnded(d, tz, now)).toBe(false);
        },
      ),
    );
    // …and the bound is tight: at UTC+14 the latest date has just ended.
    const now = Date.parse('2026-03-10T10:00:00Z');
    expect(latestEndedDateAnywhere(now)).toBe('2026-03-10');
    expect(dayHasEnded('2026-03-10', 'Pacific/Kiritimati', now)).toBe(true);
  });
});
