import { z } from 'zod';
import type { InductionTemplate } from './course-template.js';
import { INDUCTION_TEMPLATES, capViolation, inductionDays, isInductionTemplate } from './course-template.js';
import { SCREENING_ITEM_IDS } from './screening-items.js';

/** A number in a protocol always says where it comes from: a reference key, a derivation or a design decision. */
export const sourced = (unit: string) =>
  z
    .object({
      value: z.number().finite(),
      source: z.string().min(3, `every number needs a source (${unit})`),
    })
    .strict();

/** A number with the range an operator may choose within, and its source. */
export const sourcedRange = (unit: string) =>
  z
    .object({
      value: z.number().finite().positive(),
      min: z.number().finite().positive(),
      max: z.number().finite().positive(),
      source: z.string().min(3, `every number needs a source (${unit})`),
    })
    .strict()
    .refine((r) => r.min <= r.value && r.value <= r.max, {
      message: 'value must lie within [min, max]',
      path: ['value'],
    });

export const waveformSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dc') }).strict(),
  z
    .object({
      kind: z.literal('pulsed'),
      frequency_hz: sourced('Hz').refine((x) => x.value > 0 && x.value <= 100_000, {
        message: 'frequency must be in (0, 100 000] Hz',
      }),
      duty: sourced('fraction').refine((x) => x.value > 0 && x.value <= 1, { message: 'duty must be in (0, 1]' }),
    })
    .strict(),
]);

export const reversalSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none'), source: z.string().min(3) }).strict(),
  z.object({ kind: z.literal('half-time'), source: z.string().min(3) }).strict(),
  z
    .object({ kind: z.literal('at'), times_s: z.array(z.number().positive()).min(1), source: z.string().min(3) })
    .strict(),
]);

/** One line of a checklist. `required` lines must be confirmed before the session may go on. */
export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case id'),
    text: z.string().min(3),
    required: z.boolean(),
    /** Why the step matters, with its source. */
    source: z.string().min(3),
  })
  .strict();

/**
 * How the next session's current follows the patient's tolerance (src/clinic/titration.ts): start at `start_mA`, step
 * up by `step_up_mA` after `comfortable_sessions` comfortable sessions in a row at the same current, step down by
 * `step_down_mA` after discomfort above `discomfort_max` (0–10), pain or redness, never outside the zone's current
 * range nor above its density limit. Every number carries its source.
 */
export const titrationSchema = z
  .object({
    start_mA: sourced('mA').refine((x) => x.value > 0, { message: 'must be positive' }),
    step_up_mA: sourced('mA').refine((x) => x.value > 0, { message: 'must be positive' }),
    step_down_mA: sourced('mA').refine((x) => x.value > 0, { message: 'must be positive' }),
    comfortable_sessions: sourced('sessions').refine((x) => Number.isInteger(x.value) && x.value >= 1, {
      message: 'a whole number of sessions ≥ 1',
    }),
    discomfort_max: sourced('0–10').refine((x) => Number.isInteger(x.value) && x.value >= 0 && x.value <= 9, {
      message: 'a whole number 0–9 on the 0–10 discomfort scale',
    }),
  })
  .strict();

