/**
 * Physics step benchmark: a 20-minute palms session on the typical virtual patient, the load driven once per
 * simulated millisecond exactly as the simulated device drives it (1.2 million `driveCurrent` calls): 30 s soft start
 * to 20 mA DC, 60 V compliance. Prints `{steps, seconds, ns_per_step, ...}` as JSON; the figure is the best of
 * several runs after a JIT warm-up. Run from the build (`npm run build && node dist/bench/physics-step.js`).
 */
import { emptyLoadSample } from '../src/physics/electrical-load.js';
import { createPatientLoad, typicalPatient } from '../src/physics/virtual-patient.js';
import { mA, seconds, volt, type MilliAmp } from '../src/units/quantities.js';

const SESSION_S = 20 * 60;
const DT = seconds(0.001);
const STEPS = Math.round(SESSION_S / DT);
const TARGET = 20; // mA, palms 18–22 mA [16]
const RAMP_STEPS = 30_000; // 30 s soft start
const COMPLIANCE = volt(60); // strong units reach 60 V [S1]

const runSession = (duty: number): { charge: number; lastVoltage: number } => {
  const load = createPatientLoad(typicalPatient('palms'));
  const out = emptyLoadSample();
  const amplitude = TARGET / duty;
  let charge = 0;
  for (let k = 0; k < STEPS; k++) {
    const a = (k < RAMP_STEPS ? (amplitude * k) / RAMP_STEPS : amplitude) as MilliAmp;
    load.driveCurrent(DT, a, duty, '+', COMPLIANCE, out);
    charge += out.current;
  }
  return { charge: (charge * DT) / 60, lastVoltage: out.voltage };
};

const best = (duty: number): { seconds: number; median: number; charge: number; lastVoltage: number } => {
  for (let i = 0; i < 3; i++) runSession(duty);
  const times: number[] = [];
  let last = { charge: 0, lastVoltage: 0 };
  for (let i = 0; i < 9; i++) {
    const t0 = process.hrtime.bigint();
    last = runSession(duty);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[0] as number, median: times[Math.floor(times.length / 2)] as number, ...last };
};

const dc = best(1);
const pulsed = best(0.5);
console.log(
  JSON.stringify({
    steps: STEPS,
    seconds: +dc.seconds.toFixed(5),
    ns_per_step: +((dc.seconds * 1e9) / STEPS).toFixed(1),
    median_ns_per_step: +((dc.median * 1e9) / STEPS).toFixed(1),
    pulsed_ns_per_step: +((pulsed.seconds * 1e9) / STEPS).toFixed(1),
    delivered_mA_min: +dc.charge.toFixed(1),
    final_voltage: +dc.lastVoltage.toFixed(1),
    target_mA: mA(TARGET),
  }),
);
