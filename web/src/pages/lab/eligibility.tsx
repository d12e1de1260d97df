import { useState, type FormEvent } from 'react';
import { Banner, Field } from '../../components/ui';
import { useI18n, type MessageKey } from '../../i18n';
import type { Protocol } from '../protocols/types';
import type { RunStep } from './test-detail';
import type { Eligibility } from './types';

/** Infant criteria the server applies ([47] CFF 2017, clinical.md §5.4); shown here so the form can ask for them. */
const INFANT = { minAgeDays: 10, minWeightKgExclusive: 2, minCorrectedWeeks: 36, underDays: 365 } as const;

type Answer = 'yes' | 'no' | undefined;

/** The screening item's own words in the user's language, falling back to the id for an item not translated. */
export function itemLabel(t: (k: MessageKey) => string, item: string): string {
  const key = `lab.item.${item}` as MessageKey;
  const s = t(key);
  return s === key ? item : s;
}

export function EligibilityForm({
  protocol,
  ageDays,
  busy,
  run,
}: {
  protocol: Protocol;
  ageDays: number;
  busy: boolean;
  run: RunStep;
}) {
  const { t, number } = useI18n();
  const items = protocol.contraindications;
  const infant = ageDays < INFANT.underDays;
  const [weight, setWeight] = useState('');
  const [ga, setGa] = useState('');
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [accepted, setAccepted] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const precautionsYes = items.filter((c) => c.effect === 'precaution' && answers[c.item] === 'yes');
  const refusalsYes = items.filter((c) => c.effect === 'refuse' && answers[c.item] === 'yes');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const w = Number(weight.replace(',', '.'));
    if (weight.trim() === '' || !Number.isFinite(w)) errs.weight = t('lab.err.weight');
    const g = Number(ga.replace(',', '.'));
    if (infant && (ga.trim() === '' || !Number.isFinite(g))) errs.ga = t('lab.err.gaInfant');
    else if (ga.trim() !== '' && !Number.isFinite(g)) errs.ga = t('lab.err.number');
    for (const c of items) if (answers[c.item] === undefined) errs[`item:${c.item}`] = t('lab.err.answer');
    if (precautionsYes.length > 0 && refusalsYes.length === 0 && !accepted) errs.accepted = t('lab.err.accept');
    setErrors(errs);
    if (Object.keys(errs).length > 0) return;
    await run(
      'eligibility',
      {
        weight_kg: w,
        gestational_age_at_birth_weeks: ga.trim() === '' ? null : g,
        answers: Object.fromEntries(items.map((c) => [c.item, answers[c.item] === 'yes'])),
        ...(precautionsYes.length > 0 ? { precautions_accepted: accepted } : {}),
      },
      'lab.saved.eligibility',
    );
  }

  return (
    <form className="lab-form" onSubmit={submit} noValidate>
      <p className="hint">{t('lab.eligibilityIntro')}</p>
      {ageDays < INFANT.minAgeDays ? (
        <Banner tone="warning">{t('lab.tooYoung', { n: number(ageDays), min: number(INFANT.minAgeDays) })}</Banner>
      ) : null}
      <Field
        label={t('lab.weight')}
        hint={t('lab.weightHint', { min: number(INFANT.minWeightKgExclusive) })}
        required
        {...(errors.weight ? { error: errors.weight } : {})}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            inputMode="decimal"
            step="0.01"
            min="0"
            value={weight}
            onChange={(e) => setWeight(e.target.value)}
          />
        )}
      </Field>
      <Field
        label={t('lab.gestationalAge')}
        hint={
          infant
            ? t('lab.gestationalAgeInfant', { min: number(INFANT.minCorrectedWeeks) })
            : t('lab.gestationalAgeHint')
        }
        required={infant}
        {...(errors.ga ? { error: errors.ga } : {})}
      >
        {(p) => (
          <input
            {...p}
            type="number"
            inputMode="decimal"
            step="0.1"
            min="20"
            max="45"
            value={ga}
            onChange={(e) => setGa(e.target.value)}
          />
        )}
      </Field>
      <h3>{t('lab.contraindications')}</h3>
      <p className="hint">{t('lab.contraindicationsHint')}</p>
      {items.map((c) => {
        const err = errors[`item:${c.item}`];
        const name = `lab-item-${c.item}`;
        return (
          <fieldset key={c.item} className={err ? 'field-invalid' : undefined} aria-describedby={`${name}-note`}>
            <legend>
              {itemLabel(t, c.item)}{' '}
              <span className={`lab-effect lab-effect-${c.effect}`}>{t(`lab.effect.${c.effect}`)}</span>
            </legend>
            <p className="hint" id={`${name}-note`} lang="en">
              {c.note}
            </p>
            <div className="lab-inline">
              {(['yes', 'no'] as const).map((v) => (
                <label key={v} className="lab-choice">
                  <input
                    type="radio"
                    name={name}
                    value={v}
                    checked={answers[c.item] === v}
                    onChange={() => setAnswers((a) => ({ ...a, [c.item]: v }))}
                  />
                  {v === 'yes' ? t('common.yes') : t('common.no')}
                </label>
              ))}
            </div>
            {err ? <p className="field-error">{err}</p> : null}
          </fieldset>
        );
      })}
      {refusalsYes.length > 0 ? <Banner tone="warning">{t('lab.willRefuse')}</Banner> : null}
      {precautionsYes.length > 0 && refusalsYes.length === 0 ? (
        <div className={errors.accepted ? 'field-invalid' : undefined}>
          <Banner tone="warning" title={t('lab.precautionsFound')}>
            <ul>
              {precautionsYes.map((c) => (
                <li key={c.item}>{itemLabel(t, c.item)}</li>
              ))}
            </ul>
          </Banner>
          <div className="lab-inline">
            <input id="lab-accept" type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <label htmlFor="lab-accept">{t('lab.acceptPrecautions')}</label>
          </div>
          {errors.accepted ? <p className="field-error">{errors.accepted}</p> : null}
        </div>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('lab.saving') : t('lab.assess')}
      </button>
    </form>
  );
}

