import { Page } from '../components/ui';
import { useT } from '../i18n';

export function DashboardPage() {
  const t = useT();
  return <Page title={t('dashboard.title')}>{null}</Page>;
}
