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
