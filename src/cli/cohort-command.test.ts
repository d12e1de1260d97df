import { runInProcess } from './run-in-process.js';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCohortCommand } from './cohort-command.js';

/** The command line, in-process with captured output. */
const cli = (...argv: string[]) => runInProcess(argv);

describe('ionto cohort', () => {
  it('prints the cohort figures as JSON', async () => {
    const r = await cli('cohort', 'tapwater-palms', '--n', '6', '--seed', '3', '--workers', '0', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ n: 6, seed: 3, protocol: 'tapwater-palms', template: 'clinic', sessions: 7 });
    for (const k of [
      'responder_rate',
      'sessions_to_euhidrosis_median',
      'remission_days_mean',
      'euhidrosis_by_session',
      'adverse_events',
    ]) {
      expect(j, k).toHaveProperty(k);
    }
    expect(j.sessions_total).toBe(42);
  });

  it('gives the same figures on worker threads as in this thread', async () => {
    const argv = ['cohort', 'tapwater-axillae', '--n', '4', '--json'];
    const here = await cli(...argv, '--workers', '0');
    const two = await cli(...argv, '--workers', '2');
    expect(two.code, two.err).toBe(0);
    expect(two.out).toBe(here.out);
  });

  it('prints a readable summary', async () => {
    const r = await cli(
      'cohort',
      'tapwater-palms',
      '--n',
      '3',
      '--workers',
      '0',
      '--template',
      'every-2-3-days',
      '--mode',
      'pulsed',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Tap-water iontophoresis, palms · palms · pulsed DC · every-2-3-days until normal sweating/);
    expect(r.out).toMatch(/3 virtual patients, seed 1, cohort fidelity/);
    expect(r.out).toMatch(/responders\s+\d+\.\d %/);
    expect(r.out).toMatch(/first remission/);
    expect(r.out).toMatch(/adverse events\s+\d+ sessions? in \d+ patients?/);
  });

  it('runs a fixed course with --no-until-dry and --sessions', async () => {
    const r = await cli(
      'cohort',
      'tapwater-soles',
      '--n',
      '2',
      '--workers',
      '0',
      '--template',
      'every-2-3-days',
      '--no-until-dry',
      '--sessions',
      '3',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ until_dry: false, sessions: 3, sessions_total: 6 });
  });

  it('draws a progress bar on a terminal', async () => {
    let err = '';
    const io = {
      stdout: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
      stderr: { write: (s: string) => ((err += s), true), isTTY: true, columns: 100 } as unknown as NodeJS.WriteStream,
    };
    const program = new Command('ionto').exitOverride();
    let code = -1;
    registerCohortCommand(program, io, (c) => (code = c));
    await program.parseAsync(['cohort', 'tapwater-palms', '--n', '2', '--workers', '0', '--json'], { from: 'user' });
    expect(code).toBe(0);
    expect(err).toMatch(/patients/);
  });
});

describe('ionto cohort refuses doubtful input with exit 2 and a clear message', () => {
  const refused = async (argv: string[], message: RegExp) => {
    const r = await cli(...argv);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  };
  it('an unknown protocol', () => refused(['cohort', 'tapwater-ears'], /unknown protocol "tapwater-ears"/));
  it('a cohort size that is not a whole number', () =>
    refused(['cohort', 'tapwater-palms', '--n', '1.5'], /--n must be a whole number/));
  it('a cohort size out of range', () =>
    refused(['cohort', 'tapwater-palms', '--n', '0'], /--n must be a whole number from 1/));
  it('a bad seed', () => refused(['cohort', 'tapwater-palms', '--seed', 'x'], /--seed must be a number/));
  it('a negative worker count', () =>
    refused(['cohort', 'tapwater-palms', '--workers', '-1'], /--workers must be a whole number from 0/));
  it('an unknown template', () =>
    refused(['cohort', 'tapwater-palms', '--template', 'monthly'], /unknown induction template "monthly"/));
  it('an unknown mode', () => refused(['cohort', 'tapwater-palms', '--mode', 'ac'], /argument 'ac' is invalid/));
  it('an unknown zone', () => refused(['cohort', 'tapwater-palms', '--zone', 'feet'], /no zone "feet"/));
  it('a missing protocol', () => refused(['cohort'], /missing required argument 'protocol'/));
});
