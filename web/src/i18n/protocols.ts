import { defineMessages } from './define';

export const protocols = defineMessages({
  en: {
    'protocols.title': 'Protocols',
  },
  fr: {
    'protocols.title': 'Protocoles',
  },
  it: {
    'protocols.title': 'Protocolli',
  },
});
