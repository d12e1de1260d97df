import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import type { Command } from 'commander';
import { EMULATOR_MODEL, FirmwareEmulator } from '../device/firmware-emulator.js';
import { openSerialLink, type SerialPortLink } from '../device/serial-port-link.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import { IontoError } from '../errors/catalogue.js';
import { createPatientLoad, drawPatient } from '../physics/virtual-patient.js';
import { isZone, ZONES } from '../physics/zone-profiles.js';
import { ms } from '../units/quantities.js';
import { EXIT, integerOption } from './cli-errors.js';
import type { CliIo } from './main.js';

export interface DeviceEmulatorOptions {
  readonly port: string;
  readonly seed?: number;
  readonly zone?: string;
  /** Telemetry sample period (ms), which is also the host's control period. Default 10 ms (100 Hz). */
  readonly samplePeriod?: number;
  /**
   * JSON-lines log of the emulator's own output: one line per sample {t, i, v, en, lx, ack} (device ms, mA, V,
   * output switch, lease expired, last command applied), and {t, event} lines for the port closing and opening and
   * at the end (with the charge the stage delivered).
   */
  readonly log?: string;
  /** Called when the port closes (cable pulled) and when it is open again. */
  readonly onPort?: (event: 'closed' | 'open') => void;
}

export interface RunningEmulator {
  readonly stage: SimulatedDevice;
  readonly emulator: FirmwareEmulator;
  /** The port as last opened (a new one after the cable came back). */
  readonly link: SerialPortLink;
  close(): Promise<void>;
}

/** Telemetry sample period of the emulator: 100 Hz. */
export const EMULATOR_SAMPLE_PERIOD = ms(10);
/** Wall-clock tick at which the emulator's stage catches up with real time. */
const TICK_MS = 2;
/** After the port closed, how often to look for it again (ms). */
const REOPEN_MS = 50;

/**
 * The reference firmware on a serial port or a pseudo-terminal, in front of a virtual patient drawn from `seed`,
 * its device time following the wall clock.
 */
export async function startDeviceEmulator(o: DeviceEmulatorOptions): Promise<RunningEmulator> {
  const zone = o.zone ?? 'palms';
  if (!isZone(zone))
    throw new IontoError('ION_ERR_UNKNOWN_ZONE', `zone ${zone} is not one of ${ZONES.join(', ')}`, { zone });
  const seed = o.seed ?? 1;
  const patient = drawPatient(seed, zone);
  const samplePeriod = o.samplePeriod ?? EMULATOR_SAMPLE_PERIOD;
  if (!(Number.isInteger(samplePeriod) && samplePeriod >= 5 && samplePeriod <= 50))
    throw new IontoError(
      'ION_ERR_USAGE',
      `--sample-period must be a whole number of ms from 5 to 50, got ${samplePeriod}`,
    );
  const stage = new SimulatedDevice(createPatientLoad(patient), {
    seed,
    info: { samplePeriod: ms(samplePeriod), model: EMULATOR_MODEL },
  });
  let link = await openSerialLink(o.port);
  const log: WriteStream | undefined = o.log !== undefined ? createWriteStream(o.log) : undefined;
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const emulator = new FirmwareEmulator(stage, link, {
    onSample: log
      ? (s) =>
          log.write(
            `{"t":${s.t},"i":${r3(s.current)},"v":${r3(s.voltage)},"en":${s.flags.outputEnabled ? 1 : 0},"lx":${s.flags.leaseExpired ? 1 : 0},"ack":${s.ackSeq}}\n`,
          )
      : undefined,
  });
  const t0 = performance.now();
  const note = (event: string, extra = ''): void =>
    void log?.write(`{"t":${Math.floor(stage.now())},"event":"${event}"${extra}}\n`);
  let closing = false;
  let reopen: ReturnType<typeof setInterval> | undefined;
  let opening = false;
  // The firmware keeps running when the cable is pulled (its lease takes the output to zero); when the port is
  // back under the same path it listens there again.
  const lookForPort = (): void => {
    reopen = setInterval(() => {
      if (opening || !existsSync(o.port)) return;
      opening = true;
      openSerialLink(o.port).then(
        (next) => {
          opening = false;
          clearInterval(reopen);
          reopen = undefined;
          if (closing) return void next.close();
          link = next;
          emulator.attach(next);
          watch(next);
          note('port-open');
          o.onPort?.('open');
        },
        () => {
          opening = false; // not ready yet: look again at the next tick
        },
      );
    }, REOPEN_MS);
  };
  const watch = (l: SerialPortLink): void =>
    l.onClose(() => {
      if (closing) return;
      note('port-closed');
      o.onPort?.('closed');
      lookForPort();
    });
  watch(link);
  const timer = setInterval(() => emulator.advanceTo(ms(performance.now() - t0)), TICK_MS);
  return {
    stage,
    emulator,
    get link() {
      return link;
    },
    close: async () => {
      closing = true;
      clearInterval(timer);
      if (reopen !== undefined) clearInterval(reopen);
      await link.close();
      note('end', `,"delivered_mAmin":${stage.truth().deliveredCharge}`);
      if (log) await new Promise<void>((r) => log.end(r));
    },
  };
}

export function registerDeviceEmulatorCommand(cmd: Command, io: CliIo, done: (code: number) => void): void {
  cmd
    .command('device-emulator')
    .description('reference device firmware on a serial port or pseudo-terminal, with a virtual patient behind it')
    .requiredOption('--port <path>', 'serial device or pseudo-terminal to serve (e.g. one end of a socat pty pair)')
    .option('--seed <n>', 'virtual patient seed (same seed, same patient)', '1')
    .option('--zone <zone>', `virtual patient zone: ${ZONES.join(', ')}`, 'palms')
    .option('--sample-period <ms>', 'telemetry sample period, also the host control period (5–50 ms)', '10')
    .option('--log <file>', 'JSON lines of the output: every sample (t, i, v, en, lx, ack), port closed/open, end')
    .addHelpText(
      'after',
      '\nExample: socat -d -d pty,raw,echo=0 pty,raw,echo=0   # prints two paths\n' +
        '         ionto device-emulator --port /dev/pts/5 &\n' +
        '         ionto run tapwater-palms --port /dev/pts/6',
    )
    .action(async (opts: { port: string; seed: string; zone: string; log?: string; samplePeriod: string }) => {
      const seed = integerOption('--seed', opts.seed) ?? 1;
      const samplePeriod = integerOption('--sample-period', opts.samplePeriod);
      const running = await startDeviceEmulator({
        port: opts.port,
        seed,
        zone: opts.zone,
        samplePeriod,
        log: opts.log,
        onPort: (e) =>
          io.stderr.write(
            e === 'closed'
              ? `ionto device-emulator: ${opts.port} closed; output left to the lease, waiting for the port\n`
              : `ionto device-emulator: ${opts.port} open again\n`,
          ),
      });
      const hz = Math.round(1000 / running.stage.info.samplePeriod);
      io.stderr.write(`ionto device-emulator: ${EMULATOR_MODEL} on ${opts.port}, ${hz} Hz telemetry; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
      done(EXIT.ok);
    });
}
