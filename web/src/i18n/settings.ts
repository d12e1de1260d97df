import { defineMessages } from './define';

export const settings = defineMessages({
  en: {
    'settings.title': 'Settings',
  },
  fr: {
    'settings.title': 'Paramètres',
  },
  it: {
    'settings.title': 'Impostazioni',
  },
});
