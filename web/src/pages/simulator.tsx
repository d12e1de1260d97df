import { Page } from '../components/ui';
import { useT } from '../i18n';

export function SimulatorPage() {
  const t = useT();
  return <Page title={t('simulator.title')}>{null}</Page>;
}
