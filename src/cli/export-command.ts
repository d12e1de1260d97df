import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import { patientEverything } from '../fhir/patient-everything.js';
import {
  appendAudit,
  databaseUrlFromEnv,
  DEFAULT_SQLITE_FILE,
  findRow,
  inTransaction,
  openStore,
} from '../store/index.js';
import { EXIT, exitCodeFor } from './cli-errors.js';
import type { CliIo } from './main.js';

export interface ExportOptions {
  patient: string;
  db?: string;
  out?: string;
  force?: boolean;
  base?: string;
}

/** The actor the audit log records for an export made on the command line. */
export const CLI_ACTOR = 'cli';

const HELP = `
Writes the patient's FHIR R4 $everything Bundle (type searchset) as JSON: Patient, Conditions, screening
QuestionnaireResponses, course CarePlans, session Procedures with their current and voltage traces
(Observation.valueSampledData), outcome Observations, sweat chloride Observations (LOINC 2077-6), Devices and
DeviceMetrics. The export is recorded in the audit log (actor "cli", action "patient.export_fhir").

Database: --db, else IONTO_DATABASE_URL, else ${DEFAULT_SQLITE_FILE}. References are urn:uuid: ones, resolvable
inside the file; with --base URL they are relative and every fullUrl is {URL}/{type}/{id}, as a server would give.

Exit codes: 0 written, 1 patient not found or the database failed, 2 usage error (bad option, no such database
file, output file exists without --force).

Examples:
  ionto export fhir --patient 3f6c… --out patient.json
  IONTO_DATABASE_URL=postgres://… ionto export fhir --patient 3f6c… > patient.json`;

/** Where the store is: a PostgreSQL URL, `:memory:`, or a SQLite file that must already exist (an export reads). */
function storeUrl(db: string | undefined): string {
  const url = db ?? databaseUrlFromEnv() ?? DEFAULT_SQLITE_FILE;
  if (/^postgres(ql)?:\/\//i.test(url) || url === ':memory:') return url;
  const file = resolve(url.replace(/^sqlite:(\/\/)?/i, ''));
  if (!existsSync(file)) {
    throw new IontoError('ION_ERR_USAGE', `no database at ${file}: give --db or set IONTO_DATABASE_URL`, {
      option: '--db',
    });
  }
  return url;
}

/** `ionto export fhir`: exit code 0 when the bundle was written. */
export async function exportFhir(opts: ExportOptions, io: CliIo): Promise<number> {
  const patientId = opts.patient.trim();
  if (patientId === '') throw new IontoError('ION_ERR_USAGE', '--patient needs a patient id', { option: '--patient' });
  if (opts.base !== undefined && !/^https?:\/\/[^\s]+$/.test(opts.base)) {
    throw new IontoError('ION_ERR_USAGE', `--base must be an http(s) URL, got "${opts.base}"`, { option: '--base' });
  }
  const out = opts.out === undefined ? undefined : resolve(opts.out);
  if (out !== undefined && existsSync(out) && opts.force !== true) {
    throw new IontoError('ION_ERR_USAGE', `${out} exists: choose another file or add --force`, { option: '--out' });
  }
  const url = storeUrl(opts.db);
  let store;
  try {
    store = await openStore({ url });
  } catch (e) {
    if (isIontoError(e)) throw e;
    // The driver's message names the host or file, never the password of a URL.
    throw new IontoError('ION_ERR_UNAVAILABLE', `cannot open the database: ${(e as Error).message}`);
  }
  try {
    const bundle = await inTransaction(store, async (tx) => {
      if ((await findRow(tx, 'patients', patientId)) === undefined) {
        throw new IontoError('ION_ERR_NOT_FOUND', `no patient with id ${patientId} in this database`, {
          id: patientId,
        });
      }
      const b = await patientEverything(tx, patientId, opts.base === undefined ? {} : { base: opts.base });
      await appendAudit(tx, {
        actor: CLI_ACTOR,
        action: 'patient.export_fhir',
        entity: 'patients',
        entity_id: patientId,
      });
      return b;
    });
    const text = JSON.stringify(bundle, null, 2) + '\n';
    if (out === undefined) io.stdout.write(text);
    else {
      writeFileSync(out, text, { flag: opts.force === true ? 'w' : 'wx' });
      io.stderr.write(`wrote ${bundle.entry?.length ?? 0} resources to ${out}\n`);
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** Register `ionto export fhir`. `done` receives the exit code. */
export function registerExportCommand(cmd: Command, io: CliIo, done: (code: number) => void): void {
  const exportCmd = cmd.command('export').description('export stored records in a standard format');
  exportCmd
    .command('fhir')
    .description("a patient's records as a FHIR R4 Bundle (Patient $everything)")
    .requiredOption('--patient <id>', 'the patient id')
    .option(
      '--db <url|path>',
      `database: postgres://… URL or SQLite file (default: IONTO_DATABASE_URL or ${DEFAULT_SQLITE_FILE})`,
    )
    .option('--out <file>', 'write the Bundle to this file instead of standard output')
    .option('--force', 'with --out: replace an existing file')
    .addOption(new Option('--base <url>', 'FHIR base URL for fullUrls and relative references (default: urn:uuid)'))
    .addHelpText('after', HELP)
    .action(async (opts: ExportOptions) => {
      try {
        done(await exportFhir(opts, io));
      } catch (e) {
        if (!isIontoError(e)) throw e;
        io.stderr.write(`ionto export fhir: ${e.message} [${e.code}]\n`);
        done(exitCodeFor(e));
      }
    });
}
