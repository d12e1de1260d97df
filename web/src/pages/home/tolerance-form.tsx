import { useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Banner, ErrorBox, useAsync } from '../../components/ui';
import { useI18n, type MessageKey, type Translate } from '../../i18n';
import {
  DISCOMFORT_MAX,
  NOTE_MAX,
  SENSATIONS,
  SKIN_FINDINGS,
  STOPPING_FINDINGS,
  newClientId,
  type Sensation,
  type SkinFinding,
  type ToleranceAdvice,
  type ToleranceRecord,
} from './types';
import './home.css';

/**
 * An advice: the server's own text in English (it names the findings, the discomfort and the fault codes), else its
 * code's message in the user's language when the table has one, else the server's text.
 */
export function adviceText(t: Translate, lang: string, a: ToleranceAdvice): string {
  if (lang === 'en') return a.text;
  const key = `home.advice.${a.code}` as MessageKey;
  const text = t(key);
  return text === key ? a.text : text;
}

/** A finding's name in the user's language. */
export const findingName = (t: Translate, f: string): string => {
  const key = `home.finding.${f}` as MessageKey;
  const text = t(key);
  return text === key ? f : text;
};

/** The advice that came back with a tolerance record, and the stopped course's banner after a burn or vesicles. */
export function ToleranceResult({ record }: { record: ToleranceRecord }) {
  const { t, lang } = useI18n();
  return (
    <div data-testid="tolerance-result">
      {record.assessment.stopCourse ? (
        <Banner tone="danger" title={t('home.stoppedTitle')} testId="course-stopped">
          <p>{t('home.stoppedContact')}</p>
        </Banner>
      ) : (
        <Banner tone="success" title={t('home.tolerance.recorded')} />
      )}
      {record.assessment.advice.length > 0 ? (
        <>
          <h3>{t('home.tolerance.advice')}</h3>
          <ul className="home-advice">
            {record.assessment.advice.map((a) => (
              <li key={a.code} data-advice={a.code}>
                {adviceText(t, lang, a)} <span className="muted">{t('home.source', { source: a.source })}</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/**
 * After a session: how it felt (sensation, discomfort 0–10 with its number), what the skin shows (findings), a note,
 * and the engine's events of that session sent along. The record carries a client id made once for this form, so
 * sending it again after a failed request stores it once; a failed request says so and keeps everything typed.
 */
export function ToleranceForm({
  sessionId,
  engineEvents,
  onRecorded,
}: {
  sessionId: string;
  engineEvents: readonly string[];
  onRecorded?: (r: ToleranceRecord) => void;
}) {
  const { t, number } = useI18n();
  const id = useId();
  const [sensation, setSensation] = useState<Sensation | ''>('');
  const [discomfort, setDiscomfort] = useState(0);
  const [findings, setFindings] = useState<ReadonlySet<SkinFinding>>(new Set());
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [record, setRecord] = useState<ToleranceRecord | undefined>();
  const clientId = useRef(newClientId());
  // A session's record may exist already (the page was reloaded after sending): show it rather than a second form.
  const stored = useAsync(
    () =>
      api.get<ToleranceRecord>(`/api/sessions/${encodeURIComponent(sessionId)}/tolerance`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return undefined;
        throw e;
      }),
    [sessionId],
  );
  const shown = record ?? stored.data;

  if (shown) {
    return (
      <section className="card home-tolerance" aria-labelledby={`${id}-title`} data-testid="tolerance-form">
        <h2 id={`${id}-title`}>{t('home.tolerance.title')}</h2>
        <ToleranceResult record={shown} />
      </section>
    );
  }

  const missingSensation = sensation === '';
  const stopping = [...findings].some((f) => STOPPING_FINDINGS.has(f));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (missingSensation || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<ToleranceRecord>(`/api/sessions/${encodeURIComponent(sessionId)}/tolerance`, {
        entry: {
          sensation,
          discomfort,
          findings: SKIN_FINDINGS.filter((f) => findings.has(f)),
          engine_events: [...engineEvents],
          ...(note.trim() === '' ? {} : { note: note.trim() }),
        },
        client_id: clientId.current,
      });
      setRecord(r);
      onRecorded?.(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card home-tolerance" aria-labelledby={`${id}-title`} data-testid="tolerance-form">
      <h2 id={`${id}-title`}>{t('home.tolerance.title')}</h2>
      <p className="hint">{t('home.tolerance.intro')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <fieldset>
          <legend>
            {t('home.tolerance.sensation')} <span className="required">({t('common.required')})</span>
          </legend>
          <div className="home-choices">
            {SENSATIONS.map((s) => (
              <label key={s} className="home-choice">
                <input
                  type="radio"
                  name={`${id}-sensation`}
                  value={s}
                  checked={sensation === s}
                  disabled={busy}
                  onChange={() => setSensation(s)}
                />
                <span>{t(`home.sensation.${s}`)}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-discomfort`}>{t('home.tolerance.discomfort')}</label>
          <div className="home-slider">
            <input
              id={`${id}-discomfort`}
              type="range"
              min={0}
              max={DISCOMFORT_MAX}
              step={1}
              value={discomfort}
              disabled={busy}
              aria-describedby={`${id}-discomfort-hint`}
              aria-valuetext={t('home.tolerance.discomfortValue', { value: discomfort, max: DISCOMFORT_MAX })}
              onChange={(e) => setDiscomfort(Number(e.target.value))}
            />
            <output htmlFor={`${id}-discomfort`} className="home-slider-value num" data-testid="discomfort-value">
              {number(discomfort)}
            </output>
          </div>
          <p className="hint" id={`${id}-discomfort-hint`}>
            {t('home.tolerance.discomfortHint', { max: DISCOMFORT_MAX })}
          </p>
        </div>
        <fieldset>
          <legend>{t('home.tolerance.findings')}</legend>
          <div className="home-choices">
            {SKIN_FINDINGS.map((f) => (
              <label key={f} className="home-choice">
                <input
                  type="checkbox"
                  checked={findings.has(f)}
                  disabled={busy}
                  onChange={(e) => {
                    const next = new Set(findings);
                    if (e.target.checked) next.add(f);
                    else next.delete(f);
                    setFindings(next);
                  }}
                />
                <span>{findingName(t, f)}</span>
              </label>
            ))}
          </div>
          {stopping ? <p className="hint home-warn">{t('home.tolerance.stoppingHint')}</p> : null}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-note`}>{t('home.tolerance.note')}</label>
          <textarea
            id={`${id}-note`}
            rows={3}
            maxLength={NOTE_MAX}
            value={note}
            disabled={busy}
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
        {engineEvents.length > 0 ? (
          <p className="hint">{t('home.tolerance.events', { count: engineEvents.length })}</p>
        ) : null}
        {error ? (
          <>
            {error instanceof ApiError && error.code === 'network' ? (
              <Banner tone="warning" title={t('home.notSent')} testId="tolerance-not-sent">
                {t('home.notSentKept')}
              </Banner>
            ) : null}
            <ErrorBox error={error} />
          </>
        ) : null}
        <div className="home-actions">
          <button type="submit" className="primary session-big" disabled={missingSensation || busy}>
            {busy ? t('home.sending') : t('home.tolerance.submit')}
          </button>
          {missingSensation ? <p className="hint">{t('home.tolerance.chooseSensation')}</p> : null}
        </div>
      </form>
    </section>
  );
}
