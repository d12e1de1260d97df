import { useT } from '../../i18n';
import { Link } from '../../router';
import { LiveView } from '../session/live-view';

/**
 * The guided session's live part: the session page's own live view (phase, time left, chart, dose, pause and stop,
 * events), which at the end shows the report, the protocol's post-steps and the tolerance form.
 */
export function GuidedLive({ sessionId, patientId }: { sessionId: string; patientId: string | undefined }) {
  const t = useT();
  return (
    <div className="home-guided" data-testid="home-guided">
      <p className="hint">{t('home.guidedIntro')}</p>
      <LiveView sessionId={sessionId} />
      <p>
        <Link to="home" state={patientId ? { patientId } : {}} className="button-link">
          {t('home.backHome')}
        </Link>
      </p>
    </div>
  );
}
