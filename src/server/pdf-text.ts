/**
 * The text of a PDF written by pdfkit with its standard fonts, its streams compressed or not: each text
 * object's hex strings decoded from WinAnsi, one line per text object. For tests of the generated reports.
 */
import { inflateSync } from 'node:zlib';

const WIN_ANSI_HIGH: Record<number, string> = {
  0x80: '€',
  0x82: '‚',
  0x83: 'ƒ',
  0x84: '„',
  0x85: '…',
  0x86: '†',
  0x87: '‡',
  0x88: 'ˆ',
  0x89: '‰',
  0x8a: 'Š',
  0x8b: '‹',
  0x8c: 'Œ',
  0x8e: 'Ž',
  0x91: '‘',
  0x92: '’',
  0x93: '“',
  0x94: '”',
  0x95: '•',
  0x96: '–',
  0x97: '—',
  0x98: '˜',
  0x99: '™',
  0x9a: 'š',
  0x9b: '›',
  0x9c: 'œ',
  0x9e: 'ž',
  0x9f: 'Ÿ',
};

/** Every stream of the PDF, inflated where it is Flate-compressed, as latin1 text. */
function streams(pdf: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const start = pdf.indexOf('stream', at, 'latin1');
    if (start < 0) break;
    const bodyStart = start + (pdf[start + 6] === 0x0d ? 8 : 7);
    const end = pdf.indexOf('endstream', bodyStart, 'latin1');
    if (end < 0) break;
    const body = pdf.subarray(bodyStart, end);
    try {
      parts.push(inflateSync(body).toString('latin1'));
    } catch {
      parts.push(body.toString('latin1'));
    }
    at = end + 9;
  }
  return parts.join('\n');
}

export function pdfText(pdf: Buffer): string {
  const raw = streams(pdf);
  const lines: string[] = [];
  for (const m of raw.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?\d+(?:\.\d+)?)*)\]\s*TJ/g)) {
    let line = '';
    for (const h of m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)) {
      const bytes = Buffer.from(h[1]!, 'hex');
      for (const b of bytes) line += WIN_ANSI_HIGH[b] ?? String.fromCharCode(b);
    }
    lines.push(line);
  }
  return lines.join('\n');
}
