import { defineMessages } from './define';

export const session = defineMessages({
  en: {
    'session.title': 'Session',
  },
  fr: {
    'session.title': 'Séance',
  },
  it: {
    'session.title': 'Seduta',
  },
});
