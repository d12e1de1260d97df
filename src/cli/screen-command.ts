import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ScreeningAnswers } from '../clinic/screening-answers.js';
import {
  AGE_LIMITS,
  ANSWER_FIELDS,
  ageInYears,
  formatAge,
  noToEverything,
  parseScreeningAnswers,
  validateScreeningAnswers,
} from '../clinic/screening-answers.js';
import { SCREENING_QUESTIONS } from '../clinic/screening-questionnaire.js';
import type { Screening, ScreeningReason } from '../clinic/screening.js';
import { screen, screenAll } from '../clinic/screening.js';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { SCREENING_ITEM_IDS } from '../protocols/screening-items.js';
import { EXIT, exitCodeFor } from './cli-errors.js';
import type { CliIo } from './main.js';

/** The command's streams; `now` (the clock for answered_at and ages from a date of birth) is injectable for tests. */
export type ScreenIo = CliIo & { readonly stdin?: NodeJS.ReadStream; readonly now?: () => Date };

export interface ScreenCommandOptions {
  protocol?: string;
  all?: boolean;
  answers?: string;
  zone?: string;
  mode?: string;
  save?: string;
  json?: boolean;
}

/** A refusal exits like a stopped session: nothing was wrong with the command, and no current may flow. */
export const EXIT_REFUSED = EXIT.aborted;

/** The items of the example in the help, three to a line. */
const exampleItems = (): string => {
  const pairs = SCREENING_ITEM_IDS.map((id) => `"${id}": false`);
  const rows: string[] = [];
  for (let i = 0; i < pairs.length; i += 3) rows.push('    ' + pairs.slice(i, i + 3).join(', '));
  return rows.join(',\n');
};

const HELP = `
Exit codes: 0 allowed (or allowed with precautions), 3 refused, 2 usage error (unknown protocol, zone or
mode; unreadable or malformed answers file; no terminal for the questionnaire). With --all: 0 unless a usage error.

Answers file: a JSON object with true (yes) or false (no) for every item, and the age in years (fractions
allowed, compared exactly: 5.99 is under 6). Unanswered items are an error, never taken as no. Optional:
"zone" (the site the site questions were answered for), "answered_at" (ISO 8601 with a zone), "answered_by",
"notes".
  {
${exampleItems()},
    "age_years": 35, "answered_at": "2025-03-01T09:30:00Z", "answered_by": "A. Jones"
  }

Without --answers the questions are asked on the terminal (y or n each, then the age or the date of birth);
--save FILE keeps the answers in a new file.

Examples:
  ionto screen --protocol tapwater-palms --answers answers.json
  ionto screen --protocol tapwater-palms --save answers.json
  ionto screen --all --answers answers.json --json`;

/** Register `ionto screen`. `done` receives the exit code. */
export function registerScreenCommand(program: Command, io: ScreenIo, done: (code: number) => void): Command {
  return program
    .command('screen')
    .description('contraindication screening of a patient for a protocol, from an answers file or on the terminal')
    .option('--protocol <id>', 'protocol to screen for (see: ionto protocols list)')
    .option('--all', 'screen for every protocol of the library: a summary')
    .option('--answers <file>', 'JSON answers file (see below); without it the questions are asked on the terminal')
    .option('--zone <zone>', 'zone to be treated (default: the answers’ zone if the protocol has it, else its default)')
    .option('--mode <mode>', 'mode to be used (default: the protocol’s); matters for children (pulsed recommended)')
    .option('--save <file>', 'after the questions on the terminal, save the answers to this new file')
    .option('--json', 'print the screening as JSON')
    .addHelpText('after', HELP)
    .action(async (opts: ScreenCommandOptions) => done(await screenCommand(opts, io)));
}

/** The command itself; returns the exit code and reports its own errors on stderr. */
export async function screenCommand(o: ScreenCommandOptions, io: ScreenIo): Promise<number> {
  try {
    return await screenOrThrow(o, io);
  } catch (e) {
    if (!isIontoError(e)) throw e;
    io.stderr.write(`ionto: ${e.message} [${e.code}]\n`);
    return exitCodeFor(e);
  }
}

