/** Minimal flag parsing for the benchmark scripts: --name value, --flag. Unknown flags are an error (exit 2). */
export function benchArgs(argv: readonly string[], known: Record<string, 'number' | 'string' | 'flag'>) {
  const out: Record<string, string | number | boolean> = {};
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    const name = a.replace(/^--/, '');
    const kind = known[name];
    if (!a.startsWith('--') || kind === undefined) {
      process.stderr.write(
        `unknown argument ${a}; known: ${Object.keys(known)
          .map((x) => `--${x}`)
          .join(' ')}\n`,
      );
      process.exit(2);
    }
    if (kind === 'flag') out[name] = true;
    else {
      const v = argv[++k];
      if (v === undefined || (kind === 'number' && !Number.isFinite(Number(v)))) {
        process.stderr.write(`--${name} needs a ${kind} value\n`);
        process.exit(2);
      }
      out[name] = kind === 'number' ? Number(v) : v;
    }
  }
  return out;
}
