/**
 * Device step benchmark: a 20-minute DC 15 mA session into a 2 kΩ resistor, simulated at 1 ms substeps with one
 * telemetry sample per 20 ms control period and a host that renews its lease every period. Prints
 * `{simulated_s, seconds, realtime_factor, ...}` as JSON, `seconds` being the best of seven runs after a warm-up.
 * Run from the build: `npm run build && node dist/bench/device-step.js`.
 */
import { DC, type DeviceCommand } from '../src/device/device.js';
import { SimulatedDevice } from '../src/device/simulated-device.js';
import { ResistorLoad } from '../src/physics/resistor-load.js';
import { kOhm, mA, ms, type Millisecond } from '../src/units/quantities.js';

const SESSION_S = 20 * 60;
const SETPOINT = mA(15); // mid of the Fischer 10–18 mA target [F5]

const runSession = (): { delivered: number; samples: number } => {
  const device = new SimulatedDevice(new ResistorLoad(kOhm(2)), { seed: 7 });
  const period = device.info.samplePeriod;
  const cmd = { setpoint: SETPOINT, lease: ms(100), polarity: '+', waveform: DC, outputEnabled: true, seq: 0 };
  let samples = 0;
  for (let t = 0, seq = 0; t < SESSION_S * 1000; t += period) {
    device.send({ ...cmd, seq: seq++ } as DeviceCommand);
    device.advanceTo((t + period) as Millisecond);
    if (device.read() !== undefined) samples++;
  }
  return { delivered: device.truth().deliveredCharge, samples };
};

// Warm up the JIT, then take the best of several runs (the figure is the machine's, not the scheduler's).
for (let i = 0; i < 3; i++) runSession();
const times: number[] = [];
let last = { delivered: 0, samples: 0 };
for (let i = 0; i < 7; i++) {
  const t0 = process.hrtime.bigint();
  last = runSession();
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
const seconds = times[0] as number;
const median = times[Math.floor(times.length / 2)] as number;
console.log(
  JSON.stringify({
    simulated_s: SESSION_S,
    seconds: +seconds.toFixed(5),
    median_seconds: +median.toFixed(5),
    realtime_factor: Math.round(SESSION_S / seconds),
    ns_per_substep: +((seconds * 1e9) / (SESSION_S * 1000)).toFixed(1),
    delivered_mA_min: +last.delivered.toFixed(2),
    samples: last.samples,
  }),
);
