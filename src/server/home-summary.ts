/**
 * The summary of home treatment a patient shares with the clinic: the plan, the next current and why, the sessions
 * (date, current, dose, status, tolerance), the findings and the advice they called for, dry days week by week, the
 * relapse flag and the warning signs. One set of facts (`homeSummary`) for the JSON route and the PDF (pdfkit, the
 * standard fonts through `winAnsi`, as the sweat-test report).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { dateOf, localDayOf, parseDate } from '../clinic/local-calendar.js';
import type { Patient } from '../store/index.js';
import type { HomeFacts } from './home-view.js';
import { HomeViewSchema, targetOf, viewOf } from './home-view.js';
import { pdfReport } from './pdf-report.js';

/** Weeks of diary the summary lists (newest last). */
export const SUMMARY_WEEKS = 12;

const AdviceSchema = z.object({ code: z.string(), text: z.string(), source: z.string() });

export const HomeSummarySchema = z.object({
  patient: z.object({ id: z.string(), name: z.string(), birth_date: z.string(), time_zone: z.string() }),
  generated_at: z.string(),
  plan: HomeViewSchema.shape.plan,
  protocol: z.object({ id: z.string(), title: z.string() }),
  titration: HomeViewSchema.shape.titration,
  follow_up: HomeViewSchema.shape.follow_up,
  sessions: z.array(
    z.object({
      date: z.string(),
      started_at: z.string(),
      status: z.string(),
      target_mA: z.number().nullable(),
      delivered_mAmin: z.number(),
      tolerance: z.object({ sensation: z.string(), discomfort: z.number(), findings: z.array(z.string()) }).nullable(),
    }),
  ),
  findings: z.array(
    z.object({
      date: z.string(),
      session_id: z.string(),
      findings: z.array(z.string()),
      advice: z.array(AdviceSchema),
    }),
  ),
  weeks: z.array(z.object({ from: z.string(), to: z.string(), dry_days: z.number(), answered: z.number() })),
  relapse: HomeViewSchema.shape.follow_up.shape.relapse,
  warning_signs: z.array(z.string()),
});
export type HomeSummary = z.infer<typeof HomeSummarySchema>;

/** The summary's facts, from the same facts as the home view. */
export function homeSummary(patient: Patient, facts: HomeFacts, now: Date): HomeSummary {
  const view = viewOf(facts);
  const tz = patient.time_zone;
  const localDate = (iso: string) => dateOf(localDayOf(Date.parse(iso), tz));
  const sessions = facts.sessions.map((s) => {
    const t = facts.tolerance.get(s.id)?.entry as
      { sensation?: unknown; discomfort?: unknown; findings?: unknown } | undefined;
    return {
      date: localDate(s.started_at),
      started_at: s.started_at,
      status: s.status,
      target_mA: targetOf(s),
      delivered_mAmin: Math.round(s.delivered_mamin * 100) / 100,
      tolerance:
        t === undefined
          ? null
          : {
              sensation: String(t.sensation),
              discomfort: Number(t.discomfort),
              findings: Array.isArray(t.findings) ? t.findings.map(String) : [],
            },
    };
  });
  const findings = [...facts.tolerance.values()]
    .map((r) => {
      const entry = r.entry as { findings?: unknown };
      const assessment = r.assessment as { advice?: unknown };
      const session = facts.sessions.find((s) => s.id === r.session_id);
      return {
        date: localDate(session?.started_at ?? r.recorded_at),
        session_id: r.session_id,
        findings: Array.isArray(entry.findings) ? entry.findings.map(String) : [],
        advice: Array.isArray(assessment.advice) ? (assessment.advice as z.infer<typeof AdviceSchema>[]) : [],
      };
    })
    .filter((f) => f.findings.length > 0 || f.advice.length > 0)
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  // Dry days week by week: 7-day windows ending yesterday, back to the plan's start (at most SUMMARY_WEEKS).
  const today = localDayOf(now.getTime(), tz);
  const planStart = localDayOf(Date.parse(facts.plan.created_at), tz);
  const byDay = new Map<number, boolean>();
  for (const d of facts.diary) byDay.set(parseDate(d.date), (byDay.get(parseDate(d.date)) ?? true) && d.dry);
  const weeks: HomeSummary['weeks'] = [];
  for (let w = 0; w < SUMMARY_WEEKS; w++) {
    const to = today - 1 - 7 * w;
    const from = to - 6;
    if (to < planStart) break;
    let dry = 0;
    let answered = 0;
    for (let d = from; d <= to; d++) {
      const v = byDay.get(d);
      if (v === undefined) continue;
      answered++;
      if (v) dry++;
    }
    weeks.unshift({ from: dateOf(from), to: dateOf(to), dry_days: dry, answered });
  }
  return {
    patient: { id: patient.id, name: patient.name, birth_date: patient.birth_date, time_zone: tz },
    generated_at: now.toISOString(),
    plan: view.plan,
    protocol: { id: facts.protocol.id, title: facts.protocol.title },
    titration: view.titration,
    follow_up: view.follow_up,
    sessions,
    findings,
    weeks,
    relapse: view.follow_up.relapse,
    warning_signs: view.plan.warning_signs,
  };
}

