import { describe, expect, it } from 'vitest';
import { isIontoError } from '../errors/catalogue.js';
import { ResistorLoad } from '../physics/resistor-load.js';
import { kOhm, mA, ms } from '../units/quantities.js';
import { DC } from './device.js';
import {
  applyScenarioEvent,
  eventTime,
  parseScenario,
  ScenarioCursor,
  validateScenario,
  type ScenarioEvent,
} from './scenario.js';
import { IDEAL_DEVICE, SimulatedDevice } from './simulated-device.js';

/** The error message of a scenario that must fail, after checking its code. */
const errorOf = (text: string, file = 'scenario.json'): string => {
  try {
    parseScenario(text, file);
  } catch (e) {
    if (!isIontoError(e)) throw e;
    expect(e.code).toBe('ION_ERR_SCENARIO');
    return e.message;
  }
  throw new Error('expected the scenario to be rejected');
};

const EVERY_EVENT = `[
  {"at_s": 0, "event": "water_conductivity", "uS_per_cm": 400},
  {"at_s": 0, "event": "sweat_rate", "factor": 1.5},
  {"at_s": 60, "event": "contact", "fraction": 0, "transition_s": 2},
  {"at_s": 70, "event": "contact", "fraction": 1},
  {"at_s": 100, "event": "electrode_open"},
  {"at_s": 110, "event": "clear", "fault": "electrode_open"},
  {"at_s": 120, "event": "short"},
  {"at_s": 130, "event": "sensor_offset", "mA": -0.5},
  {"at_s": 140, "event": "sensor_stuck"},
  {"at_s": 150, "event": "dac_stuck"},
  {"at_s": 151, "event": "dac_stuck", "mA": 12},
  {"at_s": 160, "event": "relay_stuck"},
  {"at_s": 170, "event": "telemetry_dropout", "ms": 500},
  {"at_s": 180, "event": "telemetry_delay", "ms": 80},
  {"at_s": 190, "event": "lease_stop"},
  {"at_s": 200, "event": "clear", "fault": "lease_stop"}
]`;

describe('scenario files', () => {
  it('parses every event kind, with times in seconds and branded values', () => {
    const s = parseScenario(EVERY_EVENT, 'every.json');
    expect(s).toHaveLength(16);
    expect(s[2]).toEqual({ at_s: 60, event: 'contact', fraction: 0, transition_s: 2 });
    expect(s[10]).toEqual({ at_s: 151, event: 'dac_stuck', mA: 12 });
    expect(eventTime(s[12] as ScenarioEvent)).toBe(170_000);
  });

  it('accepts an empty scenario', () => {
    expect(parseScenario('[]', 'empty.json')).toEqual([]);
  });

  it('names the file, the entry, its line, the field and the limit of a value out of range', () => {
    const text = `[
  {"at_s": 0, "event": "contact", "fraction": 1},
  {"at_s": 10, "event": "short"},
  {"at_s": 20,
   "event": "contact",
   "fraction": 1.4}
]`;
    expect(errorOf(text)).toBe(
      'scenario.json: entry 2 (line 6): field "fraction" must be a number between 0 and 1, got 1.4',
    );
  });

  it('checks the physical ranges: water 1–5000 µS/cm, sweat factor 0–10', () => {
    expect(errorOf('[{"at_s": 0, "event": "water_conductivity", "uS_per_cm": 0.5}]')).toMatch(
      /entry 0 \(line 1\): field "uS_per_cm" must be a number between 1 and 5000, got 0.5/,
    );
    expect(errorOf('[{"at_s": 0, "event": "sweat_rate", "factor": 11}]')).toMatch(
      /field "factor" must be a number between 0 and 10, got 11/,
    );
  });

  it('rejects an unknown event and lists the known ones', () => {
    expect(errorOf('[{"at_s": 0, "event": "earthquake"}]')).toMatch(
      /entry 0 \(line 1\): field "event" must be one of contact, electrode_open, .*clear, got "earthquake"/,
    );
  });

  it('rejects a misspelt field rather than ignoring it', () => {
    expect(errorOf('[{"at_s": 0, "event": "contact", "fraction": 1, "transition": 3}]')).toMatch(
      /unknown field "transition" for event "contact" \(allowed: at_s, event, fraction, transition_s\)/,
    );
  });

  it('rejects a missing field', () => {
    expect(errorOf('[{"at_s": 0, "event": "telemetry_delay"}]')).toMatch(
      /field "ms" is required for event "telemetry_delay"/,
    );
    expect(errorOf('[{"event": "short"}]')).toMatch(/field "at_s" is required/);
  });

  it('rejects a number written as a string', () => {
    expect(errorOf('[{"at_s": "10", "event": "short"}]')).toMatch(
      /field "at_s" must be a number between 0 and 86400, got "10"/,
    );
  });

  it('rejects clearing something that is not a fault', () => {
    expect(errorOf('[{"at_s": 0, "event": "clear", "fault": "contact"}]')).toMatch(
      /field "fault" must be one of electrode_open, .*lease_stop, got "contact"/,
    );
  });

  it('rejects entries out of time order instead of sorting them', () => {
    const text = `[
  {"at_s": 30, "event": "short"},
  {"at_s": 10, "event": "clear", "fault": "short"}
]`;
    expect(errorOf(text, 'faults.json')).toBe(
      `faults.json: entry 1 (line 3): field "at_s" must not be earlier than the previous entry's (30), got 10; entries must be in time order`,
    );
  });

  it('keeps entries at the same time in file order', () => {
    const s = parseScenario('[{"at_s": 5, "event": "short"}, {"at_s": 5, "event": "clear", "fault": "short"}]', 'x');
    expect(s.map((e) => e.event)).toEqual(['short', 'clear']);
  });

  it('rejects a file that is not JSON, with the line and column', () => {
    expect(errorOf('[\n  {"at_s": 0, "event": "short",}\n]', 'bad.json')).toMatch(
      /^bad\.json: not valid JSON \(line 2, column \d+\): /,
    );
  });

  it('rejects a file that is not an array, or entries that are not objects', () => {
    expect(errorOf('{"at_s": 0}')).toBe('scenario.json: must be a JSON array of events');
    expect(errorOf('[\n  {"at_s": 0, "event": "short"},\n  42\n]')).toMatch(
      /^scenario\.json: entry 1 \(line 3\): must be an object/,
    );
  });

  it('finds the line of an entry whose strings contain brackets and escaped quotes', () => {
    const text = '[\n{"at_s": 0, "event": "short"},\n{"event": "contact",\n "at_s": 1, "fraction": "[\\"}"}\n]';
    expect(errorOf(text)).toMatch(/entry 1 \(line 4\): field "fraction" must be a number between 0 and 1/);
  });

  it('validates an already-parsed value without line numbers', () => {
    expect(() => validateScenario([{ at_s: -1, event: 'short' }], 'inline')).toThrow(
      'inline: entry 0: field "at_s" must be a number between 0 and 86400, got -1',
    );
  });
});

