import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';

/**
 * Pages and their paths. A path names a page only: which patient, session or test a page shows travels in the
 * history entry's state, never in the URL, so no patient data reaches the address bar, bookmarks, the server's logs or
 * a Referer header. Reloading keeps the state (browsers keep `history.state` across reloads).
 */
export const PATHS = {
  'sign-in': '/sign-in',
  dashboard: '/',
  patients: '/patients',
  intake: '/patients/new',
  patient: '/patient',
  session: '/session',
  'sweat-tests': '/sweat-tests',
  simulator: '/simulator',
  protocols: '/protocols',
  settings: '/settings',
  home: '/home',
  'home-summary': '/home/summary',
} as const;

export type PageName = keyof typeof PATHS;

/** Opaque identifiers and view switches only (ids, a tab name): never names or other patient data. */
export type RouteState = Readonly<Record<string, string>>;

export interface Route {
  page: PageName | 'not-found';
  state: RouteState;
}

function current(): Route {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = (Object.keys(PATHS) as PageName[]).find((p) => PATHS[p] === path) ?? 'not-found';
  const raw: unknown = history.state;
  const state: Record<string, string> = {};
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') state[k] = v;
  }
  return { page, state };
}

interface Router {
  route: Route;
  navigate(page: PageName, state?: RouteState, opts?: { replace?: boolean }): void;
}

const RouterContext = createContext<Router | undefined>(undefined);

let focusRequested = false;

/**
 * Whether the page just shown was reached by navigating within the app (then its heading takes focus, so screen
 * readers announce it); a page loaded by the browser keeps focus at the document's start, where "Skip to content"
 * is the first stop. Answers once per navigation.
 */
export function takeFocusRequest(): boolean {
  const r = focusRequested;
  focusRequested = false;
  return r;
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const onPop = () => {
      focusRequested = true;
      setRoute(current());
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((page: PageName, state: RouteState = {}, opts: { replace?: boolean } = {}) => {
    if (opts.replace) history.replaceState({ ...state }, '', PATHS[page]);
    else history.pushState({ ...state }, '', PATHS[page]);
    focusRequested = true;
    setRoute({ page, state: { ...state } });
    window.scrollTo(0, 0);
  }, []);
  return <RouterContext.Provider value={{ route, navigate }}>{children}</RouterContext.Provider>;
}

export function useRouter(): Router {
  const v = useContext(RouterContext);
  if (!v) throw new Error('useRouter outside RouterProvider');
  return v;
}

/** A link to a page: a real anchor (middle-click and keyboard work) that navigates within the app. */
export function Link({
  to,
  state,
  children,
  className,
  current,
}: {
  to: PageName;
  state?: RouteState;
  children: ReactNode;
  className?: string;
  /** Marks the link as the current page for assistive technology. */
  current?: boolean;
}) {
  const { navigate } = useRouter();
  return (
    <a
      href={PATHS[to]}
      className={className}
      aria-current={current ? 'page' : undefined}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(to, state);
      }}
    >
      {children}
    </a>
  );
}
