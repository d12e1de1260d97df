import { useState, type FormEvent } from 'react';
import { Field } from '../../components/ui';
import { useI18n } from '../../i18n';
import type { RunStep } from './test-detail';
import type { ChlorideResult, Side } from './types';

/** A chloride value, its CFF 2017 band (in the user's language), the band's limits, the age notes and the source. */
export function ResultView({ result }: { result: ChlorideResult }) {
  const { t, number, dateTime } = useI18n();
  const i = result.interpretation;
  return (
    <div className={`lab-result lab-band-${i.band}`} data-testid="lab-result">
      <p className="lab-result-value">
        {t('lab.valueMmol', { n: number(result.chloride_mmol_l) })} · <strong>{t(`lab.band.${i.band}`)}</strong>{' '}
        <span className="muted">({i.range})</span>
      </p>
      {i.notes.length > 0 ? (
        <ul lang="en">
          {i.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <p className="lab-source">
        {t('lab.source')}: <span lang="en">{i.source}</span> ·{' '}
        {t('lab.recordedAt', { at: dateTime(result.recorded_at) })}
      </p>
    </div>
  );
}

/** Chloride entry for one side or the pooled sample. */
export function ResultForm({ side, busy, run }: { side: Side | 'pooled'; busy: boolean; run: RunStep }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const v = Number(value.replace(',', '.'));
    if (value.trim() === '' || !Number.isFinite(v)) {
      setError(t('lab.err.number'));
      return;
    }
    setError(undefined);
    await run('results', { side, chloride_mmol_l: v }, 'lab.saved.result');
  }
  return (
    <form className="lab-form" onSubmit={submit} noValidate>
      <Field
        label={side === 'pooled' ? t('lab.chloridePooled') : t('lab.chloride')}
        hint={t('lab.chlorideHint')}
        required
        {...(error ? { error } : {})}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            inputMode="decimal"
            step="0.1"
            min="0"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        )}
      </Field>
      <button type="submit" className="primary" disabled={busy}>
        {t('lab.recordResult')}
      </button>
    </form>
  );
}
