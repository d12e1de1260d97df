import { describe, expect, it } from 'vitest';
import { ResistorLoad } from '../physics/resistor-load.js';
import { kOhm, mA, ms, type Millisecond } from '../units/quantities.js';
import { DC, type DeviceCommand } from './device.js';
import { IDEAL_DEVICE, SimulatedDevice, SUBSTEP, type SimulatedDeviceOptions } from './simulated-device.js';

/** A host renewing a 15 mA DC command every period for `seconds`, returning the device and the samples read. */
const session = (o: SimulatedDeviceOptions, seconds: number) => {
  const d = new SimulatedDevice(new ResistorLoad(kOhm(2)), { ...IDEAL_DEVICE, ...o });
  const period = d.info.samplePeriod;
  let seq = 0;
  let samples = 0;
  const cmd = (): DeviceCommand => ({
    setpoint: mA(15),
    lease: (5 * period) as Millisecond,
    polarity: '+',
    waveform: DC,
    outputEnabled: true,
    seq: seq++,
  });
  while (d.now() < seconds * 1000) {
    d.send(cmd());
    d.advanceTo((d.now() + period) as Millisecond);
    if (d.read() !== undefined) samples++;
  }
  return { d, samples };
};

describe('SimulatedDevice: configurable physics substep', () => {
  it('defaults to 1 ms substeps', () => {
    expect(SUBSTEP).toBe(1);
    const { d } = session({}, 1);
    expect(d.now()).toBe(1000);
  });

  it('a coarse substep delivers the same charge and current as 1 ms, with one sample per period', () => {
    const fine = session({}, 60);
    const coarse = session({ info: { samplePeriod: ms(2000) }, substep: ms(2000) }, 60);
    const mid = session({ info: { samplePeriod: ms(1000) }, substep: ms(100) }, 60);
    expect(coarse.samples).toBe(30);
    expect(mid.samples).toBe(60);
    for (const r of [coarse, mid]) {
      expect(r.d.now()).toBe(60_000);
      expect(r.d.truth().deliveredCharge).toBeCloseTo(fine.d.truth().deliveredCharge, 2);
      expect(r.d.truth().current).toBeCloseTo(15, 6);
    }
    expect(fine.d.truth().deliveredCharge).toBeCloseTo(15, 2);
  });

  it('timestamps samples, log entries and the lease in ms whatever the substep', () => {
    const d = new SimulatedDevice(new ResistorLoad(kOhm(2)), {
      ...IDEAL_DEVICE,
      info: { samplePeriod: ms(500) },
      substep: ms(250),
    });
    d.send({ setpoint: mA(5), lease: ms(1000), polarity: '+', waveform: DC, outputEnabled: true, seq: 1 });
    d.advanceTo(ms(500));
    expect(d.read()?.t).toBe(500);
    d.advanceTo(ms(5000)); // no renewal: the lease lapses at 1000 ms and the output ramps to zero
    expect(d.events().find((e) => e.code === 'ION_ERR_LEASE_EXPIRED')?.t).toBe(1000);
    expect(d.truth().current).toBe(0);
  });

  it('refuses a substep that is not a whole number of ms dividing the sample period', () => {
    const bad = (substep: number) => () =>
      new SimulatedDevice(new ResistorLoad(kOhm(2)), { substep: substep as Millisecond });
    expect(bad(0)).toThrow(/substep/);
    expect(bad(1.5)).toThrow(/substep/);
    expect(bad(3)).toThrow(/divides the sample period 20 ms/);
    expect(bad(20)).not.toThrow();
  });
});
