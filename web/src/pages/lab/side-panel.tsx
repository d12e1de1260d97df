import { useEffect, useState, type FormEvent } from 'react';
import { Banner, ErrorBox, Field, Loading, type AsyncState } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useRouter } from '../../router';
import { CollectionTimer } from './collection-timer';
import { ResultForm, ResultView } from './results';
import type { RunStep } from './test-detail';
import {
  COLLECTION_METHODS,
  SAMPLE_MINIMUM,
  SWEAT_TEST_PROTOCOL,
  type CollectionMethod,
  type SessionRow,
  type Side,
  type SweatTest,
} from './types';

interface Props {
  test: SweatTest;
  side: Side;
  /** When the record was read (the browser's clock): the running timer counts from the server's minutes left then. */
  readAt: number;
  patientId: string;
  sessions: AsyncState<SessionRow[]>;
  busy: boolean;
  run: RunStep;
  /** A session to offer first (the one the session page just ran for this arm). */
  preselect?: string;
}

/** An instant from a `datetime-local` value (the browser's zone), or now when left empty. */
function instantOf(local: string): string | undefined {
  if (local.trim() === '') return new Date().toISOString();
  const ms = new Date(local).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** One arm: what has been done on it, and the one step it may take next. */
export function SidePanel({ test, side, readAt, patientId, sessions, busy, run, preselect }: Props) {
  const { t, number, dateTime } = useI18n();
  const rec = test.data.sides[side];
  const active = test.status === 'in_progress';
  const minutesLeft = test.collection_minutes_left[side];
  const s = rec.stimulation;
  const c = rec.collection;
  const sample = rec.sample;
  return (
    <article className="card lab-side" aria-labelledby={`lab-side-${side}`} data-testid={`lab-side-${side}`}>
      <h3 id={`lab-side-${side}`}>
        {t(`lab.side.${side}`)} · <span className="lab-side-status">{t(`lab.sideStatus.${rec.status}`)}</span>
      </h3>
      <dl className="lab-facts">
        {s ? (
          <>
            <dt>{t('lab.stimulation')}</dt>
            <dd>
              {t('lab.stimulationFacts', {
                dose: number(s.delivered_mAmin, 2),
                target: number(s.target_mAmin, 2),
                peak: number(s.peak_current_mA, 2),
                minutes: number(s.treated_s / 60, 1),
              })}
              <br />
              <span className="muted">{t('lab.endedAt', { at: dateTime(s.ended_at) })}</span>
            </dd>
          </>
        ) : null}
        {c ? (
          <>
            <dt>{t('lab.collection')}</dt>
            <dd>
              {t(`lab.method.${c.method}`)} · {t('lab.startedAt', { at: dateTime(c.started_at) })}
              {c.ended_at && c.duration_min !== null ? (
                <>
                  <br />
                  {t('lab.collectedFor', { n: number(c.duration_min, 1) })}
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        {sample ? (
          <>
            <dt>{t('lab.sample')}</dt>
            <dd className={sample.qns ? 'lab-side-bad' : undefined}>
              {sample.unit === 'uL'
                ? t('lab.valueUl', { n: number(sample.volume_ul ?? 0) })
                : t('lab.valueMg', { n: number(sample.weight_mg ?? 0) })}{' '}
              {sample.qns
                ? t('lab.qnsMark', {
                    min:
                      sample.unit === 'uL'
                        ? t('lab.valueUl', { n: number(sample.minimum) })
                        : t('lab.valueMg', { n: number(sample.minimum) }),
                  })
                : t('lab.sufficient')}
            </dd>
          </>
        ) : null}
      </dl>
      {rec.result ? <ResultView result={rec.result} /> : null}
      {rec.status === 'qns' ? (
        <Banner tone="danger" title={t('lab.qnsTitle')} testId={`lab-qns-${side}`}>
          {t('lab.qnsHint')}
        </Banner>
      ) : null}
      {rec.status === 'rejected' ? (
        <Banner tone="danger" title={t('lab.rejectedTitle')}>
          {t('lab.rejectedHint', { n: number(c?.duration_min ?? 0, 1) })}
        </Banner>
      ) : null}
      {active && rec.status === 'pending' ? (
        <StimulationStep
          test={test}
          side={side}
          patientId={patientId}
          sessions={sessions}
          busy={busy}
          run={run}
          {...(preselect ? { preselect } : {})}
        />
      ) : null}
      {active && rec.status === 'stimulated' ? <CollectionStart side={side} busy={busy} run={run} /> : null}
      {active && rec.status === 'collecting' && c ? (
        <>
          {minutesLeft !== null ? <CollectionTimer side={side} dueAt={readAt + minutesLeft * 60_000} /> : null}
          <CollectionEnd side={side} method={c.method} startedAt={c.started_at} busy={busy} run={run} />
        </>
      ) : null}
      {active && rec.status === 'collected' && c ? (
        <SampleForm side={side} method={c.method} busy={busy} run={run} />
      ) : null}
      {active && rec.status === 'sampled' ? <ResultForm side={side} busy={busy} run={run} /> : null}
    </article>
  );
}

function StimulationStep({ test, side, patientId, sessions, busy, run, preselect }: Omit<Props, 'readAt'>) {
  const { t, dateTime, number } = useI18n();
  const { navigate } = useRouter();
  const [sessionId, setSessionId] = useState(preselect ?? '');
  const [missing, setMissing] = useState(false);
  const other = side === 'left' ? 'right' : 'left';
  const linkedOther = test.data.sides[other].stimulation?.session_id;
  const orderedAt = Date.parse(test.data.order.ordered_at);
  const candidates = (sessions.data ?? []).filter(
    (s) =>
      s.protocol === SWEAT_TEST_PROTOCOL &&
      s.status === 'completed' &&
      s.id !== linkedOther &&
      Date.parse(s.started_at) >= orderedAt,
  );

  async function link(e: FormEvent) {
    e.preventDefault();
    if (!candidates.some((c) => c.id === sessionId)) {
      setMissing(true);
      return;
    }
    setMissing(false);
    if (await run('stimulations', { side, session_id: sessionId }, 'lab.saved.stimulation')) sessions.reload();
  }

  return (
    <div className="lab-form">
      <p className="hint">{t('lab.stimulateIntro')}</p>
      <button
        type="button"
        className="primary"
        onClick={() =>
          navigate('session', { patientId, protocolId: SWEAT_TEST_PROTOCOL, sweatTestId: test.id, arm: side })
        }
      >
        {t('lab.startStimulation', { side: t(`lab.side.${side}`) })}
      </button>
      <form onSubmit={link} noValidate>
        {sessions.loading && !sessions.data ? <Loading /> : null}
        <ErrorBox error={sessions.error} onRetry={sessions.reload} />
        {sessions.data && candidates.length === 0 ? <p className="muted">{t('lab.noCompletedSessions')}</p> : null}
        {sessions.data ? (
          <button type="button" className="lab-small" onClick={sessions.reload} disabled={sessions.loading}>
            {t('lab.refreshSessions')}
          </button>
        ) : null}
        {candidates.length > 0 ? (
          <>
            <Field label={t('lab.completedSession')} required {...(missing ? { error: t('lab.pickSession') } : {})}>
              {(p) => (
                <select
                  {...p}
                  value={candidates.some((c) => c.id === sessionId) ? sessionId : ''}
                  onChange={(e) => setSessionId(e.target.value)}
                >
                  <option value="">{t('lab.chooseSession')}</option>
                  {candidates.map((s) => (
                    <option key={s.id} value={s.id}>
                      {t('lab.sessionOption', {
                        at: dateTime(s.ended_at ?? s.started_at),
                        dose: number(s.delivered_mamin, 2),
                      })}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="submit" disabled={busy}>
              {t('lab.linkSession')}
            </button>
          </>
        ) : null}
      </form>
    </div>
  );
}

function TimeField({
  label,
  value,
  onChange,
  error,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
}) {
  const { t } = useI18n();
  return (
    <Field label={label} hint={t('lab.timeHint')} {...(error ? { error } : {})}>
      {(p) => <input {...p} type="datetime-local" step="1" value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

function CollectionStart({ side, busy, run }: { side: Side; busy: boolean; run: RunStep }) {
  const { t } = useI18n();
  const [method, setMethod] = useState<CollectionMethod>('macroduct');
  const [start, setStart] = useState('');
  const [error, setError] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const startedAt = instantOf(start);
    if (startedAt === undefined) {
      setError(t('lab.err.time'));
      return;
    }
    setError(undefined);
    await run('collections', { side, method, started_at: startedAt }, 'lab.saved.collectionStarted');
  }
  return (
    <form className="lab-form" onSubmit={submit} noValidate>
      <p className="hint">{t('lab.collectIntro')}</p>
      <Field label={t('lab.method')}>
        {(p) => (
          <select {...p} value={method} onChange={(e) => setMethod(e.target.value as CollectionMethod)}>
            {COLLECTION_METHODS.map((m) => (
              <option key={m} value={m}>
                {t(`lab.method.${m}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TimeField label={t('lab.collectionStart')} value={start} onChange={setStart} error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t('lab.startCollection')}
      </button>
    </form>
  );
}

function CollectionEnd({
  side,
  method,
  startedAt,
  busy,
  run,
}: {
  side: Side;
  method: CollectionMethod;
  startedAt: string;
  busy: boolean;
  run: RunStep;
}) {
  const { t } = useI18n();
  const [end, setEnd] = useState('');
  const [error, setError] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    const endedAt = instantOf(end);
    if (endedAt === undefined) {
      setError(t('lab.err.time'));
      return;
    }
    setError(undefined);
    await run('collections', { side, method, started_at: startedAt, ended_at: endedAt }, 'lab.saved.collectionEnded');
  }
  return (
    <form className="lab-form" onSubmit={submit} noValidate>
      <TimeField label={t('lab.collectionEnd')} value={end} onChange={setEnd} error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {t('lab.endCollection')}
      </button>
    </form>
  );
}

function SampleForm({
  side,
  method,
  busy,
  run,
}: {
  side: Side;
  method: CollectionMethod;
  busy: boolean;
  run: RunStep;
}) {
  const { t, number } = useI18n();
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string>();
  const min = SAMPLE_MINIMUM[method];
  const value = Number(amount.replace(',', '.'));
  const entered = amount.trim() !== '' && Number.isFinite(value);
  const qns = entered && value < min.amount;
  const minText =
    min.unit === 'uL' ? t('lab.valueUl', { n: number(min.amount) }) : t('lab.valueMg', { n: number(min.amount) });
  useEffect(() => setError(undefined), [amount]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!entered || value < 0) {
      setError(t('lab.err.number'));
      return;
    }
    await run(
      'samples',
      min.unit === 'uL' ? { side, volume_ul: value } : { side, weight_mg: value },
      'lab.saved.sample',
    );
  }
  return (
    <form className="lab-form" onSubmit={submit} noValidate>
      <Field
        label={min.unit === 'uL' ? t('lab.volume') : t('lab.sweatWeight')}
        hint={t('lab.sampleHint', { min: minText })}
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
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        )}
      </Field>
      {qns ? (
        <Banner tone="warning" title={t('lab.qnsPreview', { min: minText })}>
          {t('lab.qnsHint')}
        </Banner>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {t('lab.recordSample')}
      </button>
    </form>
  );
}
