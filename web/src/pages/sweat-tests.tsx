import { Page } from '../components/ui';
import { useT } from '../i18n';

export function SweatTestsPage() {
  const t = useT();
  return <Page title={t('lab.title')}>{null}</Page>;
}
