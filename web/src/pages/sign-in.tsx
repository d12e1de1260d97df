import { useState, type FormEvent } from 'react';
import { ApiError, api, setCsrfToken } from '../api';
import type { User } from '../auth';
import { Banner, Field } from '../components/ui';
import { LanguageSwitch } from '../components/language-switch';
import { useT } from '../i18n';

export function SignInPage({ onSignedIn, expired }: { onSignedIn: (user: User) => void; expired: boolean }) {
  const t = useT();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ user: User; csrfToken: string }>('/api/auth/sign-in', {
        email: email.trim(),
        password,
      });
      setCsrfToken(res.csrfToken);
      onSignedIn(res.user);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(t('signIn.rateLimited'));
      else if (err instanceof ApiError && err.code === 'network') setError(t('error.network'));
      else setError(t('signIn.failed'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <div className="sign-in-top">
          <p className="brand">{t('common.appName')}</p>
          <LanguageSwitch />
        </div>
        <h1>{t('signIn.title')}</h1>
        <p>{t('signIn.intro')}</p>
        {expired ? <Banner tone="info">{t('signIn.expired')}</Banner> : null}
        {error ? <Banner tone="danger">{error}</Banner> : null}
        <form onSubmit={submit} noValidate={false}>
          <Field label={t('signIn.email')} required>
            {(p) => (
              <input
                {...p}
                type="email"
                autoComplete="username"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label={t('signIn.password')} required>
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
      </div>
    </main>
  );
}
