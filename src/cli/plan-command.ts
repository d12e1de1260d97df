import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CourseHistory } from '../clinic/course-history.js';
import { planPatientCourses } from '../clinic/course-plan.js';
import type { AppliedRule, CoursePlan, PatientCourse, PlannedSession } from '../clinic/course-plan.js';
import {
  WEEKDAY_LABEL,
  checkZone,
  localInstant,
  parseDate,
  parseWeekday,
  parseWeekdaySet,
} from '../clinic/local-calendar.js';
import { historyWithOutcomes, parseOutcomeRecords } from '../clinic/outcomes.js';
import type { OutcomeRecord } from '../clinic/outcome-records.js';
import { IontoError, isIontoError } from '../errors/catalogue.js';
import type { InductionTemplate } from '../protocols/course-template.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { EXIT, exitCodeFor, integerOption } from './cli-errors.js';
import type { CliIo } from './main.js';

/** The command's streams; `now` (the present, used with --history when --today is not given) is injectable. */
export type PlanIo = CliIo & { readonly now?: () => Date };

export interface PlanOptions {
  start?: string;
  tz?: string;
  template?: string;
  sessions?: string;
  time?: string;
  weekday?: string;
  days?: string;
  closed?: string;
  interval?: string;
  maintenance?: string;
  history?: string;
  today?: string;
  json?: boolean;
}

const HELP = `
Several protocols are planned together for one patient, in the order given: a later course moves off the days of
an earlier one it may not share a session with (axillae never with hands or feet).

History file (--history): a JSON object with any of
  "sessions":    [{ "date": "2025-03-04", "status": "done" | "missed", "protocol": "tapwater-palms" }, ...]
                 ("at": an ISO 8601 instant instead of "date"; "protocol" is needed with several protocols)
  "relapses":    [{ "date": "2025-04-17" }, ...]
  "assessments": [{ "date": "2025-03-24", "dry": true }, ...]
  "outcomes":    [{ "kind": "hdss", "at": "2025-03-24T08:00:00Z", "score": 2 },
                  { "kind": "gravimetry", "at": "...", "site": "palms", "mg": 85, "minutes": 5 },
                  { "kind": "diary", "date": "2025-03-25", "dry": true }, ...]
Relapses and dry records are read from the outcomes (HDSS, gravimetry, diary). With --history and without
--today, today is the computer's date in the zone.

Exit codes: 0 planned, 2 usage error (unknown protocol or template, bad date, zone, time or option, a rule no
day can satisfy).

Examples:
  ionto plan tapwater-palms --start 2025-03-03 --tz Europe/Berlin --weekday tue --days mon-fri
  ionto plan tapwater-palms tapwater-axillae --start 2025-03-04 --tz America/New_York --json
  ionto plan tapwater-soles --start 2025-03-03 --tz Europe/Berlin --history patient.json --today 2025-03-20`;

/** Register `ionto plan`. `done` receives the exit code. */
export function registerPlanCommand(program: Command, io: PlanIo, done: (code: number) => void): Command {
  return program
    .command('plan')
    .description('plan a course of treatment on the patient’s calendar: induction, maintenance, caps and time zone')
    .argument('<protocols...>', 'protocol id(s) (see: ionto protocols list)')
    .requiredOption('--start <YYYY-MM-DD>', 'first possible day of the course, local date')
    .requiredOption('--tz <zone>', 'the patient’s IANA time zone, e.g. Europe/Berlin')
    .option('--template <name>', 'induction template instead of the protocol’s: clinic, every-2-3-days, daily, single')
    .option('--sessions <n>', 'induction sessions instead of the protocol’s')
    .option('--time <HH:MM>', 'local time of the sessions (default 09:00)')
    .option('--weekday <day>', 'first session on this weekday (a start on another day moves to the next one)')
    .option('--days <days>', 'weekdays with sessions, e.g. mon-fri or mon,wed,fri (default: every day)')
    .option('--closed <dates>', 'local dates without sessions, comma-separated')
    .option('--interval <days>', 'starting maintenance interval in days, within the protocol’s range')
    .option('--maintenance <n>', 'maintenance sessions to show (default 3)')
    .option('--history <file>', 'JSON file of sessions done or missed, relapses and outcomes (see below)')
    .option('--today <YYYY-MM-DD>', 'today’s local date: nothing is planned before it')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', HELP)
    .action((protocols: string[], opts: PlanOptions) => {
      try {
        done(planCommand(protocols, opts, io));
      } catch (e) {
        if (!isIontoError(e)) throw e;
        io.stderr.write(`ionto: ${e.message} [${e.code}]\n`);
        done(exitCodeFor(e));
      }
    });
}

