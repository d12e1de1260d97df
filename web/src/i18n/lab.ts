import { defineMessages } from './define';

export const lab = defineMessages({
  en: {
    'lab.title': 'Sweat tests',
  },
  fr: {
    'lab.title': 'Tests de la sueur',
  },
  it: {
    'lab.title': 'Test del sudore',
  },
});
