import { useState } from 'react';
import { isStaff, useAuth } from '../../auth';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { Link, useRouter } from '../../router';
import { startPrecautions } from '../session/live-view';
import { localDateInstant, localToday } from '../patients/model';
import { HomeChecklist } from './checklist';
import { DiaryWeekForm } from './diary-form';
import { GuidedLive } from './guided-live';
import { findingName } from './tolerance-form';
import { codeText, loadHome, planBlocked } from './model';
import { homePath, type HomeView } from './types';
import '../session.css';
import './home.css';

/**
 * Home treatment, reached with `navigate('home', { patientId?, sessionId? })`: what is due and at what current (and
 * why), the warning signs, a guided session (pre-steps, the live view, post-steps, the tolerance form), the weekly
 * diary, a relapse suggestion, and the summary to share with the clinic. A patient user sees their own; staff pass
 * the patient's id in the history state.
 */
export function HomePage() {
  const t = useI18n().t;
  const { route } = useRouter();
  const { patientId, sessionId } = route.state;
  if (sessionId) {
    return (
      <Page title={t('home.sessionTitle')}>
        <GuidedLive key={sessionId} sessionId={sessionId} patientId={patientId} />
      </Page>
    );
  }
  return (
    <Page title={t('home.title')}>
      <HomeOverview patientId={patientId} />
    </Page>
  );
}

