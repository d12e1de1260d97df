import type {
  Bundle,
  CarePlan,
  Condition,
  Device,
  DeviceMetric,
  FhirResource,
  Observation,
  Patient,
  Procedure,
  QuestionnaireResponse,
} from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREENING_QUESTIONS } from '../clinic/screening-questionnaire.js';
import { PLANNED_SESSION_STATUSES } from '../clinic/planned-session-history.js';
import {
  SESSION_STATUSES,
  appendTelemetry,
  createSweatTest,
  getSweatTest,
  listSweatTests,
  listTelemetry,
  recordOutcome,
  startSession,
} from '../store/index.js';
import type { Store } from '../store/index.js';
import { TEST_BACKENDS } from '../store/test-backends.js';
import type { TestDatabase } from '../store/test-backends.js';
import { SWEAT_CHLORIDE } from './codes.js';
import { activityStatus } from './course-resources.js';
import { patientEverything } from './patient-everything.js';
import { decimate, expandSampledData } from './sampled-data.js';
import { sessionTraces } from './trace-query.js';
import { procedureStatus } from './session-resources.js';
import { storeRichPatient } from './test-patient.js';
import type { RichPatient } from './test-patient.js';

const BASE = 'https://clinic.example/fhir';

describe('status mappings', () => {
  it('maps every stored session status to a Procedure status, with the reason when it did not complete', () => {
    expect(Object.fromEntries(SESSION_STATUSES.map((s) => [s, procedureStatus(s)]))).toEqual({
      running: { status: 'in-progress' },
      completed: { status: 'completed' },
      aborted: { status: 'stopped', reason: 'stopped by the user' },
      fault: { status: 'stopped', reason: 'stopped by a latched safety fault' },
      interrupted: {
        status: 'stopped',
        reason: 'interrupted: the process running it ended; dose from stored telemetry',
      },
    });
    expect(procedureStatus('something-new')).toEqual({ status: 'unknown', reason: 'something-new' });
  });

  it('maps every planned-session status to a CarePlan activity status', () => {
    expect(Object.fromEntries(PLANNED_SESSION_STATUSES.map((s) => [s, activityStatus(s)]))).toEqual({
      planned: { status: 'scheduled' },
      done: { status: 'completed' },
      missed: { status: 'cancelled', reason: 'missed' },
      cancelled: { status: 'cancelled', reason: 'cancelled' },
    });
    expect(activityStatus('rescheduled')).toEqual({ status: 'scheduled' });
  });
});

