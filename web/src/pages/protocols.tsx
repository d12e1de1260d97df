import { Page } from '../components/ui';
import { useT } from '../i18n';
import { useRouter } from '../router';
import './lab/lab.css';
import './protocols/protocols.css';
import { ProtocolDetail } from './protocols/protocol-detail';
import { ProtocolList } from './protocols/protocol-list';

/** The protocol library: the list, or one protocol in full (its id travels in the history entry's state). */
export function ProtocolsPage() {
  const t = useT();
  const { route } = useRouter();
  const id = route.state.protocolId;
  if (id) return <ProtocolDetail key={id} id={id} />;
  return (
    <Page title={t('protocols.title')}>
      <ProtocolList />
    </Page>
  );
}
