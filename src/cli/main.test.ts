import { runInProcess } from './run-in-process.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

/** Run the CLI in-process with captured output (not a terminal: no live bar, no raw keys). */
const cli = (...argv: string[]) => runInProcess(argv);

const dir = mkdtempSync(join(tmpdir(), 'ionto-cli-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('ionto run', () => {
  it('runs a palms session to completion and prints one JSON report with every field', async () => {
    const r = await cli('run', 'tapwater-palms', '--minutes', '10', '--seed', '5', '--json', '--confirm-steps');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of [
      'protocol',
      'zone',
      'status',
      'duration_s',
      'treated_s',
      'delivered_mAmin',
      'delivered_C',
      'target_mAmin',
      'charge_density_mAmin_per_cm2',
      'peak_current_mA',
      'rms_error_pct',
      'max_overshoot_pct',
      'max_didt_mA_per_s',
      'max_rise_mA_per_s',
      'pauses',
      'reversals',
      'events',
      'faults',
    ]) {
      expect(j, k).toHaveProperty(k);
    }
    expect(j).toMatchObject({ protocol: 'tapwater-palms', zone: 'palms', status: 'completed', target_mAmin: 150 });
    expect(Math.abs(j.delivered_mAmin - 150) / 150).toBeLessThan(0.01);
    expect(j.delivered_C).toBeCloseTo(j.delivered_mAmin * 0.06, 4);
    // The soft start (0.5 mA/s) is the fastest rise, within the comfort limit of 1 mA/s.
    expect(j.max_rise_mA_per_s).toBeGreaterThan(0.45);
    expect(j.max_rise_mA_per_s).toBeLessThan(1);
    expect(j.events[0]).toEqual(expect.objectContaining({ t_s: 0, code: 'ION_EVT_PRECHECK_OK' }));
  });

  it('prints a readable summary with the events when not asked for JSON', async () => {
    const r = await cli(
      'run',
      'tapwater-axillae',
      '--mode',
      'pulsed',
      '--minutes',
      '10',
      '--speed',
      'max',
      '--confirm-steps',
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Tap-water iontophoresis, axillae · axillae · pulsed DC/);
    expect(r.out).toMatch(/circuit closed/);
    expect(r.out).toMatch(/tapwater-axillae · axillae · COMPLETED/);
    expect(r.out).toMatch(/dose\s+\d+\.\d\d of 99\.00 mA·min/);
  });

  it('writes a CSV trace of every control period', async () => {
    const trace = join(dir, 'trace.csv');
    const r = await cli('run', 'tapwater-soles', '--minutes', '10', '--json', '--trace', trace, '--confirm-steps');
    expect(r.code).toBe(0);
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('t_s,phase,setpoint_mA,current_mA,voltage_V,impedance_ohm,polarity');
    const duration = JSON.parse(r.out).duration_s;
    expect(lines.length - 1).toBe(Math.round(duration / 0.02));
    const treat = lines.filter((l) => l.includes(',treat,')).map((l) => l.split(','));
    expect(treat.length).toBeGreaterThan(1000);
    const mean = treat.reduce((a, c) => a + Math.abs(Number(c[3])), 0) / treat.length;
    expect(Math.abs(mean - 15)).toBeLessThan(0.15);
  });

  it('exits 1 with the fault in the report when the electrodes short', async () => {
    const s = file('short.json', JSON.stringify([{ at_s: 120, event: 'short' }]));
    const r = await cli('run', 'tapwater-palms', '--minutes', '10', '--json', '--scenario', s, '--confirm-steps');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.status).toBe('fault');
    expect(j.faults[0].code).toBe('ION_ERR_SHORT_CIRCUIT');
  });

  it('pauses and resumes around a lifted hand from a scenario file', async () => {
    const r = await cli(
      'run',
      'tapwater-palms',
      '--scenario',
      'examples/scenarios/hand-lifted.json',
      '--json',
      '--confirm-steps',
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.pauses).toBeGreaterThanOrEqual(1);
    expect(j.events.map((e: { code: string }) => e.code)).toContain('ION_EVT_RESUME');
  });
});

describe('ionto run for drug delivery and cosmetics', () => {
  it('runs dexamethasone to a prescribed 60 mA·min at the cathode', async () => {
    const r = await cli('run', 'dexamethasone', '--dose', '60', '--json', '--confirm-steps');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.target_mAmin).toBe(60);
    expect(Math.abs(j.delivered_mAmin - 60) / 60).toBeLessThan(0.01);
    expect(j.anodal_mAmin).toBeLessThan(0.01);
  });

  it('refuses a dose outside the protocol range', async () => {
    const r = await cli('run', 'dexamethasone', '--dose', '120', '--confirm-steps');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/dose 120 mA·min is outside 40–80 mA·min/);
  });

  it('asks for the product’s charge where it chooses the pole, and puts an anionic product under the cathode', async () => {
    const missing = await cli('run', 'galvanic-face', '--confirm-steps');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/choose the agent charge/);
    const r = await cli('run', 'galvanic-face', '--agent-charge', 'anion', '--json', '--confirm-steps');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.status).toBe('completed');
    expect(j.anodal_mAmin).toBeLessThan(0.01);
  });
});

