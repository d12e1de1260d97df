/**
 * A Node module loader that runs the TypeScript sources directly (types stripped, no type check), so a test can start
 * a child Node process on a source file: `node --import <register> src/…/x.ts`. Specifiers name the compiled `.js`
 * files, as in the sources; a missing `.js` is looked up as `.ts`. Types are stripped by esbuild (Vite's own
 * transformer: a child starts in about a second), or by the TypeScript compiler where esbuild is missing (about six).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const esbuild = await import('esbuild').then(
  (m) => m.default ?? m,
  () => undefined,
);
const ts = esbuild === undefined ? (await import('typescript')).default : undefined;

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    const relative = specifier.startsWith('.') || specifier.startsWith('file:');
    if (relative && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
    throw e;
  }
}

async function strip(fileName, text) {
  if (esbuild !== undefined) {
    const out = await esbuild.transform(text, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: fileName });
    return out.code;
  }
  return ts.transpileModule(text, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
  }).outputText;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  return { format: 'module', source: await strip(fileName, await readFile(fileName, 'utf8')), shortCircuit: true };
}
