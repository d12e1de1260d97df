import { Page } from '../components/ui';
import { useT } from '../i18n';

export function SessionPage() {
  const t = useT();
  return <Page title={t('session.title')}>{null}</Page>;
}
