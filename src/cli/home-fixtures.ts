/**
 * A home view as the server would send it, built from the protocol library and the clinic rules, for tests of the
 * offline parts of `ionto home` (no server needed).
 */
import { homeFollowUp } from '../clinic/home-follow-up.js';
import { sessionCaps } from '../clinic/session-caps.js';
import { nextCurrent } from '../clinic/titration.js';
import type { TitrationSession } from '../clinic/titration.js';
import type { ToleranceEntry } from '../clinic/tolerance.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { followUpJson, titrationJson } from '../server/home-view.js';
import type { HomeView } from './home-state.js';

export interface FixtureSession {
  readonly at: string;
  readonly target_mA: number;
  readonly status: 'completed' | 'aborted' | 'fault';
  readonly tolerance?: ToleranceEntry;
}

export function homeViewFixture(o: {
  readonly protocol?: string;
  readonly zone?: string;
  readonly now: Date;
  readonly sessions?: readonly FixtureSession[];
  readonly status?: 'active' | 'stopped' | 'ended';
  readonly tz?: string;
}): HomeView {
  const protocol = findProtocol(o.protocol ?? 'tapwater-palms');
  const zone = o.zone ?? protocol.default_zone;
  const sessions = o.sessions ?? [];
  const history: TitrationSession[] = sessions.map((s) => ({
    at: s.at,
    target: s.target_mA as TitrationSession['target'],
    status: s.status,
    ...(s.tolerance ? { tolerance: s.tolerance } : {}),
  }));
  const t = nextCurrent(protocol, zone, history);
  const caps = sessionCaps(protocol);
  const status = o.status ?? 'active';
  const f = homeFollowUp({
    tz: o.tz ?? 'UTC',
    now: o.now.toISOString(),
    intervalDays: 7,
    sessions: sessions.map((s) => ({ at: s.at, status: s.status })),
    diary: [],
    caps,
    stopped: status !== 'active' || t.stopped,
  });
  return {
    plan: {
      id: 'plan-1',
      patient_id: 'patient-1',
      protocol: protocol.id,
      zone,
      mode: protocol.default_mode,
      interval_days: 7,
      pin_mA: null,
      cap_mA: null,
      warning_signs: ['Blisters or a burn on the treated skin: no further session; call the clinic'],
      status,
      stopped_reason: status === 'stopped' ? 'burn recorded' : null,
      ...(o.tz ? { time_zone: o.tz } : {}),
    },
    titration: titrationJson(t),
    follow_up: followUpJson(f),
    protocol: {
      id: protocol.id,
      title: protocol.title,
      pre_steps: protocol.pre_steps,
      post_steps: protocol.post_steps,
    },
    caps: { per_day: caps.perDay, per_week: caps.perWeek },
    last_tolerance: null,
    history: [...sessions].reverse().map((s, i) => ({
      session_id: `s-${i}`,
      client_id: null,
      started_at: s.at,
      status: s.status,
      target_mA: s.target_mA,
      delivered_mAmin: 100,
      tolerance: s.tolerance ?? null,
    })),
  };
}
