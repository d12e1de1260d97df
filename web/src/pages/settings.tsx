import { Page } from '../components/ui';
import { useT } from '../i18n';

export function SettingsPage() {
  const t = useT();
  return <Page title={t('settings.title')}>{null}</Page>;
}
