/**
 * Small text plots for the terminal: series of (x, y) points on a character grid with a labelled y axis and x
 * ticks, and horizontal bar charts. Plain ASCII-compatible output plus a few box-drawing characters.
 */

export interface PlotSeries {
  /** One character drawn at each point; later series are drawn over earlier ones. */
  readonly mark: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface XYPlotOptions {
  readonly series: readonly PlotSeries[];
  readonly width: number;
  readonly height: number;
  readonly xMin: number;
  readonly xMax: number;
  /** y range; default: the data's, padded. */
  readonly yMin?: number;
  readonly yMax?: number;
  /** Label of an x value at a tick. */
  readonly xTick: (x: number) => string;
  /** Distance between x ticks, in x units. */
  readonly xTickEvery: number;
  /** Decimals of the y labels. */
  readonly yDecimals?: number;
  /** Characters drawn on the x axis at given x (e.g. a calibration mark). */
  readonly axisMarks?: readonly { readonly x: number; readonly mark: string }[];
}

/** An x–y scatter of the series on a `width` × `height` grid; returns the lines (no trailing newline). */
export function xyPlot(o: XYPlotOptions): string[] {
  const width = Math.max(2, Math.floor(o.width));
  const height = Math.max(2, Math.floor(o.height));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  let lo = o.yMin ?? (ys.length > 0 ? Math.min(...ys) : 0);
  let hi = o.yMax ?? (ys.length > 0 ? Math.max(...ys) : 1);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const col = (x: number) => Math.round(((x - o.xMin) / (o.xMax - o.xMin || 1)) * (width - 1));
  const row = (y: number) => Math.round(((hi - y) / (hi - lo)) * (height - 1));
  const grid: string[][] = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (const s of o.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const c = col(x);
      const r = row(Math.min(hi, Math.max(lo, y)));
      if (c >= 0 && c < width && r >= 0 && r < height) grid[r]![c] = s.mark;
    }
  }
  const dec = o.yDecimals ?? 1;
  const labelAt = (r: number) => (hi - ((hi - lo) * r) / (height - 1)).toFixed(dec);
  const labelRows = new Set([
    0,
    Math.round((height - 1) / 4),
    Math.round((height - 1) / 2),
    Math.round((3 * (height - 1)) / 4),
    height - 1,
  ]);
  const labelWidth = Math.max(...[...labelRows].map((r) => labelAt(r).length));
  const lines = grid.map((cells, r) =>
    `${(labelRows.has(r) ? labelAt(r) : '').padStart(labelWidth)} ┤${cells.join('')}`.trimEnd(),
  );
  const axis = Array<string>(width).fill('─');
  const ticks = Array<string>(width + 12).fill(' ');
  for (let x = o.xMin, k = 0; x <= o.xMax + 1e-9 && k < 10_000; x = o.xMin + ++k * o.xTickEvery) {
    const c = col(x);
    if (c < 0 || c >= width) continue;
    axis[c] = '┬';
    const label = o.xTick(x);
    // Skip a label that would run into the previous one.
    if (ticks.slice(Math.max(0, c - 1), c + label.length).some((ch) => ch !== ' ')) continue;
    for (let i = 0; i < label.length; i++) ticks[c + i] = label[i]!;
  }
  for (const m of o.axisMarks ?? []) {
    const c = col(m.x);
    if (c >= 0 && c < width) axis[c] = m.mark;
  }
  lines.push(`${' '.repeat(labelWidth)} └${axis.join('')}`);
  lines.push(`${' '.repeat(labelWidth + 2)}${ticks.join('')}`.trimEnd());
  return lines;
}

/** A horizontal bar of `value / max` of `width` characters, with eighth-block resolution. */
export function bar(value: number, max: number, width: number): string {
  if (!(max > 0) || !(value > 0)) return '';
  const eighths = Math.round(Math.min(1, value / max) * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return '█'.repeat(full) + (part > 0 ? ' ▏▎▍▌▋▊▉'[part]! : '');
}
