import { CompiledQuery } from 'kysely';
import type { Store } from './open-store.js';
import { toUtcInstant } from './store-time.js';
import { inTransaction } from './transaction.js';

/** One telemetry sample as the runner sees it (the store's subset of the engine's TraceRow). */
export interface TelemetrySample {
  /** Time since the session started (ms). */
  t_ms: number;
  phase: string;
  /** Set point sent to the device (mA). */
  setpoint: number;
  /** Measured current (mA); NaN or null when no sample arrived. */
  current: number | null;
  voltage: number | null;
}

/** Rows per SQLite INSERT statement: 7 parameters each stays far below SQLite's parameter limit (32,766). */
const ROWS_PER_STATEMENT = 500;

const finiteOrNull = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

const COLUMNS = '(session_id, t_ms, phase, setpoint, current, voltage, created_at)';
const sqliteInsertText = new Map<number, string>();

/** The SQLite INSERT for `n` rows, built once per row count: building it through the query builder per batch cost more than the insert. */
function sqliteInsert(n: number): string {
  let text = sqliteInsertText.get(n);
  if (text === undefined) {
    text = `insert into telemetry ${COLUMNS} values ${Array(n).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')} on conflict (session_id, t_ms) do nothing`;
    sqliteInsertText.set(n, text);
  }
  return text;
}

/** PostgreSQL takes the whole batch as five arrays: one statement and seven parameters, whatever the batch size. */
const POSTGRES_INSERT =
  `insert into telemetry ${COLUMNS} select $1, u.t, u.p, u.s, u.c, u.v, $2 ` +
  'from unnest($3::integer[], $4::text[], $5::double precision[], $6::double precision[], $7::double precision[]) ' +
  'as u(t, p, s, c, v) on conflict (session_id, t_ms) do nothing';

/**
 * Appends one batch of samples in one transaction: either the whole batch is stored or none of it. A sample already
 * stored (same session and t_ms, e.g. a retried batch) is left as it is.
 */
export async function appendTelemetry(
  store: Store,
  sessionId: string,
  rows: readonly TelemetrySample[],
): Promise<void> {
  if (rows.length === 0) return;
  const createdAt = toUtcInstant(store.now());
  await inTransaction(store, async (tx) => {
    if (tx.dialect === 'postgres') {
      const t: number[] = [];
      const p: string[] = [];
      const s: number[] = [];
      const c: (number | null)[] = [];
      const v: (number | null)[] = [];
      for (const r of rows) {
        t.push(Math.round(r.t_ms));
        p.push(r.phase);
        s.push(r.setpoint);
        c.push(finiteOrNull(r.current));
        v.push(finiteOrNull(r.voltage));
      }
      await tx.db.executeQuery(CompiledQuery.raw(POSTGRES_INSERT, [sessionId, createdAt, t, p, s, c, v]));
      return;
    }
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      for (const r of chunk) {
        params.push(
          sessionId,
          Math.round(r.t_ms),
          r.phase,
          r.setpoint,
          finiteOrNull(r.current),
          finiteOrNull(r.voltage),
          createdAt,
        );
      }
      await tx.db.executeQuery(CompiledQuery.raw(sqliteInsert(chunk.length), params));
    }
  });
}

/** A session's stored samples in time order, from `afterMs` (exclusive) on, at most `limit`. */
export async function listTelemetry(
  store: Store,
  sessionId: string,
  options: { afterMs?: number; limit?: number } = {},
): Promise<TelemetrySample[]> {
  let q = store.db
    .selectFrom('telemetry')
    .select(['t_ms', 'phase', 'setpoint', 'current', 'voltage'])
    .where('session_id', '=', sessionId)
    .orderBy('t_ms');
  if (options.afterMs !== undefined) q = q.where('t_ms', '>', options.afterMs);
  if (options.limit !== undefined) q = q.limit(options.limit);
  return (await q.execute()).map((r) => ({
    t_ms: Number(r.t_ms),
    phase: r.phase,
    setpoint: Number(r.setpoint),
    current: r.current === null ? null : Number(r.current),
    voltage: r.voltage === null ? null : Number(r.voltage),
  }));
}

/**
 * Charge delivered (mA·min): the magnitude of the measured current integrated over time by the trapezoid rule,
 * skipping any interval with a missing reading on either side.
 */
export function integrateCharge(samples: readonly Pick<TelemetrySample, 't_ms' | 'current'>[]): number {
  let mAms = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a.current === null || b.current === null) continue;
    mAms += ((Math.abs(a.current) + Math.abs(b.current)) / 2) * (b.t_ms - a.t_ms);
  }
  return mAms / 60_000;
}

/** The dose a session's stored telemetry shows (mA·min). */
export const deliveredFromTelemetry = async (store: Store, sessionId: string): Promise<number> =>
  integrateCharge(await listTelemetry(store, sessionId));