export const zoneSchema = z
  .object({
    /** How the current reaches the skin: water trays, wet pads or small electrodes. */
    setup: z.enum(['tray', 'pad', 'facial']),
    label: z.string().min(1),
    /** What the electrodes are and how they sit (tray, pad, roller, gel electrode) and where the return goes. */
    electrode: z.string().min(3),
    /** Contact area of one electrode (the skin in one tray, under one pad). */
    area_cm2: sourced('cm²').refine((x) => x.value > 0, { message: 'area must be positive' }),
    current_mA: sourcedRange('mA'),
    max_density_mA_per_cm2: sourced('mA/cm²').refine((x) => x.value > 0, { message: 'must be positive' }),
    /** Treatment time. A zone states the time, the dose, or both (then the dose decides the end). */
    duration_min: sourcedRange('min').optional(),
    /** Prescribed charge, for protocols dosed in mA·min (drug delivery, diagnostics). */
    dose_mAmin: sourcedRange('mA·min').optional(),
    duration_cap_factor: sourced('×').refine((x) => x.value >= 1, { message: 'must be ≥ 1' }),
    ramp_up_mA_per_s: sourced('mA/s'),
    ramp_up_after_reversal_mA_per_s: sourced('mA/s'),
    ramp_down_mA_per_s: sourced('mA/s'),
    comfort_didt_mA_per_s: sourced('mA/s'),
    probe_mA: sourced('mA'),
    short_below_ohm: sourced('Ω'),
    open_above_ohm: sourced('Ω'),
    /** Tolerance-based titration of the current from session to session; absent: the current is fixed. */
    titration: titrationSchema.optional(),
  })
  .strict();

export const modeSchema = z
  .object({
    label: z.string().min(1),
    waveform: waveformSchema,
    /** Who the mode is meant for (for example children, for pulsed DC). */
    note: z.string().optional(),
  })
  .strict();

export const protocolSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case id'),
    title: z.string().min(1),
    use: z.enum(['hyperhidrosis', 'drug-delivery', 'cosmetic', 'diagnostic', 'extraction']),
    summary: z.string().min(1),
    /**
     * Polarity of electrode A at the start; which pole carries the active agent. `by-agent-charge` (with
     * `active_pole: "either"`): the operator states the product's charge and the compiler sets the pole, a cationic
     * product under the anode, an anionic one under the cathode [117][118].
     */
    polarity: z
      .object({
        electrode_a: z.enum(['+', '-', 'by-agent-charge']),
        active_pole: z.enum(['anode', 'cathode', 'either']),
        source: z.string().min(3),
      })
      .strict(),
    /** 'dose': the session ends when the charge is delivered; 'duration': when the timer runs out. */
    end_on: z.enum(['dose', 'duration']),
    reversal: reversalSchema,
    dead_time_s: sourced('s').refine((x) => x.value >= 0, { message: 'must be ≥ 0' }),
    contact_debounce_s: sourced('s'),
    contact_timeout_s: sourced('s'),
    pause_timeout_s: sourced('s'),
    zones: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), zoneSchema).refine((z) => Object.keys(z).length > 0, {
      message: 'at least one zone',
    }),
    default_zone: z.string(),
    modes: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), modeSchema).refine((m) => Object.keys(m).length > 0, {
      message: 'at least one mode',
    }),
    default_mode: z.string(),
    /** What the current carries: tap water, a drug, a cosmetic product; its charge picks the active pole. */
    agent: z
      .object({
        name: z.string().min(1),
        charge: z.enum(['cation', 'anion', 'neutral', 'none', 'product']),
        source: z.string().min(3),
      })
      .strict(),
    course: z
      .object({
        /**
         * Induction schedule: the clinic course (days 1, 2, 4, 7, 10, 15, 22), every 2–3 days, daily, weekly, twice
         * weekly, fortnightly, or one session (course-template.ts).
         */
        induction: z
          .object({
            template: z.enum(INDUCTION_TEMPLATES as unknown as [InductionTemplate, ...InductionTemplate[]]),
            sessions: sourced('sessions').refine((x) => Number.isInteger(x.value) && x.value >= 1, {
              message: 'a whole number of sessions ≥ 1',
            }),
            until_dry: z.boolean(),
            source: z.string().min(3),
          })
          .strict(),
        /** Maintenance between relapses; null when the protocol has none (diagnostics, single treatments). */
        maintenance: z
          .object({ interval_days: sourcedRange('days') })
          .strict()
          .nullable(),
        caps: z
          .object({
            per_day: sourced('sessions/day').refine((x) => Number.isInteger(x.value) && x.value >= 1, {
              message: 'a whole number ≥ 1',
            }),
            per_week: sourced('sessions/week').refine((x) => Number.isInteger(x.value) && x.value >= 1, {
              message: 'a whole number ≥ 1',
            }),
          })
          .strict(),
        /** Protocols or zones never treated in the same session as this one. */
        not_with: z.array(z.string().min(1)),
      })
      .strict(),
    /** Checklists the operator confirms before the current starts and after it ends. */
    pre_steps: z.array(stepSchema),
    post_steps: z.array(stepSchema),
    contraindications: z.array(
      z
        .object({
          item: z.enum(SCREENING_ITEM_IDS as [string, ...string[]]),
          effect: z.enum(['refuse', 'precaution']),
          note: z.string().min(1),
          source: z.string().min(3),
        })
        .strict(),
    ),
    age: z
      .object({
        min_years: sourced('years').refine((x) => x.value >= 0, { message: 'must be ≥ 0' }),
        /** Below this age the pulsed mode is recommended (a precaution on DC). */
        pulsed_recommended_under_years: sourced('years').optional(),
      })
      .strict(),
    evidence: z
      .object({
        level: z.enum(['high', 'moderate', 'low', 'very-low']),
        summary: z.string().min(1),
        source: z.string().min(3),
      })
      .strict(),
    sources: z.record(z.string(), z.string().min(3)),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const issue of crossFieldIssues(p)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

