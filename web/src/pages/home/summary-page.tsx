import { api } from '../../api';
import { isStaff, useAuth } from '../../auth';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { Link, useRouter } from '../../router';
import { localDateInstant } from '../patients/model';
import { codeText } from './model';
import { adviceText, findingName } from './tolerance-form';
import { homePath, type HomeSummary } from './types';
import './home.css';

/**
 * The summary a patient shares with their clinic, laid out for printing (GET /api/home/summary): the plan, the
 * current and why, the sessions with their tolerance, the findings and advice, dry days week by week, a relapse flag
 * and the warning signs. The PDF (GET /api/home/summary.pdf) holds the same facts; the page links to it.
 */
export function HomeSummaryPage() {
  const { t, lang, number, date, dateTime } = useI18n();
  const { user } = useAuth();
  const { route } = useRouter();
  const patientId = route.state.patientId;
  const staffFor = isStaff(user.role) ? patientId : undefined;
  const summary = useAsync(
    (signal) => api.get<HomeSummary>(homePath('/api/home/summary', staffFor), { signal }),
    [staffFor],
  );
  const back = (
    <Link to="home" state={patientId ? { patientId } : {}} className="button-link no-print">
      {t('home.backHome')}
    </Link>
  );
  if (summary.loading && !summary.data) return <Loading />;
  if (!summary.data) {
    return (
      <Page title={t('home.summary.title')} actions={back}>
        <ErrorBox error={summary.error} onRetry={summary.reload} />
      </Page>
    );
  }
  const s = summary.data;
  const localDate = (d: string) => date(localDateInstant(d), 'UTC');
  const pdf = homePath('/api/home/summary.pdf', staffFor);

  return (
    <Page title={t('home.summary.title')} actions={back}>
      <div className="home-actions no-print">
        <button type="button" onClick={() => window.print()}>
          {t('home.summary.print')}
        </button>
        <a className="button-link" href={pdf} download="home-treatment-summary.pdf">
          {t('home.sharePdf')}
        </a>
      </div>
      <section className="card" data-testid="summary-plan">
        <h2>{t('home.summary.plan')}</h2>
        <dl className="details">
          <div>
            <dt>{t('home.summary.patient')}</dt>
            <dd>{s.patient.name}</dd>
          </div>
          <div>
            <dt>{t('home.summary.generated')}</dt>
            <dd>{dateTime(s.generated_at, s.patient.time_zone)}</dd>
          </div>
          <div>
            <dt>{t('home.protocol')}</dt>
            <dd>{s.protocol.title}</dd>
          </div>
          <div>
            <dt>{t('home.planStatus')}</dt>
            <dd>{codeText(t, 'home.planStatus', s.plan.status)}</dd>
          </div>
          <div>
            <dt>{t('home.every')}</dt>
            <dd>{t('home.everyDays', { days: s.plan.interval_days })}</dd>
          </div>
          <div>
            <dt>{t('home.current')}</dt>
            <dd className="num">{t('home.unitMA', { value: number(s.titration.current_mA, 1) })}</dd>
          </div>
          <div>
            <dt>{t('home.why')}</dt>
            <dd>
              <strong>{codeText(t, 'home.step', s.titration.step)}</strong> {s.titration.reason}
            </dd>
          </div>
        </dl>
        {s.plan.stopped_reason ? (
          <Banner tone="danger" title={t('home.stoppedReason', { reason: s.plan.stopped_reason })} live={false} />
        ) : null}
        {s.relapse ? (
          <Banner tone="warning" title={t('home.relapse.title')} live={false}>
            {s.relapse.basis}
          </Banner>
        ) : null}
      </section>

      <section className="card">
        <h2>{t('home.summary.sessions')}</h2>
        {s.sessions.length === 0 ? <p className="muted">{t('home.historyEmpty')}</p> : null}
        <div className="table-scroll">
          <table data-testid="summary-sessions">
            <thead>
              <tr>
                <th scope="col">{t('home.summary.date')}</th>
                <th scope="col">{t('home.current')}</th>
                <th scope="col">{t('home.summary.dose')}</th>
                <th scope="col">{t('home.summary.status')}</th>
                <th scope="col">{t('home.summary.tolerance')}</th>
              </tr>
            </thead>
            <tbody>
              {s.sessions.map((x) => (
                <tr key={x.started_at} className={x.tolerance?.findings.length ? 'home-row-finding' : undefined}>
                  <td>{localDate(x.date)}</td>
                  <td className="num">{x.target_mA === null ? '—' : number(x.target_mA, 1)}</td>
                  <td className="num">{number(x.delivered_mAmin, 1)}</td>
                  <td>{codeText(t, 'home.status', x.status)}</td>
                  <td>
                    {x.tolerance
                      ? [
                          t('home.historyTolerance', {
                            sensation: codeText(t, 'home.sensation', x.tolerance.sensation),
                            discomfort: x.tolerance.discomfort,
                          }),
                          ...x.tolerance.findings.map((f) => findingName(t, f)),
                        ].join(' · ')
                      : t('home.historyNoTolerance')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card">
        <h2>{t('home.summary.findings')}</h2>
        {s.findings.length === 0 ? <p className="muted">{t('home.summary.noFindings')}</p> : null}
        <ul data-testid="summary-findings">
          {s.findings.map((f) => (
            <li key={f.session_id}>
              <strong>{localDate(f.date)}</strong>{' '}
              {f.findings.map((x) => (
                <span key={x} className="home-finding">
                  {findingName(t, x)}
                </span>
              ))}
              <ul>
                {f.advice.map((a) => (
                  <li key={a.code}>{adviceText(t, lang, a)}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      </section>

      <section className="card">
        <h2>{t('home.summary.weeks')}</h2>
        {s.weeks.length === 0 ? <p className="muted">{t('home.summary.noWeeks')}</p> : null}
        <ul>
          {s.weeks.map((w) => (
            <li key={w.from}>
              {t('home.diary.week', {
                dry: w.dry_days,
                answered: w.answered,
                from: localDate(w.from),
                to: localDate(w.to),
              })}
            </li>
          ))}
        </ul>
      </section>

      <section className="card">
        <h2>{t('home.warningSigns')}</h2>
        <ul>
          {s.warning_signs.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      </section>
    </Page>
  );
}
