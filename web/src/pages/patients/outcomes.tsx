/**
 * Outcomes of a patient: entering an HDSS score, a gravimetric measurement or a diary day (POST
 * /api/patients/:id/outcomes), and charts over time of the HDSS, the sweat rate (mg/min per site) and the dry days,
 * with the sessions held marked on the time axis.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api';
import type { Role } from '../../auth';
import { Chart } from '../../components/chart';
import { ErrorBox, Field } from '../../components/ui';
import { useI18n, useT } from '../../i18n';
import {
  addDays,
  localDateInstant,
  localDateSeconds,
  localToday,
  OUTCOME_SITES,
  type Outcome,
  type Patient,
  type SessionRecord,
} from './model';
import { zoneName } from './screening';

type EntryKind = 'hdss' | 'gravimetry' | 'diary';
/** Kinds a patient user may record about themself (src/server/outcome-routes.ts). */
const PATIENT_KINDS: readonly EntryKind[] = ['hdss', 'diary'];

/** Now as the value of a datetime-local input, in the browser's zone, to the minute. */
function nowLocalInput(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** An instant as the value of a datetime-local input, in the browser's zone. */
function localInput(iso: string): string {
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Kinds a user may record or correct (src/server/outcome-routes.ts `mayRecord`); the Minor test is not entered here. */
export const editableKinds = (role: Role): readonly EntryKind[] =>
  role === 'patient' ? PATIENT_KINDS : ['hdss', 'gravimetry', 'diary'];

const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : String(v));

/**
 * Records a new outcome, or corrects one (`editing`): the whole entry is sent again with PATCH and the version read,
 * so a change someone made meanwhile is refused rather than overwritten.
 */
export function OutcomeForm({
  patient,
  role,
  onRecorded,
  editing,
  onDoneEditing,
}: {
  patient: Patient;
  role: Role;
  onRecorded: (o: Outcome) => void;
  editing?: Outcome;
  onDoneEditing?: () => void;
}) {
  const t = useT();
  const kinds = editableKinds(role);
  const v = editing?.value ?? {};
  const [kind, setKind] = useState<EntryKind>(editing ? (editing.kind as EntryKind) : 'hdss');
  const [at, setAt] = useState(() => (typeof v.at === 'string' ? localInput(v.at) : nowLocalInput()));
  const [day, setDay] = useState(typeof v.date === 'string' ? v.date : localToday(patient.time_zone));
  const [score, setScore] = useState<string>(str(v.score));
  const [site, setSite] = useState<string>(str(v.site));
  const [mg, setMg] = useState(str(v.mg));
  const [minutes, setMinutes] = useState(str(v.minutes, '5'));
  const [method, setMethod] = useState(str(v.method));
  const [dry, setDry] = useState<'yes' | 'no' | ''>(v.dry === true ? 'yes' : v.dry === false ? 'no' : '');
  const [note] = useState(typeof v.note === 'string' ? v.note : undefined);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | undefined>();

  function validate(): Record<string, string> {
    const e: Record<string, string> = {};
    if (kind !== 'diary' && (at === '' || Number.isNaN(new Date(at).getTime()))) e.at = t('patients.outcome.atInvalid');
    if (kind === 'hdss' && score === '') e.score = t('patients.outcome.scoreRequired');
    if (kind === 'gravimetry') {
      if (site === '') e.site = t('patients.outcome.siteRequired');
      const m = Number(mg);
      if (mg.trim() === '' || !Number.isFinite(m) || m < 0) e.mg = t('patients.outcome.mgInvalid');
      const n = Number(minutes);
      if (minutes.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 60)
        e.minutes = t('patients.outcome.minutesInvalid');
    }
    if (kind === 'diary') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) e.date = t('patients.outcome.dateInvalid');
      if (dry === '') e.dry = t('patients.outcome.dryRequired');
    }
    return e;
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const found = validate();
    setErrors(found);
    setSaved(undefined);
    if (Object.keys(found).length > 0) return;
    const instant = kind === 'diary' ? undefined : new Date(at).toISOString();
    const body =
      kind === 'hdss'
        ? { kind, at: instant, score: Number(score), ...(site ? { site } : {}) }
        : kind === 'gravimetry'
          ? {
              kind,
              at: instant,
              site,
              mg: Number(mg),
              minutes: Number(minutes),
              ...(method.trim() ? { method: method.trim() } : {}),
            }
          : { kind, date: day, dry: dry === 'yes', ...(site ? { site } : {}) };
    const full = note === undefined ? body : { ...body, note };
    setBusy(true);
    setError(undefined);
    try {
      if (editing) {
        const o = await api.patch<Outcome>(`/api/outcomes/${encodeURIComponent(editing.id)}`, full, {
          ifMatch: `"${editing.version}"`,
        });
        onRecorded(o);
        onDoneEditing?.();
        return;
      }
      const o = await api.post<Outcome>(`/api/patients/${encodeURIComponent(patient.id)}/outcomes`, full);
      setSaved(t('patients.outcome.saved', { kind: t(`patients.kind.${kind}`) }));
      setScore('');
      setMg('');
      setDry('');
      if (kind === 'diary') setDay((d) => addDays(d, 1));
      onRecorded(o);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card outcome-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
      <h3>{editing ? t('patients.outcome.correctTitle') : t('patients.outcome.add')}</h3>
      <div className="form-row">
        <Field label={t('patients.outcome.kind')} required>
          {(p) => (
            <select
              {...p}
              value={kind}
              disabled={editing !== undefined}
              onChange={(e) => {
                setKind(e.target.value as EntryKind);
                setErrors({});
                setSaved(undefined);
              }}
            >
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {t(`patients.kind.${k}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind === 'diary' ? (
          <Field label={t('patients.outcome.date')} required error={errors.date}>
            {(p) => <input {...p} type="date" value={day} onChange={(e) => setDay(e.target.value)} />}
          </Field>
        ) : (
          <Field label={t('patients.outcome.at')} required error={errors.at} hint={t('patients.outcome.atHint')}>
            {(p) => <input {...p} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />}
          </Field>
        )}
        <Field label={t('patients.outcome.site')} required={kind === 'gravimetry'} error={errors.site}>
          {(p) => (
            <select {...p} value={site} onChange={(e) => setSite(e.target.value)}>
              <option value="">
                {kind === 'gravimetry' ? t('patients.outcome.chooseSite') : t('patients.outcome.noSite')}
              </option>
              {OUTCOME_SITES.map((s) => (
                <option key={s} value={s}>
                  {zoneName(t, s)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {kind === 'hdss' ? (
        <fieldset className={errors.score ? 'field-invalid' : undefined}>
          <legend>{t('patients.outcome.score')}</legend>
          {(['1', '2', '3', '4'] as const).map((s) => (
            <label key={s} className="choice block">
              <input type="radio" name="hdss-score" value={s} checked={score === s} onChange={() => setScore(s)} />
              <span>
                <strong>{s}</strong> — {t(`patients.hdss.${s}`)}
              </span>
            </label>
          ))}
          {errors.score ? <p className="field-error">{errors.score}</p> : null}
        </fieldset>
      ) : null}
      {kind === 'gravimetry' ? (
        <div className="form-row">
          <Field label={t('patients.outcome.mg')} required error={errors.mg}>
            {(p) => (
              <input
                {...p}
                type="number"
                inputMode="decimal"
                min={0}
                step="any"
                value={mg}
                onChange={(e) => setMg(e.target.value)}
              />
            )}
          </Field>
          <Field
            label={t('patients.outcome.minutes')}
            required
            error={errors.minutes}
            hint={t('patients.outcome.minutesHint')}
          >
            {(p) => (
              <input
                {...p}
                type="number"
                inputMode="decimal"
                min={0}
                max={60}
                step="any"
                value={minutes}
                onChange={(e) => setMinutes(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('patients.outcome.method')}>
            {(p) => <input {...p} value={method} maxLength={100} onChange={(e) => setMethod(e.target.value)} />}
          </Field>
        </div>
      ) : null}
      {kind === 'diary' ? (
        <fieldset className={errors.dry ? 'field-invalid' : undefined}>
          <legend>{t('patients.outcome.dry')}</legend>
          <div className="yes-no">
            {(['yes', 'no'] as const).map((v) => (
              <label key={v} className="choice">
                <input type="radio" name="diary-dry" value={v} checked={dry === v} onChange={() => setDry(v)} />
                {v === 'yes' ? t('patients.outcome.dryYes') : t('patients.outcome.dryNo')}
              </label>
            ))}
          </div>
          {errors.dry ? <p className="field-error">{errors.dry}</p> : null}
        </fieldset>
      ) : null}
      <ErrorBox error={error} />
      <p role="status" aria-live="polite" className={saved ? 'saved' : 'visually-hidden'}>
        {saved ?? ''}
      </p>
      <button type="submit" className="primary" disabled={busy}>
        {busy
          ? t('patients.outcome.saving')
          : editing
            ? t('patients.outcome.saveCorrection')
            : t('patients.outcome.save')}
      </button>
      {editing ? (
        <button type="button" className="secondary-gap" onClick={onDoneEditing} disabled={busy}>
          {t('common.cancel')}
        </button>
      ) : null}
    </form>
  );
}

const atOf = (o: Outcome): string => (typeof o.value.at === 'string' ? o.value.at : o.recorded_at);
const seconds = (iso: string) => Math.round(new Date(iso).getTime() / 1000);
const SITE_COLOURS: Record<string, string> = {
  axillae: '#0b5cad',
  palms: '#b04a00',
  soles: '#1e7b34',
  face: '#7b2d9c',
};

/** Dry days among the recorded days of the 7 days ending on each recorded day (a day is dry when all its entries are). */
export function dryDaysSeries(diary: readonly Outcome[]): { dates: string[]; dry: number[] } {
  const byDay = new Map<string, boolean>();
  for (const o of diary) {
    const d = String(o.value.date);
    byDay.set(d, (byDay.get(d) ?? true) && o.value.dry === true);
  }
  const dates = [...byDay.keys()].sort();
  const dry = dates.map((d) => {
    const from = addDays(d, -6);
    return dates.filter((x) => x >= from && x <= d && byDay.get(x)).length;
  });
  return { dates, dry };
}

export function OutcomeCharts({
  outcomes,
  sessions,
}: {
  outcomes: readonly Outcome[];
  sessions: readonly SessionRecord[];
}) {
  const t = useT();
  const { number, date } = useI18n();
  const marks = useMemo(() => sessions.map((s) => seconds(s.started_at)), [sessions]);

  const hdss = useMemo(() => {
    const list = outcomes.filter((o) => o.kind === 'hdss').sort((a, b) => atOf(a).localeCompare(atOf(b)));
    return { list, data: [list.map((o) => seconds(atOf(o))), list.map((o) => Number(o.value.score))] };
  }, [outcomes]);

  const grav = useMemo(() => {
    const list = outcomes.filter((o) => o.kind === 'gravimetry').sort((a, b) => atOf(a).localeCompare(atOf(b)));
    const sites = OUTCOME_SITES.filter((s) => list.some((o) => o.value.site === s));
    const xs = list.map((o) => seconds(atOf(o)));
    const ys = sites.map((s) =>
      list.map((o) => (o.value.site === s ? Number(o.value.mg) / Number(o.value.minutes) : null)),
    );
    return { list, sites, data: [xs, ...ys] };
  }, [outcomes]);

  const diary = useMemo(() => {
    const { dates, dry } = dryDaysSeries(outcomes.filter((o) => o.kind === 'diary'));
    return { dates, dry, data: [dates.map(localDateSeconds), dry] };
  }, [outcomes]);

  const hdssSeries = useMemo(() => [{ label: t('patients.chart.hdss'), stroke: '#b00020' }], [t]);
  const hdssAxes = useMemo(() => [{ scale: 'y', label: t('patients.chart.hdssAxis') }], [t]);
  const gravSeries = useMemo(
    () => grav.sites.map((s) => ({ label: zoneName(t, s), stroke: SITE_COLOURS[s] ?? '#333', points: true })),
    [grav.sites, t],
  );
  const gravAxes = useMemo(() => [{ scale: 'y', label: t('patients.chart.gravAxis') }], [t]);
  const drySeries = useMemo(() => [{ label: t('patients.chart.dry'), stroke: '#1e7b34' }], [t]);
  const dryAxes = useMemo(() => [{ scale: 'y', label: t('patients.chart.dryAxis') }], [t]);

  const lastHdss = hdss.list.at(-1);
  const lastGrav = grav.list.at(-1);
  const lastDry = diary.dates.length > 0 ? diary.dates.length - 1 : undefined;

  return (
    <div className="outcome-charts">
      <h3>{t('patients.chart.hdssTitle')}</h3>
      {hdss.list.length === 0 ? (
        <p className="empty">{t('patients.chart.none')}</p>
      ) : (
        <Chart
          label={t('patients.chart.hdssTitle')}
          summary={t('patients.chart.hdssSummary', {
            count: hdss.list.length,
            score: lastHdss ? Number(lastHdss.value.score) : 0,
            date: lastHdss ? date(atOf(lastHdss)) : '',
          })}
          xLabel={t('patients.chart.date')}
          time
          series={hdssSeries}
          axes={hdssAxes}
          data={hdss.data}
          marks={marks}
          height={220}
          testId="chart-hdss"
        />
      )}
      <h3>{t('patients.chart.gravTitle')}</h3>
      {grav.list.length === 0 ? (
        <p className="empty">{t('patients.chart.none')}</p>
      ) : (
        <Chart
          label={t('patients.chart.gravTitle')}
          summary={t('patients.chart.gravSummary', {
            count: grav.list.length,
            rate: lastGrav ? number(Number(lastGrav.value.mg) / Number(lastGrav.value.minutes), 1) : '',
            site: lastGrav ? zoneName(t, String(lastGrav.value.site)) : '',
            date: lastGrav ? date(atOf(lastGrav)) : '',
          })}
          xLabel={t('patients.chart.date')}
          time
          series={gravSeries}
          axes={gravAxes}
          data={grav.data}
          marks={marks}
          height={220}
          testId="chart-gravimetry"
        />
      )}
      <h3>{t('patients.chart.dryTitle')}</h3>
      {diary.dates.length === 0 ? (
        <p className="empty">{t('patients.chart.none')}</p>
      ) : (
        <Chart
          label={t('patients.chart.dryTitle')}
          summary={t('patients.chart.drySummary', {
            count: diary.dates.length,
            dry: lastDry === undefined ? 0 : (diary.dry[lastDry] ?? 0),
            date: lastDry === undefined ? '' : date(localDateInstant(diary.dates[lastDry]!), 'UTC'),
          })}
          xLabel={t('patients.chart.date')}
          time
          series={drySeries}
          axes={dryAxes}
          data={diary.data}
          marks={marks}
          height={220}
          testId="chart-diary"
        />
      )}
      <p className="hint">{t('patients.chart.marksHint')}</p>
    </div>
  );
}

/** The recorded outcomes, newest first, as a table. */
export function OutcomeTable({
  outcomes,
  role,
  onCorrect,
}: {
  outcomes: readonly Outcome[];
  role: Role;
  onCorrect: (o: Outcome) => void;
}) {
  const t = useT();
  const { number, dateTime, date } = useI18n();
  const [all, setAll] = useState(false);
  const sorted = [...outcomes].sort((a, b) => b.recorded_at.localeCompare(a.recorded_at));
  const shown = all ? sorted : sorted.slice(0, 10);
  if (sorted.length === 0) return <p className="empty">{t('patients.outcome.empty')}</p>;
  const valueOf = (o: Outcome): string => {
    const v = o.value;
    switch (o.kind) {
      case 'hdss':
        return t('patients.outcome.hdssValue', { score: Number(v.score) });
      case 'gravimetry':
        return t('patients.outcome.gravValue', {
          mg: number(Number(v.mg)),
          minutes: number(Number(v.minutes)),
          rate: number(Number(v.mg) / Number(v.minutes), 1),
        });
      case 'minor':
        return t('patients.outcome.minorValue', { grade: Number(v.grade) });
      case 'diary':
        return v.dry === true ? t('patients.outcome.dryYes') : t('patients.outcome.dryNo');
    }
  };
  return (
    <>
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">{t('patients.outcome.tableTitle')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('patients.outcome.when')}</th>
              <th scope="col">{t('patients.outcome.kind')}</th>
              <th scope="col">{t('patients.outcome.site')}</th>
              <th scope="col">{t('patients.outcome.value')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('patients.outcome.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((o) => (
              <tr key={o.id}>
                <td>{o.kind === 'diary' ? date(localDateInstant(String(o.value.date)), 'UTC') : dateTime(atOf(o))}</td>
                <td>{t(`patients.kind.${o.kind}`)}</td>
                <td>{typeof o.value.site === 'string' ? zoneName(t, o.value.site) : '—'}</td>
                <td>{valueOf(o)}</td>
                <td>
                  {editableKinds(role).includes(o.kind as EntryKind) ? (
                    <button type="button" className="small" onClick={() => onCorrect(o)}>
                      {t('patients.outcome.correct')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {sorted.length > 10 ? (
        <button type="button" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? t('patients.outcome.showFewer') : t('patients.outcome.showAll', { count: sorted.length })}
        </button>
      ) : null}
    </>
  );
}
