import { defineMessages } from './define';

/** The dashboard: today's planned sessions and the overdue ones (staff), or a patient's own next session. */
export const dashboard = defineMessages({
  en: {
    'dashboard.title': 'Dashboard',
    'dashboard.today': 'Today, {date}',
    'dashboard.todayEmpty': 'No session is planned today. Plan courses from a patient’s record.',
    'dashboard.toPatients': 'Go to the patients',
    'dashboard.overdue': 'Overdue sessions',
    'dashboard.overdueEmpty': 'No session is overdue.',
    'dashboard.start': 'Start',
    'dashboard.noRecord': 'No patient record is linked to your account yet. Ask your clinic to link it.',
    'dashboard.noCourse': 'No course of treatment is planned for you yet.',
    'dashboard.yourNext': 'Your next session',
    'dashboard.response': 'Response to treatment',
    'dashboard.youMissed': 'Sessions past their day and not held: {count}. Contact your clinic to plan them again.',
    'dashboard.myRecord': 'Open my record',
  },
  fr: {
    'dashboard.title': 'Tableau de bord',
    'dashboard.today': "Aujourd'hui, {date}",
    'dashboard.todayEmpty':
      "Aucune séance n'est planifiée aujourd'hui. Planifiez les cures depuis le dossier d'un patient.",
    'dashboard.toPatients': 'Voir les patients',
    'dashboard.overdue': 'Séances en retard',
    'dashboard.overdueEmpty': "Aucune séance n'est en retard.",
    'dashboard.start': 'Lancer',
    'dashboard.noRecord': "Aucun dossier patient n'est encore lié à votre compte. Demandez à votre centre de le lier.",
    'dashboard.noCourse': "Aucune cure n'est encore planifiée pour vous.",
    'dashboard.yourNext': 'Votre prochaine séance',
    'dashboard.response': 'Réponse au traitement',
    'dashboard.youMissed':
      'Séances dont la date est passée sans avoir eu lieu : {count}. Contactez votre centre pour les replanifier.',
    'dashboard.myRecord': 'Ouvrir mon dossier',
  },
  it: {
    'dashboard.title': 'Bacheca',
    'dashboard.today': 'Oggi, {date}',
    'dashboard.todayEmpty': 'Nessuna seduta pianificata oggi. Pianifica i cicli dalla scheda di un paziente.',
    'dashboard.toPatients': 'Vai ai pazienti',
    'dashboard.overdue': 'Sedute in ritardo',
    'dashboard.overdueEmpty': 'Nessuna seduta in ritardo.',
    'dashboard.start': 'Avvia',
    'dashboard.noRecord':
      'Nessuna scheda paziente è ancora collegata al tuo account. Chiedi al tuo centro di collegarla.',
    'dashboard.noCourse': 'Nessun ciclo di trattamento è ancora pianificato per te.',
    'dashboard.yourNext': 'La tua prossima seduta',
    'dashboard.response': 'Risposta al trattamento',
    'dashboard.youMissed':
      'Sedute con data passata e non eseguite: {count}. Contatta il tuo centro per ripianificarle.',
    'dashboard.myRecord': 'Apri la mia scheda',
  },
});
