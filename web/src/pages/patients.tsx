import { useEffect, useMemo, useState } from 'react';
import { api, query as apiQuery } from '../api';
import { ErrorBox, Field, Loading, Page, useAsync } from '../components/ui';
import { useI18n, useT } from '../i18n';
import { Link, useRouter } from '../router';
import { ageInYears, localDateInstant, localToday, truncatedAge, type Patient } from './patients/model';
import './patients/patients.css';

const PAGE_SIZE = 50;
/** Wait this long after the last keystroke before searching, so typing a name asks the server once. */
const SEARCH_DELAY_MS = 300;

interface PatientPage {
  items: Patient[];
  next?: string;
}

export function PatientsPage() {
  const t = useT();
  const { number, date } = useI18n();
  const { navigate } = useRouter();
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQuery(search.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search]);
  // The server searches (accents and case ignored) and pages; only the patients shown are read, and audited.
  const first = useAsync(
    (signal) => api.get<PatientPage>(`/api/patients${apiQuery({ limit: PAGE_SIZE, q: query })}`, { signal }),
    [query],
  );
  const [more, setMore] = useState<{ items: Patient[]; next?: string; loading: boolean; error?: unknown }>({
    items: [],
    loading: false,
  });
  useEffect(() => setMore({ items: [], loading: false }), [first.data]);
  const next = more.items.length > 0 || more.error !== undefined ? more.next : first.data?.next;
  const loadMore = async () => {
    if (!next) return;
    setMore((m) => ({ ...m, loading: true, error: undefined }));
    try {
      const page = await api.get<PatientPage>(`/api/patients${apiQuery({ limit: PAGE_SIZE, q: query, cursor: next })}`);
      setMore((m) => ({ items: [...m.items, ...page.items], next: page.next, loading: false }));
    } catch (error) {
      setMore((m) => ({ ...m, loading: false, error }));
    }
  };
  const matches = useMemo(
    () => [...(first.data?.items ?? []), ...more.items].sort((a, b) => a.name.localeCompare(b.name)),
    [first.data, more.items],
  );
  const count = next ? `${number(matches.length)}+` : number(matches.length);
  const visible = matches;
  const list = { ...first, data: first.data ? matches : undefined };

  return (
    <Page
      title={t('patients.title')}
      actions={
        <button type="button" className="primary" onClick={() => navigate('intake')}>
          {t('patients.new')}
        </button>
      }
    >
      <form role="search" onSubmit={(e) => e.preventDefault()} className="search-form">
        <Field label={t('patients.search')} hint={t('patients.searchHint')}>
          {(p) => (
            <input {...p} type="search" autoComplete="off" value={search} onChange={(e) => setSearch(e.target.value)} />
          )}
        </Field>
      </form>
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data ? (
        <>
          <p role="status" aria-live="polite" className="muted">
            {query === '' ? t('patients.count', { count }) : t('patients.matches', { count, query })}
          </p>
          {list.data.length === 0 && query === '' ? (
            <div className="empty">
              <p>{t('patients.empty')}</p>
              <button type="button" className="primary" onClick={() => navigate('intake')}>
                {t('patients.new')}
              </button>
            </div>
          ) : matches.length === 0 ? (
            <p className="empty">{t('patients.noMatch')}</p>
          ) : (
            <div className="table-scroll">
              <table>
                <caption className="visually-hidden">{t('patients.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('patients.name')}</th>
                    <th scope="col">{t('patients.birthDate')}</th>
                    <th scope="col" className="num">
                      {t('patients.age')}
                    </th>
                    <th scope="col">{t('patients.timeZone')}</th>
                  </tr>
                </thead>
                <tbody>
                  {visible.map((p) => {
                    const age = ageInYears(p.birth_date, localToday(p.time_zone));
                    return (
                      <tr key={p.id}>
                        <td>
                          <Link to="patient" state={{ patientId: p.id }}>
                            {p.name}
                          </Link>
                        </td>
                        <td>{date(localDateInstant(p.birth_date), 'UTC')}</td>
                        <td className="num">{age === undefined ? '—' : number(Math.floor(truncatedAge(age)))}</td>
                        <td>{p.time_zone}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <ErrorBox error={more.error} />
          {next ? (
            <div className="button-row">
              <button type="button" onClick={() => void loadMore()} disabled={more.loading}>
                {t('common.loadMore')}
              </button>
            </div>
          ) : null}
        </>
      ) : null}
    </Page>
  );
}
