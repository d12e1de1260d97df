import { useState, type FormEvent } from 'react';
import { ApiError, api } from '../../api';
import { Banner, ErrorBox, Field } from '../../components/ui';
import { useI18n } from '../../i18n';

/** The server's rule for a new password (src/server/request-schemas.ts NewPassword): at least 15 characters. */
const MIN_PASSWORD = 15;

/** Change the own password: the current one, the new one twice. Other signed-in sessions end; this one stays. */
export function PasswordSection() {
  const { t, number } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (current === '') errs.current = t('settings.err.current');
    if ([...next].length < MIN_PASSWORD) errs.next = t('settings.err.short', { n: number(MIN_PASSWORD) });
    if (again !== next) errs.again = t('settings.err.mismatch');
    setErrors(errs);
    setDone(false);
    if (Object.keys(errs).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/account/password', { current_password: current, new_password: next });
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
    } catch (err) {
      // A wrong current password answers 403; say it at the field rather than as "your role may not".
      if (err instanceof ApiError && err.status === 403) setErrors({ current: t('settings.err.wrongCurrent') });
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="settings-password">
      <h2 id="settings-password">{t('settings.password')}</h2>
      <p className="hint">{t('settings.passwordIntro')}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t('settings.currentPassword')} required {...(errors.current ? { error: errors.current } : {})}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field
          label={t('settings.newPassword')}
          hint={t('settings.newPasswordHint', { n: number(MIN_PASSWORD) })}
          required
          {...(errors.next ? { error: errors.next } : {})}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('settings.repeatPassword')} required {...(errors.again ? { error: errors.again } : {})}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
            />
          )}
        </Field>
        <ErrorBox error={error} />
        <div role="status">{done ? <Banner tone="success">{t('settings.passwordChanged')}</Banner> : null}</div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('settings.saving') : t('settings.changePassword')}
        </button>
      </form>
    </section>
  );
}
