import { useCallback, useEffect, useState } from 'react';
import { ApiError, allPages, api, request } from '../../api';
import { useAuth } from '../../auth';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../../components/ui';
import { useI18n, type MessageKey } from '../../i18n';
import { useRouter } from '../../router';
import type { Protocol } from '../protocols/types';
import { EligibilityForm, EligibilityResult } from './eligibility';
import { ResultForm, ResultView } from './results';
import { SidePanel } from './side-panel';
import { StatusBadge } from './status';
import {
  ageInDays,
  reportedResults,
  SIDES,
  SWEAT_TEST_PROTOCOL,
  type Patient,
  type SessionRow,
  type SweatTest,
} from './types';

/** Runs a workflow step: POST with the ETag read, and the new record with its new ETag. */
export type RunStep = (path: string, body: unknown, done: MessageKey) => Promise<boolean>;

/**
 * One sweat test through its steps: eligibility, each arm's stimulation, collection, sample and result, the
 * conclusion, a second clinician's verification, and the report. Only the step that may come next is offered; a
 * refused step shows the server's reason by its catalogue code and changes nothing.
 */
export function TestDetail({ testId }: { testId: string }) {
  const { t, date, dateTime, number } = useI18n();
  const { user } = useAuth();
  const { navigate, route } = useRouter();
  // Back from the session page: the session it ran for an arm is offered first on that arm.
  const returned = { arm: route.state.arm, sessionId: route.state.sessionId };
  const [current, setCurrent] = useState<{ test: SweatTest; etag: string | undefined; readAt: number }>();
  const [busy, setBusy] = useState(false);
  const [stepError, setStepError] = useState<unknown>();
  const [saved, setSaved] = useState<MessageKey>();

  const loaded = useAsync(
    async (signal) => {
      const a = await request<SweatTest>('GET', `/api/sweat-tests/${encodeURIComponent(testId)}`, undefined, {
        signal,
      });
      const patient = await api.get<Patient>(`/api/patients/${encodeURIComponent(a.data.patient_id)}`, { signal });
      return { answer: a, patient };
    },
    [testId],
  );
  useEffect(() => {
    if (loaded.data) {
      setCurrent({ test: loaded.data.answer.data, etag: loaded.data.answer.etag, readAt: Date.now() });
    }
  }, [loaded.data]);

  const test = current?.test;
  const patient = loaded.data?.patient;
  const patientId = patient?.id;
  const sessions = useAsync(
    async () =>
      patientId === undefined ? [] : allPages<SessionRow>(`/api/sessions?patient_id=${encodeURIComponent(patientId)}`),
    [patientId],
  );

  const run: RunStep = useCallback(
    async (path, body, done) => {
      if (!current) return false;
      setBusy(true);
      setStepError(undefined);
      setSaved(undefined);
      try {
        const a = await request<SweatTest>(
          'POST',
          `/api/sweat-tests/${encodeURIComponent(current.test.id)}/${path}`,
          body,
          current.etag ? { ifMatch: current.etag } : {},
        );
        setCurrent({ test: a.data, etag: a.etag, readAt: Date.now() });
        setSaved(done);
        return true;
      } catch (e) {
        setStepError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [current],
  );

  const back = (
    <button type="button" onClick={() => navigate('sweat-tests', {})}>
      {t('lab.backToWorklist')}
    </button>
  );
  if (!test || !patient) {
    return (
      <Page title={t('lab.testTitle')} actions={back}>
        {loaded.loading ? <Loading /> : null}
        <ErrorBox error={loaded.error} onRetry={loaded.reload} />
      </Page>
    );
  }

  const d = test.data;
  const ageDays = ageInDays(patient.birth_date);
  const results = reportedResults(d);
  const inProgress = test.status === 'in_progress';
  const bothSampled = SIDES.every((s) => d.sides[s].status === 'sampled');
  const sameMethod = d.sides.left.collection?.method === d.sides.right.collection?.method;
  const enteredResults = results.some((r) => r.result.recorded_by === user.id);
  const reportUrl = `/api/sweat-tests/${encodeURIComponent(test.id)}/report.pdf`;

  return (
    <Page title={t('lab.testOf', { name: patient.name })} actions={back}>
      <div className="lab-live" aria-live="polite" role="status">
        {saved ? <Banner tone="success">{t(saved)}</Banner> : null}
      </div>
      <ErrorBox
        error={stepError}
        {...(stepError instanceof ApiError && stepError.status === 412
          ? {
              onRetry: () => {
                setStepError(undefined);
                loaded.reload();
              },
            }
          : {})}
      />
      <section className="card" aria-labelledby="lab-order-facts">
        <h2 id="lab-order-facts">{t('lab.orderFacts')}</h2>
        <dl className="lab-facts">
          <dt>{t('lab.status')}</dt>
          <dd>
            <StatusBadge status={test.status} />
          </dd>
          <dt>{t('lab.birthDate')}</dt>
          <dd>
            {date(`${patient.birth_date}T12:00:00Z`, 'UTC')} ·{' '}
            {ageDays < 365
              ? t('lab.ageDays', { n: number(ageDays) })
              : t('lab.ageYears', { n: number(Math.floor(ageDays / 365.25)) })}
          </dd>
          <dt>{t('lab.orderedAt')}</dt>
          <dd>{dateTime(d.order.ordered_at)}</dd>
          <dt>{t('lab.indication')}</dt>
          <dd>{d.order.indication ?? t('common.none')}</dd>
          <dt>{t('lab.requestingPhysician')}</dt>
          <dd>{d.order.requesting_physician ?? t('common.none')}</dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="lab-eligibility-title">
        <h2 id="lab-eligibility-title">{t('lab.step.eligibility')}</h2>
        {test.status === 'ordered' ? (
          <EligibilityGate ageDays={ageDays} busy={busy} run={run} />
        ) : d.eligibility ? (
          <EligibilityResult eligibility={d.eligibility} />
        ) : null}
      </section>

      {test.status !== 'ordered' && test.status !== 'ineligible' ? (
        <section aria-labelledby="lab-arms-title">
          <h2 id="lab-arms-title">{t('lab.step.arms')}</h2>
          <div className="grid">
            {SIDES.map((side) => (
              <SidePanel
                key={side}
                test={test}
                side={side}
                readAt={current.readAt}
                patientId={patient.id}
                sessions={sessions}
                {...(returned.arm === side && returned.sessionId ? { preselect: returned.sessionId } : {})}
                busy={busy}
                run={run}
              />
            ))}
          </div>
          {inProgress && bothSampled && sameMethod ? (
            <div className="card lab-form">
              <h3>{t('lab.pooled')}</h3>
              <p className="hint">{t('lab.pooledHint')}</p>
              <ResultForm side="pooled" busy={busy} run={run} />
            </div>
          ) : null}
        </section>
      ) : null}

      {d.conclusion ? (
        <section className="card" aria-labelledby="lab-conclusion-title">
          <h2 id="lab-conclusion-title">{t('lab.step.conclusion')}</h2>
          {results.map((r) => (
            <div key={r.side}>
              <h3>{t(`lab.resultOf.${r.side}`)}</h3>
              <ResultView result={r.result} />
            </div>
          ))}
          {d.conclusion.chloride_mmol_l === null ? <p>{t('lab.noResult')}</p> : null}
          {d.conclusion.repeat_required ? (
            <Banner tone="warning" title={t('lab.repeatRequired')}>
              {t('lab.repeatRequiredHint')}
            </Banner>
          ) : null}
          {d.conclusion.notes.length > 0 ? (
            <>
              <h3>{t('lab.notes')}</h3>
              <ul lang="en">
                {d.conclusion.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}

      {test.status === 'completed' || test.status === 'verified' ? (
        <section className="card" aria-labelledby="lab-verification-title">
          <h2 id="lab-verification-title">{t('lab.step.verification')}</h2>
          {d.verification ? (
            <p data-testid="lab-verified">
              {d.verification.verified_by === user.id
                ? t('lab.verifiedByYou', { at: dateTime(d.verification.verified_at) })
                : t('lab.verifiedAt', { at: dateTime(d.verification.verified_at) })}
            </p>
          ) : user.role !== 'clinician' ? (
            <p>{t('lab.verifyClinicianOnly')}</p>
          ) : enteredResults ? (
            <Banner tone="info">{t('lab.verifySameUser')}</Banner>
          ) : (
            <div className="lab-form">
              <p>{t('lab.verifyIntro')}</p>
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => void run('verification', {}, 'lab.saved.verification')}
              >
                {t('lab.verify')}
              </button>
            </div>
          )}
        </section>
      ) : null}

      {test.status === 'completed' || test.status === 'verified' ? (
        <section className="card no-print" aria-labelledby="lab-report-title">
          <h2 id="lab-report-title">{t('lab.step.report')}</h2>
          {test.status === 'completed' ? <p className="hint">{t('lab.reportUnverified')}</p> : null}
          <div className="lab-actions">
            <a className="lab-button-link" href={reportUrl} target="_blank" rel="noopener noreferrer">
              {t('lab.openReport')}
            </a>
            <a className="lab-button-link" href={reportUrl} download={`sweat-test-${test.id}.pdf`}>
              {t('lab.downloadReport')}
            </a>
            <button type="button" onClick={() => window.print()}>
              {t('lab.printSummary')}
            </button>
          </div>
        </section>
      ) : null}
    </Page>
  );
}

/** The eligibility form needs the sweat-test protocol's contraindication items (the server's list, not a copy). */
function EligibilityGate({ ageDays, busy, run }: { ageDays: number; busy: boolean; run: RunStep }) {
  const protocol = useAsync((signal) => api.get<Protocol>(`/api/protocols/${SWEAT_TEST_PROTOCOL}`, { signal }), []);
  if (protocol.loading && !protocol.data) return <Loading />;
  if (!protocol.data) return <ErrorBox error={protocol.error} onRetry={protocol.reload} />;
  return <EligibilityForm protocol={protocol.data} ageDays={ageDays} busy={busy} run={run} />;
}
