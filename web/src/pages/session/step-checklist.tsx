import { useI18n } from '../../i18n';

export interface ChecklistStep {
  id: string;
  text: string;
  required: boolean;
  source: string;
}

/**
 * A protocol's pre-steps as checkboxes, each with whether it is required and its source, and a live count of those
 * ticked: the clinic's session start and the patient's guided session at home share it.
 */
export function StepChecklist({
  legend,
  intro,
  steps,
  ticked,
  onChange,
  busy,
  testId,
}: {
  legend: string;
  intro: string;
  steps: readonly ChecklistStep[];
  ticked: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  busy: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="session-checklist" data-testid={testId}>
      <legend>{legend}</legend>
      <p className="hint">{intro}</p>
      <ul>
        {steps.map((s) => (
          <li key={s.id}>
            <label className="session-step">
              <input
                type="checkbox"
                checked={ticked.has(s.id)}
                disabled={busy}
                onChange={(e) => {
                  const next = new Set(ticked);
                  if (e.target.checked) next.add(s.id);
                  else next.delete(s.id);
                  onChange(next);
                }}
              />
              <span>
                <span className="session-step-text">{s.text}</span>{' '}
                <span className="muted">({s.required ? t('session.stepRequired') : t('session.stepOptional')})</span>
                <span className="session-step-source">{t('session.stepSource', { source: s.source })}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      <p role="status" className="session-count">
        {t('session.checklistCount', { done: steps.filter((s) => ticked.has(s.id)).length, total: steps.length })}
      </p>
    </fieldset>
  );
}
