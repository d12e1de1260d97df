import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { Fraction, MicroSiemensPerCm, MilliAmp, Millisecond, Second } from '../units/quantities.js';
import type { DeviceFaultKind } from './faults.js';
import type { SimulatedDevice } from './simulated-device.js';

/**
 * Scenario files: a JSON array of timed events that a simulated session suffers, e.g.
 *
 *     [ { "at_s": 300, "event": "contact", "fraction": 0, "transition_s": 2 },
 *       { "at_s": 330, "event": "contact", "fraction": 1 },
 *       { "at_s": 600, "event": "dac_stuck", "mA": 12 },
 *       { "at_s": 660, "event": "clear", "fault": "dac_stuck" } ]
 *
 * Entries must be in time order (equal times are applied in file order). An unsorted file is rejected rather than
 * sorted: a time out of order is more likely a typo than an intention, and silently reordering would hide it.
 */

/** Limits of every numeric field, used both by the schema and by the error messages. */
export const SCENARIO_LIMITS = {
  /** A day: longer is almost certainly milliseconds written as seconds. */
  at_s: { min: 0, max: 86_400 },
  fraction: { min: 0, max: 1 },
  transition_s: { min: 0, max: 3_600 },
  /** ± the simulated ADC's current range. */
  sensor_offset_mA: { min: -50, max: 50 },
  /** The simulated DAC's full scale. */
  dac_stuck_mA: { min: 0, max: 50 },
  telemetry_dropout_ms: { min: 1, max: 3_600_000 },
  telemetry_delay_ms: { min: 0, max: 600_000 },
  uS_per_cm: { min: 1, max: 5_000 },
  factor: { min: 0, max: 10 },
} as const;

type Limit = { readonly min: number; readonly max: number };

const num = <T extends number>(l: Limit) =>
  z
    .number()
    .min(l.min)
    .max(l.max)
    .transform((x) => x as T);

const L = SCENARIO_LIMITS;
const at = num<Second>(L.at_s);

/** Fault kinds a `clear` event can end, plus `lease_stop` (the host resumes renewing its lease). */
export const CLEARABLE = [
  'electrode_open',
  'short',
  'sensor_offset',
  'sensor_stuck',
  'dac_stuck',
  'relay_stuck',
  'telemetry_dropout',
  'telemetry_delay',
  'lease_stop',
] as const satisfies readonly (DeviceFaultKind | 'lease_stop')[];

export const scenarioEventSchema = z.discriminatedUnion('event', [
  z.strictObject({
    at_s: at,
    event: z.literal('contact'),
    fraction: num<Fraction>(L.fraction),
    transition_s: num<Second>(L.transition_s).optional(),
  }),
  z.strictObject({ at_s: at, event: z.literal('electrode_open') }),
  z.strictObject({ at_s: at, event: z.literal('short') }),
  z.strictObject({ at_s: at, event: z.literal('sensor_offset'), mA: num<MilliAmp>(L.sensor_offset_mA) }),
  z.strictObject({ at_s: at, event: z.literal('sensor_stuck') }),
  z.strictObject({ at_s: at, event: z.literal('dac_stuck'), mA: num<MilliAmp>(L.dac_stuck_mA).optional() }),
  z.strictObject({ at_s: at, event: z.literal('relay_stuck') }),
  z.strictObject({ at_s: at, event: z.literal('telemetry_dropout'), ms: num<Millisecond>(L.telemetry_dropout_ms) }),
  z.strictObject({ at_s: at, event: z.literal('telemetry_delay'), ms: num<Millisecond>(L.telemetry_delay_ms) }),
  z.strictObject({ at_s: at, event: z.literal('lease_stop') }),
  z.strictObject({
    at_s: at,
    event: z.literal('water_conductivity'),
    uS_per_cm: num<MicroSiemensPerCm>(L.uS_per_cm),
  }),
  z.strictObject({ at_s: at, event: z.literal('sweat_rate'), factor: num<number>(L.factor) }),
  z.strictObject({ at_s: at, event: z.literal('clear'), fault: z.enum(CLEARABLE) }),
]);

export const scenarioSchema = z.array(scenarioEventSchema);

export type ScenarioEvent = z.output<typeof scenarioEventSchema>;
export type ScenarioEventKind = ScenarioEvent['event'];
export type Scenario = readonly ScenarioEvent[];

/** The limits of each event's numeric fields, for messages. */
const FIELD_LIMITS: Partial<Record<ScenarioEventKind, Record<string, Limit>>> = {
  contact: { fraction: L.fraction, transition_s: L.transition_s },
  sensor_offset: { mA: L.sensor_offset_mA },
  dac_stuck: { mA: L.dac_stuck_mA },
  telemetry_dropout: { ms: L.telemetry_dropout_ms },
  telemetry_delay: { ms: L.telemetry_delay_ms },
  water_conductivity: { uS_per_cm: L.uS_per_cm },
  sweat_rate: { factor: L.factor },
};

