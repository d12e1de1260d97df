import { useEffect, useState } from 'react';
import { Banner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { COLLECTION_LIMIT_MIN, type Side } from './types';

/** Minutes before the limit when the timer turns to a warning (design: time to take the collector off). */
const WARN_MIN = 5;

function clock(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * The collection countdown to the 30-minute limit ([97]): the time left, ticking each second. Screen readers hear it
 * only when it changes phase (five minutes left, overdue), not every second.
 */
export function CollectionTimer({ side, dueAt }: { side: Side; dueAt: number }) {
  const { t, number } = useI18n();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  const left = dueAt - now;
  const phase = left <= 0 ? 'overdue' : left <= WARN_MIN * 60_000 ? 'warning' : 'running';
  const fraction = Math.max(0, Math.min(1, left / (COLLECTION_LIMIT_MIN * 60_000)));
  return (
    <div className={`lab-timer lab-timer-${phase}`} data-testid={`lab-timer-${side}`}>
      <p className="lab-timer-label">{t('lab.timerLabel', { limit: number(COLLECTION_LIMIT_MIN) })}</p>
      <p className="lab-timer-clock" role="timer" aria-label={t('lab.timerAria')}>
        {left > 0 ? clock(left) : `−${clock(left)}`}
      </p>
      <progress max={1} value={fraction} aria-label={t('lab.timerAria')} />
      <div aria-live="polite">
        {phase === 'warning' ? <p>{t('lab.timerWarning', { n: number(WARN_MIN) })}</p> : null}
      </div>
      {phase === 'overdue' ? (
        <Banner tone="danger">{t('lab.timerOverdue', { limit: number(COLLECTION_LIMIT_MIN) })}</Banner>
      ) : null}
    </div>
  );
}
