import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dutyOf } from '../device/device.js';
import type { ScenarioEvent } from '../device/scenario.js';
import { validateScenario } from '../device/scenario.js';
import type { TraceRow } from '../engine/session-runner.js';
import { catalogue } from '../errors/catalogue.js';
import { Random } from '../physics/random.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { MilliAmp, MilliAmpMinute } from '../units/quantities.js';
import { FAULT_KINDS, contactDisturbances, randomFault } from './regulation-trial.js';
import { prepareSimulatedSession } from './simulated-session.js';

/** Codes that count as reporting each injected fault. */
const REPORTED_BY: Record<string, readonly string[]> = {
  // An offset larger than the current flips the measured sign: indistinguishable from a reversed current.
  sensor_offset: ['ION_ERR_MISMATCH', 'ION_ERR_SENSOR_IMPLAUSIBLE', 'ION_ERR_OVERCURRENT', 'ION_ERR_POLARITY_MISMATCH'],
  sensor_stuck: ['ION_ERR_SENSOR_IMPLAUSIBLE', 'ION_ERR_MISMATCH'],
  dac_stuck: ['ION_ERR_MISMATCH', 'ION_ERR_OVERCURRENT', 'ION_ERR_HARD_LIMIT', 'ION_ERR_HW_TRIP'],
  relay_stuck: ['ION_ERR_POLARITY_MISMATCH'],
  electrode_open: ['ION_EVT_PAUSE', 'ION_ERR_OPEN_CIRCUIT', 'ION_ERR_PAUSE_TIMEOUT'],
  short: ['ION_ERR_SHORT_CIRCUIT', 'ION_ERR_PRECHECK_LOAD'],
  telemetry_dropout: ['ION_ERR_STALE_TELEMETRY'],
  telemetry_delay: ['ION_ERR_STALE_TELEMETRY'],
  lease_stop: ['ION_ERR_LEASE_EXPIRED'],
};

const protocols = [...protocolLibrary().values()];
const choices = protocols.flatMap((p) =>
  Object.keys(p.zones).flatMap((zone) => Object.keys(p.modes).map((mode) => ({ protocol: p, zone, mode }))),
);

/** The first choice of a protocol, as the start of a replayed example. */
const example = (id: string) => ({
  choice: Math.max(
    0,
    choices.findIndex((c) => c.protocol.id === id),
  ),
  currentFraction: 0,
  anion: false,
});

const trial = fc.record({
  choice: fc.integer({ min: 0, max: choices.length - 1 }),
  currentFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  withFault: fc.boolean(),
  faultKind: fc.integer({ min: 0, max: FAULT_KINDS.length - 1 }),
  /** The product's charge, for protocols whose pole it chooses. */
  anion: fc.boolean(),
});

interface Row extends TraceRow {
  readonly trueAvg: number;
  readonly truePeak: number;
}

/** Runs of the campaign: 60 by default (about 40 s); set IONTO_CAMPAIGN_RUNS for a longer search. */
const RUNS = Number(process.env.IONTO_CAMPAIGN_RUNS ?? 60);

