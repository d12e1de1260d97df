import { Banner, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { Link } from '../../router';
import { localDateInstant } from '../patients/model';
import { codeText, loadHome, planBlocked } from './model';
import './home.css';

/**
 * The dashboard's card for a patient user with a home plan: what is due and at what current, a stopped plan's
 * banner, and the way to the home page. Nothing when there is no home plan (or it cannot be read: the page itself
 * says why).
 */
export function HomeCard() {
  const { t, number, date } = useI18n();
  const home = useAsync((signal) => loadHome(undefined, signal).catch(() => undefined), []);
  const view = home.data;
  if (!view) return null;
  const fu = view.follow_up;
  return (
    <section className="card" aria-labelledby="home-card-title" data-testid="home-card">
      <h2 id="home-card-title">{t('home.title')}</h2>
      {planBlocked(view) && view.plan.status === 'stopped' ? (
        <Banner tone="danger" title={t('home.stoppedTitle')} live={false}>
          {t('home.stoppedContact')}
        </Banner>
      ) : null}
      <p className={`home-state home-state-${fu.state}`}>
        {codeText(t, 'home.state', fu.state)} · {date(localDateInstant(fu.next_due), 'UTC')} ·{' '}
        {t('home.unitMA', { value: number(view.titration.current_mA, 1) })}
      </p>
      <Link to="home" className="button-link">
        {t('home.open')}
      </Link>
    </section>
  );
}
