/**
 * A protocol document as `GET /api/protocols/:id` returns it: the library's JSON (src/protocols/protocol-schema.ts).
 * Every number is `{value, source}` (or a range with min and max), and the source says where it comes from: a
 * reference key like [47], a DERIVED calculation, or a design value.
 */
export interface Sourced {
  value: number;
  source: string;
}
export interface SourcedRange extends Sourced {
  min: number;
  max: number;
}

export type ProtocolUse = 'hyperhidrosis' | 'drug-delivery' | 'cosmetic' | 'diagnostic' | 'extraction';
export const PROTOCOL_USES: readonly ProtocolUse[] = [
  'hyperhidrosis',
  'drug-delivery',
  'cosmetic',
  'diagnostic',
  'extraction',
];

export interface ProtocolStep {
  id: string;
  text: string;
  required: boolean;
  source: string;
}

export interface ProtocolZone {
  setup: 'tray' | 'pad' | 'facial';
  label: string;
  electrode: string;
  area_cm2: Sourced;
  current_mA: SourcedRange;
  max_density_mA_per_cm2: Sourced;
  duration_min?: SourcedRange;
  dose_mAmin?: SourcedRange;
  duration_cap_factor: Sourced;
  ramp_up_mA_per_s: Sourced;
  ramp_up_after_reversal_mA_per_s: Sourced;
  ramp_down_mA_per_s: Sourced;
  comfort_didt_mA_per_s: Sourced;
  probe_mA: Sourced;
  short_below_ohm: Sourced;
  open_above_ohm: Sourced;
}

export type Waveform = { kind: 'dc' } | { kind: 'pulsed'; frequency_hz: Sourced; duty: Sourced };

export interface ProtocolMode {
  label: string;
  waveform: Waveform;
  note?: string;
}

export type Reversal =
  | { kind: 'none'; source: string }
  | { kind: 'half-time'; source: string }
  | { kind: 'at'; times_s: number[]; source: string };

export interface Contraindication {
  item: string;
  effect: 'refuse' | 'precaution';
  note: string;
  source: string;
}

export interface Protocol {
  id: string;
  title: string;
  use: ProtocolUse;
  summary: string;
  polarity: { electrode_a: '+' | '-' | 'by-agent-charge'; active_pole: 'anode' | 'cathode' | 'either'; source: string };
  end_on: 'dose' | 'duration';
  reversal: Reversal;
  dead_time_s: Sourced;
  contact_debounce_s: Sourced;
  contact_timeout_s: Sourced;
  pause_timeout_s: Sourced;
  zones: Record<string, ProtocolZone>;
  default_zone: string;
  modes: Record<string, ProtocolMode>;
  default_mode: string;
  agent: { name: string; charge: 'cation' | 'anion' | 'neutral' | 'none' | 'product'; source: string };
  course: {
    induction: { template: string; sessions: Sourced; until_dry: boolean; source: string };
    maintenance: { interval_days: SourcedRange } | null;
    caps: { per_day: Sourced; per_week: Sourced };
    not_with: string[];
  };
  pre_steps: ProtocolStep[];
  post_steps: ProtocolStep[];
  contraindications: Contraindication[];
  age: { min_years: Sourced; pulsed_recommended_under_years?: Sourced };
  evidence: { level: 'high' | 'moderate' | 'low' | 'very-low'; summary: string; source: string };
  sources: Record<string, string>;
}

/** A range an operator may choose within, with its source (the list's numbers). */
export interface SummaryRange {
  value: number;
  min: number;
  max: number;
  source: string;
}

/** One row of `GET /api/protocols` (src/server/protocol-routes.ts `ProtocolSummarySchema`). */
export interface ProtocolSummary {
  id: string;
  name: string;
  purpose: ProtocolUse;
  summary: string;
  end_on: 'dose' | 'duration';
  agent: { name: string; charge: string };
  zones: {
    id: string;
    name: string;
    setup: 'tray' | 'pad' | 'facial';
    area_cm2: number;
    current_mA: SummaryRange;
    duration_min?: SummaryRange;
    dose_mAmin?: SummaryRange;
  }[];
  default_zone: string;
  modes: { id: string; name: string; waveform: 'dc' | 'pulsed' }[];
  default_mode: string;
  evidence: { level: Protocol['evidence']['level']; source: string };
  course: {
    induction_template: string;
    induction_sessions: number;
    maintenance_interval_days: SummaryRange | null;
  };
  min_age_years: number;
}

/** The flags a source carries: a value still to be checked, a design decision, or arithmetic from cited inputs. */
export function sourceFlags(source: string): ('unverified' | 'design' | 'derived')[] {
  const flags: ('unverified' | 'design' | 'derived')[] = [];
  if (/UNVERIFIED/.test(source)) flags.push('unverified');
  if (/^\s*design\b|\bdesign:|\bdesign value\b|\(design\)/i.test(source)) flags.push('design');
  if (/DERIVED/.test(source)) flags.push('derived');
  return flags;
}
