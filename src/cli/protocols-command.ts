import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_DEVICE_INFO } from '../device/simulated-device.js';
import { planProblems } from '../engine/plan-checks.js';
import { isIontoError } from '../errors/catalogue.js';
import type { AgentCharge } from '../protocols/compile-plan.js';
import { compilePlan } from '../protocols/compile-plan.js';
import { findProtocol, protocolLibrary } from '../protocols/protocol-library.js';
import type { ProtocolIssue } from '../protocols/protocol-parse.js';
import { protocolIssues } from '../protocols/protocol-parse.js';
import type { Protocol, ProtocolStep, ProtocolZone } from '../protocols/protocol-schema.js';
import { protocolSchema } from '../protocols/protocol-schema.js';
import { SCREENING_ITEMS } from '../protocols/screening-items.js';
import { EXIT } from './cli-errors.js';
import type { CliIo } from './main.js';

type Sourced = { readonly value: number; readonly source: string };
type SourcedRange = Sourced & { readonly min: number; readonly max: number };

const fmt = (x: number): string => String(Math.round(x * 1e6) / 1e6);
const one = (x: Sourced, unit: string): string => `${fmt(x.value)} ${unit}`.trimEnd();
const range = (x: SourcedRange, unit: string): string =>
  x.min === x.max ? one(x, unit) : `${fmt(x.value)} ${unit} (${fmt(x.min)}–${fmt(x.max)} ${unit})`;

/** A line of `label  value  — source`, the label padded so that values line up. */
const row = (label: string, value: string, source: string): string => `    ${label.padEnd(24)} ${value}  — ${source}`;

const poleOf = (p: Protocol): string => {
  const { electrode_a: a, active_pole: pole } = p.polarity;
  if (a === 'by-agent-charge') {
    return "chosen by the product's charge: a cationic product under the anode (+), an anionic one under the cathode (−)";
  }
  return `electrode A starts ${a === '+' ? 'positive (anode)' : 'negative (cathode)'}; active pole: ${pole}`;
};

function zoneLines(id: string, z: ProtocolZone, isDefault: boolean): string[] {
  const cap = z.max_density_mA_per_cm2.value * z.area_cm2.value;
  const out = [
    `  zone ${id}${isDefault ? ' (default)' : ''}: ${z.label}`,
    `    setup: ${z.setup}; electrode: ${z.electrode}`,
    row('area', one(z.area_cm2, 'cm²'), z.area_cm2.source),
    row('current', range(z.current_mA, 'mA'), z.current_mA.source),
    row(
      'density limit',
      `${one(z.max_density_mA_per_cm2, 'mA/cm²')} (at most ${fmt(Math.round(cap * 100) / 100)} mA over ${fmt(z.area_cm2.value)} cm²)`,
      z.max_density_mA_per_cm2.source,
    ),
  ];
  if (z.duration_min) out.push(row('time', range(z.duration_min, 'min'), z.duration_min.source));
  if (z.dose_mAmin) out.push(row('dose', range(z.dose_mAmin, 'mA·min'), z.dose_mAmin.source));
  if (!z.dose_mAmin && z.duration_min) {
    out.push(
      `    ${'dose'.padEnd(24)} ${fmt(z.current_mA.value * z.duration_min.value)} mA·min at the default current and time (current × time)`,
    );
  }
  out.push(
    row('duration cap', one(z.duration_cap_factor, '× the time'), z.duration_cap_factor.source),
    row('ramp up', one(z.ramp_up_mA_per_s, 'mA/s'), z.ramp_up_mA_per_s.source),
    row(
      'ramp up after reversal',
      one(z.ramp_up_after_reversal_mA_per_s, 'mA/s'),
      z.ramp_up_after_reversal_mA_per_s.source,
    ),
    row('ramp down', one(z.ramp_down_mA_per_s, 'mA/s'), z.ramp_down_mA_per_s.source),
    row('comfort limit', one(z.comfort_didt_mA_per_s, 'mA/s'), z.comfort_didt_mA_per_s.source),
    row('probe', one(z.probe_mA, 'mA'), z.probe_mA.source),
    row('short below', one(z.short_below_ohm, 'Ω'), z.short_below_ohm.source),
    row('open above', one(z.open_above_ohm, 'Ω'), z.open_above_ohm.source),
  );
  return out;
}

const stepLines = (steps: readonly ProtocolStep[]): string[] =>
  steps.length === 0
    ? ['  (none)']
    : steps.map((s) => `  [${s.required ? 'required' : 'optional'}] ${s.id}: ${s.text}  — ${s.source}`);

