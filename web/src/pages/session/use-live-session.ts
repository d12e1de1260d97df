import { useEffect, useRef, useState } from 'react';
import { api, ApiError, socketUrl } from '../../api';
import type { LiveEvent, LiveMessage, SessionReport } from './types';

/** Session time the chart keeps (ms): the last two minutes; older samples are dropped as new ones arrive. */
export const WINDOW_MS = 120_000;
/** A jump in session time larger than this between two samples (ms) is a gap (the socket was down): the lines break. */
const GAP_MS = 1000;
/**
 * Session time per chart bucket (ms): each bucket keeps its lowest and highest current (with the voltage and impedance
 * of those samples), so a 50 Hz trace shows at most 10 points a second and a spike is never averaged away. The open
 * bucket is drawn too and redrawn as samples arrive, so the chart moves with every message.
 */
const BUCKET_MS = 200;
/** Longest wait between two reconnection attempts (ms). */
const MAX_BACKOFF_MS = 5000;

export type Connection = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LiveView {
  connection: Connection;
  /** Reconnection attempts since the socket last dropped (0 while connected). */
  attempts: number;
  /** True once the socket came back after a drop (the chart then has a gap). */
  reconnected: boolean;
  status: string;
  phase: string;
  tMs: number;
  delivered: number;
  targetMAmin: number;
  targetMA: number;
  /** Newest first. */
  events: LiveEvent[];
  ended: { status: string; report: SessionReport | null } | undefined;
  /** A message from the server that ended the live view (not a refused command). */
  error: { code: string; detail: string; status?: number } | undefined;
  latest: { current: number | null; voltage: number | null; impedanceKOhm: number | null };
  /** [t (s), current (mA), voltage (V), impedance (kΩ)], aligned; a new outer array on each update. */
  chart: [number[], (number | null)[], (number | null)[], (number | null)[]];
  /** How many times the chart data changed (one per animation frame at most): what the browser test counts. */
  updates: number;
}

interface Buffers {
  t: number[];
  current: (number | null)[];
  voltage: (number | null)[];
  impedance: (number | null)[];
}

interface Sample {
  t: number;
  current: number | null;
  voltage: number | null;
  impedance: number | null;
}

/** The open bucket: its number, its extreme samples, and how many entries at the end of the buffers are its own. */
interface Bucket {
  id: number;
  low: Sample;
  high: Sample;
  drawn: number;
}

/** A stored telemetry sample (GET /api/sessions/:id/telemetry). */
interface StoredSample {
  t_ms: number;
  current: number | null;
  voltage: number | null;
}

/** Load impedance in kΩ (V / mA) while current flows, as the live rows give it; none without current. */
const storedImpedance = (s: StoredSample): number | null =>
  s.current === null || s.voltage === null || Math.abs(s.current) < 0.01 ? null : Math.abs(s.voltage / s.current);

const pushSample = (b: Buffers, s: Sample): void => {
  b.t.push(s.t);
  b.current.push(s.current);
  b.voltage.push(s.voltage);
  b.impedance.push(s.impedance);
};

/** Adds a sample to the chart's buffers through the min/max buckets. */
function addSample(b: Buffers, open: Bucket | undefined, s: Sample): Bucket {
  const id = Math.floor((s.t * 1000) / BUCKET_MS);
  if (open === undefined || open.id !== id || s.current === null) {
    // A new bucket (the previous one stays as drawn); a sample without current is kept as it is (a gap or no flow).
    pushSample(b, s);
    return { id: s.current === null ? Number.NaN : id, low: s, high: s, drawn: 1 };
  }
  const cur = s.current;
  const low = open.low.current === null || cur < open.low.current ? s : open.low;
  const high = open.high.current === null || cur > open.high.current ? s : open.high;
  for (let i = 0; i < open.drawn; i++) {
    b.t.pop();
    b.current.pop();
    b.voltage.pop();
    b.impedance.pop();
  }
  const keep = low === high ? [low] : low.t < high.t ? [low, high] : [high, low];
  for (const k of keep) pushSample(b, k);
  return { id, low, high, drawn: keep.length };
}

