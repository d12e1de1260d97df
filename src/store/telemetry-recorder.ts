import type { TraceRow } from '../engine/session-runner.js';
import type { Store } from './open-store.js';
import { appendTelemetry } from './telemetry.js';
import type { TelemetrySample } from './telemetry.js';

/** The stored subset of one runner trace row. */
export const sampleFromTraceRow = (row: TraceRow): TelemetrySample => ({
  t_ms: row.t,
  phase: row.phase,
  setpoint: row.setpoint,
  current: Number.isFinite(row.current) ? row.current : null,
  voltage: Number.isFinite(row.voltage) ? row.voltage : null,
});

export interface TelemetryRecorderOptions {
  /** Session time between batches (ms, default 1000): a killed process loses at most this much telemetry. */
  flushEveryMs?: number;
}

/**
 * Buffers a running session's trace rows and writes them in one batch per `flushEveryMs` of session time. `record`
 * is synchronous so it can sit in the runner's `onRow` hook; writes are chained so batches land in order. A failed
 * write is reported by the next `flush` or by `close`.
 */
export class TelemetryRecorder {
  private buffer: TelemetrySample[] = [];
  private lastFlushT: number | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly store: Store,
    private readonly sessionId: string,
    private readonly options: TelemetryRecorderOptions = {},
  ) {}

  /** Buffers one row; starts a batch write once `flushEveryMs` of session time has passed since the last one. */
  record(row: TraceRow): void {
    this.buffer.push(sampleFromTraceRow(row));
    this.lastFlushT ??= row.t;
    if (row.t - this.lastFlushT >= (this.options.flushEveryMs ?? 1000)) {
      this.lastFlushT = row.t;
      void this.startBatch();
    }
  }

  private startBatch(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(async () => {
      if (batch.length === 0 || this.failure !== undefined) return;
      try {
        await appendTelemetry(this.store, this.sessionId, batch);
      } catch (e) {
        this.failure = e;
      }
    });
    return this.chain;
  }

  /** Waits for the batches already started, without writing the rows still buffered. */
  async settled(): Promise<void> {
    await this.chain;
  }

  /** Writes whatever is buffered and waits for every batch; throws the first write failure, if any. */
  async flush(): Promise<void> {
    await this.startBatch();
    if (this.failure !== undefined) throw this.failure;
  }
}