type Path = (string | number)[];

/**
 * Checks that relate fields to one another (a default that names a zone, ramps within the comfort limit, a
 * maximum within the density limit, ...). Written against unknown input so that they run, and are reported, even
 * when other parts of the document are malformed.
 */
export function crossFieldIssues(doc: unknown): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const obj = (x: unknown): Record<string, unknown> | undefined =>
    x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const p = obj(doc);
  if (!p) return out;
  const zones = obj(p.zones) ?? {};
  const modes = obj(p.modes) ?? {};
  if (typeof p.default_zone === 'string' && obj(p.zones) && !(p.default_zone in zones)) {
    out.push({ path: ['default_zone'], message: `"${p.default_zone}" is not one of the zones` });
  }
  if (typeof p.default_mode === 'string' && obj(p.modes) && !(p.default_mode in modes)) {
    out.push({ path: ['default_mode'], message: `"${p.default_mode}" is not one of the modes` });
  }
  const polarity = obj(p.polarity);
  const agent = obj(p.agent);
  if (polarity) {
    const a = polarity.electrode_a;
    const pole = polarity.active_pole;
    if (a === 'by-agent-charge' && pole !== undefined && pole !== 'either') {
      out.push({
        path: ['polarity', 'active_pole'],
        message: 'must be "either" when electrode_a is "by-agent-charge" (the agent\'s charge picks the pole)',
      });
    }
    if (a === 'by-agent-charge' && agent && agent.charge !== undefined && agent.charge !== 'product') {
      out.push({
        path: ['agent', 'charge'],
        message: `must be "product" when the pole is chosen by the agent's charge, got "${String(agent.charge)}"`,
      });
    }
    if ((pole === 'anode' && a === '-') || (pole === 'cathode' && a === '+')) {
      out.push({
        path: ['polarity', 'electrode_a'],
        message: `electrode A is the active electrode: the ${String(pole)} is "${pole === 'anode' ? '+' : '-'}"`,
      });
    }
    const wanted = agent?.charge === 'cation' ? 'anode' : agent?.charge === 'anion' ? 'cathode' : undefined;
    if (wanted !== undefined && pole !== undefined && pole !== wanted) {
      out.push({
        path: ['polarity', 'active_pole'],
        message: `an ${String(agent?.charge)} is delivered at the ${wanted} (like charges repel), not the ${String(pole)}`,
      });
    }
  }
  const course = obj(p.course);
  const induction = obj(course?.induction);
  const template = induction?.template;
  const sessions = num(obj(induction?.sessions)?.value);
  if (template === 'single' && sessions !== undefined && sessions !== 1) {
    out.push({ path: ['course', 'induction', 'sessions', 'value'], message: 'a single-session course has 1 session' });
  }
  const caps = obj(course?.caps);
  const perDay = num(obj(caps?.per_day)?.value);
  const perWeek = num(obj(caps?.per_week)?.value);
  if (
    isInductionTemplate(template) &&
    sessions !== undefined &&
    Number.isInteger(sessions) &&
    sessions >= 1 &&
    sessions <= 365 &&
    perDay !== undefined &&
    perWeek !== undefined
  ) {
    const day = capViolation(inductionDays(template, sessions), perDay, perWeek);
    if (day !== undefined) {
      out.push({
        path: ['course', 'caps'],
        message: `the ${template} induction of ${sessions} session(s) breaks ${perDay}/day or ${perWeek}/week on day ${day + 1}`,
      });
    }
  }
  for (const [name, raw] of Object.entries(zones)) {
    const zone = obj(raw);
    if (!zone) continue;
    const value = (k: string): number | undefined => num(obj(zone[k])?.value);
    const comfort = value('comfort_didt_mA_per_s');
    for (const k of ['ramp_up_mA_per_s', 'ramp_up_after_reversal_mA_per_s', 'ramp_down_mA_per_s']) {
      const v = value(k);
      if (v !== undefined && comfort !== undefined && v > comfort) {
        out.push({
          path: ['zones', name, k, 'value'],
          message: `${v} mA/s is faster than the comfort limit ${comfort} mA/s`,
        });
      }
    }
    const density = value('max_density_mA_per_cm2');
    const area = value('area_cm2');
    const current = obj(zone.current_mA);
    const max = num(current?.max);
    if (density !== undefined && area !== undefined && max !== undefined && max > density * area + 1e-9) {
      out.push({
        path: ['zones', name, 'current_mA', 'max'],
        message: `${max} mA over ${area} cm² exceeds ${density} mA/cm² (at most ${(density * area).toFixed(2)} mA)`,
      });
    }
    if (zone.duration_min === undefined && zone.dose_mAmin === undefined) {
      out.push({ path: ['zones', name], message: 'a zone needs duration_min, dose_mAmin, or both' });
    }
    const short = value('short_below_ohm');
    const open = value('open_above_ohm');
    if (short !== undefined && open !== undefined && short >= open) {
      out.push({ path: ['zones', name, 'short_below_ohm', 'value'], message: 'must be below open_above_ohm' });
    }
    const probe = value('probe_mA');
    const min = num(current?.min);
    if (probe !== undefined && min !== undefined && probe >= min) {
      out.push({ path: ['zones', name, 'probe_mA', 'value'], message: 'probe must be below the minimum current' });
    }
    const titration = obj(zone.titration);
    if (titration && min !== undefined && max !== undefined) {
      const t = (k: string): number | undefined => num(obj(titration[k])?.value);
      const start = t('start_mA');
      const limit = density !== undefined && area !== undefined ? Math.min(max, density * area) : max;
      if (start !== undefined && (start < min || start > limit + 1e-9)) {
        out.push({
          path: ['zones', name, 'titration', 'start_mA', 'value'],
          message: `start ${start} mA must lie within the zone's current range ${min}–${Math.round(limit * 100) / 100} mA`,
        });
      }
      for (const k of ['step_up_mA', 'step_down_mA']) {
        const step = t(k);
        if (step !== undefined && step > max - min + 1e-9) {
          out.push({
            path: ['zones', name, 'titration', k, 'value'],
            message: `a step of ${step} mA is wider than the zone's current range ${min}–${max} mA`,
          });
        }
      }
    }
  }
  return out;
}

export type Protocol = z.infer<typeof protocolSchema>;
export type ProtocolZone = z.infer<typeof zoneSchema>;
export type ProtocolTitration = z.infer<typeof titrationSchema>;
export type ProtocolMode = z.infer<typeof modeSchema>;
export type ProtocolStep = z.infer<typeof stepSchema>;
