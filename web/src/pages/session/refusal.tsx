import { ApiError } from '../../api';
import { ErrorBox } from '../../components/ui';
import { useT, type MessageKey } from '../../i18n';

/** Codes POST /api/sessions answers with a refusal the page explains in its own words. */
const REFUSALS = new Set([
  'ION_ERR_CONTRAINDICATED',
  'ION_ERR_FREQUENCY_CAP',
  'ION_ERR_VALIDATION',
  'ION_ERR_CONFLICT',
  'ION_ERR_OUT_OF_RANGE',
  'ION_ERR_UNKNOWN_ZONE',
  'ION_ERR_NOT_FOUND',
  'ION_ERR_FORBIDDEN',
]);

/**
 * A refused start: what was refused in the user's language (by catalogue code), what to do for a missing or outdated
 * screening, the server's own reason (English, it names the steps, caps and screening items) and the reassurance that
 * nothing started. Anything else (network, server failure) is the common error box.
 */
export function StartRefusal({ error }: { error: unknown }) {
  const t = useT();
  if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) return <ErrorBox error={error} />;
  const title = REFUSALS.has(error.code)
    ? t(`session.refused.${error.code}` as MessageKey)
    : t('session.refused.other');
  let advice: string | undefined;
  if (error.code === 'ION_ERR_CONTRAINDICATED') {
    if (/no screening/.test(error.detail)) advice = t('session.refused.screeningMissing');
    else if (/older than/.test(error.detail)) advice = t('session.refused.screeningOutdated');
  }
  return (
    <div className="banner banner-danger" role="alert" data-testid="session-refusal" data-code={error.code}>
      <strong className="banner-title">{title}</strong>
      {advice ? <p>{advice}</p> : null}
      <p className="error-detail">{t('session.refused.reason', { detail: error.detail })}</p>
      {error.errors.length > 0 ? (
        <ul>
          {error.errors.map((f) => (
            <li key={f.path + f.message}>
              {t('error.field', { field: f.path })}: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      <p>{t('session.refused.nothing')}</p>
    </div>
  );
}