const usage = (message: string): IontoError => new IontoError('ION_ERR_USAGE', message);

async function screenOrThrow(o: ScreenCommandOptions, io: ScreenIo): Promise<number> {
  const json = o.json === true;
  const all = o.all === true;
  if (all === (o.protocol !== undefined)) throw usage('screen needs either --protocol <id> or --all');
  if (all && (o.zone !== undefined || o.mode !== undefined)) {
    throw usage('--zone and --mode choose for one protocol; use them with --protocol, not --all');
  }
  if (o.save !== undefined && o.answers !== undefined) {
    throw usage('--save keeps the answers given on the terminal; with --answers they are already in a file');
  }
  // Everything that can be checked is checked before the first question.
  const protocol = o.protocol !== undefined ? findProtocol(o.protocol) : undefined;
  if (protocol) screen(protocol, noToEverything(AGE_LIMITS.max), { zone: o.zone, mode: o.mode }); // zone and mode exist
  if (o.save !== undefined) checkSavable(o.save);

  let answers: ScreeningAnswers;
  if (o.answers !== undefined) {
    answers = readAnswers(o.answers);
  } else {
    const stdin = io.stdin;
    if (!stdin?.isTTY) {
      throw usage(
        'no answers: pass --answers FILE (the questions can only be asked on a terminal, and stdin is not one)',
      );
    }
    // With --json, stdout carries the JSON alone: the questions go to stderr.
    const out = json ? io.stderr : io.stdout;
    answers = await askAnswers(stdin, out, protocol, io.now ?? (() => new Date()));
  }

  const results = protocol ? [screen(protocol, answers, { zone: o.zone, mode: o.mode })] : screenAll(answers);
  if (json) io.stdout.write(JSON.stringify(protocol ? results[0] : results, null, 2) + '\n');
  else io.stdout.write(protocol ? describeScreening(results[0]!) : describeSummary(results, answers));

  if (o.save !== undefined) {
    saveAnswers(o.save, answers);
    (json ? io.stderr : io.stdout).write(`answers saved to ${o.save}\n`);
  } else if (o.answers === undefined) {
    (json ? io.stderr : io.stdout).write('answers not saved (use --save FILE to keep them)\n');
  }
  if (!protocol) return EXIT.ok;
  return results[0]!.result === 'refused' ? EXIT_REFUSED : EXIT.ok;
}

// ------------------------------------------------------------------------------------------------ files

function readAnswers(path: string): ScreeningAnswers {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usage(`--answers ${path}: cannot read the file (${(e as Error).message})`);
  }
  return parseScreeningAnswers(text, path);
}

function checkSavable(path: string): void {
  if (existsSync(path))
    throw usage(`--save ${path}: the file exists; answers are never overwritten, choose a new name`);
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
  } catch (e) {
    throw usage(`--save ${path}: cannot write there (${(e as Error).message})`);
  }
}

function saveAnswers(path: string, answers: ScreeningAnswers): void {
  const record = answers as Record<string, unknown>;
  const ordered = Object.fromEntries(ANSWER_FIELDS.filter((k) => record[k] !== undefined).map((k) => [k, record[k]]));
  try {
    writeFileSync(path, JSON.stringify(ordered, null, 2) + '\n', { flag: 'wx' });
  } catch (e) {
    throw usage(`--save ${path}: cannot write the answers (${(e as Error).message})`);
  }
}

// ------------------------------------------------------------------------------------------------ questionnaire

const YES = new Set(['y', 'yes']);
const NO = new Set(['n', 'no']);