const EVENT_KINDS: readonly string[] = scenarioEventSchema.options.map((o) => o.shape.event.value);

// ------------------------------------------------------------------------------------------------ parsing

/**
 * Parse a scenario from the text of a JSON file. `fileName` only names the file in messages. A malformed file throws
 * `IontoError('ION_ERR_SCENARIO')` whose message names the file, the entry, its line, the field and the rule, e.g.
 * `scenario.json: entry 2 (line 5): field "fraction" must be a number between 0 and 1, got 1.4`. Entry numbers
 * count from 0, like the array index.
 */
export const parseScenario = (text: string, fileName: string): Scenario => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? ` (${lineAndColumn(text, Number(pos[1]))})` : '';
    throw new IontoError('ION_ERR_SCENARIO', `${fileName}: not valid JSON${where}: ${msg}`, { file: fileName });
  }
  return validateScenario(raw, fileName, text);
};

/**
 * Validate an already-parsed scenario value. `text`, when given, is the JSON it came from and lets messages give
 * line numbers.
 */
export const validateScenario = (raw: unknown, fileName: string, text?: string): Scenario => {
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new IontoError('ION_ERR_SCENARIO', `${fileName}: ${message}`, { file: fileName, ...details });
  };
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    /* c8 ignore next */
    if (issue === undefined) return fail('invalid scenario', {});
    const [index, field] = issue.path;
    if (typeof index !== 'number') return fail('must be a JSON array of events', {});
    const entry = (raw as unknown[])[index];
    const locations = text === undefined ? undefined : locateEntries(text);
    const where = describeWhere(index, typeof field === 'string' ? field : undefined, text, locations);
    return fail(`${where}: ${describeIssue(issue, entry, typeof field === 'string' ? field : undefined)}`, {
      entry: index,
      field,
    });
  }
  const events = result.data;
  for (let i = 1; i < events.length; i++) {
    const prev = (events[i - 1] as ScenarioEvent).at_s;
    const cur = (events[i] as ScenarioEvent).at_s;
    if (cur < prev) {
      const where = describeWhere(i, 'at_s', text, text === undefined ? undefined : locateEntries(text));
      fail(
        `${where}: field "at_s" must not be earlier than the previous entry's (${prev}), got ${cur}; entries must be in time order`,
        { entry: i, field: 'at_s' },
      );
    }
  }
  return events;
};

const describeWhere = (
  index: number,
  field: string | undefined,
  text: string | undefined,
  locations: EntryLocation[] | undefined,
): string => {
  const loc = locations?.[index];
  if (text === undefined || loc === undefined) return `entry ${index}`;
  const pos = (field !== undefined ? loc.keys.get(field) : undefined) ?? loc.start;
  return `entry ${index} (line ${lineAt(text, pos)})`;
};

const show = (x: unknown): string => {
  if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const describeIssue = (issue: z.core.$ZodIssue, entry: unknown, field: string | undefined): string => {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    return `must be an object like {"at_s": 300, "event": "contact", "fraction": 0}, got ${show(entry)}`;
  const obj = entry as Record<string, unknown>;
  const event = obj.event;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedFields(event);
    return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')} for event ${show(event)}${allowed ? ` (allowed: ${allowed})` : ''}`;
  }
  if (field === 'event' || (field === undefined && issue.code === 'invalid_union'))
    return `field "event" must be one of ${EVENT_KINDS.join(', ')}, got ${show(event)}`;
  if (field === undefined) return issue.message;
  const value = obj[field];
  if (value === undefined) return `field "${field}" is required for event ${show(event)}`;
  if (field === 'fault') return `field "fault" must be one of ${CLEARABLE.join(', ')}, got ${show(value)}`;
  const limit = field === 'at_s' ? L.at_s : FIELD_LIMITS[event as ScenarioEventKind]?.[field];
  if (limit !== undefined)
    return `field "${field}" must be a number between ${limit.min} and ${limit.max}, got ${show(value)}`;
  return `field "${field}": ${issue.message}, got ${show(value)}`;
};

const allowedFields = (event: unknown): string | undefined => {
  const option = scenarioEventSchema.options.find((o) => o.shape.event.value === event);
  return option === undefined ? undefined : Object.keys(option.shape).join(', ');
};

// ------------------------------------------------------------------------------------------------ locations

interface EntryLocation {
  /** Offset of the entry's first character. */
  readonly start: number;
  /** Offset of each key of the entry (first occurrence). */
  readonly keys: Map<string, number>;
}

