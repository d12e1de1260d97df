import { useState, type FormEvent } from 'react';
import { allPages, api } from '../../api';
import { ErrorBox, Field, Loading, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useRouter } from '../../router';
import { StatusBadge, SideSummary } from './status';
import { SIDES, type Patient, type SweatTest } from './types';

interface Row {
  test: SweatTest;
  patient: Pick<Patient, 'id' | 'name'>;
}

const FINISHED = new Set(['verified', 'ineligible']);

/**
 * The laboratory's worklist: every sweat test of the clinic's patients, those still in progress first, and the form
 * that orders a new one.
 */
export function Worklist() {
  const { t, dateTime } = useI18n();
  const { navigate } = useRouter();
  const [showFinished, setShowFinished] = useState(false);
  const data = useAsync(async () => {
    const [patients, tests] = await Promise.all([
      allPages<Patient>('/api/patients'),
      allPages<SweatTest & { patient_name: string }>('/api/sweat-tests?limit=200'),
    ]);
    const rows: Row[] = tests
      .map((test) => ({ test, patient: { id: test.patient_id, name: test.patient_name } }))
      .sort((a, b) => b.test.created_at.localeCompare(a.test.created_at));
    return { patients, rows };
  }, []);

  const rows = (data.data?.rows ?? []).filter((r) => showFinished || !FINISHED.has(r.test.status));
  return (
    <>
      <section className="card" aria-labelledby="lab-worklist-title">
        <h2 id="lab-worklist-title">{t('lab.worklist')}</h2>
        <div className="lab-inline">
          <input
            id="lab-show-finished"
            type="checkbox"
            checked={showFinished}
            onChange={(e) => setShowFinished(e.target.checked)}
          />
          <label htmlFor="lab-show-finished">{t('lab.showFinished')}</label>
        </div>
        {data.loading && !data.data ? <Loading /> : null}
        <ErrorBox error={data.error} onRetry={data.reload} />
        {data.data && rows.length === 0 ? <p className="muted">{t('lab.worklistEmpty')}</p> : null}
        {rows.length > 0 ? (
          <div className="table-scroll lab-scroll">
            <table data-testid="lab-worklist">
              <caption className="visually-hidden">{t('lab.worklist')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('lab.patient')}</th>
                  <th scope="col">{t('lab.orderedAt')}</th>
                  <th scope="col">{t('lab.status')}</th>
                  {SIDES.map((s) => (
                    <th scope="col" key={s}>
                      {t(`lab.side.${s}`)}
                    </th>
                  ))}
                  <th scope="col">
                    <span className="visually-hidden">{t('lab.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ test, patient }) => (
                  <tr key={test.id}>
                    <td>{patient.name}</td>
                    <td>{dateTime(test.data.order.ordered_at)}</td>
                    <td>
                      <StatusBadge status={test.status} />
                    </td>
                    {SIDES.map((s) => (
                      <td key={s}>
                        <SideSummary test={test} side={s} />
                      </td>
                    ))}
                    <td>
                      <button
                        type="button"
                        onClick={() => navigate('sweat-tests', { testId: test.id })}
                        aria-label={t('lab.openTestOf', { name: patient.name })}
                      >
                        {t('lab.open')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <OrderForm patients={data.data?.patients} onOrdered={(id) => navigate('sweat-tests', { testId: id })} />
    </>
  );
}

function OrderForm({ patients, onOrdered }: { patients: Patient[] | undefined; onOrdered: (id: string) => void }) {
  const { t } = useI18n();
  const [patientId, setPatientId] = useState('');
  const [indication, setIndication] = useState('');
  const [physician, setPhysician] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (patientId === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.post<SweatTest>(`/api/patients/${encodeURIComponent(patientId)}/sweat-tests`, {
        indication: indication.trim() === '' ? null : indication.trim(),
        requesting_physician: physician.trim() === '' ? null : physician.trim(),
      });
      onOrdered(created.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card lab-form" aria-labelledby="lab-order-title">
      <h2 id="lab-order-title">{t('lab.order')}</h2>
      <p className="hint">{t('lab.orderIntro')}</p>
      <form onSubmit={submit} noValidate>
        <Field label={t('lab.patient')} required {...(missing ? { error: t('lab.pickPatient') } : {})}>
          {(p) => (
            <select {...p} value={patientId} onChange={(e) => setPatientId(e.target.value)} disabled={!patients}>
              <option value="">{patients ? t('lab.choosePatient') : t('common.loading')}</option>
              {(patients ?? []).map((pt) => (
                <option key={pt.id} value={pt.id}>
                  {pt.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('lab.indication')} hint={t('lab.indicationHint')}>
          {(p) => <input {...p} maxLength={500} value={indication} onChange={(e) => setIndication(e.target.value)} />}
        </Field>
        <Field label={t('lab.requestingPhysician')}>
          {(p) => <input {...p} maxLength={200} value={physician} onChange={(e) => setPhysician(e.target.value)} />}
        </Field>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('lab.ordering') : t('lab.orderSubmit')}
        </button>
      </form>
    </section>
  );
}