/** The protocol as a person reads it: every number with its source. */
export function describeProtocol(p: Protocol): string {
  const c = p.course;
  const lines: string[] = [
    `${p.id}: ${p.title}`,
    `use: ${p.use}`,
    `summary: ${p.summary}`,
    `agent: ${p.agent.name} (${p.agent.charge})  — ${p.agent.source}`,
    `pole: ${poleOf(p)}  — ${p.polarity.source}`,
    `ends on: ${p.end_on === 'dose' ? 'the delivered dose (mA·min)' : 'the timer'}`,
    `reversal: ${p.reversal.kind === 'at' ? `at ${p.reversal.times_s.join(', ')} s` : p.reversal.kind}  — ${p.reversal.source}`,
    'timing:',
    row('dead time', one(p.dead_time_s, 's'), p.dead_time_s.source),
    row('contact debounce', one(p.contact_debounce_s, 's'), p.contact_debounce_s.source),
    row('contact time-out', one(p.contact_timeout_s, 's'), p.contact_timeout_s.source),
    row('pause time-out', one(p.pause_timeout_s, 's'), p.pause_timeout_s.source),
    'zones:',
  ];
  for (const [id, z] of Object.entries(p.zones)) lines.push(...zoneLines(id, z, id === p.default_zone));
  lines.push('modes:');
  for (const [id, m] of Object.entries(p.modes)) {
    const w = m.waveform;
    lines.push(`  ${id}${id === p.default_mode ? ' (default)' : ''}: ${m.label}${m.note ? ` — ${m.note}` : ''}`);
    if (w.kind === 'pulsed') {
      lines.push(row('frequency', one(w.frequency_hz, 'Hz'), w.frequency_hz.source));
      lines.push(row('duty', one(w.duty, ''), w.duty.source));
    }
  }
  const ind = c.induction;
  lines.push(
    'course:',
    `  induction: ${ind.template}, ${fmt(ind.sessions.value)} session(s)${ind.until_dry ? ', until dry' : ''}  — ${ind.source}`,
    row('sessions', fmt(ind.sessions.value), ind.sessions.source),
    c.maintenance
      ? row('maintenance every', range(c.maintenance.interval_days, 'days'), c.maintenance.interval_days.source)
      : '  maintenance: none',
    row('at most per day', fmt(c.caps.per_day.value), c.caps.per_day.source),
    row('at most per week', fmt(c.caps.per_week.value), c.caps.per_week.source),
    `  never in the same session as: ${c.not_with.length ? c.not_with.join(', ') : '(none)'}`,
    'before the session:',
    ...stepLines(p.pre_steps),
    'after the session:',
    ...stepLines(p.post_steps),
    'contraindications:',
    ...(p.contraindications.length === 0
      ? ['  (none)']
      : p.contraindications.map(
          (x) =>
            `  ${x.effect.padEnd(10)} ${x.item} (${SCREENING_ITEMS[x.item as keyof typeof SCREENING_ITEMS] ?? x.item}): ${x.note}  — ${x.source}`,
        )),
    'age:',
    row('from', one(p.age.min_years, 'years'), p.age.min_years.source),
  );
  if (p.age.pulsed_recommended_under_years) {
    lines.push(
      row(
        'pulsed recommended under',
        one(p.age.pulsed_recommended_under_years, 'years'),
        p.age.pulsed_recommended_under_years.source,
      ),
    );
  }
  lines.push(`evidence: ${p.evidence.level}: ${p.evidence.summary}  — ${p.evidence.source}`, 'sources:');
  for (const [k, v] of Object.entries(p.sources)) lines.push(`  ${k} ${v}`);
  return lines.join('\n') + '\n';
}

/** The agent charges a protocol compiles for: both for a pole chosen by the product, else the protocol's own. */
const chargesOf = (p: Protocol): (AgentCharge | undefined)[] =>
  p.polarity.electrode_a === 'by-agent-charge' ? ['cation', 'anion'] : [undefined];

/**
 * Problems a schema-valid protocol still has on the simulated device: every zone and mode (and agent charge) is
 * compiled with its defaults and checked as the engine would before it starts.
 */
export function planIssues(p: Protocol): ProtocolIssue[] {
  const out: ProtocolIssue[] = [];
  for (const zone of Object.keys(p.zones)) {
    for (const mode of Object.keys(p.modes)) {
      for (const agentCharge of chargesOf(p)) {
        const where = `mode ${mode}${agentCharge ? `, ${agentCharge}` : ''}`;
        try {
          const plan = compilePlan(p, { zone, mode, agentCharge }, DEFAULT_DEVICE_INFO);
          for (const x of planProblems(plan, DEFAULT_DEVICE_INFO)) {
            out.push({ path: `$.zones.${zone}`, message: `${where}: plan ${x.field} ${x.message}` });
          }
        } catch (e) {
          if (!isIontoError(e)) throw e;
          out.push({ path: `$.zones.${zone}`, message: `${where}: ${e.message}` });
        }
      }
    }
  }
  return out;
}

