import { useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Banner, ErrorBox } from '../../components/ui';
import { useI18n } from '../../i18n';
import { addDays, localDateInstant } from '../patients/model';
import { newClientId, type HomeView, type SyncResult } from './types';

/** The days a week's diary asks about: the seven local days ending on `lastDay`, oldest first. */
export const diaryDays = (lastDay: string): string[] => Array.from({ length: 7 }, (_, i) => addDays(lastDay, i - 6));

/**
 * The weekly dry-days diary: for each of seven days, dry or not (a day may stay unanswered). Answers go up through the
 * idempotent upload (POST /api/home/sync), each with a client id made once for this form, so sending again after a
 * failure stores each day once; a failed request says so and keeps the answers.
 */
export function DiaryWeekForm({
  lastDay,
  patientId,
  onSaved,
  onCancel,
}: {
  lastDay: string;
  patientId: string | undefined;
  onSaved: (view: HomeView) => void;
  onCancel: () => void;
}) {
  const { t, date } = useI18n();
  const id = useId();
  const days = diaryDays(lastDay);
  const [answers, setAnswers] = useState<Readonly<Record<string, boolean>>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [rejected, setRejected] = useState<SyncResult[]>([]);
  const ids = useRef(new Map<string, string>());
  const clientId = (d: string) => {
    let c = ids.current.get(d);
    if (!c) {
      c = newClientId();
      ids.current.set(d, c);
    }
    return c;
  };
  const answered = days.filter((d) => answers[d] !== undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (answered.length === 0 || busy) return;
    setBusy(true);
    setError(undefined);
    setRejected([]);
    try {
      const r = await api.post<{ results: SyncResult[]; view: HomeView }>('/api/home/sync', {
        ...(patientId ? { patient_id: patientId } : {}),
        records: answered.map((d) => ({ kind: 'diary', client_id: clientId(d), date: d, dry: answers[d] })),
      });
      const bad = r.results.filter((x) => x.status === 'rejected');
      if (bad.length > 0) setRejected(bad);
      else onSaved(r.view);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card home-diary" onSubmit={(e) => void submit(e)} noValidate data-testid="diary-form">
      <h3>{t('home.diary.title')}</h3>
      <p className="hint">{t('home.diary.intro')}</p>
      {days.map((d) => (
        <fieldset key={d} className="home-diary-day">
          <legend>{date(localDateInstant(d), 'UTC')}</legend>
          <div className="home-choices">
            <label className="home-choice">
              <input
                type="radio"
                name={`${id}-${d}`}
                checked={answers[d] === true}
                disabled={busy}
                onChange={() => setAnswers({ ...answers, [d]: true })}
              />
              <span>{t('home.diary.dry')}</span>
            </label>
            <label className="home-choice">
              <input
                type="radio"
                name={`${id}-${d}`}
                checked={answers[d] === false}
                disabled={busy}
                onChange={() => setAnswers({ ...answers, [d]: false })}
              />
              <span>{t('home.diary.notDry')}</span>
            </label>
          </div>
        </fieldset>
      ))}
      {error instanceof ApiError && error.code === 'network' ? (
        <Banner tone="warning" title={t('home.notSent')}>
          {t('home.notSentKept')}
        </Banner>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {rejected.length > 0 ? (
        <Banner tone="danger" title={t('home.diary.rejected')}>
          <ul>
            {rejected.map((r) => (
              <li key={r.client_id}>{r.error?.detail ?? r.error?.code ?? r.status}</li>
            ))}
          </ul>
        </Banner>
      ) : null}
      <div className="home-actions">
        <button type="submit" className="primary" disabled={answered.length === 0 || busy}>
          {busy ? t('home.sending') : t('home.diary.save', { count: answered.length })}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          {t('home.cancel')}
        </button>
      </div>
    </form>
  );
}
