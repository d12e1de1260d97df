/**
 * A name folded for search: accents removed (NFKD without combining marks), lower case, runs of spaces as one.
 * "Élodie  MÜLLER" and "elodie muller" fold alike.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}
