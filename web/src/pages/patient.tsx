import { useCallback, useState, type ReactNode } from 'react';
import { allPages, api } from '../api';
import { isStaff, useAuth } from '../auth';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../components/ui';
import { useI18n, useT } from '../i18n';
import { Link, useRouter } from '../router';
import { CourseCalendar, CoursePlanForm, PlanningNotes } from './patients/courses';
import {
  ageInYears,
  latestByProtocol,
  localDateInstant,
  localToday,
  protocolsList,
  questionnaire,
  screeningOutdated,
  screeningsOf,
  truncatedAge,
  type Course,
  type CourseDetail,
  type FollowUp,
  type Outcome,
  type Patient,
  type PlannedSession,
  type Planning,
  type Screening,
  type SessionRecord,
} from './patients/model';
import { OutcomeCharts, OutcomeForm, OutcomeTable } from './patients/outcomes';
import { ReasonItem, ScreeningDecision, ScreeningForm } from './patients/screening';
import { SessionHistory } from './patients/sessions';
import { HomePlanSection } from './patient/home-plan-section';
import './patients/patients.css';

const enc = encodeURIComponent;

/**
 * One patient: details, the latest screening of each protocol (and a new one), courses with their calendar, the
 * follow-up (responder status, next maintenance), outcomes with their charts, and the sessions held. The patient's id
 * comes from the history entry's state, never from the address.
 */
export function PatientPage() {
  const t = useT();
  const { route } = useRouter();
  const patientId = route.state.patientId;
  if (!patientId) {
    return (
      <Page title={t('patients.patient.title')}>
        <p className="empty">{t('patients.patient.none')}</p>
        <Link to="patients">{t('patients.patient.toList')}</Link>
      </Page>
    );
  }
  return <PatientView key={patientId} patientId={patientId} />;
}