function HomeOverview({ patientId }: { patientId: string | undefined }) {
  const { t, number, date, dateTime } = useI18n();
  const { user } = useAuth();
  const { navigate } = useRouter();
  const home = useAsync((signal) => loadHome(patientId, signal), [patientId]);
  const [override, setOverride] = useState<HomeView | undefined>();
  const [starting, setStarting] = useState(false);
  const [diaryOpen, setDiaryOpen] = useState(false);
  const [diarySaved, setDiarySaved] = useState(false);

  if (home.loading && !home.data) return <Loading />;
  if (home.error) return <ErrorBox error={home.error} onRetry={home.reload} />;
  const view = override ?? home.data;
  if (!view) {
    return (
      <p className="empty" data-testid="home-none">
        {isStaff(user.role) ? t('home.noPlanStaff') : t('home.noPlan')}
      </p>
    );
  }
  const { plan, titration, follow_up: fu } = view;
  const blocked = planBlocked(view);
  const stopped = plan.status === 'stopped' || titration.stopped;
  const localDate = (d: string) => date(localDateInstant(d), 'UTC');
  const staffFor = isStaff(user.role) ? plan.patient_id : undefined;
  const pdf = homePath('/api/home/summary.pdf', staffFor);

  return (
    <div className="home" data-state={fu.state} data-plan-status={plan.status}>
      {stopped ? (
        <Banner tone="danger" title={t('home.stoppedTitle')} testId="home-stopped" live={false}>
          <p>{t('home.stoppedContact')}</p>
          {plan.stopped_reason ? <p>{t('home.stoppedReason', { reason: plan.stopped_reason })}</p> : null}
        </Banner>
      ) : null}
      {plan.status === 'ended' ? <Banner tone="info" title={t('home.ended')} live={false} /> : null}
      {fu.relapse ? (
        <Banner tone="warning" title={t('home.relapse.title')} testId="home-relapse" live={false}>
          <p>
            {fu.relapse.suggestion === 're-induction'
              ? t('home.relapse.reInduction', { date: localDate(fu.relapse.earliest) })
              : t('home.relapse.extraSession', { date: localDate(fu.relapse.earliest) })}
          </p>
          <p className="muted">
            {fu.relapse.basis} {t('home.source', { source: fu.relapse.source })}
          </p>
        </Banner>
      ) : null}

      <section className="card home-due" aria-labelledby="home-due-title" data-testid="home-due">
        <h2 id="home-due-title">{t('home.next')}</h2>
        <p className={`home-state home-state-${fu.state}`} data-testid="home-due-state">
          {fu.state === 'overdue'
            ? t('home.state.overdueBy', { days: fu.overdue_days, date: localDate(fu.next_due) })
            : fu.state === 'due'
              ? t('home.state.dueToday')
              : fu.state === 'not-due'
                ? t('home.state.notDue', { date: localDate(fu.next_due) })
                : codeText(t, 'home.state', fu.state)}
        </p>
        <dl className="details">
          <div>
            <dt>{t('home.protocol')}</dt>
            <dd>{view.protocol.title}</dd>
          </div>
          <div>
            <dt>{t('home.current')}</dt>
            <dd className="home-current" data-testid="home-current">
              {t('home.unitMA', { value: number(titration.current_mA, 1) })}
            </dd>
          </div>
          <div>
            <dt>{t('home.why')}</dt>
            <dd data-testid="home-reason">
              <strong>{codeText(t, 'home.step', titration.step)}</strong> {titration.reason}
            </dd>
          </div>
          <div>
            <dt>{t('home.every')}</dt>
            <dd>{t('home.everyDays', { days: plan.interval_days })}</dd>
          </div>
        </dl>
        {!starting ? (
          <div className="home-actions">
            <button
              type="button"
              className="primary session-big"
              disabled={blocked}
              aria-describedby={blocked ? 'home-start-why' : undefined}
              onClick={() => setStarting(true)}
            >
              {t('home.start')}
            </button>
            {blocked ? (
              <p id="home-start-why" className="hint">
                {stopped ? t('home.startStopped') : t('home.startEnded')}
              </p>
            ) : null}
          </div>
        ) : null}
      </section>

      {starting && !blocked ? (
        <HomeChecklist
          steps={view.protocol.pre_steps}
          patientId={staffFor}
          onCancel={() => setStarting(false)}
          onStarted={(s) => {
            if (s.precautions) startPrecautions.set(s.id, s.precautions);
            navigate('home', { ...(patientId ? { patientId } : {}), sessionId: s.id });
          }}
        />
      ) : null}

      <section className="card" aria-labelledby="home-warning-title" data-testid="home-warning-signs">
        <h2 id="home-warning-title">{t('home.warningSigns')}</h2>
        <p className="hint">{t('home.warningIntro')}</p>
        {plan.warning_signs.length === 0 ? <p className="muted">{t('home.warningNone')}</p> : null}
        <ul>
          {plan.warning_signs.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="home-diary-title">
        <h2 id="home-diary-title">{t('home.diary.section')}</h2>
        <p>
          {t('home.diary.week', {
            dry: fu.week.dry_days,
            answered: fu.week.answered,
            from: localDate(fu.week.from),
            to: localDate(fu.week.to),
          })}
        </p>
        {fu.diary_prompt && !diaryOpen ? (
          <Banner tone="info" title={t('home.diary.prompt')} testId="home-diary-prompt" live={false} />
        ) : null}
        {diarySaved && !diaryOpen ? <p role="status">{t('home.diary.saved')}</p> : null}
        {diaryOpen ? (
          <DiaryWeekForm
            lastDay={localToday(view.time_zone)}
            patientId={staffFor}
            onCancel={() => setDiaryOpen(false)}
            onSaved={(v) => {
              setOverride(v);
              setDiaryOpen(false);
              setDiarySaved(true);
            }}
          />
        ) : (
          <button
            type="button"
            onClick={() => {
              setDiaryOpen(true);
              setDiarySaved(false);
            }}
          >
            {t('home.diary.open')}
          </button>
        )}
      </section>

      <section className="card" aria-labelledby="home-share-title">
        <h2 id="home-share-title">{t('home.share')}</h2>
        <p className="hint">{t('home.shareIntro')}</p>
        <div className="home-actions">
          <a className="button-link" href={pdf} download="home-treatment-summary.pdf" data-testid="home-pdf">
            {t('home.sharePdf')}
          </a>
          <Link to="home-summary" className="button-link" state={patientId ? { patientId } : {}}>
            {t('home.sharePrint')}
          </Link>
        </div>
      </section>

      <section aria-labelledby="home-history-title">
        <h2 id="home-history-title">{t('home.history')}</h2>
        {view.history.length === 0 ? <p className="muted">{t('home.historyEmpty')}</p> : null}
        <ul className="home-history" data-testid="home-history">
          {view.history.map((h) => (
            <li key={h.session_id ?? h.client_id ?? h.started_at} className="card">
              <strong>{dateTime(h.started_at)}</strong> · {codeText(t, 'home.status', h.status)} ·{' '}
              {h.target_mA === null ? '—' : t('home.unitMA', { value: number(h.target_mA, 1) })} ·{' '}
              {t('home.unitMAmin', { value: number(h.delivered_mAmin, 1) })}
              {h.tolerance ? (
                <p className="muted">
                  {t('home.historyTolerance', {
                    sensation: codeText(t, 'home.sensation', h.tolerance.sensation),
                    discomfort: h.tolerance.discomfort,
                  })}
                  {h.tolerance.findings.map((f) => (
                    <span key={f} className="home-finding">
                      {findingName(t, f)}
                    </span>
                  ))}
                </p>
              ) : (
                <p className="muted">{t('home.historyNoTolerance')}</p>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
