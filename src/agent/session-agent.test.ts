import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../engine/events.js';
import type { TraceRow } from '../engine/session-runner.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { prepareSimulatedSession } from '../simulation/simulated-session.js';
import { SessionAgent, checkSpeed } from './session-agent.js';

const PALMS = findProtocol('tapwater-palms');

describe('SessionAgent', () => {
  it('at full speed runs exactly the session the simulator runs, reporting every row and event', async () => {
    const agent = new SessionAgent({ protocol: PALMS, choices: {}, seed: 7, speed: 'max' });
    const rows: TraceRow[] = [];
    const events: SessionEvent[] = [...agent.initialEvents];
    agent.listen({ row: (r) => rows.push(r), event: (e) => events.push(e) });
    const report = await agent.run();
    const reference = prepareSimulatedSession({ protocol: PALMS, choices: {}, seed: 7 }).run.runToEnd();
    expect(report).toEqual(reference);
    expect(report.status).toBe('completed');
    expect(rows.length).toBe(Math.round((report.duration_s * 1000) / agent.plan.controlPeriod));
    expect(events.map((e) => e.code)).toEqual(report.events.map((e) => e.code));
    expect(agent.done).toBe(true);
    expect(agent.latestRow?.t).toBe(rows[rows.length - 1]!.t);
  });

  it('paced against the wall clock never runs ahead of wall time × speed', async () => {
    const speed = 200;
    const agent = new SessionAgent({ protocol: PALMS, choices: {}, seed: 3, speed });
    const start = performance.now();
    let ahead = 0;
    agent.listen({
      row: (r) => {
        ahead = Math.max(ahead, r.t - (performance.now() - start) * speed);
      },
    });
    const done = agent.run();
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.done).toBe(false);
    agent.command('abort');
    const report = await done;
    expect(report.status).toBe('aborted');
    // One control period of slack: a period is run once it is due.
    expect(ahead).toBeLessThanOrEqual(agent.plan.controlPeriod);
  });

  it('pauses and resumes on operator commands; a command after the end is refused', async () => {
    const agent = new SessionAgent({ protocol: PALMS, choices: {}, seed: 5, speed: 'max' });
    let paused = false;
    agent.listen({
      row: (r) => {
        if (r.phase === 'treat' && !paused) {
          paused = true;
          agent.command('pause');
        }
      },
      event: (e) => {
        if (e.code === 'ION_EVT_PAUSE') agent.command('resume');
      },
    });
    const report = await agent.run();
    expect(report.pauses).toBe(1);
    expect(report.events.map((e) => e.code)).toContain('ION_EVT_RESUME');
    expect(report.status).toBe('completed');
    expect(() => agent.command('abort')).toThrow(/has ended/);
  });

  it('refuses a bad choice or speed before the session exists', () => {
    expect(() => new SessionAgent({ protocol: PALMS, choices: { zone: 'ears' }, seed: 1, speed: 1 })).toThrow(
      expect.objectContaining({ code: 'ION_ERR_UNKNOWN_ZONE' }),
    );
    expect(() => checkSpeed(0)).toThrow(/speed/);
    expect(() => checkSpeed(Number.NaN)).toThrow(/speed/);
    expect(checkSpeed(600)).toBe(600);
    expect(
      () =>
        new SessionAgent({
          protocol: PALMS,
          choices: {},
          seed: 1,
          speed: 1,
          screening: { result: 'refused', reasons: ['pacemaker: refused'] },
        }),
    ).toThrow();
  });
});
