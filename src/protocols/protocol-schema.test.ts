import { describe, expect, it } from 'vitest';
import { findProtocol } from './protocol-library.js';
import { protocolIssues } from './protocol-parse.js';

/** A deep copy of a library protocol as plain JSON, to break on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const copy = (id: string): any => JSON.parse(JSON.stringify(findProtocol(id)));
const paths = (doc: unknown): string[] => protocolIssues(doc).map((i) => `${i.path}: ${i.message}`);

describe('protocol schema cross-field checks', () => {
  it('accepts every library protocol', () => {
    for (const id of ['galvanic-face', 'dexamethasone', 'pilocarpine-sweat-test', 'glycopyrrolate-palms']) {
      expect(paths(copy(id)), id).toEqual([]);
    }
  });

  it('asks for active_pole "either" and a product agent when the product’s charge picks the pole', () => {
    const doc = copy('galvanic-face');
    doc.polarity.active_pole = 'anode';
    doc.agent.charge = 'cation';
    expect(paths(doc)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.polarity\.active_pole: must be "either" when electrode_a is "by-agent-charge"/),
        expect.stringMatching(/^\$\.agent\.charge: must be "product" when the pole is chosen by the agent's charge/),
      ]),
    );
  });

  it('refuses an agent under the pole of its own charge (like charges repel)', () => {
    const doc = copy('dexamethasone');
    doc.polarity.active_pole = 'anode';
    doc.polarity.electrode_a = '+';
    expect(paths(doc)).toContainEqual(
      expect.stringMatching(
        /^\$\.polarity\.active_pole: an anion is delivered at the cathode \(like charges repel\), not the anode/,
      ),
    );
  });

  it('refuses an electrode A whose sign contradicts the active pole', () => {
    const doc = copy('lidocaine');
    doc.polarity.electrode_a = '-';
    expect(paths(doc)).toContainEqual(
      expect.stringMatching(/^\$\.polarity\.electrode_a: electrode A is the active electrode: the anode is "\+"/),
    );
  });

  it('refuses an induction course that breaks its own frequency caps', () => {
    const doc = copy('galvanic-face');
    doc.course.caps.per_week.value = 1;
    expect(paths(doc)).toContainEqual(
      expect.stringMatching(
        /^\$\.course\.caps: the twice-weekly induction of 16 session\(s\) breaks 1\/day or 1\/week on day 4/,
      ),
    );
  });

  it('refuses a single-session course of more than one session, and an unknown template', () => {
    const doc = copy('pilocarpine-sweat-test');
    doc.course.induction.sessions.value = 2;
    expect(paths(doc)).toContainEqual('$.course.induction.sessions.value: a single-session course has 1 session');
    doc.course.induction.template = 'monthly';
    expect(paths(doc).some((p) => p.startsWith('$.course.induction.template: '))).toBe(true);
  });
});

describe('protocol schema: zone titration block', () => {
  it('accepts the titration blocks of the library tap-water and glycopyrrolate protocols', () => {
    for (const id of [
      'tapwater-palms',
      'tapwater-soles',
      'tapwater-palms-soles',
      'tapwater-axillae',
      'glycopyrrolate-palms',
    ]) {
      const doc = copy(id);
      expect(
        Object.values(doc.zones).some((z) => (z as { titration?: unknown }).titration !== undefined),
        id,
      ).toBe(true);
      expect(paths(doc), id).toEqual([]);
    }
  });

  it('refuses a start outside the zone current range or above its density limit', () => {
    const doc = copy('tapwater-palms');
    doc.zones.palms.titration.start_mA.value = 4;
    expect(paths(doc)).toContainEqual(
      "$.zones.palms.titration.start_mA.value: start 4 mA must lie within the zone's current range 5–22 mA",
    );
    doc.zones.palms.titration.start_mA.value = 12;
    doc.zones.palms.max_density_mA_per_cm2.value = 0.05;
    doc.zones.palms.current_mA.max = 7.5;
    doc.zones.palms.current_mA.value = 7;
    expect(paths(doc)).toContainEqual(
      "$.zones.palms.titration.start_mA.value: start 12 mA must lie within the zone's current range 5–7.5 mA",
    );
  });

  it('refuses a step wider than the zone current range, a zero step and a fractional session count', () => {
    const doc = copy('glycopyrrolate-palms');
    doc.zones.palms.titration.step_up_mA.value = 6;
    doc.zones.palms.titration.step_down_mA.value = 0;
    doc.zones.palms.titration.comfortable_sessions.value = 1.5;
    doc.zones.palms.titration.discomfort_max.value = 10;
    const found = paths(doc);
    expect(found).toContainEqual(
      "$.zones.palms.titration.step_up_mA.value: a step of 6 mA is wider than the zone's current range 3–8 mA",
    );
    expect(found.some((p) => p.startsWith('$.zones.palms.titration.step_down_mA'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.zones.palms.titration.comfortable_sessions'))).toBe(true);
    expect(found.some((p) => p.startsWith('$.zones.palms.titration.discomfort_max'))).toBe(true);
  });

  it('refuses a titration number without a source, and unknown keys', () => {
    const doc = copy('tapwater-axillae');
    doc.zones.axillae.titration.step_up_mA.source = '';
    doc.zones.axillae.titration.ceiling_mA = { value: 10, source: 'design' };
    const found = paths(doc);
    expect(found.some((p) => p.startsWith('$.zones.axillae.titration.step_up_mA.source'))).toBe(true);
    expect(found.some((p) => p.includes('ceiling_mA'))).toBe(true);
  });
});