describe.each(TEST_BACKENDS)('the everything operation on a stored patient, on $name', (backend) => {
  let testDb: TestDatabase;
  let store: Store;
  let rich: RichPatient;
  let bundle: Bundle<FhirResource>;

  const all = <T extends FhirResource>(type: T['resourceType']): T[] =>
    bundle.entry!.map((e) => e.resource!).filter((r): r is T => r.resourceType === type);
  const byRef = (ref: string | undefined) => bundle.entry!.find((e) => e.fullUrl === `${BASE}/${ref}`)?.resource;
  const observation = (code: string) =>
    all<Observation>('Observation').filter((o) => o.code.coding?.[0]?.code === code);

  beforeAll(async () => {
    testDb = backend.fresh();
    store = await testDb.open();
    rich = await storeRichPatient(store);
    bundle = await patientEverything(store, rich.patient.id, { base: BASE });
  }, 120_000);
  afterAll(async () => {
    await testDb.dispose();
  });

  it('a Patient with our id as identifier, the name, birth date and time zone', () => {
    const [p] = all<Patient>('Patient');
    expect(p).toMatchObject({
      id: rich.patient.id,
      identifier: [{ system: 'https://openionto.org/fhir/sid/patient-id', value: rich.patient.id }],
      name: [{ text: 'Frieda Hirsch' }],
      birthDate: '1991-06-15',
      extension: [{ url: 'https://openionto.org/fhir/StructureDefinition/time-zone', valueCode: 'Europe/Berlin' }],
    });
  });

  it('the screening as a QuestionnaireResponse: every question answered, the result and its reasons', () => {
    const [qr] = all<QuestionnaireResponse>('QuestionnaireResponse');
    const items = qr!.item!;
    for (const q of SCREENING_QUESTIONS) expect(items.map((i) => i.linkId)).toContain(q.linkId);
    expect(items.find((i) => i.linkId === 'breastfeeding')!.answer).toEqual([{ valueBoolean: true }]);
    expect(items.find((i) => i.linkId === 'age_years')!.answer).toEqual([{ valueDecimal: 35 }]);
    expect(items.find((i) => i.linkId === 'result')!.answer![0]!.valueCoding).toMatchObject({ code: 'allowed' });
    const reason = items.find((i) => i.linkId === 'reason')!;
    expect(reason.item!.map((i) => [i.linkId, i.answer![0]!.valueString ?? i.answer![0]!.valueCoding!.code])).toEqual([
      ['reason.item', 'breastfeeding'],
      ['reason.effect', 'info'],
      ['reason.text', expect.stringContaining('not a contraindication of this protocol')],
      ['reason.source', 'protocol tapwater-palms: not among its contraindications'],
    ]);
    expect(qr).toMatchObject({ status: 'completed', authored: '2026-11-02T08:30:00.000Z' });
  });

  it('the course as a CarePlan addressing the hyperhidrosis Condition, the done session linked to its Procedure', () => {
    const [condition] = all<Condition>('Condition');
    expect(condition!.code!.text).toBe('Hyperhidrosis, palms (both hands, one per tray)');
    const [plan] = all<CarePlan>('CarePlan');
    expect(byRef(plan!.addresses![0]!.reference)).toBe(condition);
    expect(plan!.status).toBe('active');
    const first = plan!.activity![0]!;
    expect(first.detail!.status).toBe('completed');
    expect(first.outcomeReference).toEqual([{ reference: `Procedure/${rich.palms.id}` }]);
    expect(plan!.activity!.slice(1).every((a) => a.detail!.status === 'scheduled' && !a.outcomeReference)).toBe(true);
  });

  it('a Procedure per session with status, period, device, plan and the delivered charge', () => {
    const procs = all<Procedure>('Procedure');
    const palms = procs.find((p) => p.id === rich.palms.id)!;
    expect(palms).toMatchObject({
      status: 'completed',
      performedPeriod: { start: rich.palms.started_at, end: rich.palms.ended_at },
      focalDevice: [{ manipulated: { reference: `Device/${rich.device.id}` } }],
      basedOn: [{ reference: `CarePlan/${all<CarePlan>('CarePlan')[0]!.id}` }],
    });
    expect(palms.extension![0]!.valueQuantity).toEqual({
      value: Math.round(rich.palms.delivered_mamin * 100) / 100,
      unit: 'mA·min',
      system: 'http://unitsofmeasure.org',
      code: 'mA.min',
    });
    expect(palms.outcome!.text).toMatch(/^completed: 1[45]\d\.\d+ mA·min delivered of 150 mA·min prescribed$/);
    const aborted = procs.find((p) => p.id === rich.aborted.id)!;
    expect(aborted).toMatchObject({ status: 'stopped', statusReason: { text: 'stopped by the user' } });
    expect(aborted.basedOn).toBeUndefined();
  });

  it('the measured current as SampledData whose charge is the dose the session stored', () => {
    const trace = observation('session-trace').find((o) => o.partOf![0]!.reference === `Procedure/${rich.palms.id}`)!;
    const current = trace.component!.find((c) => c.code.coding![0]!.code === 'measured-current')!.valueSampledData!;
    const voltage = trace.component!.find((c) => c.code.coding![0]!.code === 'measured-voltage')!.valueSampledData!;
    expect(current).toMatchObject({ period: 500, factor: 0.01, dimensions: 1, origin: { code: 'mA' } });
    expect(voltage.origin.code).toBe('V');
    const values = expandSampledData(current);
    expect(values.length).toBe(Math.floor((rich.report.duration_s * 1000 - 20) / 500) + 1);
    const mAmin = values.reduce((s: number, v) => s + Math.abs(v ?? 0) * 0.5, 0) / 60;
    expect(Math.abs(mAmin - rich.palms.delivered_mamin) / rich.palms.delivered_mamin).toBeLessThan(0.005);
    expect(Math.max(...values.map((v) => Math.abs(v ?? 0)))).toBeLessThanOrEqual(rich.report.peak_current_mA + 0.01);
    expect(expandSampledData(voltage).every((v) => v !== null)).toBe(true);
    expect(trace.device).toEqual({ reference: `Device/${rich.device.id}` });
  });

  it('bins telemetry in the database exactly as decimate() bins the stored rows, gaps and lost readings included', async () => {
    const gappy = await startSession(store, {
      patient_id: rich.patient.id,
      protocol: 'tapwater-palms',
      zone: 'palms',
      started_at: '2026-11-07T08:00:00Z',
    });
    // 0–2 s sampled (a reading lost every 7th period), 2–3.5 s nothing stored, then 3.5–4 s again.
    const t = [
      ...Array.from({ length: 100 }, (_, i) => i * 20),
      ...Array.from({ length: 26 }, (_, i) => 3500 + i * 20),
    ];
    await appendTelemetry(
      store,
      gappy.id,
      t.map((t_ms, i) => ({
        t_ms,
        phase: 'treat',
        setpoint: 5,
        current: i % 7 === 3 ? null : 5 + Math.sin(i),
        voltage: 20 + i / 10,
      })),
    );
    for (const id of [rich.palms.id, rich.aborted.id, rich.stimulation.id, gappy.id]) {
      const rows = await listTelemetry(store, id);
      const fromDb = (await sessionTraces(store, id))!;
      for (const channel of ['current', 'voltage'] as const) {
        const js = decimate(rows.map((r) => ({ t_ms: r.t_ms, value: r[channel] })));
        expect(fromDb[channel].periodMs).toBe(js.periodMs);
        expect(fromDb[channel].sampleCount).toBe(rows.length);
        expect(fromDb[channel].values).toHaveLength(js.values.length);
        fromDb[channel].values.forEach((v, k) => {
          if (js.values[k] === null) expect(v).toBeNull();
          else expect(v).toBeCloseTo(js.values[k]!, 9);
        });
      }
    }
    const gap = (await sessionTraces(store, gappy.id))!.current.values;
    expect(gap.map((v) => (v === null ? 'E' : 'v')).join('')).toBe('vvvvEEEvv');
    expect(await sessionTraces(store, 'no-telemetry')).toBeUndefined();
  });

  it('outcomes: HDSS as an integer, gravimetry in mg/min with its method, the Minor grade, a diary day', () => {
    expect(observation('hdss')[0]).toMatchObject({ valueInteger: 3, effectiveDateTime: '2026-11-01T10:00:00Z' });
    expect(observation('gravimetric-sweat-rate')[0]).toMatchObject({
      valueQuantity: { value: 36, unit: 'mg/min', system: 'http://unitsofmeasure.org', code: 'mg/min' },
      bodySite: { text: 'palms' },
      method: { text: 'filter paper' },
    });
    expect(observation('minor-starch-iodine-grade')[0]).toMatchObject({
      valueInteger: 4,
      component: [{ valueQuantity: { value: 120, code: 'cm2' } }],
    });
    expect(observation('dryness-diary')[0]).toMatchObject({ valueBoolean: true, effectiveDateTime: '2026-11-05' });
  });

  it('sweat chloride under LOINC 2077-6 in mmol/L, part of its stimulation; a QNS side without a value', () => {
    const chloride = all<Observation>('Observation').filter((o) => o.code.coding?.[0]?.code === SWEAT_CHLORIDE.code);
    const left = chloride.find((o) => o.bodySite?.text?.startsWith('left'))!;
    expect(left).toMatchObject({
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2077-6', display: 'Chloride [Moles/volume] in Sweat' }] },
      valueQuantity: { value: 18, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      partOf: [{ reference: `Procedure/${rich.stimulation.id}` }],
      method: { text: 'Macroduct coil collection' },
    });
    expect(left.interpretation![0]!.coding![0]!.code).toBe('cf_unlikely');
    const right = chloride.find((o) => o.bodySite?.text?.startsWith('right'))!;
    expect(right.valueQuantity).toBeUndefined();
    expect(right.dataAbsentReason!.coding![0]!.code).toBe('not-performed');
    expect(right.dataAbsentReason!.text).toMatch(/^quantity not sufficient \(QNS\)/);
  });

  it('the device with a DeviceMetric per channel in mA and V', () => {
    const [device] = all<Device>('Device');
    expect(device!.deviceName).toEqual([{ name: 'Tray unit 1', type: 'user-friendly-name' }]);
    const metrics = all<DeviceMetric>('DeviceMetric');
    expect(metrics.map((m) => [m.unit!.coding![0]!.code, m.category, m.source!.reference])).toEqual([
      ['mA', 'measurement', `Device/${rich.device.id}`],
      ['V', 'measurement', `Device/${rich.device.id}`],
    ]);
  });

  it('gives the same ids on a second export (derived ids are stable)', async () => {
    const once = await patientEverything(store, rich.patient.id, { base: BASE });
    const again = await patientEverything(store, rich.patient.id, { base: BASE });
    expect(again.entry!.map((e) => e.fullUrl)).toEqual(once.entry!.map((e) => e.fullUrl));
    expect(again.id).not.toBe(once.id);
  });

  it('a sweat test not yet verified is preliminary; one without results adds nothing', async () => {
    const [stored] = (await listSweatTests(store, {}, { patient_id: rich.patient.id })).items;
    await createSweatTest(store, { patient_id: rich.patient.id, status: 'completed', data: stored!.data });
    const { verification: _v, ...rest } = (await getSweatTest(store, stored!.id)).data as Record<string, unknown>;
    await createSweatTest(store, {
      patient_id: rich.patient.id,
      status: 'ordered',
      data: {
        ...rest,
        verification: null,
        pooled_result: null,
        conclusion: null,
        sides: {
          left: {
            status: 'pending',
            stimulation: null,
            collection: null,
            sample: null,
            result: null,
            ended_reason: null,
          },
          right: {
            status: 'pending',
            stimulation: null,
            collection: null,
            sample: null,
            result: null,
            ended_reason: null,
          },
        },
      },
    });
    const b = await patientEverything(store, rich.patient.id, { base: BASE });
    const statuses = b
      .entry!.map((e) => e.resource!)
      .filter((r): r is Observation => r.resourceType === 'Observation' && r.code.coding?.[0]?.code === '2077-6')
      .map((o) => o.status)
      .sort();
    expect(statuses).toEqual(['final', 'final', 'preliminary', 'preliminary']);
  });

  it('exports a stored outcome value it cannot read as its JSON text, never dropping it', async () => {
    const o = await recordOutcome(store, {
      patient_id: rich.patient.id,
      kind: 'hdss',
      value: { score: 'very bad' },
      recorded_at: '2026-11-06T10:00:00Z',
    });
    const b = await patientEverything(store, rich.patient.id, { base: BASE });
    const obs = b.entry!.find((e) => e.resource!.id === o.id)!.resource as Observation;
    expect(obs.valueString).toBe('{"score":"very bad"}');
    expect(obs.effectiveDateTime).toBe('2026-11-06T10:00:00.000Z');
  });

  it('refuses an unknown patient with ION_ERR_NOT_FOUND', async () => {
    await expect(patientEverything(store, 'no-such-patient')).rejects.toMatchObject({ code: 'ION_ERR_NOT_FOUND' });
  });
});