export type Validation =
  | { readonly ok: true; readonly protocol: Protocol }
  /** The document has problems, each `$.json.path: message`. */
  | { readonly ok: false; readonly errors: readonly string[] }
  /** The file could not be read or is not JSON: nothing was checked. */
  | { readonly ok: false; readonly unreadable: string };

/** `protocols validate`: what is wrong with a protocol file, or nothing. */
export function validateProtocolFile(file: string): Validation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, unreadable: `${file}: cannot read the file (${(e as Error).message})` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, unreadable: `${file}: not valid JSON (${(e as Error).message})` };
  }
  const issues = protocolIssues(doc);
  if (issues.length > 0) return { ok: false, errors: issues.map((i) => `${i.path}: ${i.message}`) };
  const protocol = protocolSchema.parse(doc);
  const plan = planIssues(protocol);
  if (plan.length > 0) return { ok: false, errors: plan.map((i) => `${i.path}: ${i.message}`) };
  return { ok: true, protocol };
}

const HELP_VALIDATE = `
Checks a protocol document against the schema (every number with a source, ranges, cross-field rules) and then
compiles every zone and mode for the simulated device as the engine would before a session.
Prints one problem per line with its JSON path, e.g. "$.zones.palms.current_mA.max: ...".
Exit codes: 0 valid, 2 invalid, unreadable or not JSON.`;

/** Register `protocols list | show | validate` on the program. `done` receives the exit code. */
export function registerProtocolsCommand(program: Command, io: CliIo, done: (code: number) => void): Command {
  const protocols = program.command('protocols').description('the protocol library: list, show, validate');

  protocols
    .command('list')
    .description('list the protocols of the library')
    .option('--json', 'as JSON')
    .action((opts: { json?: boolean }) => {
      const all = [...protocolLibrary().values()];
      if (opts.json) {
        const rows = all.map((p) => ({
          id: p.id,
          title: p.title,
          use: p.use,
          agent: p.agent.name,
          pole: p.polarity.electrode_a === 'by-agent-charge' ? 'by-agent-charge' : p.polarity.active_pole,
          zones: Object.keys(p.zones),
          modes: Object.keys(p.modes),
          evidence: p.evidence.level,
        }));
        io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      } else {
        for (const p of all) {
          io.stdout.write(
            `${p.id.padEnd(24)} ${p.use.padEnd(14)} ${p.title} (zones: ${Object.keys(p.zones).join(', ')}; modes: ${Object.keys(p.modes).join(', ')}; evidence: ${p.evidence.level})\n`,
          );
        }
      }
      done(EXIT.ok);
    });

  protocols
    .command('show')
    .description('show a protocol with the source of every number')
    .argument('<protocol>', 'protocol id (see: ionto protocols list)')
    .option('--json', 'print the raw protocol document')
    .action((id: string, opts: { json?: boolean }) => {
      let p: Protocol;
      try {
        p = findProtocol(id);
      } catch (e) {
        if (!isIontoError(e)) throw e;
        io.stderr.write(`ionto: ${e.message} [${e.code}]\n`);
        done(EXIT.usage);
        return;
      }
      io.stdout.write(opts.json ? JSON.stringify(p, null, 2) + '\n' : describeProtocol(p));
      done(EXIT.ok);
    });

  protocols
    .command('validate')
    .description('check a protocol file: every problem with its JSON path')
    .argument('<file>', 'protocol JSON file')
    .addHelpText('after', HELP_VALIDATE)
    .action((file: string) => {
      const r = validateProtocolFile(file);
      if (r.ok) {
        const p = r.protocol;
        io.stdout.write(
          `${file}: OK: protocol ${p.id} (${Object.keys(p.zones).length} zone(s), ${Object.keys(p.modes).length} mode(s)) is valid and compiles on the simulated device\n`,
        );
        done(EXIT.ok);
        return;
      }
      if ('unreadable' in r) {
        io.stderr.write(`ionto: ${r.unreadable}\n`);
      } else {
        for (const line of r.errors) io.stdout.write(line + '\n');
        io.stderr.write(`ionto: ${file}: ${r.errors.length} problem(s)\n`);
      }
      done(EXIT.usage);
    });
  return protocols;
}
