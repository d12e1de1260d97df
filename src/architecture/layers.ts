import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

/**
 * The layers of DESIGN.md, lowest first. A file may import from its own layer's folder and from lower layers,
 * never from a higher one. Layers with the same rank are side by side and may not import each other.
 */
export const LAYER_RANK: Readonly<Record<string, number>> = {
  units: 0,
  errors: 0,
  physics: 1,
  device: 2,
  engine: 3,
  protocols: 4,
  /** Composes physics, device, engine and protocols into runnable simulated sessions and cohorts. */
  simulation: 4.5,
  clinic: 5,
  store: 5,
  fhir: 6,
  server: 7,
  /** Runs a session on a device next to it (the engine and the device's lease), for the server or a remote link. */
  agent: 6.5,
  cli: 8,
  architecture: 9,
};

export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

/** Static imports and re-exports (`… from '…'`, over any number of lines), side-effect imports and import(). */
const IMPORT_RE = /\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Layer of a path relative to src/, or undefined for files outside any layer folder. */
export const layerOf = (relToSrc: string): string | undefined => {
  const top = relToSrc.split(/[\\/]/)[0];
  return top !== undefined && top in LAYER_RANK ? top : undefined;
};

/** Check one file's text; `relFile` is its path relative to src/. */
export function checkImports(relFile: string, text: string): LayerViolation[] {
  const from = layerOf(relFile);
  if (from === undefined) return [];
  const out: LayerViolation[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined || !spec.startsWith('.')) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const target = join(dirname(relFile), spec).split(sep).join('/');
    if (target.startsWith('..')) {
      out.push({ file: relFile, line, from, to: '(outside src)', specifier: spec });
      continue;
    }
    const to = layerOf(target);
    if (to === undefined || to === from) continue;
    if (LAYER_RANK[to]! >= LAYER_RANK[from]!) out.push({ file: relFile, line, from, to, specifier: spec });
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every violation under a source root. */
export function checkTree(srcRoot: string): LayerViolation[] {
  const root = resolve(srcRoot);
  return walk(root).flatMap((f) => checkImports(relative(root, f).split(sep).join('/'), readFileSync(f, 'utf8')));
}
