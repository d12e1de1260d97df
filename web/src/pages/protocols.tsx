import { Page } from '../components/ui';
import { useT } from '../i18n';

export function ProtocolsPage() {
  const t = useT();
  return <Page title={t('protocols.title')}>{null}</Page>;
}
