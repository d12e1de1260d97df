import { defineMessages } from './define';

export const patients = defineMessages({
  en: {
    'patients.title': 'Patients',
  },
  fr: {
    'patients.title': 'Patients',
  },
  it: {
    'patients.title': 'Pazienti',
  },
});