/** Option names in messages: the planner's field names are those of its API. */
const OPTION_OF: Record<string, string> = {
  start: '--start',
  tz: '--tz',
  template: '--template',
  inductionSessions: '--sessions',
  time: '--time',
  startWeekday: '--weekday',
  maintenanceIntervalDays: '--interval',
  maintenanceSessions: '--maintenance',
};

function asOption(e: unknown): unknown {
  if (!isIontoError(e)) return e;
  const m = /^(courses\[\d+\]\.)?([A-Za-z]+)\b(.*)$/s.exec(e.message);
  const option = m ? OPTION_OF[m[2]!] : undefined;
  return option ? new IontoError(e.code, `${option}${m![3]}`, e.details) : e;
}

function readHistory(path: string): { history: Record<string, unknown[]>; outcomes: OutcomeRecord[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new IontoError('ION_ERR_USAGE', `--history ${path}: cannot read the file (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new IontoError('ION_ERR_USAGE', `--history ${path}: must be a JSON object`);
  }
  const history: Record<string, unknown[]> = {};
  let outcomes: OutcomeRecord[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (!Array.isArray(v)) throw new IontoError('ION_ERR_USAGE', `--history ${path}: "${k}" must be an array`);
    if (k === 'outcomes') outcomes = parseOutcomeRecords(v, `--history ${path}: outcomes`);
    else if (['sessions', 'relapses', 'assessments'].includes(k)) history[k] = v;
    else {
      throw new IontoError(
        'ION_ERR_USAGE',
        `--history ${path}: unknown key "${k}" (sessions, relapses, assessments, outcomes)`,
      );
    }
  }
  return { history, outcomes };
}

/** The history of one course: its sessions (by protocol when several are planned), relapses and outcomes. */
function courseHistory(
  file: { history: Record<string, unknown[]>; outcomes: OutcomeRecord[] },
  protocolId: string,
  several: boolean,
): CourseHistory {
  const sessions = (file.history.sessions ?? []).filter((s, i) => {
    const p = (s as { protocol?: unknown }).protocol;
    if (p === undefined && several) {
      throw new IontoError('ION_ERR_USAGE', `--history: sessions[${i}] needs "protocol" when several are planned`);
    }
    return p === undefined || p === protocolId;
  });
  return {
    sessions: sessions as NonNullable<CourseHistory['sessions']>,
    relapses: (file.history.relapses ?? []) as NonNullable<CourseHistory['relapses']>,
    assessments: (file.history.assessments ?? []) as NonNullable<CourseHistory['assessments']>,
  };
}

/** Plan and print; returns the exit code. */
export function planCommand(protocolIds: string[], o: PlanOptions, io: PlanIo): number {
  const protocols = protocolIds.map(findProtocol);
  const dup = protocolIds.find((p, i) => protocolIds.indexOf(p) !== i);
  if (dup) throw new IontoError('ION_ERR_USAGE', `protocol "${dup}" is given twice`);
  const tz = checkZone(o.tz, '--tz');
  parseDate(o.start, '--start');
  const sessions = integerOption('--sessions', o.sessions);
  const interval = integerOption('--interval', o.interval);
  const maintenance = integerOption('--maintenance', o.maintenance);
  const weekday = o.weekday === undefined ? undefined : parseWeekday(o.weekday, '--weekday');
  const weekdays = o.days === undefined ? undefined : parseWeekdaySet(o.days, '--days');
  const closed =
    o.closed === undefined
      ? undefined
      : o.closed
          .split(',')
          .map((d) => d.trim())
          .filter((d) => d !== '')
          .map((d) => (parseDate(d, '--closed'), d));
  const file = o.history === undefined ? undefined : readHistory(o.history);
  let now: string | undefined;
  if (o.today !== undefined) {
    now = localInstant(parseDate(o.today, '--today'), 12 * 60, tz)?.utc;
    if (now === undefined) throw new IontoError('ION_ERR_USAGE', `--today ${o.today} does not exist in ${tz}`);
  } else if (file) {
    now = (io.now?.() ?? new Date()).toISOString();
  }

  const courses: PatientCourse[] = protocols.map((protocol) => {
    const base: PatientCourse = {
      protocol,
      start: o.start!,
      ...(o.template === undefined ? {} : { template: o.template as InductionTemplate }),
      ...(sessions === undefined ? {} : { inductionSessions: sessions }),
      ...(weekday === undefined ? {} : { startWeekday: weekday }),
      ...(interval === undefined ? {} : { maintenanceIntervalDays: interval }),
      ...(maintenance === undefined ? {} : { maintenanceSessions: maintenance }),
    };
    if (!file) return base;
    const { history } = historyWithOutcomes({
      protocol,
      start: o.start!,
      tz,
      history: courseHistory(file, protocol.id, protocols.length > 1),
      records: file.outcomes,
    });
    return { ...base, history };
  });

  let result;
  try {
    result = planPatientCourses({
      tz,
      courses,
      ...(o.time === undefined ? {} : { time: o.time }),
      ...(weekdays === undefined ? {} : { weekdays }),
      ...(closed === undefined ? {} : { closed }),
      ...(now === undefined ? {} : { now }),
    });
  } catch (e) {
    throw asOption(e);
  }

  if (o.json) {
    const single = result.courses.length === 1 ? result.courses[0]! : undefined;
    const out = single ?? {
      tz: result.tz,
      sessions: result.sessions,
      rules: result.courses.flatMap((c) => c.rules.map((r) => ({ protocol: c.protocol, ...r }))),
      adjustments: result.courses.flatMap((c) => c.adjustments.map((a) => ({ protocol: c.protocol, ...a }))),
      warnings: result.courses.flatMap((c) => c.warnings.map((w) => `${c.protocol}: ${w}`)),
      courses: result.courses,
    };
    io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return EXIT.ok;
  }
  io.stdout.write(formatPlan(result.courses, result.sessions));
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// The readable calendar

const pad = (s: string, n: number) => s.padEnd(n);

function phaseLabel(s: PlannedSession): string {
  if (s.phase === 'maintenance') return `maintenance ${s.phaseIndex}`;
  return `${s.phase} ${s.phaseIndex}/${s.phaseSessions ?? '?'}`;
}

function courseHeader(p: CoursePlan): string {
  const t = p.timing;
  const lines = [
    `${p.title} (${p.protocol})`,
    `  ${t.template} induction, ${t.inductionSessions} session(s) on days ${t.inductionDays.map((d) => d + 1).join(', ')}` +
      (t.untilDry ? ', until dry' : '') +
      (p.maintenance
        ? ` · maintenance every ${p.maintenance.intervalDays} days (${p.maintenance.minDays}–${p.maintenance.maxDays})`
        : ' · no maintenance') +
      ` · at most ${t.caps.perDay} a day, ${t.caps.perWeek} in any 7 days`,
  ];
  for (const c of p.maintenance?.changes ?? []) lines.push(`  interval ${c.fromDays} → ${c.toDays} days: ${c.reason}`);
  return lines.join('\n');
}

/** A table of every session with its weekday, local time and UTC instant, then the moves, notes and rules. */
export function formatPlan(courses: readonly CoursePlan[], sessions: readonly PlannedSession[]): string {
  const several = courses.length > 1;
  const first = courses[0]!;
  const out: string[] = [];
  out.push(
    `Course plan · ${first.tz} · sessions at ${first.time} local time${first.today ? ` · today ${first.today}` : ''}`,
  );
  for (const c of courses) out.push(courseHeader(c));
  out.push('');
  const head = [
    ...(several ? [pad('protocol', 18)] : []),
    pad('#', 3),
    pad('date', 10),
    pad('day', 3),
    pad('time', 5),
    pad('UTC', 20),
    pad('phase', 18),
    'status',
  ];
  out.push('  ' + head.join('  ').trimEnd());
  let month = '';
  for (const s of sessions) {
    if (s.date.slice(0, 7) !== month) {
      month = s.date.slice(0, 7);
      out.push(
        `  ── ${new Date(`${month}-01T00:00:00Z`).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })}`,
      );
    }
    const status =
      s.status === 'rescheduled'
        ? `rescheduled (was ${s.originalDate})`
        : s.status === 'planned'
          ? 'planned'
          : s.status;
    const row = [
      ...(several ? [pad(s.protocol, 18)] : []),
      pad(String(s.index), 3),
      s.date,
      WEEKDAY_LABEL[s.weekday],
      s.localTime,
      pad(s.startsAt, 20),
      pad(phaseLabel(s), 18),
      status + (s.timeNote ? ' *' : ''),
    ];
    out.push('  ' + row.join('  ').trimEnd());
  }
  const notes = sessions.filter((s) => s.timeNote);
  if (notes.length > 0) {
    out.push('', 'Local time:');
    for (const s of notes) out.push(`  * ${s.date}: ${s.timeNote}`);
  }
  const adjustments = courses.flatMap((c) => c.adjustments.map((a) => ({ c, a })));
  if (adjustments.length > 0) {
    out.push('', 'Moved:');
    for (const { c, a } of adjustments) out.push(`  ${several ? `${c.protocol} ` : ''}#${a.index} ${a.reason}`);
  }
  const warnings = courses.flatMap((c) => c.warnings.map((w) => (several ? `${c.protocol}: ${w}` : w)));
  if (warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of warnings) out.push(`  ! ${w}`);
  }
  out.push('', 'Rules applied:');
  const seen = new Set<string>();
  for (const c of courses) {
    for (const r of c.rules as AppliedRule[]) {
      const key = `${r.id}|${r.text}|${r.source}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`  ${pad(r.id, 20)} ${r.text} — ${r.source}`);
    }
  }
  return out.join('\n') + '\n';
}
