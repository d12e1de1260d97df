import { runInProcess } from './run-in-process.js';
import { describe, expect, it } from 'vitest';
import { DRUG_IDS } from '../physics/drug-delivery.js';

/** The command line, in-process with captured output. */
const cli = (...argv: string[]) => runInProcess(argv);

const drug = DRUG_IDS.includes('dexamethasone-phosphate') ? 'dexamethasone-phosphate' : DRUG_IDS[0]!;
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

describe('ionto simulate drug', () => {
  it('prints the amount, flux, transport number, Faraday bound and a depth chart with the layers marked', async () => {
    const r = await cli('simulate', 'drug', '--drug', drug, '--current', '2', '--minutes', '5');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`Drug iontophoresis · .* \\(${drug}\\) · from the (anode|cathode)`));
    expect(r.out).toMatch(/delivered\s+\S+ µg \(\S+ µmol\)/);
    expect(r.out).toMatch(/mean flux\s+\S+ µg\/\(cm²·h\)/);
    expect(r.out).toMatch(/transport number\s+\S+/);
    expect(r.out).toMatch(/Faraday bound\s+\S+ µg/);
    expect(r.out).toMatch(/── .+ \d+–\d+ µm ──/);
    expect(r.out).toMatch(/│█/);
    expect(r.out).toMatch(/charge 10\.0 mA·min/);
  });

  it('prints the whole result as JSON', async () => {
    const r = await cli(
      'simulate',
      'drug',
      '--drug',
      drug,
      '--current',
      '1',
      '--minutes',
      '4',
      '--area',
      '5',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.drug.id).toBe(drug);
    expect(j).toMatchObject({ current_mA: 1, minutes: 4, area_cm2: 5 });
    for (const k of ['delivered_ug', 'faraday_bound_ug', 'transport_number', 'timeline', 'depth_profile', 'layers']) {
      expect(j, k).toHaveProperty(k);
    }
    expect(j.delivered_ug).toBeLessThanOrEqual(j.faraday_bound_ug);
  });

  it('prints the timeline and the depth profile as CSV', async () => {
    const r = await cli('simulate', 'drug', '--drug', drug, '--current', '1', '--minutes', '4', '--csv');
    expect(r.code, r.err).toBe(0);
    const [timeline, profile] = r.out.trimEnd().split('\n\n');
    const t = timeline!.split('\n');
    expect(t[0]).toBe('t_min,delivered_ug,flux_ug_per_cm2_per_h');
    expect(t.length).toBeGreaterThan(2);
    expect(t[1]!.split(',')).toHaveLength(3);
    const p = profile!.split('\n');
    expect(p[0]).toBe('depth_um,conc_ug_per_cm3,layer');
    expect(p.length).toBeGreaterThan(5);
    expect(Number(p[1]!.split(',')[0])).toBeGreaterThanOrEqual(0);
  });

  it('refuses an unknown drug with exit 2, listing the known ones', async () => {
    const r = await cli('simulate', 'drug', '--drug', 'aspirin', '--current', '1', '--minutes', '5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--drug: unknown drug "aspirin"; known: /);
    for (const id of DRUG_IDS) expect(r.err).toContain(id);
    expect(r.out).toBe('');
  });

  it.each([
    [['--current', 'x', '--minutes', '5'], /--current must be a number/],
    [['--current', '0', '--minutes', '5'], /--current must be more than 0/],
    [['--current', '11', '--minutes', '5'], /--current must be more than 0 and at most 10 mA/],
    [['--current', '1', '--minutes', '500'], /--minutes must be more than 0 and at most 240 min/],
    [['--current', '1', '--minutes', '5', '--area', '0.1'], /--area must be from 0\.5 to 200 cm²/],
    [['--current', '1'], /--minutes is required/],
    [['--minutes', '5'], /--current is required/],
    [['--current', '1', '--minutes', '5', '--json', '--csv'], /--json and --csv: choose one/],
  ])('refuses %j with exit 2 and the field named', async (args, message) => {
    const r = await cli('simulate', 'drug', '--drug', drug, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    noStack(r.err);
  });

  it('passes the model’s own refusal (a current density too high) on as a usage error', async () => {
    const r = await cli('simulate', 'drug', '--drug', drug, '--current', '10', '--minutes', '1', '--area', '0.5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/density/);
    noStack(r.err);
  });

  it('requires --drug', async () => {
    const r = await cli('simulate', 'drug', '--current', '1', '--minutes', '5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--drug is required/);
  });
});

describe('ionto simulate tray-ph', () => {
  it('prints the final pH of both trays and a plot of pH over time', async () => {
    const r = await cli('simulate', 'tray-ph', '--current', '15', '--minutes', '10');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Tray pH · 15\.00 mA for 10\.0 min/);
    expect(r.out).toMatch(/anode tray\s+pH \d+\.\d\d/);
    expect(r.out).toMatch(/cathode tray\s+pH \d+\.\d\d/);
    expect(r.out).toMatch(/protons\s+\S+ µmol/);
    expect(r.out).toMatch(/┤.*a/);
    expect(r.out).toMatch(/┤.*c/);
  });

  it('prints the whole result as JSON, the anode acid and the cathode alkaline', async () => {
    const r = await cli('simulate', 'tray-ph', '--current', '15', '--minutes', '10', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ current_mA: 15, minutes: 10 });
    expect(j.final.anode_pH).toBeLessThan(j.final.cathode_pH);
    expect(j.timeline.length).toBeGreaterThan(1);
  });

  it('passes the optional water settings on', async () => {
    const r = await cli(
      'simulate',
      'tray-ph',
      '--current',
      '15',
      '--minutes',
      '10',
      '--volume',
      '2',
      '--bicarbonate',
      '0',
      '--initial-ph',
      '7',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ volume_L: 2, bicarbonate_mM: 0 });
  });

  it.each([
    [['--current', '-3', '--minutes', '10'], /--current must be more than 0/],
    [['--current', '15', '--minutes', 'ten'], /--minutes must be a number/],
    [['--current', '15', '--minutes', '90'], /--minutes must be more than 0 and at most 60 min/],
    [['--current', '15', '--minutes', '10', '--initial-ph', '13'], /--initial-ph must be from 4 to 10/],
    [['--minutes', '10'], /--current is required/],
  ])('refuses %j with exit 2 and the field named', async (args, message) => {
    const r = await cli('simulate', 'tray-ph', ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    noStack(r.err);
  });
});
