import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  /** CSS colour of the line. */
  stroke: string;
  /** The y scale this series uses (default 'y'); a second scale gets its own axis on the right. */
  scale?: string;
  /** Draw points only (no line), e.g. for sparse records. */
  points?: boolean;
  width?: number;
  dash?: number[];
}

export interface ChartAxis {
  scale: string;
  label: string;
  side?: 'left' | 'right';
  /** A fixed range (e.g. HDSS 1–4); default: fitted to the data. */
  range?: readonly [number, number];
}

export interface ChartProps {
  /** Accessible name of the chart (what it shows); the chart is an image to assistive technology. */
  label: string;
  /** A text summary for screen readers (latest values, ranges); visible text stays in the page. */
  summary?: string;
  xLabel: string;
  /** x values are seconds since the epoch when true (dates on the axis), else plain numbers. */
  time?: boolean;
  series: readonly ChartSeries[];
  axes: readonly ChartAxis[];
  /** [x, ...ys]: one array per series, aligned on x; null for a gap. */
  data: readonly (readonly (number | null)[])[];
  height?: number;
  /** Vertical marks on x (e.g. session days), drawn as thin lines. */
  marks?: readonly number[];
  testId?: string;
}

/** x and one array per series, every one as long as x (missing values as gaps). */
function aligned(data: ChartProps['data'], seriesCount: number): uPlot.AlignedData {
  const x = data[0] ?? [];
  const out: (number | null)[][] = [x as (number | null)[]];
  for (let i = 1; i <= seriesCount; i++) {
    const ys = data[i] ?? [];
    out.push(ys.length === x.length ? (ys as (number | null)[]) : x.map((_, k) => ys[k] ?? null));
  }
  return out as uPlot.AlignedData;
}

/**
 * A uPlot line chart that fills its container's width and takes new data without being rebuilt, so a live view can
 * update it many times a second. Rebuilt only when the series or axes change.
 */
export function Chart({ label, summary, xLabel, time, series, axes, data, height = 260, marks, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marksRef = useRef(marks);
  marksRef.current = marks;
  // uPlot cannot start from no points (it draws no axes and never recovers): the chart is built once data arrives.
  const hasData = (data[0]?.length ?? 0) > 0;
  const shape = JSON.stringify({ series, axes, time, xLabel, height, hasData });

  useEffect(() => {
    const el = box.current;
    if (!el || !hasData) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      scales: {
        x: { time: time ?? false },
        ...Object.fromEntries(
          axes
            .filter((a) => a.range)
            .map((a) => [a.scale, { auto: false, range: [a.range![0], a.range![1]] as uPlot.Range.MinMax }]),
        ),
      },
      legend: { live: true },
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: s.width ?? 2,
          scale: s.scale ?? 'y',
          spanGaps: false,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.points ? { points: { show: true, size: 7, fill: s.stroke }, paths: () => null } : {}),
        })),
      ],
      axes: [
        { label: xLabel },
        ...axes.map((a) => ({
          scale: a.scale,
          label: a.label,
          side: a.side === 'right' ? 1 : 3,
          grid: { show: a.side !== 'right' },
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const m = marksRef.current;
            if (!m || m.length === 0) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = 'rgba(11, 92, 173, 0.35)';
            ctx.lineWidth = 1;
            for (const x of m) {
              const px = u.valToPos(x, 'x', true);
              if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) continue;
              ctx.beginPath();
              ctx.moveTo(px, u.bbox.top);
              ctx.lineTo(px, u.bbox.top + u.bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, aligned(data, series.length), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt when the shape changes; data updates go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(aligned(data, series.length));
  }, [data]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [marks]);

  return (
    <figure className="chart" data-testid={testId} data-points={data[0]?.length ?? 0}>
      <div ref={box} role="img" aria-label={label} style={hasData ? undefined : { minHeight: height }} />
      {summary ? <figcaption className="visually-hidden">{summary}</figcaption> : null}
    </figure>
  );
}
