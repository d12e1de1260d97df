import { Command, CommanderError, Option } from 'commander';
import { isIontoError } from '../errors/catalogue.js';
import { EXIT, exitCodeFor } from './cli-errors.js';
import { runCommand } from './run-command.js';
import { registerCohortCommand } from './cohort-command.js';
import { registerPlanCommand } from './plan-command.js';
import { registerProtocolsCommand } from './protocols-command.js';
import { registerScreenCommand } from './screen-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerExportCommand } from './export-command.js';
import { registerDeviceEmulatorCommand } from './device-emulator-command.js';
import { registerHomeCommand } from './home-command.js';

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  /** The clock, for the commands that read today's date (tests fix it). */
  readonly now?: () => Date;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });

function program(io: CliIo, done: (code: number) => void): Command {
  const cmd = new Command('ionto')
    .description(
      'OpenIonto: iontophoresis sessions on a simulated or real device, with an independent safety supervisor',
    )
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)');

  cmd
    .command('run')
    .description(
      'run a session of a protocol on the simulated device and virtual patient, or on a real device (--port)',
    )
    .argument('<protocol>', 'protocol id (see: ionto protocols list), or a protocol file (.json)')
    .option('--zone <zone>', 'treatment zone (default: the protocol’s)')
    .option('--current <mA>', 'target current in mA, within the protocol’s range')
    .option('--minutes <min>', 'treatment time in minutes, within the protocol’s range')
    .option('--dose <mAmin>', 'prescribed charge in mA·min, for protocols dosed in mA·min')
    .addOption(
      new Option('--agent-charge <charge>', 'charge of the product, for protocols whose pole it chooses').choices([
        'cation',
        'anion',
      ]),
    )
    .addOption(new Option('--mode <mode>', 'waveform mode of the protocol').choices(['dc', 'pulsed']))
    .option('--seed <n>', 'virtual patient seed (same seed, same patient)', '1')
    .option('--scenario <file>', 'JSON array of timed events: contact, faults, water, sweat')
    .option('--speed <factor|max>', 'simulation speed: a factor of real time, or max (default 1; max with --json)')
    .option(
      '--trace <file.csv>',
      'write time, phase, set point, current, voltage, impedance, polarity per control period',
    )
    .option('--json', 'print one JSON report instead of the live view')
    .option(
      '--confirm-steps',
      'confirm that every pre- and post-step of the protocol is done (asked one by one otherwise)',
    )
    .option('--answers <file>', 'screening answers (see: ionto screen --help); a refused screening never starts')
    .option('--port <path>', 'run on a real device on this serial port (line protocol, docs/device-protocol.md)')
    .addHelpText(
      'after',
      '\nExit codes: 0 completed, 1 fault (also: port missing, no handshake, version refused), 2 usage error\n' +
        '(nothing started), 3 stopped.\n' +
        'Example: ionto run tapwater-palms --speed 60 --trace palms.csv\n' +
        '         ionto run tapwater-palms --port /dev/ttyUSB0 --confirm-steps',
    )
    .action(async (protocol: string, opts: Record<string, unknown>) => {
      done(await runCommand(protocol, opts, io));
    });

  registerScreenCommand(cmd, io, done);
  registerPlanCommand(cmd, io, done);
  registerCohortCommand(cmd, io, done);
  registerSimulateCommand(cmd, io, done);

  registerProtocolsCommand(cmd, io, done);
  registerServeCommand(cmd, io, done);
  registerExportCommand(cmd, io, done);
  registerDeviceEmulatorCommand(cmd, io, done);
  registerHomeCommand(cmd, io, done);
  return cmd;
}

/** Run the command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await program(io, (c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isIontoError(e)) {
      io.stderr.write(`ionto: ${e.message} [${e.code}]\n`);
    } else {
      io.stderr.write(`ionto: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    }
    return exitCodeFor(e);
  }
}
