/**
 * Courses of a patient: planning one with the clinic's course planner (POST /api/patients/:id/courses) and its
 * calendar, a list by week that fits a phone: induction and maintenance sessions, done, missed, cancelled, planned
 * and overdue. Staff mark a session missed (once its day has begun) or cancel it; the server re-plans the rest.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Banner, ErrorBox, Field, NumberInput } from '../../components/ui';
import { useI18n, useT } from '../../i18n';
import {
  localDateInstant,
  localToday,
  TEMPLATES,
  weekStart,
  WEEKDAYS,
  type CourseDetail,
  type Patient,
  type PlannedSession,
  type Planning,
  type ProtocolSummary,
  type Screening,
} from './model';
import { maybeT } from './screening';

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export function CoursePlanForm({
  patient,
  protocols,
  latest,
  onPlanned,
  onCancel,
}: {
  patient: Patient;
  protocols: readonly ProtocolSummary[];
  /** The newest screening of each protocol. */
  latest: readonly Screening[];
  onPlanned: (course: CourseDetail & { planning: Planning }) => void;
  onCancel: () => void;
}) {
  const t = useT();
  const plannable = protocols.filter((p) => latest.some((s) => s.protocol === p.id && s.result !== 'refused'));
  const [protocolId, setProtocolId] = useState(plannable[0]?.id ?? '');
  const protocol = protocols.find((p) => p.id === protocolId);
  const [template, setTemplate] = useState(protocol?.course.induction_template ?? 'clinic');
  const [start, setStart] = useState(localToday(patient.time_zone));
  const [time, setTime] = useState('09:00');
  const [weekdays, setWeekdays] = useState<string[]>([...WEEKDAYS]);
  const [induction, setInduction] = useState('');
  const [intervalDays, setIntervalDays] = useState('');
  const [maintenance, setMaintenance] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [weekdayError, setWeekdayError] = useState<string | undefined>();

  if (plannable.length === 0) {
    return <p className="empty">{t('patients.course.screenFirst')}</p>;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (weekdays.length === 0) {
      setWeekdayError(t('patients.course.weekdaysRequired'));
      return;
    }
    setWeekdayError(undefined);
    setBusy(true);
    setError(undefined);
    try {
      const i = num(induction);
      const m = num(intervalDays);
      const ms = num(maintenance);
      const created = await api.post<CourseDetail & { planning: Planning }>(
        `/api/patients/${encodeURIComponent(patient.id)}/courses`,
        {
          protocol: protocolId,
          template,
          start_date: start,
          time,
          ...(weekdays.length < 7 ? { weekdays } : {}),
          ...(i === undefined ? {} : { induction_sessions: i }),
          ...(m === undefined ? {} : { maintenance_interval_days: m }),
          ...(ms === undefined ? {} : { maintenance_sessions: ms }),
        },
      );
      onPlanned(created);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card plan-form" onSubmit={(e) => void submit(e)} aria-busy={busy}>
      <h3>{t('patients.course.planTitle')}</h3>
      <div className="form-row">
        <Field label={t('patients.protocol')} required hint={t('patients.course.protocolHint')}>
          {(p) => (
            <select
              {...p}
              value={protocolId}
              onChange={(e) => {
                setProtocolId(e.target.value);
                const next = protocols.find((x) => x.id === e.target.value);
                if (next) setTemplate(next.course.induction_template);
              }}
            >
              {plannable.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('patients.course.template')} required>
          {(p) => (
            <select {...p} value={template} onChange={(e) => setTemplate(e.target.value)}>
              {TEMPLATES.map((x) => (
                <option key={x} value={x}>
                  {t(`patients.template.${x}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="form-row">
        <Field label={t('patients.course.startDate')} required hint={t('patients.course.startHint')}>
          {(p) => <input {...p} type="date" value={start} required onChange={(e) => setStart(e.target.value)} />}
        </Field>
        <Field label={t('patients.course.time')} required>
          {(p) => <input {...p} type="time" value={time} required onChange={(e) => setTime(e.target.value)} />}
        </Field>
      </div>
      <fieldset className={weekdayError ? 'field-invalid' : undefined}>
        <legend>{t('patients.course.weekdays')}</legend>
        <div className="weekdays">
          {WEEKDAYS.map((d) => (
            <label key={d} className="choice">
              <input
                type="checkbox"
                checked={weekdays.includes(d)}
                onChange={(e) =>
                  setWeekdays((w) =>
                    e.target.checked ? WEEKDAYS.filter((x) => x === d || w.includes(x)) : w.filter((x) => x !== d),
                  )
                }
              />
              {t(`patients.weekday.${d}`)}
            </label>
          ))}
        </div>
        {weekdayError ? (
          <p className="field-error" role="alert">
            {weekdayError}
          </p>
        ) : null}
      </fieldset>
      <div className="form-row">
        <Field
          label={t('patients.course.inductionSessions')}
          hint={protocol ? t('patients.course.defaultIs', { value: protocol.course.induction_sessions }) : undefined}
        >
          {(p) => <NumberInput {...p} min={1} max={365} value={induction} onValue={setInduction} />}
        </Field>
        <Field label={t('patients.course.interval')} hint={t('patients.course.intervalHint')}>
          {(p) => <NumberInput {...p} min={1} max={365} value={intervalDays} onValue={setIntervalDays} />}
        </Field>
        <Field label={t('patients.course.maintenanceSessions')} hint={t('patients.course.maintenanceHint')}>
          {(p) => <NumberInput {...p} min={0} max={100} value={maintenance} onValue={setMaintenance} />}
        </Field>
      </div>
      <ErrorBox error={error} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('patients.course.planning') : t('patients.course.plan')}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** What the planner did to a new course: moved days and warnings (English data from the planner). */
export function PlanningNotes({ planning }: { planning: Planning }) {
  const t = useT();
  if (planning.adjustments.length === 0 && planning.warnings.length === 0 && planning.shared_days_refused.length === 0)
    return <Banner tone="success" title={t('patients.course.planned')} />;
  return (
    <Banner tone="info" title={t('patients.course.planned')}>
      <ul>
        {planning.adjustments.map((a) => (
          <li key={`a${a.index}`}>
            {t('patients.course.moved', { from: a.from, to: a.to })} <span lang="en">{a.reason}</span>
          </li>
        ))}
        {planning.warnings.map((w) => (
          <li key={w} lang="en">
            {w}
          </li>
        ))}
        {planning.shared_days_refused.map((d) => (
          <li key={d.date}>{t('patients.course.sharedDay', { date: d.date, protocol: d.protocol })}</li>
        ))}
      </ul>
    </Banner>
  );
}

type Shown = PlannedSession['status'] | 'overdue';

/** The status a calendar shows: a planned session whose day is over is overdue. */
export const shownStatus = (s: PlannedSession, today: string): Shown =>
  s.status === 'planned' && s.local_date < today ? 'overdue' : s.status;

export function CourseCalendar(props: {
  course: CourseDetail;
  protocolName: string;
  canEdit: boolean;
  onChanged: (c: CourseDetail) => void;
}) {
  const { protocolName, canEdit, onChanged } = props;
  const t = useT();
  const { date, lang } = useI18n();
  // The answer of a change shows at once; the reload the parent starts then replaces it.
  const [changed, setChanged] = useState<CourseDetail | undefined>();
  useEffect(() => setChanged(undefined), [props.course]);
  const course = changed ?? props.course;
  const today = localToday(course.time_zone);
  const [confirm, setConfirm] = useState<{ seq: number; status: 'missed' | 'cancelled' } | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const sessions = [...course.planned_sessions].sort(
    (a, b) => a.local_date.localeCompare(b.local_date) || a.seq - b.seq,
  );
  const weeks = new Map<string, PlannedSession[]>();
  for (const s of sessions) {
    const w = weekStart(s.local_date);
    weeks.set(w, [...(weeks.get(w) ?? []), s]);
  }
  const timeOf = (iso: string) =>
    new Intl.DateTimeFormat(lang, { timeStyle: 'short', timeZone: course.time_zone }).format(new Date(iso));
  const dayOf = (d: string) =>
    new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
      localDateInstant(d),
    );

  async function change(s: PlannedSession, status: 'missed' | 'cancelled') {
    setBusy(true);
    setError(undefined);
    try {
      const updated = await api.patch<CourseDetail>(
        `/api/courses/${encodeURIComponent(course.id)}/planned-sessions/${s.seq}`,
        { status },
        { ifMatch: `"${s.version}"` },
      );
      setConfirm(undefined);
      setChanged(updated);
      setDone(
        t(status === 'missed' ? 'patients.calendar.markedMissed' : 'patients.calendar.markedCancelled', {
          seq: s.seq,
        }),
      );
      onChanged(updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const counts = sessions.reduce<Record<string, number>>((m, s) => {
    const k = shownStatus(s, today);
    m[k] = (m[k] ?? 0) + 1;
    return m;
  }, {});

  return (
    <section className="course" aria-labelledby={`course-${course.id}`} data-testid="course-calendar">
      <h3 id={`course-${course.id}`}>{protocolName}</h3>
      <p className="muted">
        {t('patients.course.summary', {
          template: t(`patients.template.${course.template}` as 'patients.template.clinic'),
          start: date(localDateInstant(course.start_date), 'UTC'),
          zone: course.time_zone,
        })}
      </p>
      <ul className="legend" aria-label={t('patients.calendar.legend')}>
        {(['planned', 'overdue', 'done', 'missed', 'cancelled'] as const).map((k) => (
          <li key={k}>
            <span className={`status status-${k}`}>{t(`patients.status.${k}`)}</span>{' '}
            <span className="muted">{counts[k] ?? 0}</span>
          </li>
        ))}
      </ul>
      <p role="status" aria-live="polite" className={done ? 'saved' : 'visually-hidden'}>
        {done ?? ''}
      </p>
      <ErrorBox error={error} />
      {sessions.length === 0 ? <p className="empty">{t('patients.calendar.empty')}</p> : null}
      <div className="weeks">
        {[...weeks.entries()].map(([w, list]) => (
          <div key={w} className={`week${w === weekStart(today) ? ' this-week' : ''}`}>
            <h4>
              {w === weekStart(today)
                ? t('patients.calendar.thisWeek')
                : t('patients.calendar.weekOf', { date: date(localDateInstant(w), 'UTC') })}
            </h4>
            <ul className="sessions">
              {list.map((s) => {
                const st = shownStatus(s, today);
                const asking = confirm?.seq === s.seq;
                return (
                  <li
                    key={s.id}
                    className={`planned planned-${st}${s.local_date === today ? ' today' : ''}`}
                    data-status={st}
                  >
                    <span className="planned-day">
                      {dayOf(s.local_date)}
                      {s.local_date === today ? (
                        <span className="today-mark"> · {t('patients.calendar.today')}</span>
                      ) : null}
                    </span>
                    <span className="planned-time">{timeOf(s.starts_at)}</span>
                    <span className="planned-phase">
                      {maybeT(t, `patients.phase.${s.phase}`) ?? s.phase} · {t('patients.calendar.seq', { seq: s.seq })}
                    </span>
                    <span className={`status status-${st}`}>{t(`patients.status.${st}`)}</span>
                    {canEdit && s.status === 'planned' && !asking ? (
                      <span className="planned-actions">
                        {s.local_date <= today ? (
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() => setConfirm({ seq: s.seq, status: 'missed' })}
                          >
                            {t('patients.calendar.markMissed')}
                          </button>
                        ) : null}
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => setConfirm({ seq: s.seq, status: 'cancelled' })}
                        >
                          {t('patients.calendar.cancel')}
                        </button>
                      </span>
                    ) : null}
                    {asking ? (
                      <div className="confirm" role="group" aria-label={t('patients.calendar.confirmTitle')}>
                        <p>
                          {t(
                            confirm.status === 'missed'
                              ? 'patients.calendar.confirmMissed'
                              : 'patients.calendar.confirmCancel',
                            { seq: s.seq, date: date(localDateInstant(s.local_date), 'UTC') },
                          )}
                        </p>
                        <button
                          type="button"
                          className="danger"
                          disabled={busy}
                          onClick={() => void change(s, confirm.status)}
                        >
                          {confirm.status === 'missed'
                            ? t('patients.calendar.confirmMissedButton')
                            : t('patients.calendar.confirmCancelButton')}
                        </button>
                        <button type="button" disabled={busy} onClick={() => setConfirm(undefined)}>
                          {t('patients.calendar.keep')}
                        </button>
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          </div>
        ))}
      </div>
    </section>
  );
}
