import { Suspense, useCallback, useEffect, useState } from 'react';
import { ApiError, api, onUnauthenticated, setCsrfToken } from './api';
import { AuthProvider, type User } from './auth';
import { ErrorBox, Loading } from './components/ui';
import { LanguageSwitch } from './components/language-switch';
import { useT } from './i18n';
import { NAV, NAV_SECTION, PAGES } from './pages';
import { SignInPage } from './pages/sign-in';
import { Link, useRouter } from './router';

type AuthState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; expired: boolean }
  | { kind: 'signed-in'; user: User }
  | { kind: 'error'; error: unknown };

export function App() {
  const [auth, setAuth] = useState<AuthState>({ kind: 'loading' });
  const { route, navigate } = useRouter();

  const check = useCallback(() => {
    setAuth({ kind: 'loading' });
    api.get<{ user: User; csrfToken: string }>('/api/auth/me').then(
      (me) => {
        setCsrfToken(me.csrfToken);
        setAuth({ kind: 'signed-in', user: me.user });
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setAuth({ kind: 'signed-out', expired: false });
        else setAuth({ kind: 'error', error: e });
      },
    );
  }, []);

  useEffect(check, [check]);
  useEffect(
    () =>
      onUnauthenticated(() => {
        setCsrfToken(undefined);
        setAuth((a) => (a.kind === 'signed-in' ? { kind: 'signed-out', expired: true } : a));
      }),
    [],
  );

  const signOut = useCallback(async () => {
    try {
      await api.post('/api/auth/sign-out');
    } finally {
      setCsrfToken(undefined);
      setAuth({ kind: 'signed-out', expired: false });
      navigate('dashboard', {}, { replace: true });
    }
  }, [navigate]);

  if (auth.kind === 'loading') return <Loading />;
  if (auth.kind === 'error') return <ErrorBox error={auth.error} onRetry={check} />;
  if (auth.kind === 'signed-out') {
    return (
      <SignInPage
        expired={auth.expired}
        onSignedIn={(user) => {
          setAuth({ kind: 'signed-in', user });
          if (route.page === 'sign-in') navigate('dashboard', {}, { replace: true });
        }}
      />
    );
  }
  return (
    <AuthProvider value={{ user: auth.user, signOut }}>
      <Shell user={auth.user} signOut={signOut} />
    </AuthProvider>
  );
}

function Shell({ user, signOut }: { user: User; signOut: () => Promise<void> }) {
  const t = useT();
  const { route } = useRouter();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route]);
  // Signed in already: the sign-in address shows the dashboard.
  const page = route.page === 'not-found' ? undefined : route.page === 'sign-in' ? 'dashboard' : route.page;
  const Current = page ? PAGES[page] : undefined;
  const section = page ? (NAV_SECTION[page] ?? page) : undefined;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="top-bar">
        <span className="brand">{t('common.appName')}</span>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {menuOpen ? t('common.closeMenu') : t('common.menu')}
        </button>
        <div className="top-bar-end">
          <span className="who">{t('common.signedInAs', { email: user.email, role: t(`role.${user.role}`) })}</span>
          <LanguageSwitch />
          <button type="button" onClick={() => void signOut()}>
            {t('common.signOut')}
          </button>
        </div>
      </header>
      <nav id="main-nav" className={`main-nav${menuOpen ? ' open' : ''}`} aria-label={t('common.mainNav')}>
        <ul>
          {NAV.filter((n) => n.roles.includes(user.role)).map((n) => (
            <li key={n.page}>
              <Link to={n.page} current={section === n.page}>
                {t(n.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content">
        {Current ? (
          <Suspense fallback={<Loading />}>
            <Current key={route.page} />
          </Suspense>
        ) : (
          <section className="page">
            <h1>{t('common.pageNotFound')}</h1>
            <Link to="dashboard">{t('common.goHome')}</Link>
          </section>
        )}
      </main>
    </div>
  );
}
