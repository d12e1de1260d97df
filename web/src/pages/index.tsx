import { lazy, type ComponentType } from 'react';
import type { Role } from '../auth';
import type { MessageKey } from '../i18n';
import type { PageName } from '../router';
// Each page is its own chunk, loaded when first shown: a phone downloads the sign-in and shell first, and the chart
// library only with a page that draws one.
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(async () => ({ default: (await load())[name] }));

export const PAGES: Record<Exclude<PageName, 'sign-in'>, ComponentType> = {
  dashboard: page(() => import('./dashboard'), 'DashboardPage'),
  patients: page(() => import('./patients'), 'PatientsPage'),
  intake: page(() => import('./intake'), 'IntakePage'),
  patient: page(() => import('./patient'), 'PatientPage'),
  session: page(() => import('./session'), 'SessionPage'),
  'sweat-tests': page(() => import('./sweat-tests'), 'SweatTestsPage'),
  simulator: page(() => import('./simulator'), 'SimulatorPage'),
  protocols: page(() => import('./protocols'), 'ProtocolsPage'),
  settings: page(() => import('./settings'), 'SettingsPage'),
  home: page(() => import('./home/home-page'), 'HomePage'),
  'home-summary': page(() => import('./home/summary-page'), 'HomeSummaryPage'),
};

const STAFF: readonly Role[] = ['admin', 'clinician', 'nurse'];
const EVERYONE: readonly Role[] = [...STAFF, 'patient'];

/** The main navigation, by role (the server decides what each role may do; this only hides what it would refuse). */
export const NAV: readonly { page: PageName; label: MessageKey; roles: readonly Role[] }[] = [
  { page: 'dashboard', label: 'nav.dashboard', roles: EVERYONE },
  { page: 'home', label: 'home.nav', roles: ['patient'] },
  { page: 'patients', label: 'nav.patients', roles: STAFF },
  { page: 'sweat-tests', label: 'nav.sweatTests', roles: ['clinician', 'nurse'] },
  { page: 'simulator', label: 'nav.simulator', roles: EVERYONE },
  { page: 'protocols', label: 'nav.protocols', roles: EVERYONE },
  { page: 'settings', label: 'nav.settings', roles: EVERYONE },
];

/** The page that owns a page for the navigation's "current" mark (a patient belongs to Patients). */
export const NAV_SECTION: Partial<Record<PageName, PageName>> = {
  intake: 'patients',
  patient: 'patients',
  session: 'patients',
  'home-summary': 'home',
};
