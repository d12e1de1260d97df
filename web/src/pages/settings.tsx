import { useAuth } from '../auth';
import { Page } from '../components/ui';
import { useT } from '../i18n';
import './lab/lab.css';
import './settings/settings.css';
import { DevicesSection } from './settings/devices';
import { LanguageSection } from './settings/language';
import { PasswordSection } from './settings/password';
import { TokensSection } from './settings/tokens';

/** Language, the own account (password, script tokens), and for a clinic's admin its devices. */
export function SettingsPage() {
  const t = useT();
  const { user } = useAuth();
  return (
    <Page title={t('settings.title')}>
      <LanguageSection />
      <PasswordSection />
      <TokensSection />
      {user.role === 'admin' && user.clinic_id !== null ? <DevicesSection /> : null}
    </Page>
  );
}
