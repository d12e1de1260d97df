import { planCourse } from '../clinic/course-plan.js';
import { noToEverything } from '../clinic/screening-answers.js';
import { screen } from '../clinic/screening.js';
import type { SweatTestData } from '../clinic/sweat-test.js';
import type { SessionReport } from '../engine/session-runner.js';
import { findProtocol } from '../protocols/protocol-library.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import {
  createClinic,
  createCourse,
  createDevice,
  createPatient,
  createScreening,
  createSweatTest,
  finishSession,
  recordOutcome,
  startSession,
  TelemetryRecorder,
} from '../store/index.js';
import type { DeviceRow, Patient, SessionRecord, Store } from '../store/index.js';

/**
 * A patient with one of everything the FHIR export maps, stored through the store's own repositories: a screening
 * from the real screening rules, a planned course from the course planner, sessions run by the engine on the
 * simulated device with their telemetry recorded as the server records it, outcomes, a device and a CF sweat test
 * whose stimulation is a real engine run of pilocarpine-sweat-test.
 */
export interface RichPatient {
  readonly patient: Patient;
  readonly device: DeviceRow;
  readonly palms: SessionRecord;
  readonly aborted: SessionRecord;
  readonly stimulation: SessionRecord;
  readonly report: SessionReport;
}

const TZ = 'Europe/Berlin';

/** Runs a protocol on the virtual patient, recording telemetry as it goes; stops it after `abortAfterS` if given. */
async function runStoredSession(
  store: Store,
  input: { patientId: string; deviceId: string; protocol: string; choices: PlanChoices; startedAt: string },
  abortAfterS?: number,
): Promise<{ session: SessionRecord; report: SessionReport }> {
  const protocol = findProtocol(input.protocol);
  const s = prepareSimulatedSession({
    protocol,
    choices: input.choices,
    seed: 7,
    ...(abortAfterS === undefined
      ? {}
      : { hooks: { operator: (t: number) => (t >= abortAfterS * 1000 ? ('abort' as const) : undefined) } }),
  });
  const row = await startSession(store, {
    patient_id: input.patientId,
    protocol: protocol.id,
    zone: s.plan.zone,
    device_id: input.deviceId,
    started_at: input.startedAt,
  });
  const recorder = new TelemetryRecorder(store, row.id);
  s.onRow((r) => recorder.record(r));
  const report = s.run.runToEnd();
  await recorder.flush();
  const session = await finishSession(store, row.id, {
    status: report.status === 'completed' ? 'completed' : report.status === 'fault' ? 'fault' : 'aborted',
    report,
    ended_at: new Date(Date.parse(input.startedAt) + report.duration_s * 1000),
  });
  return { session, report };
}

