/**
 * The printable laboratory report of a CF sweat test (PDF, pdfkit): patient identifiers, dates, per-side
 * stimulation (from the engine's report), collection, sample with its QNS flag, chloride and its interpretation
 * with the thresholds and their source, who did each step and who verified it.
 *
 * The standard PDF fonts are used (no embedded font files): their WinAnsi character set covers Latin-1, so a
 * character outside it (≥, or a name in another script) is written as its ASCII stand-in or "?" (`winAnsi`).
 */
import { DateTime } from 'luxon';
import { pdfReport, winAnsi } from './pdf-report.js';
import type {
  ChlorideResult,
  SweatSide,
  SweatSideRecord,
  SweatTestData,
  SweatTestStatus,
} from '../clinic/sweat-test.js';
import {
  CHLORIDE_BANDS,
  reportedResults,
  SWEAT_CHLORIDE_LOINC,
  SWEAT_RULES,
  SWEAT_SIDES,
} from '../clinic/sweat-test.js';

export interface SweatReportInput {
  readonly test: { readonly id: string; readonly status: SweatTestStatus; readonly data: SweatTestData };
  readonly patient: {
    readonly id: string;
    readonly name: string;
    readonly birth_date: string;
    readonly time_zone: string;
  };
  readonly clinic: { readonly name: string };
  /** Staff user id → how the report names them (their e-mail). */
  readonly people: Readonly<Record<string, string>>;
  readonly generated_at: Date;
  /** Compress the page streams (default true); false keeps the text readable in the bytes, for tests. */
  readonly compress?: boolean;
}

const METHOD_LABEL = { macroduct: 'Macroduct coil', gauze: 'gauze (2 x 2 in)', filter_paper: 'filter paper' } as const;

const fmt = (x: number, digits = 2): string => String(Math.round(x * 10 ** digits) / 10 ** digits);

