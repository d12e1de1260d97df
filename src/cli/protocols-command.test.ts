import { runInProcess } from './run-in-process.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProtocol, protocolLibrary } from '../protocols/protocol-library.js';

/** `ionto protocols …` in-process with captured output. */
const protocols = (...argv: string[]) => runInProcess(['protocols', ...argv]);

const dir = mkdtempSync(join(tmpdir(), 'ionto-protocols-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const palms = (): Record<string, unknown> => JSON.parse(JSON.stringify(findProtocol('tapwater-palms')));

describe('ionto protocols list', () => {
  it('lists every protocol on one line each, with its use, zones, modes and evidence', async () => {
    const r = await protocols('list');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(protocolLibrary().size);
    expect(r.out).toMatch(
      /^tapwater-palms\s+hyperhidrosis\s+Tap-water iontophoresis, palms \(zones: palms; modes: dc, pulsed; evidence: moderate\)$/m,
    );
    expect(r.out).toMatch(/^galvanic-eyes-neck\s+cosmetic\s+.*zones: eyes, neck/m);
  });

  it('lists them as JSON with --json', async () => {
    const r = await protocols('list', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { id: string; pole: string; zones: string[] }[];
    expect(rows.map((x) => x.id)).toEqual([...protocolLibrary().keys()]);
    expect(rows.find((x) => x.id === 'galvanic-face')).toMatchObject({ pole: 'by-agent-charge', zones: ['face'] });
    expect(rows.find((x) => x.id === 'dexamethasone')).toMatchObject({ pole: 'cathode', use: 'drug-delivery' });
  });
});

describe('ionto protocols show', () => {
  it('shows a protocol for people: zones, numbers with their sources, course, checklists and screening', async () => {
    const r = await protocols('show', 'tapwater-palms');
    expect(r.code).toBe(0);
    for (const re of [
      /^tapwater-palms: Tap-water iontophoresis, palms$/m,
      /^use: hyperhidrosis$/m,
      /^agent: tap water \(none\)/m,
      /^pole: electrode A starts positive \(anode\); active pole: anode {2}— the anode is the more effective pole/m,
      /^ {2}zone palms \(default\): palms \(both hands, one per tray\)$/m,
      /^ {4}area\s+150 cm² {2}— design: palmar surface/m,
      /^ {4}current\s+15 mA \(5–22 mA\) {2}— target 15 mA/m,
      /^ {4}density limit\s+0\.2 mA\/cm² \(at most 30 mA over 150 cm²\) {2}— \[62\]/m,
      /^ {4}time\s+20 min \(10–30 min\) {2}— hands 20 min \[73\]/m,
      /^ {4}ramp up\s+0\.5 mA\/s {2}— \[SO\]/m,
      /^ {2}pulsed: pulsed DC/m,
      /^ {4}frequency\s+10000 Hz {2}— \[H3\]/m,
      /^ {2}induction: clinic, 7 session\(s\), until dry/m,
      /^ {4}maintenance every\s+14 days \(7–28 days\)/m,
      /^ {2}\[required\] remove-jewellery: /m,
      /^ {2}refuse {5}pacemaker \(Pacemaker/m,
      /^ {4}from\s+6 years {2}— not recommended under 6 years \[F5\]/m,
      /^evidence: moderate: /m,
      /^ {2}\[SO\] Soterix IontoDC/m,
    ]) {
      expect(r.out).toMatch(re);
    }
  });

  it('shows a dosed zone with its dose, and a pole chosen by the product', async () => {
    const dex = await protocols('show', 'dexamethasone');
    expect(dex.out).toMatch(/^ {4}dose\s+40 mA·min \(40–80 mA·min\) {2}— 40 mA·min \[63\]/m);
    expect(dex.out).toMatch(/^ {2}maintenance: none$/m);
    const face = await protocols('show', 'galvanic-face');
    expect(face.out).toMatch(/^pole: chosen by the product's charge: a cationic product under the anode \(\+\)/m);
    const glucose = await protocols('show', 'glucose-extraction');
    expect(glucose.out).toMatch(/^ {4}current\s+0\.3 mA \(0\.25–0\.5 mA\) {2}— UNVERIFIED/m);
  });

  it('prints the raw document with --json', async () => {
    const r = await protocols('show', 'lidocaine', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(findProtocol('lidocaine'));
  });

  it('refuses an unknown protocol with exit 2, listing the known ones', async () => {
    const r = await protocols('show', 'tapwater-ears');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/unknown protocol "tapwater-ears"; known protocols: .*tapwater-palms/);
  });
});

describe('ionto protocols validate', () => {
  it('says OK on one line and exits 0 for a valid protocol', async () => {
    const r = await protocols('validate', file('ok.json', JSON.stringify(palms())));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok\.json: OK: protocol tapwater-palms \(1 zone\(s\), 2 mode\(s\)\) is valid/);
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('prints every problem with its JSON path, one per line, and exits 2', async () => {
    const doc = palms() as {
      zones: { palms: Record<string, Record<string, unknown>> };
      default_mode: string;
      contraindications: { item: string }[];
    };
    doc.zones.palms.current_mA!.max = 40;
    delete doc.zones.palms.area_cm2!.source;
    doc.default_mode = 'ac';
    doc.contraindications[0]!.item = 'broken-heart';
    const r = await protocols('validate', file('bad.json', JSON.stringify(doc)));
    expect(r.code).toBe(2);
    const lines = r.out.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.zones\.palms\.current_mA\.max: 40 mA over 150 cm² exceeds 0\.2 mA\/cm²/),
        expect.stringMatching(/^\$\.zones\.palms\.area_cm2\.source: /),
        expect.stringMatching(/^\$\.default_mode: "ac" is not one of the modes$/),
        expect.stringMatching(/^\$\.contraindications\[0\]\.item: /),
      ]),
    );
    for (const l of lines) expect(l).toMatch(/^\$[.[]/);
    expect(r.err).toMatch(/bad\.json: 4 problem\(s\)/);
  });

  it('reports a schema-valid protocol that cannot run on the device, per zone and mode', async () => {
    const doc = palms() as { zones: { palms: { current_mA: { value: number; max: number } } } };
    // 20 mA pulsed at 50 % duty needs 40 mA pulses: above the 30 mA device maximum.
    doc.zones.palms.current_mA.value = 20;
    const r = await protocols('validate', file('pulses.json', JSON.stringify(doc)));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^\$\.zones\.palms: mode pulsed: current 20 mA at duty 0\.5 needs 40\.0 mA pulses/m);
  });

  it('names a file that cannot be read, or is not JSON, and exits 2', async () => {
    const missing = await protocols('validate', join(dir, 'none.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/none\.json: cannot read the file/);
    const broken = await protocols('validate', file('broken.json', '{ "id": '));
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/broken\.json: not valid JSON/);
    expect(broken.out).toBe('');
  });

  it('validates every protocol of the library as OK', async () => {
    for (const p of protocolLibrary().values()) {
      const r = await protocols('validate', file(`${p.id}.json`, JSON.stringify(p)));
      expect(r.code, `${p.id}: ${r.out}`).toBe(0);
    }
  });
});
