import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { isStaff, useAuth } from '../../auth';
import { Chart, type ChartAxis, type ChartSeries } from '../../components/chart';
import { Banner, ErrorBox, useAsync } from '../../components/ui';
import { useI18n, type MessageKey, type Translate } from '../../i18n';
import { ToleranceForm } from '../home/tolerance-form';
import { engineEventCodes } from '../home/types';
import { clock } from './format';
import { PAUSABLE, type LiveEvent, type ProtocolDocument, type SessionRecord } from './types';
import { useLiveSession, WINDOW_MS } from './use-live-session';

/** Precautions the start answered with, kept in memory for the live view of that session (never in the URL). */
export const startPrecautions = new Map<string, readonly string[]>();

/** Events that say why a session is paused: the operator, lost contact, a lost device link. */
const PAUSE_CODES = new Set(['ION_EVT_PAUSE', 'ION_ERR_OPEN_CIRCUIT', 'ION_EVT_LINK_LOST', 'ION_ERR_DEVICE_LINK']);
const ENDED_PHASES = new Set(['complete', 'aborted', 'fault']);

/** An event's title in the user's language when its code is known, else the code itself. */
export function eventTitle(t: Translate, code: string): string {
  const key = `session.event.${code}` as MessageKey;
  const text = t(key);
  return text === key ? t('session.eventUnknown', { code }) : text;
}

function phaseName(t: Translate, phase: string): string {
  const key = `session.phase.${phase}` as MessageKey;
  const text = t(key);
  return text === key ? phase : text;
}

/**
 * The current axis: from zero to a little above the target or the highest current seen (mirrored below zero while the
 * window holds current of the reversed polarity), so the regulator's small ripple around the target does not fill the chart as if it
 * were a swing. Undefined before the target is known.
 */
function rangeOf(current: readonly (number | null)[], targetMA: number): [number, number] | undefined {
  if (!(targetMA > 0)) return undefined;
  let lo = 0;
  let hi = 0;
  for (const c of current) {
    if (c === null) continue;
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  const top = Math.max(targetMA * 1.2, hi, -lo);
  const r = top >= 2 ? Math.ceil(top) : Math.ceil(top * 10) / 10;
  const below = lo < -0.05 * r;
  const above = hi > 0.05 * r;
  return [below ? -r : 0, above || !below ? r : 0];
}

/** Whether the window is at least `px` wide, following resizes and rotations. */
function useWide(px: number): boolean {
  const query = `(min-width: ${px}px)`;
  const [wide, setWide] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setWide(m.matches);
    on();
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, [query]);
  return wide;
}

/**
 * A running (or ended) session: phase, elapsed and remaining time, the live chart of current, voltage and impedance,
 * the dose, pause / resume / stop, the events as they come, banners for a pause, a fault or a dropped connection, and
 * at the end the report with the protocol's post-steps.
 */
