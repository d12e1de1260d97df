import { useEffect, useId, useState, type FormEvent } from 'react';
import { allPages, api, ApiError } from '../../api';
import { useAuth } from '../../auth';
import { Banner, ErrorBox, Field, Loading, NumberInput, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { codeText } from '../home/model';
import { adviceText, findingName } from '../home/tolerance-form';
import type { HomePlan, HomeView, ToleranceRecord } from '../home/types';
import type { DeviceRecord, ProtocolDocument, SourcedRange } from '../session/types';
import '../home/home.css';

const enc = encodeURIComponent;

interface CourseItem {
  id: string;
  protocol: string;
  start_date: string;
}

type ProtocolWithCourse = ProtocolDocument & {
  course?: { maintenance?: { interval_days?: SourcedRange } };
};

/** The patient's home plan (GET /api/patients/:id/home-plan), or undefined when none was ever made (404). */
async function loadPlan(patientId: string, signal: AbortSignal): Promise<HomeView | undefined> {
  try {
    return await api.get<HomeView>(`/api/patients/${enc(patientId)}/home-plan`, { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** A number typed into an optional field: undefined when empty, NaN when not a number. */
const optionalNumber = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

/**
 * The clinician's "Home plan" on the patient page: hand a course's maintenance over to home (device, zone, mode,
 * interval, pin or cap on the titrated current, warning signs); the titrated current with its reason; the tolerance
 * log with findings highlighted; and, for a plan stopped after a burn or vesicles, its reason and "Reviewed — resume"
 * (a review note is required). Changes send the plan's version (If-Match).
 */
export function HomePlanSection({ patientId }: { patientId: string }) {
  const { t, lang, number, date, dateTime } = useI18n();
  const { user } = useAuth();
  const canEdit = user.role === 'clinician' || user.role === 'admin';
  const home = useAsync((signal) => loadPlan(patientId, signal), [patientId]);
  const tolerance = useAsync(
    () => allPages<ToleranceRecord>(`/api/patients/${enc(patientId)}/tolerance?limit=50`, 50),
    [patientId],
  );
  const [handing, setHanding] = useState(false);
  const [adjusting, setAdjusting] = useState(false);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const noteId = useId();

  const reload = () => {
    home.reload();
    tolerance.reload();
  };

  const patch = async (plan: HomePlan, body: Record<string, unknown>, message: string) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await api.patch(`/api/patients/${enc(patientId)}/home-plan`, body, { ifMatch: `"${plan.version}"` });
      setNote('');
      setDone(message);
      reload();
    } catch (e) {
      setError(e);
      // Someone else changed the plan: show the new version (the note typed stays).
      if (e instanceof ApiError && (e.status === 409 || e.status === 412)) home.reload();
    } finally {
      setBusy(false);
    }
  };

  const view = home.data;
  const plan = view?.plan;
  const active = plan && plan.status !== 'ended';

  return (
    <section aria-labelledby="home-plan-title" className="home-plan" data-testid="home-plan">
      <div className="section-header">
        <h2 id="home-plan-title">{t('home.plan.title')}</h2>
        {canEdit && !handing ? (
          <button type="button" onClick={() => setHanding(true)}>
            {active ? t('home.plan.replace') : t('home.plan.handOver')}
          </button>
        ) : null}
      </div>
      {home.loading && !home.data ? <Loading /> : null}
      <ErrorBox error={home.error} onRetry={home.reload} />
      {handing ? (
        <HandOverForm
          patientId={patientId}
          onCancel={() => setHanding(false)}
          onDone={() => {
            setHanding(false);
            setDone(t('home.plan.created'));
            reload();
          }}
        />
      ) : null}
      {done ? (
        <p role="status" className="muted">
          {done}
        </p>
      ) : null}
      {!home.loading && !home.error && !view ? <p className="empty">{t('home.plan.none')}</p> : null}
      {view && plan ? (
        <div className="card" data-plan-status={plan.status}>
          {plan.status === 'stopped' ? (
            <Banner tone="danger" title={t('home.plan.stopped')} testId="home-plan-stopped" live={false}>
              <p>{t('home.stoppedReason', { reason: plan.stopped_reason ?? '' })}</p>
              {canEdit ? (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (note.trim() === '') return;
                    void patch(plan, { status: 'active', review_note: note.trim() }, t('home.plan.resumed'));
                  }}
                  noValidate
                >
                  <div className="field">
                    <label htmlFor={noteId}>
                      {t('home.plan.reviewNote')} <span className="required">({t('common.required')})</span>
                    </label>
                    <textarea
                      id={noteId}
                      rows={3}
                      maxLength={2000}
                      required
                      value={note}
                      disabled={busy}
                      onChange={(e) => setNote(e.target.value)}
                    />
                  </div>
                  <button type="submit" className="primary" disabled={busy || note.trim() === ''}>
                    {t('home.plan.resume')}
                  </button>
                </form>
              ) : null}
            </Banner>
          ) : null}
          <dl className="details">
            <div>
              <dt>{t('home.planStatus')}</dt>
              <dd data-testid="home-plan-status">{codeText(t, 'home.planStatus', plan.status)}</dd>
            </div>
            <div>
              <dt>{t('home.protocol')}</dt>
              <dd>
                {view.protocol.title} · {plan.zone} · {plan.mode}
              </dd>
            </div>
            <div>
              <dt>{t('home.plan.device')}</dt>
              <dd>{plan.device_id ?? t('home.plan.builtIn')}</dd>
            </div>
            <div>
              <dt>{t('home.every')}</dt>
              <dd>{t('home.everyDays', { days: plan.interval_days })}</dd>
            </div>
            <div>
              <dt>{t('home.current')}</dt>
              <dd className="home-current" data-testid="home-plan-current">
                {t('home.unitMA', { value: number(view.titration.current_mA, 1) })}
              </dd>
            </div>
            <div>
              <dt>{t('home.why')}</dt>
              <dd>
                <strong>{codeText(t, 'home.step', view.titration.step)}</strong> {view.titration.reason}
              </dd>
            </div>
            <div>
              <dt>{t('home.plan.limit')}</dt>
              <dd>
                {t('home.unitMA', { value: number(view.titration.limit_mA, 1) })}
                {plan.pin_mA !== null ? ` · ${t('home.plan.pinned', { value: number(plan.pin_mA, 1) })}` : ''}
                {plan.cap_mA !== null ? ` · ${t('home.plan.capped', { value: number(plan.cap_mA, 1) })}` : ''}
              </dd>
            </div>
            <div>
              <dt>{t('home.next')}</dt>
              <dd>
                {codeText(t, 'home.state', view.follow_up.state)} ·{' '}
                {date(new Date(`${view.follow_up.next_due}T12:00:00Z`), 'UTC')}
              </dd>
            </div>
          </dl>
          {plan.review_note && plan.reviewed_at ? (
            <p className="muted" data-testid="home-plan-review">
              {t('home.plan.lastReview', { date: dateTime(plan.reviewed_at), note: plan.review_note })}
            </p>
          ) : null}
          <h3>{t('home.warningSigns')}</h3>
          <ul>
            {plan.warning_signs.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
          <p>
            <Link to="home" state={{ patientId }} className="button-link">
              {t('home.open')}
            </Link>
          </p>
          {canEdit && plan.status !== 'ended' && adjusting ? (
            <AdjustForm
              plan={plan}
              busy={busy}
              onCancel={() => setAdjusting(false)}
              onSave={(body) => {
                setAdjusting(false);
                void patch(plan, body, t('home.plan.adjusted'));
              }}
            />
          ) : null}
          {canEdit && plan.status !== 'ended' ? (
            <div className="home-actions">
              {!adjusting ? (
                <button type="button" disabled={busy} onClick={() => setAdjusting(true)}>
                  {t('home.plan.adjust')}
                </button>
              ) : null}
              <button
                type="button"
                disabled={busy}
                onClick={() => void patch(plan, { status: 'ended' }, t('home.plan.endedDone'))}
              >
                {t('home.plan.end')}
              </button>
            </div>
          ) : null}
          <ErrorBox error={error} />
        </div>
      ) : null}

      <h3>{t('home.plan.toleranceLog')}</h3>
      <ErrorBox error={tolerance.error} onRetry={tolerance.reload} />
      {tolerance.data && tolerance.data.length === 0 ? <p className="muted">{t('home.plan.noTolerance')}</p> : null}
      {tolerance.data && tolerance.data.length > 0 ? (
        <div className="table-scroll">
          <table data-testid="tolerance-log">
            <thead>
              <tr>
                <th scope="col">{t('home.summary.date')}</th>
                <th scope="col">{t('home.tolerance.sensation')}</th>
                <th scope="col">{t('home.plan.discomfortShort')}</th>
                <th scope="col">{t('home.tolerance.findings')}</th>
                <th scope="col">{t('home.tolerance.advice')}</th>
              </tr>
            </thead>
            <tbody>
              {tolerance.data.map((r) => (
                <tr key={r.id} className={r.entry.findings.length > 0 ? 'home-row-finding' : undefined}>
                  <td>{dateTime(r.recorded_at)}</td>
                  <td>{codeText(t, 'home.sensation', r.entry.sensation)}</td>
                  <td className="num">{number(r.entry.discomfort)}</td>
                  <td>
                    {r.entry.findings.length === 0
                      ? t('home.plan.noFindings')
                      : r.entry.findings.map((f) => (
                          <span key={f} className="home-finding" data-finding={f}>
                            {findingName(t, f)}
                          </span>
                        ))}
                  </td>
                  <td>{r.assessment.advice.map((a) => adviceText(t, lang, a)).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Hands a course's maintenance phase over to home: POST /api/patients/:id/home-plan (201 HomePlan). */
function HandOverForm({
  patientId,
  onCancel,
  onDone,
}: {
  patientId: string;
  onCancel: () => void;
  onDone: () => void;
}) {
  const { t, number } = useI18n();
  const setup = useAsync(
    async (signal) => {
      const [courses, devices] = await Promise.all([
        allPages<CourseItem>(`/api/patients/${enc(patientId)}/courses?limit=100`),
        api.get<{ items: DeviceRecord[] }>('/api/devices', { signal }).then(
          (d) => d.items,
          () => [] as DeviceRecord[],
        ),
      ]);
      return { courses, devices };
    },
    [patientId],
  );
  const [courseId, setCourseId] = useState('');
  const course = setup.data?.courses.find((c) => c.id === courseId);
  const doc = useAsync(
    (signal) =>
      course
        ? api.get<ProtocolWithCourse>(`/api/protocols/${enc(course.protocol)}`, { signal })
        : Promise.resolve(undefined),
    [course?.protocol],
  );
  const [deviceId, setDeviceId] = useState('');
  const [zone, setZone] = useState('');
  const [mode, setMode] = useState('');
  const [intervalDays, setIntervalDays] = useState('');
  const [pin, setPin] = useState('');
  const [cap, setCap] = useState('');
  const [signs, setSigns] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (setup.data && courseId === '' && setup.data.courses.length > 0) setCourseId(setup.data.courses[0]!.id);
  }, [setup.data, courseId]);
  const protocol = doc.data && course && doc.data.id === course.protocol ? doc.data : undefined;
  useEffect(() => {
    if (!protocol) return;
    setZone(protocol.default_zone);
    setMode(protocol.default_mode);
    const iv = protocol.course?.maintenance?.interval_days;
    setIntervalDays(iv ? String(iv.value) : '');
  }, [protocol]);

  if (setup.error) return <ErrorBox error={setup.error} onRetry={setup.reload} />;
  if (!setup.data) return <Loading />;
  if (setup.data.courses.length === 0) {
    return (
      <div className="card">
        <p className="empty">{t('home.plan.noCourse')}</p>
        <button type="button" onClick={onCancel}>
          {t('home.cancel')}
        </button>
      </div>
    );
  }
  const range = protocol?.zones[zone]?.current_mA;
  const ivRange = protocol?.course?.maintenance?.interval_days;
  const outOf = (s: string, r: { min: number; max: number } | undefined, integer = false) => {
    const v = optionalNumber(s);
    if (v === undefined || !r) return undefined;
    return Number.isFinite(v) && v >= r.min && v <= r.max && (!integer || Number.isInteger(v))
      ? undefined
      : t('home.plan.outOfRange', { min: number(r.min), max: number(r.max) });
  };
  const pinError = outOf(pin, range);
  const capError = outOf(cap, range);
  const intervalError = outOf(intervalDays, ivRange ?? { min: 1, max: 365 }, true);
  const valid = !!protocol && !pinError && !capError && !intervalError;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError(undefined);
    const lines = signs
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const iv = optionalNumber(intervalDays);
    const p = optionalNumber(pin);
    const c = optionalNumber(cap);
    try {
      await api.post(`/api/patients/${enc(patientId)}/home-plan`, {
        course_id: courseId,
        ...(deviceId ? { device_id: deviceId } : {}),
        zone,
        mode,
        ...(iv !== undefined ? { interval_days: iv } : {}),
        ...(p !== undefined ? { pin_mA: p } : {}),
        ...(c !== undefined ? { cap_mA: c } : {}),
        ...(lines.length > 0 ? { warning_signs: lines } : {}),
      });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate data-testid="home-plan-form">
      <p className="hint">{t('home.plan.intro')}</p>
      <div className="session-form-grid">
        <Field label={t('home.plan.course')} required>
          {(p) => (
            <select {...p} value={courseId} disabled={busy} onChange={(e) => setCourseId(e.target.value)}>
              {setup.data!.courses.map((c) => (
                <option key={c.id} value={c.id}>
                  {t('home.plan.courseOption', { protocol: c.protocol, date: c.start_date })}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('home.plan.device')} hint={t('home.plan.deviceHint')}>
          {(p) => (
            <select {...p} value={deviceId} disabled={busy} onChange={(e) => setDeviceId(e.target.value)}>
              <option value="">{t('home.plan.builtIn')}</option>
              {setup.data!.devices.map((d) => (
                <option key={d.id} value={d.id}>
                  {t('home.plan.deviceOption', { name: d.name, kind: d.kind })}
                </option>
              ))}
            </select>
          )}
        </Field>
        {protocol ? (
          <>
            <Field label={t('home.plan.zone')} required>
              {(p) => (
                <select {...p} value={zone} disabled={busy} onChange={(e) => setZone(e.target.value)}>
                  {Object.entries(protocol.zones).map(([id, z]) => (
                    <option key={id} value={id}>
                      {z.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('home.plan.mode')} required>
              {(p) => (
                <select {...p} value={mode} disabled={busy} onChange={(e) => setMode(e.target.value)}>
                  {Object.entries(protocol.modes).map(([id, m]) => (
                    <option key={id} value={id}>
                      {m.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field
              label={t('home.plan.interval')}
              hint={
                ivRange
                  ? t('home.plan.intervalHint', {
                      value: ivRange.value,
                      min: ivRange.min,
                      max: ivRange.max,
                      source: ivRange.source,
                    })
                  : undefined
              }
              error={intervalError}
            >
              {(p) => <NumberInput {...p} disabled={busy} value={intervalDays} onValue={setIntervalDays} />}
            </Field>
            <Field
              label={t('home.plan.pin')}
              hint={range ? t('home.plan.currentHint', { min: number(range.min), max: number(range.max) }) : undefined}
              error={pinError}
            >
              {(p) => <NumberInput {...p} decimal disabled={busy} value={pin} onValue={setPin} />}
            </Field>
            <Field
              label={t('home.plan.cap')}
              hint={range ? t('home.plan.currentHint', { min: number(range.min), max: number(range.max) }) : undefined}
              error={capError}
            >
              {(p) => <NumberInput {...p} decimal disabled={busy} value={cap} onValue={setCap} />}
            </Field>
          </>
        ) : null}
      </div>
      {doc.error ? <ErrorBox error={doc.error} onRetry={doc.reload} /> : null}
      <Field label={t('home.plan.warningSigns')} hint={t('home.plan.warningHint')}>
        {(p) => <textarea {...p} rows={4} value={signs} disabled={busy} onChange={(e) => setSigns(e.target.value)} />}
      </Field>
      <ErrorBox error={error} />
      <div className="home-actions">
        <button type="submit" className="primary" disabled={!valid || busy}>
          {busy ? t('home.sending') : t('home.plan.submit')}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          {t('home.cancel')}
        </button>
      </div>
    </form>
  );
}

/**
 * Changes the pin, the cap or the interval of a plan in place (PATCH with If-Match): the titration keeps the plan's
 * sessions, where a new plan would start low again. An empty pin or cap removes it. The server checks the ranges.
 */
function AdjustForm({
  plan,
  busy,
  onCancel,
  onSave,
}: {
  plan: HomePlan;
  busy: boolean;
  onCancel: () => void;
  onSave: (body: { interval_days: number; pin_mA: number | null; cap_mA: number | null }) => void;
}) {
  const { t } = useI18n();
  const [interval, setIntervalDays] = useState(String(plan.interval_days));
  const [pin, setPin] = useState(plan.pin_mA === null ? '' : String(plan.pin_mA));
  const [cap, setCap] = useState(plan.cap_mA === null ? '' : String(plan.cap_mA));
  const [invalid, setInvalid] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const days = Number(interval);
    const p = optionalNumber(pin);
    const c = optionalNumber(cap);
    if (!Number.isInteger(days) || days < 1 || Number.isNaN(p) || Number.isNaN(c)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    onSave({ interval_days: days, pin_mA: p ?? null, cap_mA: c ?? null });
  };
  return (
    <form onSubmit={submit} noValidate className="card" data-testid="home-plan-adjust">
      <Field label={t('home.plan.interval')} {...(invalid ? { error: t('home.plan.adjustInvalid') } : {})}>
        {(p) => <NumberInput {...p} disabled={busy} value={interval} onValue={setIntervalDays} />}
      </Field>
      <Field label={t('home.plan.pin')}>
        {(p) => <NumberInput {...p} decimal disabled={busy} value={pin} onValue={setPin} />}
      </Field>
      <Field label={t('home.plan.cap')}>
        {(p) => <NumberInput {...p} decimal disabled={busy} value={cap} onValue={setCap} />}
      </Field>
      <div className="home-actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('home.plan.adjustSave')}
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
