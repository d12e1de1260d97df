import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { noToEverything, parseScreeningAnswers } from '../clinic/screening-answers.js';
import { SCREENING_ITEM_IDS } from '../protocols/screening-items.js';
import { registerScreenCommand } from './screen-command.js';

interface Run {
  code: number;
  out: string;
  err: string;
}

/**
 * Run `screen` in-process. `input`, when given, is typed on a fake terminal (a PassThrough marked as a TTY), one
 * line per entry; `tty: false` makes it a pipe.
 */
async function screen(argv: string[], input?: { lines: string[]; tty?: boolean; end?: boolean }): Promise<Run> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    ({ write: (s: string) => (f(s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  let stdin: NodeJS.ReadStream | undefined;
  if (input) {
    const s = new PassThrough();
    Object.assign(s, { isTTY: input.tty ?? true });
    s.write(input.lines.map((l) => l + '\n').join(''));
    if (input.end !== false) s.end();
    stdin = s as unknown as NodeJS.ReadStream;
  }
  let code = -1;
  const program = new Command('ionto').exitOverride().configureOutput({
    writeOut: (s) => (out += s),
    writeErr: (s) => (err += s),
  });
  registerScreenCommand(
    program,
    {
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
      stdin,
      now: () => new Date(2025, 2, 11, 10, 0),
    },
    (c) => (code = c),
  );
  try {
    await program.parseAsync(['screen', ...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'ionto-screen-'));
let n = 0;
const answersFile = (delta: Record<string, unknown> = {}): string => {
  const p = join(dir, `answers-${n++}.json`);
  writeFileSync(p, JSON.stringify({ ...noToEverything(35), ...delta }, null, 2));
  return p;
};
const NO = SCREENING_ITEM_IDS.map(() => 'n');
/** Terminal answers: "n" to everything except the given items, then the age. */
const typed = (yes: string[], age: string): string[] => [
  ...SCREENING_ITEM_IDS.map((id) => (yes.includes(id) ? 'y' : 'n')),
  age,
];

describe('ionto screen --answers', () => {
  it('ALLOWED, exit 0', async () => {
    const r = await screen(['--protocol', 'tapwater-palms', '--answers', answersFile()]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      'tapwater-palms (Tap-water iontophoresis, palms) · zone palms · mode dc · age 35 years\n' +
        'ALLOWED: no contraindication found\n',
    );
  });

  it('PRECAUTIONS, exit 0, every reason with its source', async () => {
    const r = await screen(['--protocol', 'tapwater-soles', '--answers', answersFile({ fever: true, age_years: 9 })]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PRECAUTIONS: treat only with the precautions below');
    expect(r.out).toMatch(
      / {2}precaution {2}age: under 12 years: the pulsed mode is recommended.*\n {14}source: .*\[H7\]/,
    );
    expect(r.out).toMatch(
      / {2}precaution {2}fever: Fever or acute infection today: postpone while unwell\n {14}source: design: /,
    );
  });

  it('REFUSED, exit 3, refusals first and notes last', async () => {
    const r = await screen([
      '--protocol',
      'tapwater-axillae',
      '--answers',
      answersFile({ pregnancy: true, breastfeeding: true, 'skin-irritation': true }),
    ]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('REFUSED: do not treat with this protocol');
    const order = ['refuse      pregnancy', 'precaution  skin-irritation', 'note        breastfeeding'].map((s) =>
      r.out.indexOf(s),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(r.out).toContain('source: [H8][A003]');
  });

  it('--json prints the screening as JSON', async () => {
    const r = await screen(['--protocol', 'tapwater-palms', '--answers', answersFile({ pacemaker: true }), '--json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      protocolId: 'tapwater-palms',
      result: 'refused',
      zone: 'palms',
      mode: 'dc',
      ageYears: 35,
    });
    expect(j.reasons).toEqual([expect.objectContaining({ item: 'pacemaker', effect: 'refuse', source: '[H8][A003]' })]);
  });

  it('--mode pulsed follows the recommendation for a child', async () => {
    const f = answersFile({ age_years: 7 });
    expect((await screen(['--protocol', 'tapwater-palms', '--answers', f, '--mode', 'dc'])).out).toContain(
      'PRECAUTIONS',
    );
    const r = await screen(['--protocol', 'tapwater-palms', '--answers', f, '--mode', 'pulsed']);
    expect(r.out).toMatch(/ALLOWED[^]*note {8}age: under 12 years: pulsed mode "pulsed", as recommended/);
  });

  it('--all gives one line per protocol, exit 0 even when some are refused', async () => {
    const r = await screen(['--all', '--answers', answersFile({ zone: 'palms', fever: true })]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Screening for \d+ protocols · age 35 years · site answers for palms\n/);
    expect(r.out).toMatch(/ {2}PRECAUTIONS {2}tapwater-palms +fever \(precaution\)\n/);
    expect(r.out).toMatch(/ {2}PRECAUTIONS {2}tapwater-soles +fever \(precaution\), zone \(precaution\)\n/);
    const j = JSON.parse((await screen(['--all', '--answers', answersFile({ pregnancy: true }), '--json'])).out);
    expect(j.find((s: { protocolId: string }) => s.protocolId === 'tapwater-axillae').result).toBe('refused');
  });

  it('documents the exit codes and the file format, with a valid example, in its help', async () => {
    const r = await screen(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exit codes: 0 allowed \(or allowed with precautions\), 3 refused, 2 usage error/);
    const example = r.out.slice(r.out.indexOf('  {\n'), r.out.indexOf('\n  }\n') + 4);
    expect(parseScreeningAnswers(example, 'help')).toMatchObject({ pregnancy: false, age_years: 35 });
  });
});

describe('ionto screen refuses doubtful input with exit 2', () => {
  const refused = async (argv: string[], message: RegExp, input?: Parameters<typeof screen>[1]) => {
    const r = await screen(argv, input);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  };

  it('an unknown protocol', () =>
    refused(['--protocol', 'tapwater-ears', '--answers', answersFile()], /unknown protocol "tapwater-ears"/));
  it('neither --protocol nor --all', () => refused(['--answers', answersFile()], /either --protocol <id> or --all/));
  it('both --protocol and --all', () =>
    refused(['--all', '--protocol', 'tapwater-palms', '--answers', answersFile()], /either --protocol <id> or --all/));
  it('an unknown zone', () =>
    refused(['--protocol', 'tapwater-palms', '--zone', 'soles', '--answers', answersFile()], /no zone "soles"/));
  it('an unknown mode', () =>
    refused(['--protocol', 'tapwater-palms', '--mode', 'ac', '--answers', answersFile()], /no mode "ac"/));
  it('a missing answers file', () =>
    refused(
      ['--protocol', 'tapwater-palms', '--answers', join(dir, 'none.json')],
      /--answers .*none\.json: cannot read/,
    ));
  it('an answers file with an item missing, naming the file and the field', () => {
    const f = join(dir, 'partial.json');
    const doc: Record<string, unknown> = { ...noToEverything(35) };
    delete doc.pregnancy;
    writeFileSync(f, JSON.stringify(doc));
    return refused(
      ['--protocol', 'tapwater-palms', '--answers', f],
      /partial\.json: "pregnancy" is missing: every item must be answered yes or no \[ION_ERR_ANSWERS_INVALID\]/,
    );
  });
  it('no answers and no terminal', () =>
    refused(['--protocol', 'tapwater-palms'], /no answers: pass --answers FILE/, { lines: NO, tty: false }));
  it('no answers and no stdin at all', () => refused(['--protocol', 'tapwater-palms'], /pass --answers FILE/));
  it('--save with --answers', () =>
    refused(
      ['--protocol', 'tapwater-palms', '--answers', answersFile(), '--save', join(dir, 'x.json')],
      /--save keeps/,
    ));
});

describe('ionto screen on a terminal', () => {
  it('asks every question, then the age, and shows the result', async () => {
    const r = await screen(['--protocol', 'tapwater-palms'], { lines: typed(['fever'], '35') });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^Contraindication screening for tapwater-palms \(Tap-water iontophoresis, palms\): 14 questions/,
    );
    expect(r.out).toContain(' 1/14  Pacemaker, defibrillator or another active electrical implant? [y/n] ');
    expect(r.out).toContain(' 2/14  Pregnant? [y/n] ');
    expect(r.out).toContain('Age in years, or date of birth as YYYY-MM-DD: ');
    expect(r.out).toContain('PRECAUTIONS: treat only with the precautions below');
    expect(r.out).toContain('answers not saved (use --save FILE to keep them)');
  });

  it('re-asks until the answer is y or n, and the age until it is one', async () => {
    const lines = typed([], '35');
    lines.splice(1, 0, 'maybe', '', 'YES?'); // three bad answers to question 2
    lines.splice(lines.length - 1, 0, 'thirty', '130', '2019-02-30');
    const r = await screen(['--protocol', 'tapwater-palms', '--json'], { lines });
    expect(r.code).toBe(0);
    expect(r.err.match(/please answer y \(yes\) or n \(no\)/g)).toHaveLength(3);
    expect(r.err.match(/please give the age in years \(0 to 120\)/g)).toHaveLength(2);
    expect(r.err).toContain('date of birth must be a calendar date YYYY-MM-DD, got "2019-02-30"');
    expect(JSON.parse(r.out).result).toBe('allowed');
  });

  it('takes "yes", "Y" and "no" too', async () => {
    const lines = typed([], '40');
    lines[0] = 'Yes';
    lines[1] = 'Y';
    lines[2] = 'no';
    const j = JSON.parse((await screen(['--protocol', 'tapwater-palms', '--json'], { lines })).out);
    expect(j.reasons.map((x: { item: string }) => x.item)).toEqual(['pacemaker', 'pregnancy']);
  });

  it('computes the age from a date of birth: refused the day before the 6th birthday', async () => {
    // The clock says 2025-03-11.
    const eve = await screen(['--protocol', 'tapwater-palms', '--mode', 'pulsed'], { lines: typed([], '2019-03-12') });
    expect(eve.code).toBe(3);
    expect(eve.out).toMatch(/refuse {6}age: age 5\.99 years is under the minimum of 6 years/);
    const day = await screen(['--protocol', 'tapwater-palms', '--mode', 'pulsed'], { lines: typed([], '2019-03-11') });
    expect(day.code).toBe(0);
    expect(day.out).toContain('ALLOWED');
  });

  it('saves the answers to a new file that screens the same way', async () => {
    const f = join(dir, 'saved.json');
    const r = await screen(['--protocol', 'tapwater-axillae', '--save', f], {
      lines: typed(['iud', 'cancer'], '41.5'),
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`answers saved to ${f}`);
    const saved = JSON.parse(readFileSync(f, 'utf8'));
    expect(Object.keys(saved)).toEqual([...SCREENING_ITEM_IDS, 'age_years', 'answered_at']);
    expect(saved).toMatchObject({ iud: true, cancer: true, pregnancy: false, age_years: 41.5 });
    expect(saved.answered_at).toBe(new Date(2025, 2, 11, 10, 0).toISOString());
    const again = await screen(['--protocol', 'tapwater-axillae', '--answers', f]);
    expect(again.out).toBe(r.out.slice(r.out.lastIndexOf('tapwater-axillae (Tap'), r.out.indexOf('answers saved')));
  });

  it('never overwrites a file, and says so before the first question', async () => {
    const f = answersFile();
    const before = readFileSync(f, 'utf8');
    const r = await screen(['--protocol', 'tapwater-palms', '--save', f], { lines: typed([], '35') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the file exists; answers are never overwritten/);
    expect(r.out).toBe('');
    expect(readFileSync(f, 'utf8')).toBe(before);
    const nowhere = join(dir, 'no-such-dir', 'a.json');
    const r2 = await screen(['--protocol', 'tapwater-palms', '--save', nowhere], { lines: typed([], '35') });
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/cannot write there/);
  });

  it('exits 2 and saves nothing when the input ends early', async () => {
    const f = join(dir, 'never.json');
    const r = await screen(['--protocol', 'tapwater-palms', '--save', f], { lines: ['n', 'n', 'n'] });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the input ended before every question was answered/);
    expect(existsSync(f)).toBe(false);
  });

  it('screens every protocol after the questions with --all', async () => {
    const r = await screen(['--all'], { lines: typed(['pacemaker'], '30') });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Contraindication screening: 14 questions/);
    expect(r.out).toMatch(/REFUSED {6}tapwater-palms +pacemaker \(refuse\)/);
  });
});
