/**
 * The contraindication screening: the questionnaire as the server lists it (every question translated by its id), and
 * the decision it gave with every reason and its source. Unanswered questions are never taken as "no": the form
 * refuses to send until each has an answer.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Banner, ErrorBox, Field } from '../../components/ui';
import { useI18n, useT, type MessageKey, type Translate } from '../../i18n';
import {
  ageInYears,
  localDateInstant,
  localToday,
  truncatedAge,
  type Patient,
  type ProtocolSummary,
  type Question,
  type Screening,
  type ScreeningReason,
} from './model';

/** A translation looked up by a key made from data (a question id, a zone id); undefined when there is none. */
export function maybeT(t: Translate, key: string, params?: Record<string, string | number>): string | undefined {
  const out = t(key as MessageKey, params);
  return out === key ? undefined : out;
}

/** The question of a screening item in the user's language; the server's English text when it has no translation. */
export const questionText = (t: Translate, id: string, english?: string): string =>
  maybeT(t, `patients.q.${id}`) ?? english ?? id;

export const zoneName = (t: Translate, id: string, fallback?: string): string =>
  maybeT(t, `patients.zone.${id}`) ?? fallback ?? id;

export const modeName = (t: Translate, id: string, fallback?: string): string =>
  maybeT(t, `patients.mode.${id}`) ?? fallback ?? id;

/** What a reason is about: a question, the age or the zone. */
export const reasonSubject = (t: Translate, item: string): string =>
  maybeT(t, `patients.reason.${item}`) ?? questionText(t, item);

type Answer = 'yes' | 'no' | undefined;