function PatientView({ patientId }: { patientId: string }) {
  const t = useT();
  const { date } = useI18n();
  const { user } = useAuth();
  const staff = isStaff(user.role);

  const base = useAsync(
    async (signal) => {
      const [patient, protocols, questions] = await Promise.all([
        api.get<Patient>(`/api/patients/${enc(patientId)}`, { signal }),
        protocolsList(signal),
        questionnaire(signal),
      ]);
      return { patient, protocols, questions };
    },
    [patientId],
  );
  const screenings = useAsync(() => screeningsOf(patientId), [patientId]);
  const courses = useAsync(async () => {
    const list = await allPages<Course>(`/api/patients/${enc(patientId)}/courses?limit=100`);
    const details = await Promise.all(list.map((c) => api.get<CourseDetail>(`/api/courses/${enc(c.id)}`)));
    return details.sort((a, b) => b.start_date.localeCompare(a.start_date) || b.created_at.localeCompare(a.created_at));
  }, [patientId]);
  const followUp = useAsync(() => api.get<FollowUp>(`/api/patients/${enc(patientId)}/follow-up`), [patientId]);
  const sessions = useAsync(
    () => allPages<SessionRecord>(`/api/sessions?patient_id=${enc(patientId)}&limit=100`),
    [patientId],
  );
  const outcomes = useAsync(() => allPages<Outcome>(`/api/patients/${enc(patientId)}/outcomes?limit=200`), [patientId]);

  const [screeningOpen, setScreeningOpen] = useState(false);
  const [justScreened, setJustScreened] = useState<Screening | undefined>();
  const [planOpen, setPlanOpen] = useState(false);
  const [planning, setPlanning] = useState<Planning | undefined>();
  const [correcting, setCorrecting] = useState<Outcome | undefined>();

  const reloadFollowUp = followUp.reload;
  const courseChanged = useCallback(() => {
    courses.reload();
    reloadFollowUp();
  }, [courses.reload, reloadFollowUp]);

  if (base.loading && !base.data) return <Loading />;
  if (!base.data) return <ErrorBox error={base.error} onRetry={base.reload} />;
  const { patient, protocols, questions } = base.data;
  const protocolName = (id: string) => protocols.find((p) => p.id === id)?.name ?? id;
  const latest = latestByProtocol(screenings.data ?? []);
  const today = localToday(patient.time_zone);
  const age = ageInYears(patient.birth_date, today);

  return (
    <Page
      title={patient.name}
      actions={
        <Link to="patients" className="button-link">
          {t('patients.patient.toList')}
        </Link>
      }
    >
      <dl className="details card">
        <div>
          <dt>{t('patients.birthDate')}</dt>
          <dd>{date(localDateInstant(patient.birth_date), 'UTC')}</dd>
        </div>
        <div>
          <dt>{t('patients.age')}</dt>
          <dd>{age === undefined ? '—' : t('patients.patient.years', { years: Math.floor(truncatedAge(age)) })}</dd>
        </div>
        <div>
          <dt>{t('patients.timeZone')}</dt>
          <dd>{patient.time_zone}</dd>
        </div>
      </dl>

      <section aria-labelledby="next-title" className="card">
        <h2 id="next-title">{t('patients.next.title')}</h2>
        {screenings.data && courses.data ? (
          <NextSessions
            patient={patient}
            courses={courses.data}
            latest={latest}
            protocolName={protocolName}
            staff={staff}
          />
        ) : (
          <ErrorBox error={screenings.error ?? courses.error} onRetry={courseChanged} />
        )}
        {(!screenings.data || !courses.data) && !screenings.error && !courses.error ? <Loading /> : null}
      </section>

      <section aria-labelledby="screening-title">
        <div className="section-header">
          <h2 id="screening-title">{t('patients.screening.title')}</h2>
          {staff && !screeningOpen ? (
            <button
              type="button"
              onClick={() => {
                setScreeningOpen(true);
                setJustScreened(undefined);
              }}
            >
              {latest.length === 0 ? t('patients.screening.start') : t('patients.screening.again')}
            </button>
          ) : null}
        </div>
        {screenings.loading && !screenings.data ? <Loading /> : null}
        <ErrorBox error={screenings.error} onRetry={screenings.reload} />
        {screeningOpen ? (
          <div className="card">
            <ScreeningForm
              patient={patient}
              protocols={protocols}
              questions={questions}
              initialProtocol={latest[0]?.protocol}
              onScreened={(s) => {
                setJustScreened(s);
                setScreeningOpen(false);
                screenings.reload();
              }}
              onCancel={() => setScreeningOpen(false)}
            />
          </div>
        ) : null}
        {justScreened ? (
          <p role="status" className="muted">
            {t('patients.screening.recorded')}
          </p>
        ) : null}
        {screenings.data && latest.length === 0 && !screeningOpen ? (
          <p className="empty">{t('patients.screening.none')}</p>
        ) : null}
        {latest.map((s) => (
          <ScreeningDecision
            key={s.id}
            screening={s}
            protocolName={protocolName(s.protocol)}
            outdated={screeningOutdated(s, new Date())}
          />
        ))}
      </section>

      <section aria-labelledby="courses-title">
        <div className="section-header">
          <h2 id="courses-title">{t('patients.course.title')}</h2>
          {staff && !planOpen ? (
            <button
              type="button"
              onClick={() => {
                setPlanOpen(true);
                setPlanning(undefined);
              }}
            >
              {t('patients.course.planButton')}
            </button>
          ) : null}
        </div>
        {planOpen && screenings.data ? (
          <CoursePlanForm
            patient={patient}
            protocols={protocols}
            latest={latest}
            onPlanned={(c) => {
              setPlanning(c.planning);
              setPlanOpen(false);
              courseChanged();
            }}
            onCancel={() => setPlanOpen(false)}
          />
        ) : null}
        {planning ? <PlanningNotes planning={planning} /> : null}
        {courses.loading && !courses.data ? <Loading /> : null}
        <ErrorBox error={courses.error} onRetry={courses.reload} />
        {courses.data && courses.data.length === 0 ? <p className="empty">{t('patients.course.none')}</p> : null}
        {courses.data?.map((c) => (
          <CourseCalendar
            key={c.id}
            course={c}
            protocolName={protocolName(c.protocol)}
            canEdit={staff}
            onChanged={courseChanged}
          />
        ))}
      </section>

      <section aria-labelledby="follow-title">
        <h2 id="follow-title">{t('patients.follow.title')}</h2>
        {followUp.loading && !followUp.data ? <Loading /> : null}
        <ErrorBox error={followUp.error} onRetry={followUp.reload} />
        {followUp.data ? <FollowUpView followUp={followUp.data} protocolName={protocolName} /> : null}
      </section>

      {staff ? <HomePlanSection patientId={patientId} /> : null}

      <section aria-labelledby="outcomes-title">
        <h2 id="outcomes-title">{t('patients.outcome.title')}</h2>
        <OutcomeForm
          key={correcting?.id ?? 'new'}
          patient={patient}
          role={user.role}
          editing={correcting}
          onDoneEditing={() => setCorrecting(undefined)}
          onRecorded={() => {
            outcomes.reload();
            reloadFollowUp();
          }}
        />
        {outcomes.loading && !outcomes.data ? <Loading /> : null}
        <ErrorBox error={outcomes.error} onRetry={outcomes.reload} />
        {outcomes.data ? (
          <>
            <OutcomeCharts outcomes={outcomes.data} sessions={sessions.data ?? []} />
            <h3>{t('patients.outcome.tableTitle')}</h3>
            <OutcomeTable
              outcomes={outcomes.data}
              role={user.role}
              onCorrect={(o) => {
                setCorrecting(o);
                document.getElementById('outcomes-title')?.scrollIntoView();
              }}
            />
          </>
        ) : null}
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('patients.sessions.title')}</h2>
        {sessions.loading && !sessions.data ? <Loading /> : null}
        <ErrorBox error={sessions.error} onRetry={sessions.reload} />
        {sessions.data ? <SessionHistory sessions={sessions.data} protocols={protocols} /> : null}
      </section>
    </Page>
  );
}

