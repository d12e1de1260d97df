/** The sessions a patient has had: when, which protocol and zone, the dose delivered and how each ended. */
import { useState } from 'react';
import { useI18n, useT } from '../../i18n';
import type { ProtocolSummary, SessionRecord } from './model';
import { zoneName } from './screening';

export function SessionHistory({
  sessions,
  protocols,
}: {
  sessions: readonly SessionRecord[];
  protocols: readonly ProtocolSummary[];
}) {
  const t = useT();
  const { number, dateTime } = useI18n();
  const [all, setAll] = useState(false);
  if (sessions.length === 0) return <p className="empty">{t('patients.sessions.empty')}</p>;
  const sorted = [...sessions].sort((a, b) => b.started_at.localeCompare(a.started_at));
  const shown = all ? sorted : sorted.slice(0, 15);
  return (
    <>
      <div className="table-scroll">
        <table data-testid="session-history">
          <caption className="visually-hidden">{t('patients.sessions.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('patients.sessions.date')}</th>
              <th scope="col">{t('patients.protocol')}</th>
              <th scope="col">{t('patients.zone')}</th>
              <th scope="col" className="num">
                {t('patients.sessions.dose')}
              </th>
              <th scope="col" className="num">
                {t('patients.sessions.minutes')}
              </th>
              <th scope="col">{t('patients.sessions.status')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => {
              const dose = s.live?.delivered_mAmin ?? s.delivered_mamin;
              const minutes =
                s.ended_at === null
                  ? undefined
                  : (new Date(s.ended_at).getTime() - new Date(s.started_at).getTime()) / 60_000;
              return (
                <tr key={s.id} data-status={s.status}>
                  <td>{dateTime(s.started_at)}</td>
                  <td>{protocols.find((p) => p.id === s.protocol)?.name ?? s.protocol}</td>
                  <td>{zoneName(t, s.zone)}</td>
                  <td className="num">{number(dose, 1)}</td>
                  <td className="num">{minutes === undefined ? '—' : number(minutes, 1)}</td>
                  <td>
                    <span className={`status session-${s.status}`}>{t(`patients.sessionStatus.${s.status}`)}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {sorted.length > 15 ? (
        <button type="button" onClick={() => setAll((a) => !a)} aria-expanded={all}>
          {all ? t('patients.sessions.showFewer') : t('patients.sessions.showAll', { count: sorted.length })}
        </button>
      ) : null}
    </>
  );
}