export function ScreeningForm({
  patient,
  protocols,
  questions,
  initialProtocol,
  onScreened,
  onCancel,
}: {
  patient: Patient;
  protocols: readonly ProtocolSummary[];
  questions: readonly Question[];
  initialProtocol?: string;
  onScreened: (s: Screening) => void;
  onCancel?: () => void;
}) {
  const t = useT();
  const { number, date } = useI18n();
  const formId = useId();
  const [protocolId, setProtocolId] = useState(initialProtocol ?? protocols[0]?.id ?? '');
  const protocol = protocols.find((p) => p.id === protocolId);
  const [zone, setZone] = useState(protocol?.default_zone ?? '');
  const [mode, setMode] = useState(protocol?.default_mode ?? '');
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const today = localToday(patient.time_zone);
  const exactAge = ageInYears(patient.birth_date, today);
  const [age, setAge] = useState(exactAge === undefined ? '' : String(truncatedAge(exactAge)));
  const [ageEdited, setAgeEdited] = useState(false);
  const [answeredBy, setAnsweredBy] = useState('');
  const [notes, setNotes] = useState('');
  const [missing, setMissing] = useState<string[]>([]);
  const [ageError, setAgeError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const booleans = useMemo(() => questions.filter((q) => q.kind === 'boolean'), [questions]);

  useEffect(() => {
    setZone(protocol?.default_zone ?? '');
    setMode(protocol?.default_mode ?? '');
  }, [protocol]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const unanswered = booleans.filter((q) => answers[q.id] === undefined).map((q) => q.id);
    setMissing(unanswered);
    const ageValue = ageEdited || exactAge === undefined ? Number(age) : exactAge;
    const ageBad = age.trim() === '' || !Number.isFinite(ageValue) || ageValue < 0 || ageValue > 120;
    setAgeError(ageBad ? t('patients.screening.ageInvalid') : undefined);
    if (unanswered.length > 0 || ageBad) {
      const first = unanswered[0];
      if (first) document.getElementById(`${formId}-${first}-yes`)?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        protocol: protocolId,
        ...(zone ? { zone } : {}),
        ...(mode ? { mode } : {}),
        answers: {
          ...Object.fromEntries(booleans.map((q) => [q.id, answers[q.id] === 'yes'])),
          age_years: ageValue,
          ...(zone ? { zone } : {}),
          ...(answeredBy.trim() ? { answered_by: answeredBy.trim() } : {}),
          ...(notes.trim() ? { notes: notes.trim() } : {}),
        },
      };
      const s = await api.post<Screening>(`/api/patients/${encodeURIComponent(patient.id)}/screenings`, body);
      onScreened(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="screening-form" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
      <div className="form-row">
        <Field label={t('patients.protocol')} required>
          {(p) => (
            <select {...p} value={protocolId} onChange={(e) => setProtocolId(e.target.value)}>
              {protocols.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('patients.zone')} required>
          {(p) => (
            <select {...p} value={zone} onChange={(e) => setZone(e.target.value)}>
              {(protocol?.zones ?? []).map((z) => (
                <option key={z.id} value={z.id}>
                  {zoneName(t, z.id, z.name)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('patients.mode')} required>
          {(p) => (
            <select {...p} value={mode} onChange={(e) => setMode(e.target.value)}>
              {(protocol?.modes ?? []).map((m) => (
                <option key={m.id} value={m.id}>
                  {modeName(t, m.id, m.name)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <p className="hint">{t('patients.screening.instructions')}</p>
      {missing.length > 0 ? (
        <div className="banner banner-danger" role="alert">
          <strong className="banner-title">{t('patients.screening.unanswered', { count: missing.length })}</strong>
          <ul>
            {missing.map((id) => (
              <li key={id}>{questionText(t, id)}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <ol className="questions">
        {booleans.map((q) => {
          const bad = missing.includes(q.id) && answers[q.id] === undefined;
          return (
            <li key={q.id}>
              <fieldset className={`question${bad ? ' field-invalid' : ''}`} data-question={q.id}>
                <legend>{questionText(t, q.id, q.text)}</legend>
                <div className="yes-no">
                  {(['yes', 'no'] as const).map((v) => (
                    <label key={v} className="choice">
                      <input
                        type="radio"
                        id={`${formId}-${q.id}-${v}`}
                        name={`${formId}-${q.id}`}
                        value={v}
                        checked={answers[q.id] === v}
                        onChange={() => setAnswers((a) => ({ ...a, [q.id]: v }))}
                      />
                      {v === 'yes' ? t('common.yes') : t('common.no')}
                    </label>
                  ))}
                </div>
                {bad ? <p className="field-error">{t('patients.screening.answerThis')}</p> : null}
              </fieldset>
            </li>
          );
        })}
      </ol>
      <div className="form-row">
        <Field
          label={questionText(t, 'age_years')}
          required
          error={ageError}
          hint={
            exactAge === undefined
              ? undefined
              : t('patients.screening.ageHint', {
                  age: number(truncatedAge(exactAge), 2),
                  date: date(localDateInstant(patient.birth_date), 'UTC'),
                })
          }
        >
          {(p) => (
            <input
              {...p}
              type="number"
              inputMode="decimal"
              min={0}
              max={120}
              step="any"
              value={age}
              onChange={(e) => {
                setAge(e.target.value);
                setAgeEdited(true);
              }}
            />
          )}
        </Field>
        <Field label={t('patients.screening.answeredBy')}>
          {(p) => <input {...p} value={answeredBy} maxLength={200} onChange={(e) => setAnsweredBy(e.target.value)} />}
        </Field>
      </div>
      <Field label={t('patients.screening.notes')} hint={t('patients.screening.notesHint')}>
        {(p) => <textarea {...p} rows={2} value={notes} maxLength={2000} onChange={(e) => setNotes(e.target.value)} />}
      </Field>
      <ErrorBox error={error} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy || !protocol}>
          {busy ? t('patients.screening.submitting') : t('patients.screening.submit')}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel} disabled={busy}>
            {t('common.cancel')}
          </button>
        ) : null}
      </div>
    </form>
  );
}

const TONE = { allowed: 'success', precautions: 'warning', refused: 'danger' } as const;

/** A screening's decision with every reason, its effect and its source; a refusal says it blocks the session. */
export function ScreeningDecision({
  screening,
  protocolName,
  outdated,
}: {
  screening: Screening;
  protocolName?: string;
  outdated?: boolean;
}) {
  const t = useT();
  const { dateTime } = useI18n();
  const reasons = [...screening.reasons].sort((a, b) => rank(b) - rank(a));
  return (
    <div className="screening-decision" data-testid="screening-decision" data-result={screening.result}>
      <Banner tone={TONE[screening.result]} title={t(`patients.result.${screening.result}`)}>
        <p className="decision-meta">
          {t('patients.screening.meta', {
            protocol: protocolName ?? screening.protocol,
            date: dateTime(screening.answered_at),
          })}
        </p>
        {screening.result === 'refused' ? <p>{t('patients.screening.refusedBlocks')}</p> : null}
        {outdated ? <p>{t('patients.screening.outdated')}</p> : null}
        {reasons.length > 0 ? (
          <ul className="reasons" aria-label={t('patients.screening.reasons')}>
            {reasons.map((r, i) => (
              <ReasonItem key={`${r.item}-${i}`} reason={r} />
            ))}
          </ul>
        ) : (
          <p>{t('patients.screening.noReasons')}</p>
        )}
      </Banner>
    </div>
  );
}

const rank = (r: ScreeningReason) => (r.effect === 'refuse' ? 2 : r.effect === 'precaution' ? 1 : 0);

/**
 * The reason's own words without the question it repeats: a contraindication's text is "<English question>: <note>"
 * (src/clinic/screening.ts), and the question is already shown in the user's language.
 */
export function reasonNote(t: Translate, reason: ScreeningReason): string {
  if (maybeT(t, `patients.q.${reason.item}`) === undefined) return reason.text;
  const at = reason.text.indexOf(': ');
  return at < 0 ? reason.text : reason.text.slice(at + 2);
}

export function ReasonItem({ reason }: { reason: ScreeningReason }) {
  const t = useT();
  return (
    <li className={`reason reason-${reason.effect}`}>
      <span className={`badge badge-${reason.effect}`}>{t(`patients.effect.${reason.effect}`)}</span>{' '}
      <strong>{reasonSubject(t, reason.item)}</strong>
      <span className="reason-text" lang="en">
        {' '}
        {reasonNote(t, reason)}
      </span>
      <span className="reason-source"> {t('patients.screening.source', { source: reason.source })}</span>
    </li>
  );
}