/** The session a course would start now: the first planned one from today on, else the oldest overdue one. */
export function sessionToStart(course: CourseDetail, today: string): PlannedSession | undefined {
  const planned = course.planned_sessions.filter((s) => s.status === 'planned').sort((a, b) => a.seq - b.seq);
  return planned.find((s) => s.local_date >= today) ?? planned[0];
}

/**
 * The next session of each course and whether it may start: only when the patient's latest screening for the
 * course's protocol allows it and is recent enough; otherwise the reasons take the start button's place.
 */
function NextSessions({
  patient,
  courses,
  latest,
  protocolName,
  staff,
}: {
  patient: Patient;
  courses: readonly CourseDetail[];
  latest: readonly Screening[];
  protocolName: (id: string) => string;
  staff: boolean;
}) {
  const t = useT();
  const { dateTime } = useI18n();
  const { navigate } = useRouter();
  const today = localToday(patient.time_zone);
  const refusedWithoutCourse = latest.filter(
    (s) => s.result === 'refused' && !courses.some((c) => c.protocol === s.protocol),
  );
  const rows = courses
    .map((c) => ({ course: c, next: sessionToStart(c, today) }))
    .filter((r): r is { course: CourseDetail; next: PlannedSession } => r.next !== undefined);

  return (
    <div data-testid="next-sessions">
      {rows.length === 0 && refusedWithoutCourse.length === 0 ? (
        <p className="empty">{latest.length === 0 ? t('patients.next.screenFirst') : t('patients.next.planFirst')}</p>
      ) : null}
      {refusedWithoutCourse.map((s) => (
        <Blocked key={s.id} title={t('patients.next.blockedRefused', { protocol: protocolName(s.protocol) })}>
          <ul className="reasons">
            {s.reasons
              .filter((r) => r.effect === 'refuse')
              .map((r, i) => (
                <ReasonItem key={`${r.item}-${i}`} reason={r} />
              ))}
          </ul>
        </Blocked>
      ))}
      {rows.map(({ course, next }) => {
        const s = latest.find((x) => x.protocol === course.protocol);
        const when = dateTime(next.starts_at, course.time_zone);
        const heading = t('patients.next.session', {
          protocol: protocolName(course.protocol),
          seq: next.seq,
          date: when,
        });
        if (s === undefined || s.result === 'refused' || screeningOutdated(s, new Date())) {
          return (
            <Blocked
              key={course.id}
              title={heading}
              why={
                s === undefined
                  ? t('patients.next.blockedMissing')
                  : s.result === 'refused'
                    ? t('patients.next.blockedRefused', { protocol: protocolName(course.protocol) })
                    : t('patients.next.blockedOutdated')
              }
            >
              {s?.result === 'refused' ? (
                <ul className="reasons">
                  {s.reasons
                    .filter((r) => r.effect === 'refuse')
                    .map((r, i) => (
                      <ReasonItem key={`${r.item}-${i}`} reason={r} />
                    ))}
                </ul>
              ) : null}
            </Blocked>
          );
        }
        return (
          <div key={course.id} className="next-session">
            <p>
              <strong>{heading}</strong>
              {next.local_date < today ? (
                <span className="status status-overdue">{t('patients.status.overdue')}</span>
              ) : null}
            </p>
            {s.result === 'precautions' ? <p className="muted">{t('patients.next.precautions')}</p> : null}
            {staff ? (
              <button
                type="button"
                className="primary"
                onClick={() =>
                  navigate('session', { patientId: patient.id, courseId: course.id, seq: String(next.seq) })
                }
              >
                {t('patients.next.start')}
              </button>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}

function Blocked({ title, why, children }: { title: string; why?: string; children?: ReactNode }) {
  const t = useT();
  return (
    <div className="blocked" data-testid="session-blocked">
      <Banner tone="danger" title={title}>
        <p>{why ?? t('patients.next.noStart')}</p>
        {children}
      </Banner>
    </div>
  );
}

const RESPONDER_TONE = { responder: 'success', 'non-responder': 'warning', 'not-evaluable': 'info' } as const;

function FollowUpView({ followUp, protocolName }: { followUp: FollowUp; protocolName: (id: string) => string }) {
  const t = useT();
  const { date } = useI18n();
  if (followUp.courses.length === 0) return <p className="empty">{t('patients.follow.none')}</p>;
  return (
    <div className="grid">
      {followUp.courses.map((c) => (
        <div key={c.course_id} className="card follow-up" data-testid="follow-up">
          <h3>{protocolName(c.protocol)}</h3>
          <p>
            <span className={`badge badge-${RESPONDER_TONE[c.responder.status]}`}>
              {t(`patients.responder.${c.responder.status}`)}
            </span>
          </p>
          {c.responder.decided_by.length > 0 ? (
            <ul className="basis">
              {c.responder.decided_by.map((d, i) => (
                <li key={i} lang="en">
                  {d.basis}
                </li>
              ))}
            </ul>
          ) : c.responder.missing ? (
            <p className="muted" lang="en">
              {c.responder.missing}
            </p>
          ) : null}
          <dl className="details">
            <div>
              <dt>{t('patients.follow.nextSession')}</dt>
              <dd>
                {c.next_session
                  ? t('patients.follow.nextSessionValue', {
                      date: date(localDateInstant(c.next_session.date), 'UTC'),
                      phase: t(`patients.phase.${c.next_session.phase}` as 'patients.phase.induction'),
                    })
                  : t('patients.follow.noneYet')}
              </dd>
            </div>
            <div>
              <dt>{t('patients.follow.nextMaintenance')}</dt>
              <dd data-testid="next-maintenance">
                {c.next_maintenance
                  ? date(localDateInstant(c.next_maintenance.date), 'UTC')
                  : t('patients.follow.noneYet')}
              </dd>
            </div>
            <div>
              <dt>{t('patients.follow.interval')}</dt>
              <dd>
                {c.maintenance_interval_days === null
                  ? '—'
                  : t('patients.follow.days', { days: c.maintenance_interval_days })}
              </dd>
            </div>
          </dl>
          {c.relapse_signal ? <Banner tone="warning" title={t('patients.follow.relapse')} /> : null}
        </div>
      ))}
    </div>
  );
}