describe('applying scenario events', () => {
  const setup = () => {
    const load = new ResistorLoad(kOhm(2));
    const device = new SimulatedDevice(load, IDEAL_DEVICE);
    return { load, device };
  };
  const drive = (d: SimulatedDevice, until: number) => {
    while (d.now() < until) {
      d.send({ setpoint: mA(10), lease: ms(100), polarity: '+', waveform: DC, outputEnabled: true, seq: 0 });
      d.advanceTo(ms(d.now() + 20));
    }
    return d.read();
  };

  it('moves the contact of the load, over the transition time', () => {
    const { load, device } = setup();
    const [e] = parseScenario('[{"at_s": 0, "event": "contact", "fraction": 0, "transition_s": 1}]', 's');
    expect(applyScenarioEvent(device, e as ScenarioEvent)).toBeUndefined();
    drive(device, 500);
    expect(load.contact()).toBeCloseTo(0.5, 2);
    drive(device, 1100);
    expect(load.contact()).toBe(0);
    expect(device.truth().current).toBeLessThan(1e-3); // 60 V across the open circuit's 1 GΩ
  });

  it('injects and clears device faults', () => {
    const { device } = setup();
    const events = parseScenario(EVERY_EVENT, 'every.json');
    for (const e of events.slice(4, 14)) applyScenarioEvent(device, e);
    expect(device.activeFaults().map((f) => f.kind)).toEqual([
      'short',
      'sensor_offset',
      'sensor_stuck',
      'dac_stuck',
      'relay_stuck',
      'telemetry_dropout',
      'telemetry_delay',
    ]);
    expect(device.activeFaults().find((f) => f.kind === 'dac_stuck')).toEqual({ kind: 'dac_stuck', level: 12 });
    applyScenarioEvent(device, { at_s: 0 as never, event: 'clear', fault: 'short' });
    expect(device.activeFaults().map((f) => f.kind)).not.toContain('short');
  });

  it('an open electrode from a scenario stops the current the device measures', () => {
    const { device } = setup();
    drive(device, 200);
    applyScenarioEvent(device, parseScenario('[{"at_s": 0.2, "event": "electrode_open"}]', 's')[0] as ScenarioEvent);
    const s = drive(device, 400);
    expect(s?.current).toBe(0);
    expect(s?.flags.compliance).toBe(true);
  });

  it('hands lease_stop and its clearing back to the runner', () => {
    const { device } = setup();
    const s = parseScenario(EVERY_EVENT, 'every.json');
    expect(applyScenarioEvent(device, s[14] as ScenarioEvent)).toBe('lease_stop');
    expect(applyScenarioEvent(device, s[15] as ScenarioEvent)).toBe('lease_resume');
  });

  it('walks a scenario in time order, each event once', () => {
    const cursor = new ScenarioCursor(parseScenario(EVERY_EVENT, 'every.json'));
    expect(cursor.nextAt()).toBe(0);
    expect(cursor.due(ms(0)).map((e) => e.event)).toEqual(['water_conductivity', 'sweat_rate']);
    expect(cursor.due(ms(59_999))).toEqual([]);
    expect(cursor.due(ms(70_000)).map((e) => e.at_s)).toEqual([60, 70]);
    expect(cursor.nextAt()).toBe(100_000);
    expect(cursor.due(ms(1e9))).toHaveLength(12);
    expect(cursor.done()).toBe(true);
    expect(cursor.nextAt()).toBeUndefined();
  });
});
