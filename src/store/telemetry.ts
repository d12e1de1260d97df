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

/** Rows per INSERT statement: 7 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const ROWS_PER_STATEMENT = 500;

const finiteOrNull = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

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
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      await tx.db
        .insertInto('telemetry')
        .values(
          rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => ({
            session_id: sessionId,
            t_ms: Math.round(r.t_ms),
            phase: r.phase,
            setpoint: r.setpoint,
            current: finiteOrNull(r.current),
            voltage: finiteOrNull(r.voltage),
            created_at: createdAt,
          })),
        )
        .onConflict((oc) => oc.columns(['session_id', 't_ms']).doNothing())
        .execute();
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
