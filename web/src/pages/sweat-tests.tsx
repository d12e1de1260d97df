import { Page } from '../components/ui';
import { useT } from '../i18n';
import { useRouter } from '../router';
import './lab/lab.css';
import { TestDetail } from './lab/test-detail';
import { Worklist } from './lab/worklist';

/**
 * The CF sweat-test laboratory: the worklist and ordering, or one test through its steps. Which test is open travels
 * in the history entry's state (`testId`; `sweatTestId` when the session page sends the user back), never in the URL.
 */
export function SweatTestsPage() {
  const t = useT();
  const { route } = useRouter();
  const testId = route.state.testId ?? route.state.sweatTestId;
  if (testId) return <TestDetail key={testId} testId={testId} />;
  return (
    <Page title={t('lab.title')}>
      <p className="hint">{t('lab.intro')}</p>
      <Worklist />
    </Page>
  );
}
