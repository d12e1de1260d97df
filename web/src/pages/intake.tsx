import { Page } from '../components/ui';
import { useT } from '../i18n';

export function IntakePage() {
  const t = useT();
  return <Page title={t('patients.title')}>{null}</Page>;
}
