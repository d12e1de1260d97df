import { useState } from 'react';
import { allPages, api, query } from '../api';
import { isStaff, useAuth } from '../auth';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../components/ui';
import { useI18n, useT, type Translate } from '../i18n';
import { Link, useRouter } from '../router';
import {
  browserTimeZone,
  localDateInstant,
  localToday,
  protocolsList,
  type FollowUp,
  type Overdue,
  type Patient,
  type PlannedSession,
  type ProtocolSummary,
} from './patients/model';
import { maybeT } from './patients/screening';
import { HomeCard } from './home/home-card';
import './patients/patients.css';

/** A planned session of the clinic as GET /api/planned-sessions answers it (src/server/planning-routes.ts). */
interface ClinicPlanned extends PlannedSession {
  course_id: string;
  patient_id: string;
  patient_name: string;
  protocol_id: string;
  zone: string | null;
  time_zone: string;
}

const enc = encodeURIComponent;
const phaseName = (t: Translate, phase: string) => maybeT(t, `patients.phase.${phase}`) ?? phase;

export function DashboardPage() {
  const t = useT();
  const { user } = useAuth();
  return <Page title={t('dashboard.title')}>{isStaff(user.role) ? <StaffDashboard /> : <PatientDashboard />}</Page>;
}

/** One overdue session of the clinic, with its patient (GET /api/follow-up/overdue). */
type ClinicOverdue = Overdue & { patient_id: string; patient_name: string };

