/**
 * The shapes the session page reads from the API: the protocol document (GET /api/protocols/:id, as the library
 * holds it), the session record (GET /api/sessions/:id) and the live socket's messages (docs/server.md, "Live
 * telemetry (WebSocket)"). Only the fields the page uses are typed.
 */

export interface SourcedRange {
  value: number;
  min: number;
  max: number;
  source: string;
}

export interface ProtocolStep {
  id: string;
  text: string;
  required: boolean;
  source: string;
}

export interface ProtocolZone {
  label: string;
  current_mA: SourcedRange;
  duration_min?: SourcedRange;
  dose_mAmin?: SourcedRange;
}

export interface ProtocolDocument {
  id: string;
  title: string;
  end_on: 'dose' | 'duration';
  polarity: { electrode_a: '+' | '-' | 'by-agent-charge' };
  zones: Record<string, ProtocolZone>;
  default_zone: string;
  modes: Record<string, { label: string; note?: string }>;
  default_mode: string;
  pre_steps: ProtocolStep[];
  post_steps: ProtocolStep[];
}

export interface ProtocolListItem {
  id: string;
  name: string;
}

export interface PatientRecord {
  id: string;
  name: string;
}

export interface CourseRecord {
  id: string;
  patient_id: string;
  protocol: string;
}

export interface PlannedSession {
  seq: number;
  phase: string;
  local_date: string;
  status: string;
}

export interface CourseDetail extends CourseRecord {
  planned_sessions: PlannedSession[];
}

export interface DeviceRecord {
  id: string;
  kind: 'simulated' | 'serial';
  name: string;
  /** A serial device's port on the server's computer (the server drives it then). */
  port: string | null;
}

/** The engine's session report (src/engine/session-runner.ts), as stored and as the socket sends it. */
export interface SessionReport {
  status: 'completed' | 'aborted' | 'fault' | string;
  duration_s: number;
  treated_s: number;
  delivered_mAmin: number;
  target_mAmin: number;
  target_mA: number;
  peak_current_mA: number;
  pauses: number;
  events: { t_s: number; code: string; message: string; source: string }[];
  faults: { t_s: number; code: string; message: string }[];
}

export interface SessionRecord {
  id: string;
  patient_id: string;
  protocol: string;
  zone: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  delivered_mamin: number;
  report: SessionReport | null;
  precautions?: string[];
}

export interface LiveEvent {
  t_s: number;
  code: string;
  message: string;
  source: string;
}

export type LiveMessage =
  | {
      type: 'state';
      status: string;
      phase: string;
      t_ms: number;
      delivered_mAmin: number;
      target_mAmin: number;
      target_mA: number;
      events: LiveEvent[];
    }
  | {
      type: 'rows';
      t: number[];
      phase: string[];
      setpoint: (number | null)[];
      current: (number | null)[];
      voltage: (number | null)[];
      impedance: (number | null)[];
      delivered: (number | null)[];
    }
  | ({ type: 'event' } & LiveEvent)
  | { type: 'report'; status: string; report: SessionReport | null }
  | { type: 'ack'; command: string }
  | { type: 'error'; code: string; detail: string };

/** Engine phases (src/engine/session-machine.ts) in which an operator pause takes effect; the engine ignores it elsewhere. */
export const PAUSABLE: readonly string[] = ['ramp-up', 'treat', 'reversal'];
