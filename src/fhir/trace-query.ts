import { sql } from 'kysely';
import type { Store } from '../store/index.js';
import { periodFor } from './sampled-data.js';
import type { Decimated } from './sampled-data.js';

export interface SessionTraces {
  readonly current: Decimated;
  readonly voltage: Decimated;
}

/**
 * A session's stored telemetry decimated by the database itself: the same bin means as `decimate` in
 * sampled-data.ts (AVG skips a missing reading, as `decimate` does; a bin without one is NULL), computed with one
 * GROUP BY over the (session_id, t_ms) key instead of sending every 20 ms row to the export (60,000 rows for a
 * 20-minute session). Undefined when the session has no telemetry.
 */
export async function sessionTraces(store: Store, sessionId: string): Promise<SessionTraces | undefined> {
  const span = await store.db
    .selectFrom('telemetry')
    .select((eb) => [eb.fn.max('t_ms').as('last'), eb.fn.countAll().as('n')])
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  const n = Number(span?.n ?? 0);
  if (n === 0 || span?.last === null || span?.last === undefined) return undefined;
  const last = Math.max(0, Number(span.last));
  const period = periodFor(last);
  // `period` is a whole number computed here, never input, so it is written into the SQL as a literal: integer
  // division of the integer t_ms column then means the same bin in SQLite and PostgreSQL.
  const bin = sql<number>`t_ms / ${sql.lit(period)}`;
  const rows = await store.db
    .selectFrom('telemetry')
    .select((eb) => [bin.as('bin'), eb.fn.avg('current').as('current'), eb.fn.avg('voltage').as('voltage')])
    .where('session_id', '=', sessionId)
    .where('t_ms', '>=', 0)
    .groupBy(bin)
    .orderBy('bin')
    .execute();
  const bins = Math.floor(last / period) + 1;
  const current: (number | null)[] = new Array<number | null>(bins).fill(null);
  const voltage: (number | null)[] = new Array<number | null>(bins).fill(null);
  const value = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));
  for (const r of rows) {
    const k = Number(r.bin);
    current[k] = value(r.current);
    voltage[k] = value(r.voltage);
  }
  return {
    current: { periodMs: period, values: current, sampleCount: n },
    voltage: { periodMs: period, values: voltage, sampleCount: n },
  };
}
