import type { ComponentType } from 'react';
import type { Role } from '../auth';
import type { MessageKey } from '../i18n';
import type { PageName } from '../router';
import { DashboardPage } from './dashboard';
import { IntakePage } from './intake';
import { PatientPage } from './patient';
import { PatientsPage } from './patients';
import { ProtocolsPage } from './protocols';
import { SessionPage } from './session';
import { SettingsPage } from './settings';
import { SimulatorPage } from './simulator';
import { SweatTestsPage } from './sweat-tests';

export const PAGES: Record<Exclude<PageName, 'sign-in'>, ComponentType> = {
  dashboard: DashboardPage,
  patients: PatientsPage,
  intake: IntakePage,
  patient: PatientPage,
  session: SessionPage,
  'sweat-tests': SweatTestsPage,
  simulator: SimulatorPage,
  protocols: ProtocolsPage,
  settings: SettingsPage,
};

const STAFF: readonly Role[] = ['admin', 'clinician', 'nurse'];
const EVERYONE: readonly Role[] = [...STAFF, 'patient'];

/** The main navigation, by role (the server decides what each role may do; this only hides what it would refuse). */
export const NAV: readonly { page: PageName; label: MessageKey; roles: readonly Role[] }[] = [
  { page: 'dashboard', label: 'nav.dashboard', roles: EVERYONE },
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
};
