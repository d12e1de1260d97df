/**
 * Every string of the web app exists in English, French and Italian: the same keys, the same placeholders, nothing
 * empty, and no words written straight into the pages' markup (they would show in English whatever the language).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
type Area = Record<'en' | 'fr' | 'it', Record<string, string>>;

// Loaded at run time, so the Node type check of the tests does not compile the browser sources.
const { AREAS } = (await import(join(SRC, 'i18n', 'index.tsx'))) as { AREAS: Record<string, Area> };

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name), ext) : ext.test(d.name) ? [join(dir, d.name)] : [],
  );
}

/** JSX text with letters, and text attributes people read (labels, titles, placeholders) given as plain strings. */
function literalText(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const READ_ATTRS = new Set(['aria-label', 'title', 'placeholder', 'alt', 'label', 'aria-description']);
  const where = (n: ts.Node) => `${relative(SRC, file)}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n) && /\p{L}{2,}/u.test(n.text)) found.push(`${where(n)} text "${n.text.trim()}"`);
    if (ts.isJsxAttribute(n) && n.initializer && ts.isStringLiteral(n.initializer)) {
      const name = n.name.getText(source);
      if (READ_ATTRS.has(name) && /\p{L}{2,}/u.test(n.initializer.text))
        found.push(`${where(n)} ${name}="${n.initializer.text}"`);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

describe('web app translations', () => {
  it('French and Italian have every English key of every area, with the same placeholders, none empty', () => {
    const problems: string[] = [];
    for (const [name, area] of Object.entries(AREAS)) {
      const en = Object.keys(area.en).sort();
      for (const lang of ['fr', 'it'] as const) {
        const other = Object.keys(area[lang]).sort();
        for (const k of en) if (!(k in area[lang])) problems.push(`${name}: ${lang} lacks ${k}`);
        for (const k of other) if (!(k in area.en)) problems.push(`${name}: ${lang} has ${k}, English does not`);
        for (const k of en) {
          const v = area[lang][k];
          if (v === undefined) continue;
          if (v.trim() === '') problems.push(`${name}: ${lang} ${k} is empty`);
          if (placeholders(v).join() !== placeholders(area.en[k]!).join()) {
            problems.push(
              `${name}: ${lang} ${k} has placeholders {${placeholders(v).join('}, {')}}, English {${placeholders(area.en[k]!).join('}, {')}}`,
            );
          }
        }
      }
      for (const k of en) if (area.en[k]!.trim() === '') problems.push(`${name}: en ${k} is empty`);
    }
    expect(problems).toEqual([]);
  });

  it('no key is defined by two areas (one would silently replace the other)', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const [name, area] of Object.entries(AREAS)) {
      for (const k of Object.keys(area.en)) {
        const before = seen.get(k);
        if (before !== undefined) clashes.push(`${k} in ${before} and ${name}`);
        seen.set(k, name);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('the pages hold no words outside the message tables', () => {
    const found = files(SRC, /\.tsx$/).flatMap(literalText);
    expect(found).toEqual([]);
  });

  it('finds words written straight into markup (the check above can fail)', () => {
    const probe = join(SRC, '..', 'test', 'fixtures', 'untranslated.tsx.fixture');
    expect(literalText(probe)).toEqual([
      '../test/fixtures/untranslated.tsx.fixture:4 text "Start session"',
      '../test/fixtures/untranslated.tsx.fixture:5 aria-label="Close"',
    ]);
  });
});
