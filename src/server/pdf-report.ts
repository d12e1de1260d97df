/**
 * The frame the server's PDF reports share (the sweat-test report, the home summary): an A4 pdfkit document with
 * 48 pt margins, its bytes collected, and text helpers that write through `winAnsi` (the standard fonts show WinAnsi
 * only).
 */
import PDFDocument from 'pdfkit';

/** WinAnsi (the standard fonts' encoding) beyond Latin-1. */
const WIN_ANSI_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const STAND_INS: Record<string, string> = { '≥': '>=', '≤': '<=', '≈': '~', '→': '->', '−': '-', ' ': ' ' };

/** Text the standard fonts can show: WinAnsi as is, a few symbols as ASCII, anything else as "?". */
export function winAnsi(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.includes(ch)) out += ch;
    else if (ch === '\n') out += ch;
    else out += STAND_INS[ch] ?? '?';
  }
  return out;
}

export interface PdfReport {
  readonly doc: PDFKit.PDFDocument;
  /** Left margin and the width between the margins (pt). */
  readonly left: number;
  readonly width: number;
  /** Writes text at the cursor through `winAnsi`, the full width unless `opts` say otherwise. */
  text(s: string, opts?: PDFKit.Mixins.TextOptions): void;
  /** A section heading: bold 11 pt, then back to regular 9 pt. */
  heading(s: string): void;
  /** Ends the document; resolves with its bytes. */
  finish(): Promise<Buffer>;
}

const MARGIN = 48;

export function pdfReport(o: {
  title: string;
  author?: string;
  creationDate: Date;
  /** Compress the page streams (default true); false keeps the text readable in the bytes, for tests. */
  compress?: boolean | undefined;
}): PdfReport {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    compress: o.compress ?? true,
    info: {
      Title: winAnsi(o.title),
      ...(o.author === undefined ? {} : { Author: winAnsi(o.author) }),
      Creator: 'OpenIonto',
      CreationDate: o.creationDate,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const text = (s: string, opts: PDFKit.Mixins.TextOptions = {}): void => {
    doc.text(winAnsi(s), { width, ...opts });
  };
  return {
    doc,
    left: MARGIN,
    width,
    text,
    heading: (s) => {
      doc.moveDown(0.6).font('Helvetica-Bold').fontSize(11);
      text(s);
      doc.font('Helvetica').fontSize(9);
    },
    finish: () => {
      doc.end();
      return done;
    },
  };
}