const lineAt = (text: string, pos: number): number => {
  let line = 1;
  const end = Math.min(pos, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
};

const lineAndColumn = (text: string, pos: number): string => {
  const line = lineAt(text, pos);
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return `line ${line}, column ${pos - lineStart + 1}`;
};

/** Where each entry of a top-level JSON array starts, and where its keys are. Only used on the error path. */
const locateEntries = (text: string): EntryLocation[] => {
  const entries: EntryLocation[] = [];
  let depth = 0;
  let current: EntryLocation | undefined;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i] as string;
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      const end = i; // closing quote
      i++;
      if (depth === 1) {
        current = { start, keys: new Map() };
        entries.push(current);
      } else if (depth === 2 && current !== undefined) {
        let j = i;
        while (j < n && /\s/.test(text[j] as string)) j++;
        if (text[j] === ':') {
          try {
            const key = JSON.parse(text.slice(start, end + 1)) as string;
            if (!current.keys.has(key)) current.keys.set(key, start);
          } catch {
            // not a key we can name
          }
        }
      }
      continue;
    }
    if (c === '[' || c === '{') {
      if (depth === 1) {
        current = { start: i, keys: new Map() };
        entries.push(current);
      }
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
    } else if (depth === 1 && c !== ',' && !/\s/.test(c)) {
      // A bare value (number, true, false, null) as an entry.
      current = { start: i, keys: new Map() };
      entries.push(current);
      while (i + 1 < n && !/[\s,\]]/.test(text[i + 1] as string)) i++;
    }
    i++;
  }
  return entries;
};

// ------------------------------------------------------------------------------------------------ applying

/** What the runner itself must do for an event: stop or resume renewing the lease. */
export type RunnerAction = 'lease_stop' | 'lease_resume';

/** Time of an event on the device clock. */
export const eventTime = (e: ScenarioEvent): Millisecond => (e.at_s * 1000) as Millisecond;

/**
 * Apply one scenario event to a simulated device and its load, at the present simulated time. Events the device
 * cannot enact (the host stops renewing its lease, or resumes) are returned for the runner to act on.
 */
export const applyScenarioEvent = (device: SimulatedDevice, e: ScenarioEvent): RunnerAction | undefined => {
  const load = device.load;
  switch (e.event) {
    case 'contact':
      load.setContact(e.fraction, e.transition_s);
      return undefined;
    case 'water_conductivity':
      load.setWaterConductivity(e.uS_per_cm);
      return undefined;
    case 'sweat_rate':
      load.setSweatRate(e.factor);
      return undefined;
    case 'electrode_open':
    case 'short':
    case 'sensor_stuck':
    case 'relay_stuck':
      device.inject({ kind: e.event });
      return undefined;
    case 'sensor_offset':
      device.inject({ kind: 'sensor_offset', offset: e.mA });
      return undefined;
    case 'dac_stuck':
      device.inject(e.mA === undefined ? { kind: 'dac_stuck' } : { kind: 'dac_stuck', level: e.mA });
      return undefined;
    case 'telemetry_dropout':
      device.inject({ kind: 'telemetry_dropout', duration: e.ms });
      return undefined;
    case 'telemetry_delay':
      device.inject({ kind: 'telemetry_delay', delay: e.ms });
      return undefined;
    case 'lease_stop':
      return 'lease_stop';
    case 'clear':
      if (e.fault === 'lease_stop') return 'lease_resume';
      device.clear(e.fault);
      return undefined;
    default: {
      const never: never = e;
      throw new IontoError('ION_ERR_SCENARIO', `unknown scenario event ${JSON.stringify(never)}`);
    }
  }
};

/**
 * Walks a scenario in time order for a runner: `due(t)` hands over, once each, the events whose time has come.
 *
 *     const cursor = new ScenarioCursor(scenario);
 *     for (...) { for (const e of cursor.due(device.now())) if (applyScenarioEvent(device, e) === 'lease_stop') ... }
 */
export class ScenarioCursor {
  private readonly events: Scenario;
  private index = 0;

  constructor(events: Scenario) {
    this.events = events;
  }

  /** Device time of the next event not yet handed over, or undefined when none is left. */
  nextAt(): Millisecond | undefined {
    const e = this.events[this.index];
    return e === undefined ? undefined : eventTime(e);
  }

  /** Events due at or before device time `t`, in file order. */
  due(t: Millisecond): ScenarioEvent[] {
    const out: ScenarioEvent[] = [];
    for (let e = this.events[this.index]; e !== undefined && eventTime(e) <= t; e = this.events[this.index]) {
      out.push(e);
      this.index++;
    }
    return out;
  }

  done(): boolean {
    return this.index >= this.events.length;
  }
}