describe('fault campaign (property-based, on random protocols, virtual patients, disturbances and faults)', () => {
  it('keeps every safety property of the engine and supervisor', { timeout: Math.max(60_000, RUNS * 2_000) }, () => {
    fc.assert(
      fc.property(trial, (t) => {
        const { protocol, zone, mode } = choices[t.choice]!;
        const z = protocol.zones[zone]!;
        const current = z.current_mA.min + t.currentFraction * (z.current_mA.value - z.current_mA.min);
        // The shortest session the zone allows: by time, or by dose at the chosen current.
        const rounded = Math.round(current * 10) / 10;
        const minutes = z.duration_min ? z.duration_min.min : undefined;
        const dose = z.duration_min ? undefined : z.dose_mAmin!.min;
        const rng = new Random(t.seed);
        const durationS = minutes !== undefined ? minutes * 60 : (dose! / rounded) * 60;
        const events: ScenarioEvent[] = contactDisturbances(rng, 60, durationS * 0.8);
        let fault: ScenarioEvent | undefined;
        if (t.withFault) {
          // Draw until the wanted kind comes up, so every kind is exercised with its own random parameters.
          do fault = randomFault(rng, 45, durationS * 0.45);
          while (fault.event !== FAULT_KINDS[t.faultKind]);
        }
        const scenario = validateScenario(
          [...events, ...(fault ? [fault] : [])].sort((a, b) => a.at_s - b.at_s),
          'campaign.json',
        );
        const s = prepareSimulatedSession({
          protocol,
          choices: {
            zone,
            mode,
            current: rounded as MilliAmp,
            minutes,
            dose: dose as MilliAmpMinute | undefined,
            agentCharge:
              protocol.polarity.electrode_a === 'by-agent-charge' ? (t.anion ? 'anion' : 'cation') : undefined,
          },
          seed: t.seed,
          scenario,
        });
        const rows: Row[] = [];
        s.onRow((r) => {
          const truth = s.device.truth();
          rows.push({ ...r, trueAvg: Math.abs(truth.patientCurrent), truePeak: truth.peakCurrent });
        });
        const report = s.run.runToEnd();
        const plan = s.plan;
        const duty = dutyOf(plan.waveform);
        const period = plan.controlPeriod;
        const events2 = s.run.allEvents;

        // 1. The current never exceeds the active limit for longer than one control period. The supervisor trips at
        //    the limit + 3 % + 0.2 mA as it *measures* it; the true current may sit above what is measured by the
        //    sensor's uncertainty (3σ of its 0.02 mA noise and one 0.024 mA step), so that is the margin here too.
        const sensorUncertainty = 3 * 0.02 + 0.025;
        let over = 0;
        for (let k = 2; k < rows.length; k++) {
          const allowed = Math.max(rows[k - 1]!.limit, rows[k - 2]!.limit) / duty;
          if (rows[k]!.truePeak > allowed * 1.03 + 0.2 + sensorUncertainty) {
            over += 1;
            expect(over, `over the limit at ${rows[k]!.t} ms for 2 periods`).toBeLessThan(2);
          } else over = 0;
        }

        // 2. Every fault reaches zero output within one control period (a stopped host: within its lease and the
        //    device's own ramp).
        const firstFault = events2.find((e) => catalogue[e.code].severity === 'fault');
        if (firstFault) {
          const grace =
            fault?.event === 'lease_stop'
              ? plan.lease + (plan.maxCurrent / s.device.info.leaseRamp) * 1000 + period
              : period;
          const after = rows.filter((r) => r.t > firstFault.t + grace);
          for (const r of after) expect(r.trueAvg, `current after fault at ${r.t} ms`).toBeLessThan(0.01);
          expect(report.status).toBe('fault');
        }

        // 3. The delivered dose never exceeds the prescription by more than 1 %.
        expect(s.device.truth().deliveredCharge).toBeLessThanOrEqual(plan.dose * 1.01);

        // 4. The engine's own commands never step the current faster than the comfort limit: rises at most
        //    comfort × period; falls faster only down to what already flows; a latched fault stops at once.
        const room = plan.comfortDidt * (period / 1000) + 1e-9;
        for (let k = 1; k < rows.length; k++) {
          const a = rows[k - 1]!;
          const b = rows[k]!;
          if (b.phase === 'fault') continue;
          expect(b.requested - a.requested, `engine rise at ${b.t} ms`).toBeLessThanOrEqual(room);
          if (a.requested - b.requested > room && b.telemetry) {
            expect(b.requested + room + 1e-9, `engine cut at ${b.t} ms`).toBeGreaterThanOrEqual(
              Math.abs(b.telemetry.current),
            );
          }
        }

        // 5. No injected fault goes unreported (a stuck relay shows only when a reversal asks it to move).
        if (fault) {
          const after = events2.filter((e) => e.t >= fault.at_s * 1000 - period);
          const manifested = fault.event !== 'relay_stuck' || after.some((e) => e.code === 'ION_EVT_REVERSAL');
          const injectedBeforeEnd = fault.at_s * 1000 < (rows.at(-1)?.t ?? 0);
          if (manifested && injectedBeforeEnd) {
            expect(
              after.some((e) => REPORTED_BY[fault.event]!.includes(e.code)),
              `${fault.event} at ${fault.at_s} s unreported; events: ${after.map((e) => e.code).join(', ')}`,
            ).toBe(true);
          }
        }
      }),
      {
        numRuns: RUNS,
        seed: Number(process.env.IONTO_CAMPAIGN_SEED ?? 20261121),
        // Counterexamples found by longer searches (a DAC stuck at low currents), replayed on every run.
        examples: [
          [{ ...example('desincrustation'), seed: 545264567, withFault: true, faultKind: 2 }],
          [{ ...example('pilocarpine-sweat-test'), seed: 797364763, withFault: true, faultKind: 2 }],
        ],
      },
    );
  });
});
