import { useI18n } from '../../i18n';
import type { Side, SweatTest, SweatTestStatus } from './types';

/** The test's status as a word and a colour (the word carries the meaning; the colour only helps). */
export function StatusBadge({ status }: { status: SweatTestStatus }) {
  const { t } = useI18n();
  return (
    <span className={`lab-badge lab-badge-${status}`} data-status={status}>
      {t(`lab.status.${status}`)}
    </span>
  );
}

/** One side's state in a few words: its status, and the running timer, the QNS mark or the chloride. */
export function SideSummary({ test, side }: { test: SweatTest; side: Side }) {
  const { t, number } = useI18n();
  const rec = test.data.sides[side];
  const left = test.collection_minutes_left[side];
  let extra: string | undefined;
  if (rec.status === 'collecting' && left !== null) {
    extra = left >= 0 ? t('lab.minutesLeft', { n: number(Math.ceil(left)) }) : t('lab.overdue');
  } else if (rec.status === 'resulted' && rec.result) {
    extra = t('lab.valueMmol', { n: number(rec.result.chloride_mmol_l) });
  }
  return (
    <span className={rec.status === 'qns' || rec.status === 'rejected' ? 'lab-side-bad' : undefined}>
      {t(`lab.sideStatus.${rec.status}`)}
      {extra ? <span className="muted"> · {extra}</span> : null}
    </span>
  );
}