const localDate = (d: Date): string =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** Ask every question on the terminal, re-asking until each answer is valid. Ends early only if the input ends. */
async function askAnswers(
  stdin: NodeJS.ReadStream,
  out: NodeJS.WriteStream,
  protocol: Protocol | undefined,
  now: () => Date,
): Promise<ScreeningAnswers> {
  const rl = createInterface({ input: stdin, terminal: false });
  // One iterator for the whole questionnaire: it buffers lines typed (or piped) ahead of their question.
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string> => {
    out.write(prompt);
    const next = await lines.next();
    if (next.done) {
      out.write('\n');
      throw usage('the input ended before every question was answered; nothing was screened or saved');
    }
    return String(next.value).trim();
  };
  const items = SCREENING_QUESTIONS.filter((q) => q.type === 'boolean');
  const record: Record<string, unknown> = {};
  try {
    out.write(
      `Contraindication screening${protocol ? ` for ${protocol.id} (${protocol.title})` : ''}: ` +
        `${items.length} questions, answer y or n; then the age.\n`,
    );
    for (const [i, q] of items.entries()) {
      for (;;) {
        const a = (await ask(`${String(i + 1).padStart(2)}/${items.length}  ${q.text}? [y/n] `)).toLowerCase();
        if (YES.has(a) || NO.has(a)) {
          record[q.linkId] = YES.has(a);
          break;
        }
        out.write('       please answer y (yes) or n (no)\n');
      }
    }
    record.age_years = await askAge(ask, out, localDate(now()));
  } finally {
    rl.close();
  }
  record.answered_at = now().toISOString();
  return validateScreeningAnswers(record, 'the questionnaire');
}

async function askAge(ask: (prompt: string) => Promise<string>, out: NodeJS.WriteStream, today: string) {
  const { min, max } = AGE_LIMITS;
  for (;;) {
    const a = await ask('Age in years, or date of birth as YYYY-MM-DD: ');
    let age: number | undefined;
    if (/^\d+(\.\d+)?$/.test(a)) age = Number(a);
    else if (/^\d{4}-\d{2}-\d{2}$/.test(a)) {
      try {
        age = ageInYears(a, today);
      } catch (e) {
        out.write(`       ${(e as Error).message}\n`);
        continue;
      }
    }
    if (age !== undefined && age >= min && age <= max) return age;
    out.write(`       please give the age in years (${min} to ${max}) or the date of birth as YYYY-MM-DD\n`);
  }
}

// ------------------------------------------------------------------------------------------------ output

const HEADLINE = {
  allowed: 'ALLOWED: no contraindication found',
  precautions: 'PRECAUTIONS: treat only with the precautions below',
  refused: 'REFUSED: do not treat with this protocol',
} as const;

const EFFECT = { refuse: 'refuse', precaution: 'precaution', info: 'note' } as const;

const reasonLines = (r: ScreeningReason): string =>
  `  ${EFFECT[r.effect].padEnd(11)} ${r.item}: ${r.text}\n  ${''.padEnd(11)} source: ${r.source}\n`;

/** One screening for people: the result, then every reason with its source. */
export function describeScreening(s: Screening): string {
  return (
    `${s.protocolId} (${s.protocolTitle}) · zone ${s.zone} · mode ${s.mode} · age ${formatAge(s.ageYears)}\n` +
    `${HEADLINE[s.result]}\n` +
    s.reasons.map(reasonLines).join('')
  );
}

/** The screening for every protocol, one line each, with the items that decided it. */
export function describeSummary(all: readonly Screening[], answers: ScreeningAnswers): string {
  const width = Math.max(0, ...all.map((s) => s.protocolId.length));
  const lines = all.map((s) => {
    const counted = s.reasons.filter((r) => r.effect !== 'info').map((r) => `${r.item} (${r.effect})`);
    return `  ${s.result.toUpperCase().padEnd(11)}  ${s.protocolId.padEnd(width)}  ${counted.join(', ')}`.trimEnd();
  });
  return (
    `Screening for ${all.length} protocols · age ${formatAge(answers.age_years)}` +
    `${answers.zone !== undefined ? ` · site answers for ${answers.zone}` : ''}\n` +
    lines.join('\n') +
    `\nFor the reasons and their sources: ionto screen --protocol <id> --answers FILE\n`
  );
}