const initial = (): LiveView => ({
  connection: 'connecting',
  attempts: 0,
  reconnected: false,
  status: 'running',
  phase: 'precheck',
  tMs: 0,
  delivered: 0,
  targetMAmin: 0,
  targetMA: 0,
  events: [],
  ended: undefined,
  error: undefined,
  latest: { current: null, voltage: null, impedanceKOhm: null },
  chart: [[], [], [], []],
  updates: 0,
});

/** Drops samples older than the window before the newest. */
function prune(b: Buffers): void {
  const last = b.t[b.t.length - 1];
  if (last === undefined) return;
  const from = last - WINDOW_MS / 1000;
  let i = 0;
  while (i < b.t.length && b.t[i]! < from) i++;
  if (i > 0) {
    b.t.splice(0, i);
    b.current.splice(0, i);
    b.voltage.splice(0, i);
    b.impedance.splice(0, i);
  }
}

/**
 * Follows a session over its WebSocket (GET /api/sessions/:id/live): the state first, then rows at 20 messages a
 * second, events and the report. Rows go into a rolling window; the view is rebuilt at most once per animation frame,
 * so the page renders no faster than the screen draws however fast messages come. A dropped socket is reopened with a
 * growing wait (0.5 s up to 5 s) until the session ends or the page goes away.
 */
