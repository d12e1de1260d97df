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

/**
 * A uPlot line chart that fills its container's width and takes new data without being rebuilt, so a live view can
 * update it many times a second. Rebuilt only when the series or axes change.
 */
export function Chart({ label, summary, xLabel, time, series, axes, data, height = 260, marks, testId }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marksRef = useRef(marks);
  marksRef.current = marks;
  const shape = JSON.stringify({ series, axes, time, xLabel, height });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      scales: { x: { time: time ?? false } },
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
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
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
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [marks]);

  return (
    <figure className="chart" data-testid={testId} data-points={data[0]?.length ?? 0}>
      <div ref={box} role="img" aria-label={label} />
      {summary ? <figcaption className="visually-hidden">{summary}</figcaption> : null}
    </figure>
  );
}
