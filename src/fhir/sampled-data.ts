import type { SampledData } from 'fhir/r4.js';

/**
 * Session traces as FHIR `SampledData` (software.md §3.1: origin, period in ms, factor, dimensions, data).
 *
 * Decimation. The runner stores one sample per control period (20 ms, 50 Hz; DESIGN.md "Speeds"): 60,000 rows for a
 * 20-minute session, far more than a record needs. The export keeps one value per 500 ms (2 Hz), the mean of the
 * samples in that bin: the soft start and ramp-down (0.25–0.5 mA/s, about 30 s; tapwater-palms.json) and the 2 s
 * dead time of a reversal still show, and a 20-minute trace is 2,400 values per channel. Averaging rather than
 * picking every 25th sample keeps the bin's charge (a mean current times the bin length is the charge it carried),
 * so the dose read back from the trace matches the dose the session stored. A bin without a single finite reading
 * (telemetry lost) is written `E`, SampledData's "error" marker, never a guessed value. Sessions longer than
 * MAX_POINTS × 500 ms take wider bins (a multiple of 500 ms) so a trace never exceeds MAX_POINTS values.
 */
export const TRACE_PERIOD_MS = 500;
export const MAX_POINTS = 7_200;

export interface TracePoint {
  /** Time since the session started (ms). */
  readonly t_ms: number;
  /** The reading, or null when none arrived. */
  readonly value: number | null;
}

export interface Decimated {
  readonly periodMs: number;
  /** One entry per bin from t = 0: the mean of its finite readings, or null when it has none. */
  readonly values: readonly (number | null)[];
  /** Samples that went into the bins. */
  readonly sampleCount: number;
}

/** The bin width for a trace lasting `spanMs`: TRACE_PERIOD_MS, or a multiple of it that keeps ≤ MAX_POINTS bins. */
export const periodFor = (spanMs: number): number =>
  TRACE_PERIOD_MS * Math.max(1, Math.ceil((Math.floor(spanMs / TRACE_PERIOD_MS) + 1) / MAX_POINTS));

/** Bin-mean decimation of a trace sorted by time (see above). */
export function decimate(points: readonly TracePoint[], periodMs?: number): Decimated {
  if (points.length === 0) return { periodMs: periodMs ?? TRACE_PERIOD_MS, values: [], sampleCount: 0 };
  let last = 0;
  for (const p of points) if (p.t_ms > last) last = p.t_ms;
  const period = periodMs ?? periodFor(last);
  const n = Math.floor(last / period) + 1;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  for (const p of points) {
    if (p.value === null || !Number.isFinite(p.value) || p.t_ms < 0) continue;
    const k = Math.floor(p.t_ms / period);
    sum[k]! += p.value;
    count[k]! += 1;
  }
  const values: (number | null)[] = [];
  for (let k = 0; k < n; k++) values.push(count[k]! > 0 ? sum[k]! / count[k]! : null);
  return { periodMs: period, values, sampleCount: points.length };
}

/**
 * A decimated trace as SampledData: `origin` 0 in the channel's UCUM unit, the bin width as `period` (ms), and each
 * value an integer count of `factor` units (0.01 mA or 0.01 V: finer than the simulated device's readings), so
 * value = origin + factor × data.
 */
export function toSampledData(
  d: Decimated,
  unit: { readonly unit: string; readonly system: string; readonly code: string },
  factor: number,
): SampledData {
  const data = d.values
    .map((v) => {
      if (v === null) return 'E';
      const n = Math.round(v / factor);
      return n === 0 ? '0' : String(n);
    })
    .join(' ');
  return {
    origin: { value: 0, ...unit },
    period: d.periodMs,
    factor,
    dimensions: 1,
    ...(data === '' ? {} : { data }),
  };
}

/** Reads SampledData back (what a client does): the values in the origin's unit, null for `E`, `L` and `U`. */
export function expandSampledData(s: SampledData): (number | null)[] {
  if (s.data === undefined || s.data.trim() === '') return [];
  const origin = s.origin.value ?? 0;
  const factor = s.factor ?? 1;
  return s.data
    .trim()
    .split(/\s+/)
    .map((x) => (x === 'E' || x === 'L' || x === 'U' ? null : origin + factor * Number(x)));
}