export function LiveView({ sessionId }: { sessionId: string }) {
  const { t, number } = useI18n();
  const { user } = useAuth();
  const live = useLiveSession(sessionId);
  const record = useAsync(
    (signal) => api.get<SessionRecord>(`/api/sessions/${encodeURIComponent(sessionId)}`, { signal }),
    [sessionId],
  );
  const protocolId = record.data?.protocol;
  const protocol = useAsync(
    (signal) =>
      protocolId
        ? api.get<ProtocolDocument>(`/api/protocols/${encodeURIComponent(protocolId)}`, { signal })
        : Promise.resolve(undefined),
    [protocolId],
  );
  const [sending, setSending] = useState<string | undefined>();
  const [commandError, setCommandError] = useState<unknown>();
  const [confirmStop, setConfirmStop] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const stopRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirmStop) confirmRef.current?.focus();
  }, [confirmStop]);

  const height = useWide(900) ? 380 : 280;
  // On a phone a third axis would leave the plot a sliver: impedance keeps its line (and its figure above the chart)
  // without an axis of its own.
  const threeAxes = useWide(600);
  const series = useMemo<ChartSeries[]>(
    () => [
      { label: t('session.axisCurrent'), stroke: '#0b5cad', scale: 'mA', width: 2 },
      { label: t('session.axisVoltage'), stroke: '#b35c00', scale: 'V', width: 1.5 },
      { label: t('session.axisImpedance'), stroke: '#6a3d9a', scale: 'kOhm', width: 1.5, dash: [6, 4] },
    ],
    [t],
  );
  const currentRange = rangeOf(live.chart[1], live.targetMA);
  const [rangeLow, rangeHigh] = currentRange ?? [0, 0];
  const axes = useMemo<ChartAxis[]>(
    () => [
      {
        scale: 'mA',
        label: t('session.axisCurrent'),
        ...(rangeLow !== 0 || rangeHigh !== 0 ? { range: [rangeLow, rangeHigh] as const } : {}),
      },
      { scale: 'V', label: t('session.axisVoltage'), side: 'right' },
      ...(threeAxes ? [{ scale: 'kOhm', label: t('session.axisImpedance'), side: 'right' as const }] : []),
    ],
    // A new range rebuilds the chart (a few times a session: when the target is known and around a reversal).
    [t, threeAxes, rangeLow, rangeHigh],
  );

  const ended = live.ended;
  const endStatus = ended?.status;
  const phase = ended ? (endStatus === 'completed' ? 'complete' : (endStatus ?? live.phase)) : live.phase;
  const running = !ended && !ENDED_PHASES.has(phase) && live.error === undefined;
  const paused = running && phase === 'pause';
  const faulted = phase === 'fault' || endStatus === 'fault';
  const target = ended?.report?.target_mAmin ?? live.targetMAmin;
  const delivered = ended?.report?.delivered_mAmin ?? live.delivered;
  const percent = target > 0 ? Math.min(100, (delivered / target) * 100) : 0;
  const leftMs =
    !running || live.targetMA <= 0 ? 0 : (Math.max(0, live.targetMAmin - live.delivered) / live.targetMA) * 60_000;

  const send = async (op: 'pause' | 'resume' | 'abort') => {
    setSending(op);
    setCommandError(undefined);
    try {
      await api.post(`/api/sessions/${encodeURIComponent(sessionId)}/${op}`);
      if (op === 'abort') setConfirmStop(false);
    } catch (e) {
      setCommandError(e);
    } finally {
      setSending(undefined);
    }
  };

  const pauseEvent: LiveEvent | undefined = paused ? live.events.find((e) => PAUSE_CODES.has(e.code)) : undefined;
  const faultEvent = faulted
    ? (ended?.report?.faults[ended.report.faults.length - 1] ?? live.events.find((e) => e.code.startsWith('ION_ERR_')))
    : undefined;
  const fmt = (v: number | null, digits: number, key: MessageKey) =>
    v === null ? t('session.noValue') : t(key, { value: number(v, digits) });
  const precautions = startPrecautions.get(sessionId);

  return (
    <div className="session-live" data-phase={phase} data-connection={live.connection}>
      {live.connection === 'connecting' && !ended ? (
        <p className="loading" role="status">
          {t('session.connecting')}
        </p>
      ) : null}
      {live.connection === 'reconnecting' ? (
        <Banner tone="warning" testId="session-reconnecting">
          {t('session.reconnecting', { attempt: live.attempts })}
        </Banner>
      ) : null}
      {live.reconnected && live.connection === 'open' ? <Banner tone="info">{t('session.reconnected')}</Banner> : null}
      {live.error ? (
        <div data-testid="session-socket-error">
          <p>
            <strong>{t('session.socketError')}</strong>
          </p>
          <ErrorBox error={new ApiError(live.error.status ?? 409, live.error.code, live.error.detail)} />
        </div>
      ) : null}
      {paused ? (
        <Banner tone="warning" title={t('session.pausedTitle')} testId="session-paused">
          <p>
            {t('session.pausedReason', {
              reason: pauseEvent ? `${eventTitle(t, pauseEvent.code)}: ${pauseEvent.message}` : t('session.noValue'),
            })}
          </p>
          <p>{isStaff(user.role) ? t('session.pausedResume') : t('session.pausedStaffResume')}</p>
        </Banner>
      ) : null}
      {faulted ? (
        <Banner tone="danger" title={t('session.faultTitle')} testId="session-fault">
          {faultEvent ? `${eventTitle(t, faultEvent.code)}: ${faultEvent.message}` : null}
        </Banner>
      ) : null}
      {ended ? (
        <Banner
          tone={endStatus === 'completed' ? 'success' : endStatus === 'fault' ? 'danger' : 'warning'}
          title={
            endStatus === 'completed' || endStatus === 'aborted' || endStatus === 'fault' || endStatus === 'interrupted'
              ? t(`session.ended.${endStatus}`)
              : t('session.ended.other', { status: endStatus ?? '' })
          }
          testId="session-ended"
        />
      ) : null}
      {precautions && precautions.length > 0 && running ? (
        <Banner tone="info" title={t('session.precautions')}>
          <ul>
            {precautions.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Banner>
      ) : null}

      {protocol.data && record.data ? (
        <p className="muted session-what" data-testid="session-what">
          {protocol.data.title} · {protocol.data.zones[record.data.zone]?.label ?? record.data.zone}
        </p>
      ) : null}
      <div className="session-stats">
        <div className="session-stat">
          <span className="session-stat-label">{t('session.phaseLabel')}</span>
          <strong className="session-stat-value" aria-live="polite" data-testid="session-phase">
            {phaseName(t, phase)}
          </strong>
        </div>
        <div className="session-stat">
          <span className="session-stat-label">{t('session.elapsed')}</span>
          <strong className="session-stat-value num" data-testid="session-elapsed">
            {clock(ended?.report ? ended.report.duration_s * 1000 : live.tMs)}
          </strong>
        </div>
        <div className="session-stat">
          <span className="session-stat-label">{t('session.timeLeft')}</span>
          <strong className="session-stat-value num">{clock(leftMs)}</strong>
        </div>
        <div className="session-stat">
          <span className="session-stat-label">{t('session.nowCurrent')}</span>
          <strong className="session-stat-value num">{fmt(live.latest.current, 2, 'session.unitMA')}</strong>
        </div>
        <div className="session-stat">
          <span className="session-stat-label">{t('session.nowVoltage')}</span>
          <strong className="session-stat-value num">{fmt(live.latest.voltage, 1, 'session.unitV')}</strong>
        </div>
        <div className="session-stat">
          <span className="session-stat-label">{t('session.nowImpedance')}</span>
          <strong className="session-stat-value num">{fmt(live.latest.impedanceKOhm, 2, 'session.unitKOhm')}</strong>
        </div>
      </div>

      <div className="session-dose">
        <label htmlFor="session-dose-progress">{t('session.doseProgress')}</label>
        <progress id="session-dose-progress" max={target > 0 ? target : 1} value={Math.min(delivered, target)} />
        <p className="num-text" data-testid="session-dose">
          {t('session.doseText', {
            delivered: number(delivered, 1),
            target: number(target, 1),
            percent: number(percent, 0),
          })}
        </p>
      </div>

      {running ? (
        <div className="session-controls" role="group" aria-label={t('session.controls')}>
          {phase === 'pause' ? (
            isStaff(user.role) ? (
              <button
                type="button"
                className="primary session-big"
                disabled={sending !== undefined}
                onClick={() => void send('resume')}
              >
                {t('session.resume')}
              </button>
            ) : null
          ) : (
            <button
              type="button"
              className="session-big"
              disabled={sending !== undefined || !PAUSABLE.includes(phase)}
              aria-describedby="session-pause-when"
              onClick={() => void send('pause')}
            >
              {t('session.pause')}
            </button>
          )}
          <button
            ref={stopRef}
            type="button"
            className="danger session-big"
            disabled={sending !== undefined || confirmStop}
            onClick={() => setConfirmStop(true)}
          >
            {t('session.stop')}
          </button>
          <p id="session-pause-when" className="hint session-controls-hint">
            {t('session.pauseOnlyWhenFlowing')}
          </p>
        </div>
      ) : null}
      {running && confirmStop ? (
        <div className="banner banner-warning session-confirm" role="alertdialog" aria-labelledby="session-stop-q">
          <p id="session-stop-q">
            <strong>{t('session.stopConfirm')}</strong>
          </p>
          <div className="session-controls">
            <button
              ref={confirmRef}
              type="button"
              className="danger session-big"
              disabled={sending !== undefined}
              onClick={() => void send('abort')}
            >
              {t('session.stopYes')}
            </button>
            <button
              type="button"
              className="session-big"
              onClick={() => {
                setConfirmStop(false);
                stopRef.current?.focus();
              }}
            >
              {t('session.stopNo')}
            </button>
          </div>
        </div>
      ) : null}
      {commandError ? <ErrorBox error={commandError} /> : null}

      <div
        className="session-chart"
        data-testid="session-chart-box"
        data-updates={live.updates}
        data-last-t={live.chart[0][live.chart[0].length - 1] ?? 0}
      >
        {live.chart[0].length > 1 ? (
          <Chart
            label={t('session.chartLabel', { seconds: WINDOW_MS / 1000 })}
            summary={t('session.chartSummary', {
              current: fmt(live.latest.current, 2, 'session.unitMA'),
              voltage: fmt(live.latest.voltage, 1, 'session.unitV'),
              impedance: fmt(live.latest.impedanceKOhm, 2, 'session.unitKOhm'),
              points: live.chart[0].length,
            })}
            xLabel={t('session.axisTime')}
            series={series}
            axes={axes}
            data={live.chart}
            height={height}
            testId="session-chart"
          />
        ) : (
          // uPlot built on empty data draws no axes when the data comes later: the chart waits for its first rows.
          <div className="session-chart-wait" style={{ height: height + 40 }} />
        )}
      </div>

      {ended?.report ? (
        <section className="card session-report" aria-labelledby="session-report-title" data-testid="session-report">
          <h2 id="session-report-title">{t('session.report')}</h2>
          <dl>
            <dt>{t('session.reportDose')}</dt>
            <dd className="num-text">
              {t('session.reportDoseValue', {
                delivered: number(ended.report.delivered_mAmin, 2),
                target: number(ended.report.target_mAmin, 2),
              })}
            </dd>
            <dt>{t('session.reportDuration')}</dt>
            <dd>{clock(ended.report.duration_s * 1000)}</dd>
            <dt>{t('session.reportTreated')}</dt>
            <dd>{clock(ended.report.treated_s * 1000)}</dd>
            <dt>{t('session.reportPeak')}</dt>
            <dd>{t('session.unitMA', { value: number(ended.report.peak_current_mA, 2) })}</dd>
            <dt>{t('session.reportPauses')}</dt>
            <dd>{number(ended.report.pauses)}</dd>
            <dt>{t('session.reportEvents')}</dt>
            <dd data-testid="session-report-events">{number(ended.report.events.length)}</dd>
            <dt>{t('session.reportFaults')}</dt>
            <dd>{number(ended.report.faults.length)}</dd>
          </dl>
        </section>
      ) : null}

      {ended && protocol.data ? (
        <section
          className="card session-post-card"
          aria-labelledby="session-post-title"
          data-testid="session-post-steps"
        >
          <h2 id="session-post-title">{t('session.postSteps')}</h2>
          <p>{t('session.postStepsIntro')}</p>
          <ul className="session-post">
            {protocol.data.post_steps.map((s) => (
              <li key={s.id}>
                {s.text}{' '}
                <span className="muted">({s.required ? t('session.stepRequired') : t('session.stepOptional')})</span>
                <span className="session-step-source">{t('session.stepSource', { source: s.source })}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {protocol.error ? <ErrorBox error={protocol.error} onRetry={protocol.reload} /> : null}
      {ended ? (
        <ToleranceForm sessionId={sessionId} engineEvents={ended.report ? engineEventCodes(ended.report) : []} />
      ) : null}

      <section aria-labelledby="session-events-title">
        <h2 id="session-events-title">{t('session.events')}</h2>
        {live.events.length === 0 ? <p className="muted">{t('session.eventsEmpty')}</p> : null}
        <ol className="session-events" role="log" data-testid="session-events">
          {live.events.map((e, i) => (
            <li key={`${live.events.length - i}-${e.code}`} data-code={e.code}>
              <span className="session-event-time num">{t('session.eventTime', { time: clock(e.t_s * 1000) })}</span>{' '}
              <strong>{eventTitle(t, e.code)}</strong> <span className="muted">{e.message}</span>
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
