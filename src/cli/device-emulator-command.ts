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
}

export interface RunningEmulator {
  readonly stage: SimulatedDevice;
  readonly emulator: FirmwareEmulator;
  readonly link: SerialPortLink;
  close(): Promise<void>;
}

/** Telemetry sample period of the emulator: 100 Hz. */
export const EMULATOR_SAMPLE_PERIOD = ms(10);
/** Wall-clock tick at which the emulator's stage catches up with real time. */
const TICK_MS = 2;

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
  const stage = new SimulatedDevice(createPatientLoad(patient), {
    seed,
    info: { samplePeriod: EMULATOR_SAMPLE_PERIOD, model: EMULATOR_MODEL },
  });
  const link = await openSerialLink(o.port);
  const emulator = new FirmwareEmulator(stage, link);
  const t0 = performance.now();
  const timer = setInterval(() => emulator.advanceTo(ms(performance.now() - t0)), TICK_MS);
  return {
    stage,
    emulator,
    link,
    close: async () => {
      clearInterval(timer);
      await link.close();
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
    .addHelpText(
      'after',
      '\nExample: socat -d -d pty,raw,echo=0 pty,raw,echo=0   # prints two paths\n' +
        '         ionto device-emulator --port /dev/pts/5 &\n' +
        '         ionto run tapwater-palms --port /dev/pts/6',
    )
    .action(async (opts: { port: string; seed: string; zone: string }) => {
      const seed = integerOption('--seed', opts.seed) ?? 1;
      const running = await startDeviceEmulator({ port: opts.port, seed, zone: opts.zone });
      io.stderr.write(`ionto device-emulator: ${EMULATOR_MODEL} on ${opts.port}, 100 Hz telemetry; Ctrl-C stops\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
        running.link.onClose(() => resolve());
      });
      await running.close();
      done(EXIT.ok);
    });
}
