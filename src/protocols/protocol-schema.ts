import { z } from 'zod';

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
  z.object({ kind: z.literal('at'), times_s: z.array(z.number().positive()).min(1), source: z.string().min(3) }).strict(),
]);

export const zoneSchema = z
  .object({
    /** How the current reaches the skin: water trays, wet pads or small electrodes. */
    setup: z.enum(['tray', 'pad', 'facial']),
    label: z.string().min(1),
    /** Contact area of one electrode (the skin in one tray, under one pad). */
    area_cm2: sourced('cm²').refine((x) => x.value > 0, { message: 'area must be positive' }),
    current_mA: sourcedRange('mA'),
    max_density_mA_per_cm2: sourced('mA/cm²').refine((x) => x.value > 0, { message: 'must be positive' }),
    duration_min: sourcedRange('min'),
    duration_cap_factor: sourced('×').refine((x) => x.value >= 1, { message: 'must be ≥ 1' }),
    ramp_up_mA_per_s: sourced('mA/s'),
    ramp_up_after_reversal_mA_per_s: sourced('mA/s'),
    ramp_down_mA_per_s: sourced('mA/s'),
    comfort_didt_mA_per_s: sourced('mA/s'),
    probe_mA: sourced('mA'),
    short_below_ohm: sourced('Ω'),
    open_above_ohm: sourced('Ω'),
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
    /** Polarity of electrode A at the start; which pole carries the active agent. */
    polarity: z
      .object({
        electrode_a: z.enum(['+', '-']),
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
    evidence: z.string().min(1),
    sources: z.record(z.string(), z.string().min(3)),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!(p.default_zone in p.zones)) {
      ctx.addIssue({ code: 'custom', path: ['default_zone'], message: `"${p.default_zone}" is not one of the zones` });
    }
    if (!(p.default_mode in p.modes)) {
      ctx.addIssue({ code: 'custom', path: ['default_mode'], message: `"${p.default_mode}" is not one of the modes` });
    }
    for (const [name, zone] of Object.entries(p.zones)) {
      for (const k of ['ramp_up_mA_per_s', 'ramp_up_after_reversal_mA_per_s', 'ramp_down_mA_per_s'] as const) {
        if (zone[k].value > zone.comfort_didt_mA_per_s.value) {
          ctx.addIssue({
            code: 'custom',
            path: ['zones', name, k, 'value'],
            message: `${zone[k].value} mA/s is faster than the comfort limit ${zone.comfort_didt_mA_per_s.value} mA/s`,
          });
        }
      }
      const densityMax = zone.max_density_mA_per_cm2.value * zone.area_cm2.value;
      if (zone.current_mA.max > densityMax + 1e-9) {
        ctx.addIssue({
          code: 'custom',
          path: ['zones', name, 'current_mA', 'max'],
          message: `${zone.current_mA.max} mA over ${zone.area_cm2.value} cm² exceeds ${zone.max_density_mA_per_cm2.value} mA/cm² (at most ${densityMax.toFixed(2)} mA)`,
        });
      }
      if (zone.short_below_ohm.value >= zone.open_above_ohm.value) {
        ctx.addIssue({ code: 'custom', path: ['zones', name, 'short_below_ohm', 'value'], message: 'must be below open_above_ohm' });
      }
      if (zone.probe_mA.value >= zone.current_mA.min) {
        ctx.addIssue({ code: 'custom', path: ['zones', name, 'probe_mA', 'value'], message: 'probe must be below the minimum current' });
      }
    }
  });

export type Protocol = z.infer<typeof protocolSchema>;
export type ProtocolZone = z.infer<typeof zoneSchema>;
export type ProtocolMode = z.infer<typeof modeSchema>;
