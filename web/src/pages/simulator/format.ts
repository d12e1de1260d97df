/**
 * Digits after the decimal point that show about three significant figures of `n` (none for large values), without
 * trailing zeros: 2.5, not 2.50; 10, not 10.0.
 */
export function digitsFor(n: number): number {
  const a = Math.abs(n);
  if (!Number.isFinite(a) || a === 0) return 0;
  let d = Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(a))));
  while (d > 0 && Number(a.toFixed(d - 1)) === Number(a.toFixed(d))) d--;
  return d;
}

/** The reference keys (`[44]`, `[68]`) named in a text, in order, once each. */
export function referenceKeys(text: string): string {
  return [...new Set(text.match(/\[[^\]\s]+\]/g) ?? [])].join(' ');
}
