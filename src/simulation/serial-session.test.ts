import { describe, expect, it } from 'vitest';
import type { ClockedDevice, DeviceCommand } from '../device/device.js';
import { EMULATOR_MODEL, FirmwareEmulator } from '../device/firmware-emulator.js';
import { memoryLinkPair } from '../device/line-protocol/byte-link.js';
import { SerialDevice } from '../device/serial-device.js';
import { SimulatedDevice } from '../device/simulated-device.js';
import { SessionRun } from '../engine/session-runner.js';
import { createPatientLoad } from '../physics/virtual-patient.js';
import { compilePlan } from '../protocols/compile-plan.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import { ms, type Millisecond } from '../units/quantities.js';
import { prepareSimulatedSession } from './simulated-session.js';

/** The emulator's stage: the simulated device at 100 Hz telemetry, under the emulator's model name. */
const EMULATED = { info: { samplePeriod: ms(10), model: EMULATOR_MODEL } } as const;

/**
 * The engine's runner drives a SerialDevice whose peer is the firmware emulator in the same process, on one
 * clock: every command and every telemetry sample crosses the line protocol (COBS, CRC, codec) both ways.
 */
async function serialBench(stage: SimulatedDevice): Promise<ClockedDevice & { serial: SerialDevice }> {
  const pair = memoryLinkPair();
  const emu = new FirmwareEmulator(stage, pair.device);
  let clock = 0;
  const serial = await SerialDevice.connect(pair.host, { now: () => clock });
  return {
    serial,
    get info() {
      return serial.info;
    },
    send: (c: DeviceCommand) => serial.send(c),
    read: () => serial.read(),
    now: () => clock as Millisecond,
    advanceTo: (t: Millisecond) => {
      clock = t;
      emu.advanceTo(t);
    },
  };
}

const IDS = ['tapwater-palms', 'lidocaine', 'pilocarpine-sweat-test', 'cryo-galvanic-face'];
const cases = [...protocolLibrary().values()]
  .filter((p) => IDS.includes(p.id))
  .map((protocol) => ({ protocol, zone: Object.keys(protocol.zones)[0]! }));

it('covers the chosen protocols', () => expect(cases).toHaveLength(IDS.length));

describe('a session over the line protocol against the firmware emulator', () => {
  it.each(cases.map((c) => [c.protocol.id, c]))(
    '%s: completes, and its dose matches the simulated run within 1 %',
    async (_id, { protocol, zone }) => {
      const byCharge = protocol.polarity.electrode_a === 'by-agent-charge';
      const choices = byCharge ? { zone, agentCharge: 'cation' as const } : { zone };
      const reference = prepareSimulatedSession({ protocol, choices, seed: 3, device: EMULATED });
      const simulated = reference.run.runToEnd();

      const stage = new SimulatedDevice(createPatientLoad(reference.patient), { seed: 3, ...EMULATED });
      const device = await serialBench(stage);
      const plan = compilePlan(protocol, choices, device.info);
      const report = new SessionRun({ plan, device }).runToEnd();

      expect(report.status, report.events.map((e) => `${e.t_s} s ${e.code}: ${e.message}`).join('\n')).toBe(
        'completed',
      );
      expect(report.faults).toEqual([]);
      expect(device.serial.problems()).toEqual([]);
      expect(Math.abs(report.delivered_mAmin - simulated.delivered_mAmin) / simulated.delivered_mAmin).toBeLessThan(
        0.01,
      );
    },
  );
});