export function renderSweatTestReport(input: SweatReportInput): Promise<Buffer> {
  const { test, patient, clinic, people } = input;
  const d = test.data;
  const tz = patient.time_zone;
  const when = (isoText: string | null | undefined): string =>
    isoText === null || isoText === undefined
      ? '-'
      : DateTime.fromISO(isoText, { zone: tz }).toFormat('yyyy-LL-dd HH:mm');
  const who = (id: string | null | undefined): string => (id === null || id === undefined ? '-' : (people[id] ?? id));

  const report = pdfReport({
    title: `Sweat chloride test ${test.id}`,
    author: clinic.name,
    creationDate: input.generated_at,
    compress: input.compress,
  });
  const { doc, left: L, width: W, text, heading } = report;
  const pair = (label: string, value: string) => {
    doc.font('Helvetica-Bold').fontSize(9);
    text(`${label}: `, { continued: true });
    doc.font('Helvetica');
    text(value);
  };
  /** One row of three columns: a label, then the left and the right side. */
  const row = (label: string, left: string, right: string, bold = false) => {
    // Three columns at one height: start a new page first rather than let one column break alone.
    if (doc.y > doc.page.height - doc.page.margins.bottom - 40) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    const col = (s: string, x: number, w: number) => {
      doc.text(winAnsi(s), x, y, { width: w });
      return doc.y;
    };
    const end = Math.max(
      col(label, L, 150),
      col(left, L + 155, (W - 155) / 2 - 5),
      col(right, L + 155 + (W - 155) / 2, (W - 155) / 2),
    );
    doc.x = L;
    doc.y = end + 2;
  };

  // ------------------------------------------------------------------------------ header
  doc.font('Helvetica-Bold').fontSize(15);
  text('Sweat chloride test (cystic fibrosis): laboratory report', { width: W });
  doc.font('Helvetica').fontSize(9);
  text(`${clinic.name}  |  Test ${test.id}  |  Status: ${test.status.replace('_', ' ')}`);
  text(`Printed ${when(input.generated_at.toISOString())} (${tz})  |  Sweat chloride, LOINC ${SWEAT_CHLORIDE_LOINC}`);

  heading('Patient');
  pair('Name', patient.name);
  pair('Patient id', patient.id);
  pair('Date of birth', patient.birth_date);
  const e = d.eligibility;
  if (e !== null) {
    const age = e.age_days < 365 ? `${e.age_days} days` : `${Math.floor(e.age_years)} years`;
    pair('Age at assessment', age);
    pair('Weight', `${e.weight_kg} kg`);
    if (e.corrected_gestational_age_weeks !== null) {
      pair(
        'Gestational age',
        `${e.gestational_age_at_birth_weeks} weeks at birth; corrected ${e.corrected_gestational_age_weeks} weeks`,
      );
    }
  }

  heading('Order and eligibility');
  pair('Ordered', `${when(d.order.ordered_at)} by ${who(d.order.ordered_by)}`);
  pair('Requesting physician', d.order.requesting_physician ?? '-');
  pair('Indication', d.order.indication ?? '-');
  if (e === null) pair('Eligibility', 'not yet assessed');
  else {
    pair('Eligibility', `${e.result} (${when(e.assessed_at)} by ${who(e.assessed_by)})`);
    for (const r of e.reasons.filter((x) => x.effect !== 'info')) {
      text(`- ${r.effect === 'refuse' ? 'Refused' : 'Precaution'}: ${r.text} [${r.source}]`, { width: W });
    }
    if (e.precautions_accepted) text('Precautions accepted for the requesting physician.');
    text(
      `Criteria: ${'weight >2 kg, infants >=36 weeks corrected gestational age, from 10 days of age'} (CFF 2017 [47], clinical.md §5.4).`,
      {
        width: W,
      },
    );
  }

  // ------------------------------------------------------------------------------ per side
  heading('Stimulation, collection and sample');
  const s = d.sides;
  const per = (f: (r: SweatSideRecord, side: SweatSide) => string) =>
    SWEAT_SIDES.map((x) => f(s[x], x)) as [string, string];
  row('', 'Left arm', 'Right arm', true);
  row('Side status', ...per((r) => r.status));
  row('Stimulation session', ...per((r) => r.stimulation?.session_id ?? '-'));
  row(
    'Stimulation start - end',
    ...per((r) =>
      r.stimulation ? `${when(r.stimulation.started_at)} - ${when(r.stimulation.ended_at).slice(11)}` : '-',
    ),
  );
  row(
    'Current (set / peak)',
    ...per((r) =>
      r.stimulation ? `${fmt(r.stimulation.target_mA)} / ${fmt(r.stimulation.peak_current_mA, 3)} mA` : '-',
    ),
  );
  row(
    'Duration (total / at current)',
    ...per((r) =>
      r.stimulation ? `${fmt(r.stimulation.duration_s / 60, 1)} / ${fmt(r.stimulation.treated_s / 60, 1)} min` : '-',
    ),
  );
  row(
    'Dose (delivered / target)',
    ...per((r) =>
      r.stimulation
        ? `${fmt(r.stimulation.delivered_mAmin, 3)} / ${fmt(r.stimulation.target_mAmin)} mA·min over ${fmt(r.stimulation.area_cm2)} cm²`
        : '-',
    ),
  );
  row('Collection method', ...per((r) => (r.collection ? METHOD_LABEL[r.collection.method] : '-')));
  row(
    'Collection start - end',
    ...per((r) =>
      r.collection
        ? `${when(r.collection.started_at)} - ${r.collection.ended_at ? when(r.collection.ended_at).slice(11) : 'running'}`
        : '-',
    ),
  );
  row(
    'Collection time',
    ...per((r) =>
      r.collection === null || r.collection.duration_min === null
        ? '-'
        : `${fmt(r.collection.duration_min, 1)} min${r.collection.over_limit ? ` - OVER ${SWEAT_RULES.collection_max_min} MIN: REJECTED` : ''}`,
    ),
  );
  row(
    'Sample',
    ...per((r) =>
      r.sample === null
        ? '-'
        : r.sample.unit === 'uL'
          ? `${fmt(r.sample.volume_ul!, 1)} µL (minimum ${r.sample.minimum} µL)`
          : `${fmt(r.sample.weight_mg!, 1)} mg (minimum ${r.sample.minimum} mg)`,
    ),
  );
  row('QNS', ...per((r) => (r.sample === null ? '-' : r.sample.qns ? 'QNS - NOT ANALYSED, REPEAT' : 'no')));
  row(
    'Chloride',
    ...per((r) => (r.result ? `${fmt(r.result.chloride_mmol_l, 1)} mmol/L` : d.pooled_result ? 'pooled (below)' : '-')),
    true,
  );
  row(
    'Interpretation',
    ...per((r) => (r.result ? `${r.result.interpretation.label} (${r.result.interpretation.range})` : '-')),
  );
  for (const x of SWEAT_SIDES) if (s[x].ended_reason) text(`${x}: ${s[x].ended_reason}`, { width: W });
  if (d.pooled_result !== null) {
    doc.font('Helvetica-Bold');
    text(
      `Pooled left + right: ${fmt(d.pooled_result.chloride_mmol_l, 1)} mmol/L - ${d.pooled_result.interpretation.label} (${d.pooled_result.interpretation.range})`,
    );
    doc.font('Helvetica');
  }

  // ------------------------------------------------------------------------------ interpretation
  heading('Interpretation');
  const c = d.conclusion;
  if (c === null) text('No conclusion yet: the test is not completed.');
  else {
    doc.font('Helvetica-Bold').fontSize(10);
    text(
      c.interpretation === null || c.chloride_mmol_l === null
        ? 'No chloride result.'
        : `Sweat chloride ${fmt(c.chloride_mmol_l, 1)} mmol/L: ${c.interpretation.label}`,
    );
    doc.font('Helvetica').fontSize(9);
    if (c.repeat_required) {
      doc.font('Helvetica-Bold');
      text('REPEAT REQUIRED: a side has no valid result (QNS or rejected collection).');
      doc.font('Helvetica');
    }
    for (const n of c.notes) text(`- ${n}`, { width: W });
    const notes = new Set(reportedResults(d).flatMap((r: { result: ChlorideResult }) => r.result.interpretation.notes));
    for (const n of notes) text(`- ${n}`, { width: W });
  }
  text(
    `Thresholds: < ${CHLORIDE_BANDS.intermediate_from} mmol/L CF unlikely; ${CHLORIDE_BANDS.intermediate_from}-${CHLORIDE_BANDS.consistent_from - 1} mmol/L intermediate (all ages); >= ${CHLORIDE_BANDS.consistent_from} mmol/L consistent with CF.`,
    { width: W },
  );
  text(`Source of the thresholds: ${CHLORIDE_BANDS.citation}.`, { width: W });

  // ------------------------------------------------------------------------------ people
  heading('Performed and verified');
  const steps: [string, string | null | undefined, string | null | undefined][] = [
    ['Ordered', d.order.ordered_by, d.order.ordered_at],
    ['Eligibility assessed', e?.assessed_by, e?.assessed_at],
  ];
  for (const x of SWEAT_SIDES) {
    const r = s[x];
    if (r.stimulation) steps.push([`Stimulation linked (${x})`, r.stimulation.linked_by, r.stimulation.linked_at]);
    if (r.collection)
      steps.push([
        `Collection (${x})`,
        r.collection.ended_by ?? r.collection.started_by,
        r.collection.ended_at ?? r.collection.started_at,
      ]);
    if (r.sample) steps.push([`Sample measured (${x})`, r.sample.recorded_by, r.sample.recorded_at]);
    if (r.result) steps.push([`Chloride entered (${x})`, r.result.recorded_by, r.result.recorded_at]);
  }
  if (d.pooled_result)
    steps.push(['Chloride entered (pooled)', d.pooled_result.recorded_by, d.pooled_result.recorded_at]);
  for (const [what, by, at] of steps) text(`${what}: ${who(by)}, ${when(at)}`);
  doc.font('Helvetica-Bold');
  text(
    d.verification === null
      ? 'NOT VERIFIED: this result has not been verified by a second member of staff.'
      : `Verified by ${who(d.verification.verified_by)}, ${when(d.verification.verified_at)}`,
  );
  doc.font('Helvetica');

  // ------------------------------------------------------------------------------ notes
  heading('Notes');
  text(
    'Not for diagnosis on its own: the interpretation bands (CFF 2017 [47][48]) classify this chloride value; a CF diagnosis is made by the requesting physician from the whole clinical picture.',
    { width: W },
  );
  text(
    `QNS samples (Macroduct < ${SWEAT_RULES.macroduct_min_ul} µL, gauze / filter paper < ${SWEAT_RULES.gauze_min_mg} mg) are not analysed and are never pooled; the test must be repeated. Collection is limited to ${SWEAT_RULES.collection_max_min} min. Source: [97] (clinical.md §5.2).`,
    { width: W },
  );
  text(
    'Stimulation: pilocarpine iontophoresis, protocol pilocarpine-sweat-test (1.5 mA, 7.5 mA·min over 5 cm² on the flexor forearm; clinical.md §5.1 [M1][13]). Times are local to ' +
      tz +
      '.',
    { width: W },
  );
  return report.finish();
}
