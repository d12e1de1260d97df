import { defineMessages } from './define';

export const dashboard = defineMessages({
  en: {
    'dashboard.title': 'Dashboard',
  },
  fr: {
    'dashboard.title': 'Tableau de bord',
  },
  it: {
    'dashboard.title': 'Bacheca',
  },
});
