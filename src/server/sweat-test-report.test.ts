import { describe, expect, it } from 'vitest';
import type { Actor, SweatTestState } from '../clinic/sweat-test.js';
import {
  assessEligibility,
  linkStimulation,
  orderSweatTest,
  recordCollection,
  recordResult,
  recordSample,
  SWEAT_TEST_PROTOCOL_ID,
  sweatTestScreeningItems,
} from '../clinic/sweat-test.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import { pdfText } from './pdf-text.js';
import { winAnsi } from './pdf-report.js';
import { renderSweatTestReport } from './sweat-test-report.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const at = (min: number, user = 'u1'): Actor => ({ user_id: user, at: new Date(T0 + min * 60_000) });
const patient = { id: 'p1', name: 'Zoë Łukasiewicz', birth_date: '2026-02-10', time_zone: 'Europe/Berlin' };

/** An infant's test with real engine stimulations; left collected too long, right pooled-free result. */
function infantTest(): SweatTestState {
  const report = prepareSimulatedSession({
    protocol: findProtocol(SWEAT_TEST_PROTOCOL_ID),
    choices: {},
    seed: 5,
  }).run.runToEnd();
  const answers = Object.fromEntries(sweatTestScreeningItems().map((i) => [i, i === 'impaired-sensation']));
  let s = orderSweatTest({ indication: 'positive newborn screen', requesting_physician: 'Dr. Ärztin' }, at(0));
  s = assessEligibility(
    s,
    { weight_kg: 3.4, gestational_age_at_birth_weeks: 38, answers, precautions_accepted: true },
    patient,
    at(1),
  );
  for (const [side, start] of [
    ['left', 2],
    ['right', 9],
  ] as const) {
    const session = {
      id: `s-${side}`,
      patient_id: 'p1',
      protocol: SWEAT_TEST_PROTOCOL_ID,
      zone: 'forearm',
      status: 'completed',
      started_at: at(start).at.toISOString(),
      ended_at: at(start + 6).at.toISOString(),
      delivered_mamin: report.delivered_mAmin,
      report,
    };
    s = linkStimulation(s, { side, session, patient_id: 'p1', linkedElsewhere: false }, at(16));
  }
  s = recordCollection(
    s,
    { side: 'left', method: 'filter_paper', started_at: at(16).at.toISOString(), ended_at: at(47).at.toISOString() },
    at(48),
  );
  s = recordCollection(
    s,
    { side: 'right', method: 'filter_paper', started_at: at(16).at.toISOString(), ended_at: at(45).at.toISOString() },
    at(48),
  );
  s = recordSample(s, { side: 'right', weight_mg: 110 }, at(50));
  return recordResult(s, { side: 'right', chloride_mmol_l: 27 }, at(60, 'u2'));
}

describe('sweat-test PDF report', () => {
  it('holds the identifiers, per-side data, flags, thresholds with their source, and who did what', async () => {
    const s = infantTest();
    expect(s.status).toBe('completed');
    const pdf = await renderSweatTestReport({
      test: { id: 't-1', ...s },
      patient,
      clinic: { name: 'Lab of Clinic A' },
      people: { u1: 'nurse@a.test', u2: 'analyst@a.test' },
      generated_at: at(70).at,
      compress: false,
    });
    expect(pdf.length).toBeLessThan(100_000);
    const text = pdfText(pdf);
    for (const x of [
      'Zoë ?ukasiewicz', // Ł is outside the standard fonts' WinAnsi set
      'Dr. Ärztin',
      'Date of birth',
      '2026-02-10',
      '20 days',
      '38 weeks at birth; corrected 40.9 weeks',
      'Precaution: Reduced feeling',
      'filter paper',
      '31 min - OVER 30 MIN: REJECTED',
      '110 mg (minimum 75 mg)',
      '27 mmol/L',
      'CF unlikely (< 30 mmol/L)',
      'REPEAT REQUIRED',
      'left: collection ran 31 min',
      'Source of the thresholds: CFF 2017 sweat-test guideline [47] and [48] (clinical.md §5.3).',
      '30-59 mmol/L intermediate (all ages)',
      'Chloride entered (right): analyst@a.test, 2026-03-02 10:00',
      'NOT VERIFIED',
      'Not for diagnosis on its own',
    ]) {
      expect(text).toContain(x);
    }
  });

  it('writes symbols outside WinAnsi as ASCII stand-ins', () => {
    expect(winAnsi('≥ 60 mmol/L, ≤ 30 min, 7.5 mA·min, 15 µL, 5 cm², 漢')).toBe(
      '>= 60 mmol/L, <= 30 min, 7.5 mA·min, 15 µL, 5 cm², ?',
    );
  });

  it('the compressed report reads the same text', async () => {
    const input = {
      test: { id: 't-1', ...infantTest() },
      patient,
      clinic: { name: 'Lab' },
      people: {},
      generated_at: at(70).at,
    };
    const plain = await renderSweatTestReport({ ...input, compress: false });
    const packed = await renderSweatTestReport(input);
    expect(packed.length).toBeLessThan(plain.length);
    expect(pdfText(packed)).toBe(pdfText(plain));
  });
});
