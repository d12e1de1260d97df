import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Banner, ErrorBox, Field, Loading, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { ConfirmedAction, SecretOnce } from './secret-once';

interface Token {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

/** Personal API tokens for scripts: create (the token is shown once), list, revoke after a confirmation. */
export function TokensSection() {
  const { t, dateTime } = useI18n();
  const list = useAsync((signal) => api.get<{ items: Token[] }>('/api/account/tokens', { signal }), []);
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [nameError, setNameError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [revoking, setRevoking] = useState<Token>();
  const [revoked, setRevoked] = useState<string>();

  async function create(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === '') {
      setNameError(t('settings.err.tokenName'));
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(undefined);
    setRevoked(undefined);
    try {
      // A date means the end of that day in the browser's zone.
      const expiresAt = expires === '' ? null : new Date(`${expires}T23:59:59`).toISOString();
      const res = await api.post<Token & { token: string }>('/api/account/tokens', {
        name: name.trim(),
        expires_at: expiresAt,
      });
      setCreated({ name: res.name, token: res.token });
      setName('');
      setExpires('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(tok: Token) {
    setBusy(true);
    setError(undefined);
    try {
      await api.del(`/api/account/tokens/${encodeURIComponent(tok.id)}`);
      setRevoking(undefined);
      setRevoked(tok.name);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const items = list.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="settings-tokens">
      <h2 id="settings-tokens">{t('settings.tokens')}</h2>
      <p className="hint">{t('settings.tokensIntro')}</p>
      {created ? (
        <SecretOnce
          title={t('settings.tokenCreated', { name: created.name })}
          secret={created.token}
          onDone={() => setCreated(undefined)}
        />
      ) : null}
      <div role="status">{revoked ? <p>{t('settings.tokenRevoked', { name: revoked })}</p> : null}</div>
      <ErrorBox error={error} />
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data && items.length === 0 ? <p className="muted">{t('settings.noTokens')}</p> : null}
      {items.length > 0 ? (
        <div className="table-scroll lab-scroll">
          <table data-testid="token-list">
            <caption className="visually-hidden">{t('settings.tokens')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.tokenName')}</th>
                <th scope="col">{t('settings.createdAt')}</th>
                <th scope="col">{t('settings.lastUsed')}</th>
                <th scope="col">{t('settings.expires')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('settings.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((tok) => (
                <tr key={tok.id}>
                  <td>{tok.name}</td>
                  <td>{dateTime(tok.created_at)}</td>
                  <td>{tok.last_used_at ? dateTime(tok.last_used_at) : t('settings.never')}</td>
                  <td>{tok.expires_at ? dateTime(tok.expires_at) : t('settings.noExpiry')}</td>
                  <td>
                    <ConfirmedAction
                      asking={revoking?.id === tok.id}
                      label={t('settings.revoke')}
                      ariaLabel={t('settings.revokeNamed', { name: tok.name })}
                      onAsk={() => setRevoking(tok)}
                      message={t('settings.revokeConfirm', { name: tok.name })}
                      confirmLabel={t('settings.revokeYes')}
                      busy={busy}
                      onConfirm={() => void revoke(tok)}
                      onCancel={() => setRevoking(undefined)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form onSubmit={create} noValidate className="settings-form">
        <h3>{t('settings.newToken')}</h3>
        <Field
          label={t('settings.tokenName')}
          hint={t('settings.tokenNameHint')}
          required
          {...(nameError ? { error: nameError } : {})}
        >
          {(p) => <input {...p} maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label={t('settings.expiresOn')} hint={t('settings.expiresHint')}>
          {(p) => <input {...p} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.createToken')}
        </button>
      </form>
      <Banner tone="info">{t('settings.tokenUse')}</Banner>
    </section>
  );
}