describe('ionto run refuses doubtful input with exit 2 and a clear message', () => {
  const refused = async (argv: string[], message: RegExp) => {
    const r = await cli(
      ...(argv.length > 1 && !message.source.includes('must be confirmed') ? [...argv, '--confirm-steps'] : argv),
    );
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  };

  it('an unknown protocol, listing the known ones', () =>
    refused(['run', 'tapwater-ears'], /unknown protocol "tapwater-ears"; known protocols: .*tapwater-palms/));
  it('an unknown zone', () => refused(['run', 'tapwater-palms', '--zone', 'feet'], /no zone "feet"; zones: palms/));
  it('a current out of range, naming the range', () =>
    refused(['run', 'tapwater-palms', '--current', '35'], /current 35 mA is outside 5–22 mA/));
  it('a current that is not a number', () =>
    refused(['run', 'tapwater-palms', '--current', '15mA'], /--current must be a number, got "15mA"/));
  it('a duration out of range', () =>
    refused(['run', 'tapwater-soles', '--minutes', '90'], /duration 90 min is outside 10–40 min/));
  it('an unknown mode', () => refused(['run', 'tapwater-palms', '--mode', 'ac'], /argument 'ac' is invalid/));
  it('a bad speed', () => refused(['run', 'tapwater-palms', '--speed', 'fast'], /--speed must be a number/));
  it('a missing scenario file', () =>
    refused(['run', 'tapwater-palms', '--scenario', join(dir, 'none.json')], /cannot read the file/));
  it('a malformed scenario, naming the entry and the field', async () => {
    const s = file(
      'bad.json',
      '[\n  { "at_s": 10, "event": "contact", "fraction": 0.5 },\n  { "at_s": 20, "event": "contact", "fraction": 1.4 }\n]\n',
    );
    await refused(['run', 'tapwater-palms', '--scenario', s], /bad\.json: entry 1 \(line 3\): field "fraction"/);
  });
  it('a trace file that cannot be written', () =>
    refused(['run', 'tapwater-palms', '--trace', join(dir, 'no-such-dir', 't.csv')], /--trace .*cannot write/));
  it('a missing protocol argument', () => refused(['run'], /missing required argument 'protocol'/));
  it('unconfirmed pre-steps when no one can be asked, listing them', () =>
    refused(['run', 'tapwater-palms'], /must be confirmed before the current starts[\s\S]*Rings, watches/));
});

describe('screening before a session', () => {
  const answers = (over: Record<string, unknown>) =>
    file(
      `answers-${Object.keys(over).join('-')}.json`,
      JSON.stringify({
        pacemaker: false,
        pregnancy: false,
        breastfeeding: false,
        epilepsy: false,
        'metal-implant-in-path': false,
        'heart-disease': false,
        iud: false,
        cancer: false,
        fever: false,
        'wound-at-site': false,
        'vascular-disease': false,
        'skin-irritation': false,
        'impaired-sensation': false,
        'agent-allergy': false,
        age_years: 35,
        ...over,
      }),
    );

  it('never starts a session that screening refuses, and says why (exit 3)', async () => {
    const r = await cli(
      'run',
      'tapwater-palms',
      '--json',
      '--confirm-steps',
      '--answers',
      answers({ pacemaker: true }),
    );
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/screening refused tapwater-palms \(palms\): pacemaker: /);
  });

  it('runs with precautions and records the screening in the report', async () => {
    const r = await cli(
      'run',
      'tapwater-palms',
      '--minutes',
      '10',
      '--json',
      '--confirm-steps',
      '--answers',
      answers({ 'impaired-sensation': true }),
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.status).toBe('completed');
    expect(j.screening.result).toBe('precautions');
    expect(j.screening.reasons.map((x: { item: string }) => x.item)).toContain('impaired-sensation');
  });

  it('refuses a malformed answers file with exit 2, naming the missing item', async () => {
    const r = await cli(
      'run',
      'tapwater-palms',
      '--confirm-steps',
      '--answers',
      file('partial.json', '{"age_years": 30}'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/partial\.json: "pacemaker" is missing/);
  });
});

describe('pre- and post-step checklists', () => {
  /** A terminal whose operator answers each [y/n] prompt, in turn, with the next of `answers`. */
  const run = async (answers: string[]) => {
    const input = new PassThrough();
    const stdin = input as unknown as NodeJS.ReadStream;
    (stdin as { isTTY: boolean }).isTTY = true;
    let out = '';
    let err = '';
    const stdout = {
      write: (s: string) => {
        out += s;
        if (s.endsWith('[y/n] ')) setImmediate(() => input.write((answers.shift() ?? '') + '\n'));
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WriteStream;
    const stderr = { write: (s: string) => ((err += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const code = await main(['run', 'tapwater-palms', '--minutes', '10', '--json'], { stdout, stderr, stdin });
    return { code, out, err };
  };

  it('asks each pre-step and does not start when a required one is not done', async () => {
    const r = await run(['y', 'n', 'y', 'y']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/not started: "Small cuts and scratches .*" not done/);
    expect(r.out).toMatch(/Rings, watches, bracelets and piercings near the sites removed — done\? \[y\/n\]/);
  });

  it('re-asks an unclear answer, starts once all are done, and records both checklists in the report', async () => {
    const r = await run(['yes?', 'y', 'y', 'y', 'y', 'y', 'n', 'y']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(j.pre_steps.every((p: { confirmed: boolean }) => p.confirmed)).toBe(true);
    expect(j.post_steps.map((p: { id: string; confirmed: boolean }) => [p.id, p.confirmed])).toEqual([
      ['dry-skin', true],
      ['moisturise', false],
      ['rinse-equipment', true],
    ]);
  });
});

describe('ionto protocols', () => {
  it('lists the protocols, also as JSON', async () => {
    const r = await cli('protocols', 'list', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).map((p: { id: string }) => p.id)).toContain('tapwater-axillae');
    expect((await cli('protocols', 'list')).out).toMatch(/tapwater-soles\s+hyperhidrosis/);
  });

  it('shows a protocol with the source of every number', async () => {
    const r = await cli('protocols', 'show', 'tapwater-palms', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).zones.palms.current_mA.source).toMatch(/\[SP\]/);
    expect((await cli('protocols', 'show', 'tapwater-palms')).out).toMatch(/\[SP\]/);
  });
});
