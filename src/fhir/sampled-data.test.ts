import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNITS } from './codes.js';
import { MAX_POINTS, TRACE_PERIOD_MS, decimate, expandSampledData, periodFor, toSampledData } from './sampled-data.js';
import type { TracePoint } from './sampled-data.js';

/** Traces as the runner stores them: one sample per 20 ms control period, some readings missing. */
const trace = fc
  .array(fc.option(fc.double({ min: -25, max: 25, noNaN: true }), { nil: null, freq: 8 }), { maxLength: 400 })
  .map((values): TracePoint[] => values.map((value, i) => ({ t_ms: i * 20, value })));

describe('decimation of session traces', () => {
  it('gives each 500 ms bin the mean of its readings, and no value (null) when it has none', () => {
    fc.assert(
      fc.property(trace, (points) => {
        const d = decimate(points);
        expect(d.periodMs).toBe(TRACE_PERIOD_MS);
        const last = points.length === 0 ? -1 : points[points.length - 1]!.t_ms;
        expect(d.values).toHaveLength(points.length === 0 ? 0 : Math.floor(last / 500) + 1);
        d.values.forEach((v, k) => {
          const inBin = points.filter((p) => p.t_ms >= k * 500 && p.t_ms < (k + 1) * 500 && p.value !== null);
          if (inBin.length === 0) expect(v).toBeNull();
          else expect(v).toBeCloseTo(inBin.reduce((s, p) => s + p.value!, 0) / inBin.length, 9);
        });
      }),
    );
  });

  it('keeps the charge of a gap-free trace: bin means × bin length sum to the samples × 20 ms', () => {
    const full = fc
      .array(fc.double({ min: 0, max: 25, noNaN: true }), { minLength: 25, maxLength: 400 })
      .map((values) => values.slice(0, values.length - (values.length % 25)));
    fc.assert(
      fc.property(full, (values) => {
        const d = decimate(values.map((value, i) => ({ t_ms: i * 20, value })));
        const fromBins = d.values.reduce((s: number, v) => s + v! * 500, 0);
        const fromSamples = values.reduce((s, v) => s + v * 20, 0);
        expect(fromBins).toBeCloseTo(fromSamples, 6);
      }),
    );
  });

  it('widens the bins, in multiples of 500 ms, so that no trace exceeds MAX_POINTS values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 48 * 3_600_000 }), (span) => {
        const p = periodFor(span);
        expect(p % TRACE_PERIOD_MS).toBe(0);
        expect(Math.floor(span / p) + 1).toBeLessThanOrEqual(MAX_POINTS);
        if (Math.floor(span / TRACE_PERIOD_MS) + 1 <= MAX_POINTS) expect(p).toBe(TRACE_PERIOD_MS);
      }),
    );
  });
});

describe('SampledData encoding', () => {
  it('reads back every value within half a factor step, and a bin without reading as E (null)', () => {
    fc.assert(
      fc.property(trace, (points) => {
        const d = decimate(points);
        const s = toSampledData(d, UNITS.mA, 0.01);
        expect(s).toMatchObject({
          origin: { value: 0, unit: 'mA', code: 'mA' },
          period: 500,
          factor: 0.01,
          dimensions: 1,
        });
        if (s.data !== undefined) expect(s.data).toMatch(/^(E|-?\d+)( (E|-?\d+))*$/);
        const back = expandSampledData(s);
        expect(back).toHaveLength(d.values.length);
        back.forEach((v, i) => {
          const orig = d.values[i]!;
          if (orig === null) expect(v).toBeNull();
          else expect(Math.abs(v! - orig)).toBeLessThanOrEqual(0.005 + 1e-9);
        });
      }),
    );
  });

  it('writes an empty trace without data, which SampledData allows', () => {
    expect(toSampledData(decimate([]), UNITS.V, 0.01)).toEqual({
      origin: { value: 0, ...UNITS.V },
      period: 500,
      factor: 0.01,
      dimensions: 1,
    });
  });
});
