import { defineMessages } from './define';

export const simulator = defineMessages({
  en: {
    'simulator.title': 'Simulator',
  },
  fr: {
    'simulator.title': 'Simulateur',
  },
  it: {
    'simulator.title': 'Simulatore',
  },
});