export function useLiveSession(sessionId: string): LiveView {
  const [view, setView] = useState<LiveView>(initial);
  const model = useRef<LiveView>(initial());
  const buffers = useRef<Buffers>({ t: [], current: [], voltage: [], impedance: [] });

  useEffect(() => {
    model.current = initial();
    buffers.current = { t: [], current: [], voltage: [], impedance: [] };
    setView(initial());
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let frame: number | undefined;
    let stopped = false;
    let chartDirty = false;
    let bucket: Bucket | undefined;
    let backfilled = false;

    /**
     * The window before the first live row, from the stored telemetry (one sample per bucket), for a page opened on a
     * session already under way or ended. Samples the socket already gave are not added twice.
     */
    const backfill = (untilMs: number) => {
      const after = Math.max(0, untilMs - WINDOW_MS);
      const path = `/api/sessions/${encodeURIComponent(sessionId)}/telemetry?after=${after}&every=${BUCKET_MS}&limit=1000`;
      api.get<{ items: StoredSample[] }>(path).then(
        (page) => {
          if (stopped) return;
          const b = buffers.current;
          const first = b.t[0] ?? Number.POSITIVE_INFINITY;
          const older = page.items.filter((i) => i.t_ms / 1000 < first && i.t_ms <= untilMs);
          if (older.length === 0) return;
          b.t.unshift(...older.map((i) => i.t_ms / 1000));
          b.current.unshift(...older.map((i) => i.current));
          b.voltage.unshift(...older.map((i) => i.voltage));
          b.impedance.unshift(...older.map(storedImpedance));
          prune(b);
          chartDirty = true;
          schedule();
        },
        () => undefined, // The history is a convenience: the live rows still come without it.
      );
    };

    const flush = () => {
      frame = undefined;
      if (stopped) return;
      const m = model.current;
      if (chartDirty) {
        const b = buffers.current;
        // The same column arrays (the chart reads them on setData); a new outer array tells it they changed.
        m.chart = [b.t, b.current, b.voltage, b.impedance];
        m.updates += 1;
        chartDirty = false;
      }
      setView({ ...m });
    };
    const schedule = () => {
      if (frame === undefined) frame = requestAnimationFrame(flush);
    };
    const update = (patch: Partial<LiveView>) => {
      model.current = { ...model.current, ...patch };
      schedule();
    };

    const onMessage = (msg: LiveMessage) => {
      const m = model.current;
      switch (msg.type) {
        case 'state':
          if (!backfilled && msg.t_ms > 0) backfill(msg.t_ms);
          backfilled = true;
          update({
            status: msg.status,
            phase: msg.phase,
            tMs: msg.t_ms,
            delivered: msg.delivered_mAmin,
            targetMAmin: msg.target_mAmin,
            targetMA: msg.target_mA,
            events: [...msg.events].reverse(),
          });
          break;
        case 'rows': {
          const b = buffers.current;
          const n = msg.t.length;
          if (n === 0) break;
          const lastT = b.t[b.t.length - 1];
          const firstT = msg.t[0]! / 1000;
          if (lastT !== undefined && (firstT - lastT) * 1000 > GAP_MS) {
            pushSample(b, { t: lastT + 0.001, current: null, voltage: null, impedance: null });
            bucket = undefined;
          }
          for (let i = 0; i < n; i++) {
            const z = msg.impedance[i];
            bucket = addSample(b, bucket, {
              t: msg.t[i]! / 1000,
              current: msg.current[i] ?? null,
              voltage: msg.voltage[i] ?? null,
              impedance: z === null || z === undefined ? null : z / 1000,
            });
          }
          prune(b);
          chartDirty = true;
          const last = n - 1;
          const z = msg.impedance[last];
          update({
            phase: msg.phase[last] ?? m.phase,
            tMs: msg.t[last]!,
            delivered: msg.delivered[last] ?? m.delivered,
            latest: {
              current: msg.current[last] ?? null,
              voltage: msg.voltage[last] ?? null,
              impedanceKOhm: z === null || z === undefined ? null : z / 1000,
            },
          });
          break;
        }
        case 'event': {
          const { type: _type, ...event } = msg;
          update({ events: [event, ...m.events] });
          break;
        }
        case 'report':
          update({
            ended: { status: msg.status, report: msg.report },
            status: msg.status,
            ...(msg.report ? { delivered: msg.report.delivered_mAmin } : {}),
            connection: 'closed',
          });
          break;
        case 'error':
          update({ error: { code: msg.code, detail: msg.detail } });
          break;
        case 'ack':
          break;
      }
    };

    const open = () => {
      if (stopped) return;
      let heard = false;
      const ws = new WebSocket(socketUrl(`/api/sessions/${encodeURIComponent(sessionId)}/live`));
      socket = ws;
      ws.onopen = () => {
        const wasDown = model.current.attempts > 0;
        update({ connection: 'open', attempts: 0, ...(wasDown ? { reconnected: true } : {}) });
      };
      ws.onmessage = (e: MessageEvent<string>) => {
        heard = true;
        let msg: LiveMessage;
        try {
          msg = JSON.parse(e.data) as LiveMessage;
        } catch {
          return;
        }
        onMessage(msg);
      };
      ws.onclose = () => {
        if (stopped || socket !== ws) return;
        const m = model.current;
        if (m.ended !== undefined || m.error !== undefined) {
          update({ connection: 'closed' });
          return;
        }
        const attempt = m.attempts + 1;
        update({ connection: 'reconnecting', attempts: attempt });
        const again = () => {
          retry = setTimeout(open, Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1)));
        };
        if (heard) {
          again();
          return;
        }
        // Refused before any message (signed out, no such session, not visible): ask over HTTP why, and stop for good
        // on a refusal rather than knocking forever.
        api.get(`/api/sessions/${encodeURIComponent(sessionId)}`).then(again, (e: unknown) => {
          if (stopped) return;
          if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
            update({ connection: 'closed', error: { code: e.code, detail: e.detail, status: e.status } });
          } else again();
        });
      };
    };
    // Opened on the next task: a component mounted and unmounted at once (React's strict mode in development) then
    // never opens a socket only to close it before it connects.
    retry = setTimeout(open, 0);

    return () => {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      if (frame !== undefined) cancelAnimationFrame(frame);
      const ws = socket;
      socket = undefined;
      ws?.close(1000, 'page left');
    };
  }, [sessionId]);

  return view;
}