/** Staff: today's planned sessions of the clinic, and the sessions overdue (planned, their day over). */
function StaffDashboard() {
  const t = useT();
  const { date, lang } = useI18n();
  const { navigate } = useRouter();
  const today = localToday(browserTimeZone());
  const protocols = useAsync((signal) => protocolsList(signal), []);
  const todays = useAsync(
    () => allPages<ClinicPlanned>(`/api/planned-sessions${query({ from: today, to: today, limit: 200 })}`),
    [today],
  );
  const [overduePages, setOverduePages] = useState(1);
  const overdue = useAsync(async () => {
    const items: ClinicOverdue[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await api.get<{ items: ClinicOverdue[]; next?: string }>(
        `/api/follow-up/overdue${query({ limit: 50, cursor: next })}`,
      );
      items.push(...page.items);
      next = page.next;
      pages += 1;
    } while (next !== undefined && pages < overduePages);
    return { items, more: next !== undefined };
  }, [overduePages]);

  const protocolName = (id: string) => protocols.data?.find((p: ProtocolSummary) => p.id === id)?.name ?? id;
  const timeOf = (iso: string, zone: string) =>
    new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: zone }).format(new Date(iso));
  const start = (s: { patient_id: string; course_id: string; seq: number }) =>
    navigate('session', { patientId: s.patient_id, courseId: s.course_id, seq: String(s.seq) });

  return (
    <>
      <section aria-labelledby="today-title" className="dash-section">
        <h2 id="today-title">{t('dashboard.today', { date: date(localDateInstant(today), 'UTC') })}</h2>
        {todays.loading && !todays.data ? <Loading /> : null}
        <ErrorBox error={todays.error} onRetry={todays.reload} />
        {todays.data && todays.data.length === 0 ? (
          <div className="empty">
            <p>{t('dashboard.todayEmpty')}</p>
            <Link to="patients">{t('dashboard.toPatients')}</Link>
          </div>
        ) : null}
        {todays.data && todays.data.length > 0 ? (
          <ul className="dash-list" data-testid="today-list">
            {todays.data.map((s) => (
              <li key={s.id} className={`dash-item planned-${s.status}`}>
                <div className="dash-main">
                  <span className="dash-time">{timeOf(s.starts_at, s.time_zone)}</span>
                  <Link to="patient" state={{ patientId: s.patient_id }}>
                    {s.patient_name}
                  </Link>
                  <span className="muted">
                    {protocolName(s.protocol_id)} · {phaseName(t, s.phase)} ·{' '}
                    {t('patients.calendar.seq', { seq: s.seq })}
                  </span>
                </div>
                <div className="dash-actions">
                  <span className={`status status-${s.status}`}>{t(`patients.status.${s.status}`)}</span>
                  {s.status === 'planned' ? (
                    <button type="button" className="primary" onClick={() => start(s)}>
                      {t('dashboard.start')}
                    </button>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="overdue-title" className="dash-section">
        <h2 id="overdue-title">{t('dashboard.overdue')}</h2>
        {overdue.loading && !overdue.data ? <Loading /> : null}
        <ErrorBox error={overdue.error} onRetry={overdue.reload} />
        {overdue.data && overdue.data.items.length === 0 ? (
          <p className="empty">{t('dashboard.overdueEmpty')}</p>
        ) : null}
        {overdue.data && overdue.data.items.length > 0 ? (
          <ul className="dash-list" data-testid="overdue-list">
            {overdue.data.items.map((s) => (
              <li key={`${s.course_id}-${s.seq}`} className="dash-item planned-overdue">
                <div className="dash-main">
                  <span className="dash-time">{date(localDateInstant(s.local_date), 'UTC')}</span>
                  <Link to="patient" state={{ patientId: s.patient_id }}>
                    {s.patient_name}
                  </Link>
                  <span className="muted">
                    {protocolName(s.protocol)} · {phaseName(t, s.phase)} · {t('patients.calendar.seq', { seq: s.seq })}
                  </span>
                </div>
                <div className="dash-actions">
                  <span className="status status-overdue">{t('patients.status.overdue')}</span>
                  <button type="button" onClick={() => start(s)}>
                    {t('dashboard.start')}
                  </button>
                </div>
              </li>
            ))}
          </ul>
        ) : null}
        {overdue.data?.more ? (
          <button type="button" disabled={overdue.loading} onClick={() => setOverduePages((n) => n + 1)}>
            {t('common.loadMore')}
          </button>
        ) : null}
      </section>
    </>
  );
}

/** A patient: their own next session, next maintenance date and responder status. */
function PatientDashboard() {
  const t = useT();
  const { date, dateTime } = useI18n();
  const mine = useAsync(async () => {
    const list = await api.get<{ items: Patient[] }>('/api/patients?limit=1');
    const patient = list.items[0];
    if (!patient) return undefined;
    const [followUp, protocols] = await Promise.all([
      api.get<FollowUp>(`/api/patients/${enc(patient.id)}/follow-up`),
      protocolsList(),
    ]);
    return { patient, followUp, protocols };
  }, []);

  if (mine.loading && !mine.data) return <Loading />;
  if (mine.error) return <ErrorBox error={mine.error} onRetry={mine.reload} />;
  if (!mine.data) return <p className="empty">{t('dashboard.noRecord')}</p>;
  const { patient, followUp, protocols } = mine.data;
  const name = (id: string) => protocols.find((p) => p.id === id)?.name ?? id;
  return (
    <>
      <HomeCard />
      {followUp.courses.length === 0 ? <p className="empty">{t('dashboard.noCourse')}</p> : null}
      {followUp.courses.map((c) => (
        <section key={c.course_id} className="card" aria-label={name(c.protocol)}>
          <h2>{name(c.protocol)}</h2>
          <dl className="details">
            <div>
              <dt>{t('dashboard.yourNext')}</dt>
              <dd data-testid="my-next-session">
                {c.next_session
                  ? `${dateTime(c.next_session.starts_at, followUp.time_zone)} · ${phaseName(t, c.next_session.phase)}`
                  : t('patients.follow.noneYet')}
              </dd>
            </div>
            <div>
              <dt>{t('patients.follow.nextMaintenance')}</dt>
              <dd>
                {c.next_maintenance
                  ? date(localDateInstant(c.next_maintenance.date), 'UTC')
                  : t('patients.follow.noneYet')}
              </dd>
            </div>
            <div>
              <dt>{t('dashboard.response')}</dt>
              <dd>{t(`patients.responder.${c.responder.status}`)}</dd>
            </div>
          </dl>
          {c.relapse_signal ? <Banner tone="warning" title={t('patients.follow.relapse')} /> : null}
        </section>
      ))}
      {followUp.overdue.length > 0 ? (
        <Banner tone="warning" title={t('dashboard.youMissed', { count: followUp.overdue.length })} />
      ) : null}
      <Link to="patient" state={{ patientId: patient.id }}>
        {t('dashboard.myRecord')}
      </Link>
    </>
  );
}
