import { api } from '../api';
import { isStaff, useAuth } from '../auth';
import { ErrorBox, Page, useAsync } from '../components/ui';
import { useT } from '../i18n';
import { Link, useRouter } from '../router';
import { LiveView, startPrecautions } from './session/live-view';
import { StartForm } from './session/start-form';
import type { PatientRecord } from './session/types';
import './session.css';

/**
 * The live session page, reached with `navigate('session', { patientId, courseId?, seq?, sessionId? })`: without a
 * session id it prepares and starts one (staff only); with one it follows it live to its end. The ids travel in the
 * history entry's state, never in the address.
 */
export function SessionPage() {
  const t = useT();
  const { route, navigate } = useRouter();
  const { user } = useAuth();
  const { patientId, courseId, seq, sessionId, protocolId, sweatTestId, arm } = route.state;
  // A sweat test's stimulation: the lab page sent the user here and takes them back with the session to link.
  const sweatTest = sweatTestId ? { sweatTestId, ...(arm ? { arm } : {}) } : {};
  const patient = useAsync(
    (signal) =>
      patientId
        ? api.get<PatientRecord>(`/api/patients/${encodeURIComponent(patientId)}`, { signal })
        : Promise.resolve(undefined),
    [patientId],
  );

  let body;
  if (sessionId) body = <LiveView key={sessionId} sessionId={sessionId} />;
  else if (!patientId) {
    body = (
      <p>
        {t('session.noPatient')} <Link to="patients">{t('session.goPatients')}</Link>
      </p>
    );
  } else if (!isStaff(user.role)) body = <p>{t('session.staffOnly')}</p>;
  else {
    body = (
      <StartForm
        patientId={patientId}
        courseId={courseId}
        seq={seq}
        preferredProtocol={protocolId}
        onStarted={(s) => {
          if (s.precautions) startPrecautions.set(s.id, s.precautions);
          // Replaced, so Back leaves the page rather than returning to a form whose session is already running.
          navigate('session', { patientId, sessionId: s.id, ...sweatTest }, { replace: true });
        }}
      />
    );
  }

  return (
    <Page
      title={t('session.title')}
      actions={
        sweatTestId ? (
          <Link
            to="sweat-tests"
            state={{ testId: sweatTestId, ...(arm ? { arm } : {}), ...(sessionId ? { sessionId } : {}) }}
          >
            {t('session.backToSweatTest')}
          </Link>
        ) : patientId ? (
          <Link to="patient" state={{ patientId }}>
            {t('session.backToPatient')}
          </Link>
        ) : undefined
      }
    >
      {patient.data ? (
        <p className="session-patient" data-testid="session-patient">
          {t('session.patient', { name: patient.data.name })}
        </p>
      ) : null}
      {patient.error ? <ErrorBox error={patient.error} onRetry={patient.reload} /> : null}
      {body}
    </Page>
  );
}
