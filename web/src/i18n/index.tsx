import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { LANGS, type Lang } from './define';
import { common } from './common';
import { dashboard } from './dashboard';
import { patients } from './patients';
import { session } from './session';
import { lab } from './lab';
import { simulator } from './simulator';
import { protocols } from './protocols';
import { settings } from './settings';
import { home } from './home';

/** Every area's messages; keys are prefixed by area so they never collide (a test checks). */
export const AREAS = { common, dashboard, patients, session, lab, simulator, protocols, settings, home };

type Merge<T> = { [A in keyof T]: T[A] extends { en: infer E } ? keyof E : never }[keyof T];
export type MessageKey = Merge<typeof AREAS> & string;

function table(lang: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const area of Object.values(AREAS)) Object.assign(out, area[lang]);
  return out;
}
const TABLES: Record<Lang, Record<string, string>> = { en: table('en'), fr: table('fr'), it: table('it') };

const STORAGE_KEY = 'ionto.lang';

/** The first of the browser's languages the app speaks, else English. */
export function browserLanguage(languages: readonly string[]): Lang {
  for (const l of languages) {
    const base = l.toLowerCase().split('-')[0];
    const hit = LANGS.find((x) => x === base);
    if (hit) return hit;
  }
  return 'en';
}

function initialLanguage(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    const hit = LANGS.find((x) => x === saved);
    if (hit) return hit;
  } catch {
    // Storage can be refused (private mode); the browser's language then decides.
  }
  return browserLanguage(navigator.languages ?? [navigator.language]);
}

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Fills `{name}` placeholders; a missing parameter stays visible as `{name}` rather than vanishing. */
export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t: Translate;
  /** Numbers, dates and times in the current language. */
  number(n: number, digits?: number): string;
  date(iso: string | Date, zone?: string): string;
  dateTime(iso: string | Date, zone?: string): string;
  time(iso: string | Date, zone?: string): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // Not saved: the choice lasts until the page is reloaded.
    }
  }, []);
  const value = useMemo<I18n>(() => {
    const messages = TABLES[lang];
    const d = (iso: string | Date) => (typeof iso === 'string' ? new Date(iso) : iso);
    const zoned = (zone?: string) => (zone ? { timeZone: zone } : {});
    return {
      lang,
      setLang,
      t: (key, params) => format(messages[key] ?? TABLES.en[key] ?? key, params),
      number: (n, digits) =>
        new Intl.NumberFormat(
          lang,
          digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits },
        ).format(n),
      date: (iso, zone) => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', ...zoned(zone) }).format(d(iso)),
      dateTime: (iso, zone) =>
        new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', ...zoned(zone) }).format(d(iso)),
      time: (iso, zone) => new Intl.DateTimeFormat(lang, { timeStyle: 'medium', ...zoned(zone) }).format(d(iso)),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export function useT(): Translate {
  return useI18n().t;
}
