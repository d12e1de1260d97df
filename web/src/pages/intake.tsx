import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { ErrorBox, Field, Loading, Page, useAsync } from '../components/ui';
import { useT } from '../i18n';
import { useRouter } from '../router';
import {
  browserTimeZone,
  isCalendarDate,
  localToday,
  protocolsList,
  questionnaire,
  timeZones,
  type Patient,
  type Screening,
} from './patients/model';
import { ScreeningDecision, ScreeningForm } from './patients/screening';
import './patients/patients.css';

/**
 * Intake: register the patient, then screen them for a protocol and show the decision. The new patient's id travels
 * in the history entry's state (never in the address), so a reload comes back to the screening step.
 */
export function IntakePage() {
  const t = useT();
  const { route, navigate } = useRouter();
  const patientId = route.state.patientId;
  const [screening, setScreening] = useState<Screening | undefined>();
  const data = useAsync(
    async (signal) => {
      const [protocols, questions, patient] = await Promise.all([
        protocolsList(signal),
        questionnaire(signal),
        patientId
          ? api.get<Patient>(`/api/patients/${encodeURIComponent(patientId)}`, { signal })
          : Promise.resolve(undefined),
      ]);
      return { protocols, questions, patient };
    },
    [patientId],
  );

  return (
    <Page title={t('patients.intake.title')}>
      <ol className="steps" aria-label={t('patients.intake.steps')}>
        <li aria-current={!patientId ? 'step' : undefined}>{t('patients.intake.step1')}</li>
        <li aria-current={patientId && !screening ? 'step' : undefined}>{t('patients.intake.step2')}</li>
        <li aria-current={screening ? 'step' : undefined}>{t('patients.intake.step3')}</li>
      </ol>
      {data.loading && !data.data ? <Loading /> : null}
      <ErrorBox error={data.error} onRetry={data.reload} />
      {!patientId ? (
        <NewPatientForm onCreated={(p) => navigate('intake', { patientId: p.id }, { replace: true })} />
      ) : data.data?.patient ? (
        <>
          <section className="card" aria-labelledby="intake-patient">
            <h2 id="intake-patient">{data.data.patient.name}</h2>
            <p className="muted">{t('patients.intake.created')}</p>
          </section>
          {screening ? (
            <section aria-labelledby="intake-decision">
              <h2 id="intake-decision">{t('patients.intake.decision')}</h2>
              <ScreeningDecision
                screening={screening}
                protocolName={data.data.protocols.find((p) => p.id === screening.protocol)?.name}
              />
              <div className="button-row">
                <button
                  type="button"
                  className="primary"
                  onClick={() => navigate('patient', { patientId: data.data!.patient!.id })}
                >
                  {t('patients.intake.openPatient')}
                </button>
                <button type="button" onClick={() => setScreening(undefined)}>
                  {t('patients.intake.screenAgain')}
                </button>
              </div>
            </section>
          ) : (
            <section className="card" aria-labelledby="intake-screening">
              <h2 id="intake-screening">{t('patients.screening.title')}</h2>
              <ScreeningForm
                patient={data.data.patient}
                protocols={data.data.protocols}
                questions={data.data.questions}
                onScreened={setScreening}
                onCancel={() => navigate('patient', { patientId: data.data!.patient!.id })}
              />
            </section>
          )}
        </>
      ) : null}
    </Page>
  );
}

interface FieldErrors {
  name?: string;
  birth_date?: string;
  time_zone?: string;
}

function NewPatientForm({ onCreated }: { onCreated: (p: Patient) => void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [birthDate, setBirthDate] = useState('');
  const [zone, setZone] = useState(browserTimeZone);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const zones = timeZones(zone);
  const formRef = useRef<HTMLFormElement>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: FieldErrors = {};
    if (name.trim() === '') found.name = t('patients.intake.nameRequired');
    if (!isCalendarDate(birthDate)) found.birth_date = t('patients.intake.birthDateInvalid');
    else if (birthDate > localToday(zone)) found.birth_date = t('patients.intake.birthDateFuture');
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = Object.keys(found)[0];
      const el = first ? formRef.current?.elements.namedItem(first) : null;
      if (el instanceof HTMLElement) el.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const p = await api.post<Patient>('/api/patients', { name: name.trim(), birth_date: birthDate, time_zone: zone });
      onCreated(p);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) {
        const byField: FieldErrors = {};
        for (const f of err.errors) {
          const key = f.path.replace(/^\/?(body[./])?/, '') as keyof FieldErrors;
          if (key === 'name' || key === 'birth_date' || key === 'time_zone') byField[key] = f.message;
        }
        setErrors(byField);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} className="card" onSubmit={(e) => void submit(e)} noValidate aria-busy={busy}>
      <h2>{t('patients.intake.step1')}</h2>
      <Field label={t('patients.name')} required error={errors.name}>
        {(p) => (
          <input
            {...p}
            name="name"
            autoComplete="off"
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      <Field label={t('patients.birthDate')} required error={errors.birth_date}>
        {(p) => (
          <input
            {...p}
            name="birth_date"
            type="date"
            max={localToday(zone)}
            value={birthDate}
            onChange={(e) => setBirthDate(e.target.value)}
          />
        )}
      </Field>
      <Field label={t('patients.timeZone')} required hint={t('patients.intake.timeZoneHint')} error={errors.time_zone}>
        {(p) => (
          <select {...p} name="time_zone" value={zone} onChange={(e) => setZone(e.target.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBox error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('patients.intake.creating') : t('patients.intake.create')}
      </button>
    </form>
  );
}
