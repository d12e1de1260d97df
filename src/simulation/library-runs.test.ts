import { describe, expect, it } from 'vitest';
import type { AgentCharge } from '../protocols/compile-plan.js';
import { protocolLibrary } from '../protocols/protocol-library.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import { prepareSimulatedSession } from './simulated-session.js';

/** Every protocol of the library in every zone and mode, and for a pole chosen by the product, both charges. */
const runs = [...protocolLibrary().values()].flatMap((protocol: Protocol) => {
  const charges: (AgentCharge | undefined)[] =
    protocol.polarity.electrode_a === 'by-agent-charge' ? ['cation', 'anion'] : [undefined];
  return Object.keys(protocol.zones).flatMap((zone) =>
    Object.keys(protocol.modes).flatMap((mode) =>
      charges.map((agentCharge) => ({ protocol, zone, mode, agentCharge })),
    ),
  );
});

describe('every library protocol runs to completion on the virtual patient', () => {
  it.each(runs.map((r) => [`${r.protocol.id}/${r.zone}/${r.mode}${r.agentCharge ? `/${r.agentCharge}` : ''}`, r]))(
    '%s: completed, the delivered dose within 1 % of the plan',
    (_name, { protocol, zone, mode, agentCharge }) => {
      const s = prepareSimulatedSession({ protocol, choices: { zone, mode, agentCharge }, seed: 1 });
      const report = s.run.runToEnd();
      expect(report.status, report.events.map((e) => `${e.t_s} s ${e.code}: ${e.message}`).join('\n')).toBe(
        'completed',
      );
      expect(Math.abs(report.delivered_mAmin - s.plan.dose) / s.plan.dose).toBeLessThan(0.01);
      expect(report.faults).toEqual([]);
      if (agentCharge) expect(s.plan.polarity).toBe(agentCharge === 'cation' ? '+' : '-');
    },
  );

  it('covers every protocol, and both charges where the product picks the pole', () => {
    expect(new Set(runs.map((r) => r.protocol.id)).size).toBe(protocolLibrary().size);
    expect(runs.filter((r) => r.agentCharge).length).toBeGreaterThanOrEqual(10);
  });
});