export async function storeRichPatient(store: Store): Promise<RichPatient> {
  const clinic = await createClinic(store, { name: 'FHIR clinic', time_zone: TZ });
  const patient = await createPatient(store, {
    clinic_id: clinic.id,
    name: 'Frieda Hirsch',
    birth_date: '1991-06-15',
    time_zone: TZ,
    user_id: null,
  });
  const device = await createDevice(store, {
    clinic_id: clinic.id,
    kind: 'simulated',
    name: 'Tray unit 1',
    token_hash: 'fhir-test-token-hash',
  });

  const palmsProtocol = findProtocol('tapwater-palms');
  const answers = { ...noToEverything(35), zone: 'palms', answered_at: '2026-11-02T08:30:00Z', answered_by: 'nurse' };
  const screening = screen(palmsProtocol, { ...answers, breastfeeding: true });
  await createScreening(store, {
    patient_id: patient.id,
    protocol: palmsProtocol.id,
    answers: { ...answers, breastfeeding: true },
    result: screening.result,
    reasons: screening.reasons,
    answered_at: answers.answered_at,
  });

  const palmsStart = '2026-11-02T08:00:00.000Z';
  const palms = await runStoredSession(store, {
    patientId: patient.id,
    deviceId: device.id,
    protocol: palmsProtocol.id,
    choices: { zone: 'palms', minutes: 10 },
    startedAt: palmsStart,
  });
  const aborted = await runStoredSession(
    store,
    {
      patientId: patient.id,
      deviceId: device.id,
      protocol: palmsProtocol.id,
      choices: { zone: 'palms', minutes: 10 },
      startedAt: '2026-11-03T08:00:00.000Z',
    },
    90,
  );

  const plan = planCourse({
    protocol: palmsProtocol,
    start: '2026-11-02',
    tz: TZ,
    history: { sessions: [{ status: 'done', at: palmsStart }] },
  });
  await createCourse(
    store,
    {
      patient_id: patient.id,
      protocol: palmsProtocol.id,
      template: plan.timing.template,
      start_date: plan.start,
      time_zone: TZ,
    },
    plan.sessions.map((p) => ({
      seq: p.index,
      phase: p.phase,
      local_date: p.date,
      starts_at: p.startsAt,
      status: p.status,
    })),
  );

  await recordOutcome(store, {
    patient_id: patient.id,
    kind: 'hdss',
    value: { kind: 'hdss', at: '2026-11-01T10:00:00Z', score: 3 },
    recorded_at: '2026-11-01T10:00:00Z',
  });
  await recordOutcome(store, {
    patient_id: patient.id,
    kind: 'gravimetry',
    value: {
      kind: 'gravimetry',
      at: '2026-11-01T10:05:00Z',
      site: 'palms',
      mg: 180,
      minutes: 5,
      method: 'filter paper',
    },
    recorded_at: '2026-11-01T10:05:00Z',
  });
  await recordOutcome(store, {
    patient_id: patient.id,
    kind: 'minor',
    value: { kind: 'minor', at: '2026-11-01T10:10:00Z', site: 'palms', grade: 4, area_cm2: 120 },
    recorded_at: '2026-11-01T10:10:00Z',
  });
  await recordOutcome(store, {
    patient_id: patient.id,
    kind: 'diary',
    value: { kind: 'diary', date: '2026-11-05', dry: true, site: 'palms' },
    recorded_at: '2026-11-05T20:00:00Z',
  });

  const stimStart = '2026-11-04T09:00:00.000Z';
  const stim = await runStoredSession(store, {
    patientId: patient.id,
    deviceId: device.id,
    protocol: 'pilocarpine-sweat-test',
    choices: {},
    startedAt: stimStart,
  });
  const ended = stim.session.ended_at!;
  const staff = 'user-lab-1';
  const interpretation = {
    band: 'cf_unlikely' as const,
    label: 'CF unlikely',
    range: '< 30 mmol/L',
    source: '[47][48]',
    notes: ['≥ 20 years: median 23, 95 % RI 5–56 mmol/L [103]'],
  };
  const data: SweatTestData = {
    schema: 1,
    order: { ordered_by: staff, ordered_at: '2026-11-04T08:00:00.000Z', indication: null, requesting_physician: null },
    eligibility: null,
    sides: {
      left: {
        status: 'resulted',
        stimulation: {
          session_id: stim.session.id,
          protocol: 'pilocarpine-sweat-test',
          zone: stim.session.zone,
          started_at: stimStart,
          ended_at: ended,
          target_mA: stim.report.target_mA,
          peak_current_mA: stim.report.peak_current_mA,
          duration_s: stim.report.duration_s,
          treated_s: stim.report.treated_s,
          delivered_mAmin: stim.report.delivered_mAmin,
          target_mAmin: stim.report.target_mAmin,
          area_cm2: stim.report.area_cm2,
          linked_by: staff,
          linked_at: ended,
        },
        collection: {
          method: 'macroduct',
          started_at: ended,
          ended_at: '2026-11-04T09:35:00.000Z',
          due_by: '2026-11-04T09:55:00.000Z',
          duration_min: 28,
          over_limit: false,
          started_by: staff,
          ended_by: staff,
        },
        sample: {
          volume_ul: 22,
          weight_mg: null,
          minimum: 15,
          unit: 'uL',
          qns: false,
          recorded_by: staff,
          recorded_at: '2026-11-04T09:36:00.000Z',
        },
        result: { chloride_mmol_l: 18, interpretation, recorded_by: staff, recorded_at: '2026-11-04T11:00:00.000Z' },
        ended_reason: null,
      },
      right: {
        status: 'qns',
        stimulation: null,
        collection: null,
        sample: null,
        result: null,
        ended_reason: 'sample 9 µL, below the 15 µL minimum',
      },
    },
    pooled_result: null,
    conclusion: {
      chloride_mmol_l: 18,
      interpretation,
      repeat_required: true,
      notes: [],
      concluded_at: '2026-11-04T11:00:00.000Z',
    },
    verification: { verified_by: 'user-lab-2', verified_at: '2026-11-04T12:00:00.000Z' },
  };
  await createSweatTest(store, { patient_id: patient.id, status: 'verified', data });

  return {
    patient,
    device,
    palms: palms.session,
    aborted: aborted.session,
    stimulation: stim.session,
    report: palms.report,
  };
}
