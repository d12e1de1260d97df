/**
 * A one-dimensional, cell-centred finite-volume grid through stacked layers. Depth x runs from the skin surface
 * (x = 0) into the body. Layer boundaries always fall on cell faces, so every cell lies in exactly one layer and the
 * material properties are constant inside a cell. Within a layer the cells are uniform.
 */
export interface GridLayerSpec {
  /** Layer thickness, cm. */
  readonly thickness: number;
  /** Number of cells in the layer (≥ 1). */
  readonly cells: number;
}

export interface LayeredGrid {
  /** Number of cells. */
  readonly n: number;
  /** Face positions, cm; length n + 1, faces[0] = 0 (surface), faces[n] = total depth. */
  readonly faces: Float64Array;
  /** Cell-centre positions, cm; length n. */
  readonly centres: Float64Array;
  /** Cell widths, cm; length n. */
  readonly widths: Float64Array;
  /** Index of the layer each cell belongs to; length n. */
  readonly layerOf: Int32Array;
  /** First cell of each layer, plus n at the end; length layers + 1. */
  readonly layerStart: Int32Array;
}

export function layeredGrid(layers: readonly GridLayerSpec[]): LayeredGrid {
  if (layers.length === 0) throw new RangeError('a grid needs at least one layer');
  let n = 0;
  for (const l of layers) {
    if (!(l.thickness > 0) || !Number.isFinite(l.thickness)) throw new RangeError('layer thickness must be > 0');
    if (!Number.isInteger(l.cells) || l.cells < 1) throw new RangeError('a layer needs at least one cell');
    n += l.cells;
  }
  const faces = new Float64Array(n + 1);
  const centres = new Float64Array(n);
  const widths = new Float64Array(n);
  const layerOf = new Int32Array(n);
  const layerStart = new Int32Array(layers.length + 1);
  let k = 0;
  let x0 = 0;
  layers.forEach((l, li) => {
    layerStart[li] = k;
    const h = l.thickness / l.cells;
    for (let j = 0; j < l.cells; j++, k++) {
      // Positions from the layer's start so that the layer boundary is exact, not a sum of rounded widths.
      faces[k] = x0 + j * h;
      widths[k] = h;
      centres[k] = x0 + (j + 0.5) * h;
      layerOf[k] = li;
    }
    x0 += l.thickness;
  });
  faces[n] = x0;
  layerStart[layers.length] = n;
  return { n, faces, centres, widths, layerOf, layerStart };
}
