import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useT } from '../../i18n';
import { StartRefusal } from '../session/refusal';
import { StepChecklist } from '../session/step-checklist';
import type { ProtocolStep, SessionRecord } from '../session/types';

/**
 * The guided session's first part: the protocol's pre-step checklist, then Start (disabled until every step is
 * ticked), which asks the server to start the home plan's session at the titrated current (POST /api/home/sessions).
 * A refusal (a stopped plan, the caps, a step not confirmed) says why, and nothing starts.
 */
export function HomeChecklist({
  steps,
  patientId,
  onStarted,
  onCancel,
}: {
  steps: readonly ProtocolStep[];
  /** Staff starting for a patient; a patient user starts their own. */
  patientId: string | undefined;
  onStarted: (s: SessionRecord) => void;
  onCancel: () => void;
}) {
  const t = useT();
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<unknown>();
  const allTicked = steps.every((s) => ticked.has(s.id));
  const canStart = allTicked && !busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!canStart) return;
    setBusy(true);
    setRefusal(undefined);
    try {
      const s = await api.post<SessionRecord>('/api/home/sessions', {
        confirmed_steps: steps.filter((x) => ticked.has(x.id)).map((x) => x.id),
        ...(patientId ? { patient_id: patientId } : {}),
      });
      onStarted(s);
    } catch (err) {
      setRefusal(err);
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate data-testid="home-checklist">
      <StepChecklist
        legend={t('home.checklist')}
        intro={t('home.checklistIntro')}
        steps={steps}
        ticked={ticked}
        onChange={setTicked}
        busy={busy}
      />
      {refusal ? <StartRefusal error={refusal} /> : null}
      <div className="home-actions">
        <button type="submit" className="primary session-big" disabled={!canStart}>
          {busy ? t('home.starting') : t('home.startNow')}
        </button>
        <button type="button" className="session-big" disabled={busy} onClick={onCancel}>
          {t('home.cancel')}
        </button>
      </div>
      {!allTicked ? <p className="hint">{t('home.startBlocked')}</p> : null}
    </form>
  );
}