const fmt = (x: number | null, digits = 2): string =>
  x === null ? '-' : String(Math.round(x * 10 ** digits) / 10 ** digits);

/** The summary as a PDF; `compress` false keeps the text readable in the bytes (tests). */
export function renderHomeSummary(s: HomeSummary, options: { compress?: boolean } = {}): Promise<Buffer> {
  const tz = s.patient.time_zone;
  const report = pdfReport({
    title: `Home treatment summary ${s.patient.id}`,
    creationDate: new Date(s.generated_at),
    compress: options.compress,
  });
  const { doc, text, heading } = report;

  doc.font('Helvetica-Bold').fontSize(15);
  text('Home iontophoresis: summary for the clinic');
  doc.font('Helvetica').fontSize(9);
  text(
    `${s.patient.name}, born ${s.patient.birth_date}  |  Printed ${DateTime.fromISO(s.generated_at, { zone: tz }).toFormat('yyyy-LL-dd HH:mm')} (${tz})`,
  );

  heading('Plan');
  text(`Protocol: ${s.protocol.title} (${s.protocol.id}), zone ${s.plan.zone}, mode ${s.plan.mode}`);
  text(
    `Every ${s.plan.interval_days} days; status: ${s.plan.status}${s.plan.stopped_reason ? ` (${s.plan.stopped_reason})` : ''}`,
  );
  if (s.plan.pin_mA !== null || s.plan.cap_mA !== null) {
    text(`Clinician: pin ${fmt(s.plan.pin_mA)} mA, cap ${fmt(s.plan.cap_mA)} mA`);
  }
  if (s.plan.review_note) text(`Last review: ${s.plan.review_note}`);

  heading('Next session');
  text(
    s.titration.stopped
      ? 'Stopped: no session until a clinician has reviewed the skin.'
      : `Current: ${fmt(s.titration.current_mA)} mA (${s.titration.step}; limit ${fmt(s.titration.limit_mA)} mA)`,
  );
  text(`Why: ${s.titration.reason}`);
  text(
    `Due: ${s.follow_up.next_due} (${s.follow_up.state}${s.follow_up.overdue_days > 0 ? `, ${s.follow_up.overdue_days} days overdue` : ''})`,
  );

  heading(`Sessions (${s.sessions.length})`);
  if (s.sessions.length === 0) text('No session yet.');
  for (const x of s.sessions) {
    const tol =
      x.tolerance === null
        ? 'tolerance not recorded'
        : `${x.tolerance.sensation}, discomfort ${x.tolerance.discomfort}/10${x.tolerance.findings.length > 0 ? `, ${x.tolerance.findings.join(', ')}` : ''}`;
    text(`${x.date}  ${fmt(x.target_mA)} mA  ${fmt(x.delivered_mAmin)} mA·min  ${x.status}  ${tol}`);
  }

  heading('Findings and advice');
  if (s.findings.length === 0) text('No skin finding recorded.');
  for (const f of s.findings) {
    text(`${f.date}: ${f.findings.length > 0 ? f.findings.join(', ') : 'no skin finding'}`);
    for (const a of f.advice) text(`  - ${a.text} ${a.source}`);
  }

  heading('Dry days per week (diary)');
  if (s.weeks.length === 0) text('No full week since the plan began.');
  for (const w of s.weeks) text(`${w.from} to ${w.to}: ${w.dry_days} dry of ${w.answered} answered`);

  heading('Relapse');
  text(
    s.relapse === null
      ? 'No relapse flag.'
      : `Relapse flag: ${s.relapse.basis}. Suggested: ${s.relapse.suggestion === 'extra-session' ? 'an extra session' : 're-induction'}, earliest ${s.relapse.earliest} ${s.relapse.source}`,
  );

  heading('Warning signs: stop and call the clinic');
  for (const w of s.warning_signs) text(`- ${w}`);
  return report.finish();
}