export function EligibilityResult({ eligibility: e }: { eligibility: Eligibility }) {
  const { t, number, dateTime } = useI18n();
  return (
    <div data-testid="lab-eligibility">
      {e.result === 'eligible' ? (
        <Banner tone="success" title={t('lab.eligible')} />
      ) : (
        <Banner tone="danger" title={t('lab.ineligible')}>
          {t('lab.ineligibleHint')}
        </Banner>
      )}
      <dl className="lab-facts">
        <dt>{t('lab.assessedAt')}</dt>
        <dd>{dateTime(e.assessed_at)}</dd>
        <dt>{t('lab.ageAtAssessment')}</dt>
        <dd>
          {e.age_days < 365
            ? t('lab.ageDays', { n: number(e.age_days) })
            : t('lab.ageYears', { n: number(Math.floor(e.age_years)) })}
        </dd>
        <dt>{t('lab.weight')}</dt>
        <dd>{t('lab.valueKg', { n: number(e.weight_kg) })}</dd>
        <dt>{t('lab.correctedGa')}</dt>
        <dd>
          {e.corrected_gestational_age_weeks === null
            ? t('lab.notGiven')
            : t('lab.weeks', { n: number(e.corrected_gestational_age_weeks) })}
        </dd>
        {e.precautions_accepted ? (
          <>
            <dt>{t('lab.precautions')}</dt>
            <dd>{t('lab.precautionsAccepted')}</dd>
          </>
        ) : null}
      </dl>
      {e.reasons.length > 0 ? (
        <>
          <h3>{t('lab.reasons')}</h3>
          <ul className="lab-reasons">
            {e.reasons.map((r) => (
              <li key={r.item + r.text}>
                <span className={`lab-effect lab-effect-${r.effect}`}>{t(`lab.effect.${r.effect}`)}</span>{' '}
                <strong>{itemLabel(t, r.item)}</strong>: <span lang="en">{r.text}</span>{' '}
                <span className="lab-source" lang="en">
                  ({t('lab.source')}: {r.source})
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
