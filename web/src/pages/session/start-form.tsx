import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { ErrorBox, Field, Loading, NumberInput, useAsync } from '../../components/ui';
import { useI18n, type MessageKey } from '../../i18n';
import { StartRefusal } from './refusal';
import { StepChecklist } from './step-checklist';
import type {
  CourseDetail,
  CourseRecord,
  DeviceRecord,
  ProtocolDocument,
  ProtocolListItem,
  SessionRecord,
  SourcedRange,
} from './types';

interface Setup {
  protocols: ProtocolListItem[];
  course: CourseDetail | undefined;
  /** The protocol to offer first: the course's, else the patient's latest course's, else none. */
  protocolId: string | undefined;
  devices: DeviceRecord[];
}

async function loadSetup(patientId: string, courseId: string | undefined, signal: AbortSignal): Promise<Setup> {
  const [protocols, course, courses, devices] = await Promise.all([
    api.get<{ items: ProtocolListItem[] }>('/api/protocols', { signal }),
    courseId ? api.get<CourseDetail>(`/api/courses/${encodeURIComponent(courseId)}`, { signal }) : undefined,
    courseId
      ? undefined
      : api.get<{ items: CourseRecord[] }>(`/api/patients/${encodeURIComponent(patientId)}/courses`, { signal }),
    // Staff may list the clinic's devices; without the list the built-in simulated device is the only choice. The
    // server drives the simulated ones and the serial ones with a port on its computer.
    api.get<{ items: DeviceRecord[] }>('/api/devices', { signal }).then(
      (d) => d.items.filter((x) => x.kind === 'simulated' || x.port !== null),
      () => [] as DeviceRecord[],
    ),
  ]);
  const fromCourses = courses?.items[courses.items.length - 1]?.protocol;
  return { protocols: protocols.items, course, protocolId: course?.protocol ?? fromCourses, devices };
}

/** A number typed into a field, checked against the protocol's range; the error names the range. */
function checkRange(text: string, r: SourcedRange): boolean {
  if (text.trim() === '') return false;
  const v = Number(text);
  return Number.isFinite(v) && v >= r.min && v <= r.max;
}

/**
 * Before the session: the protocol, zone, mode, device and amounts the API takes (prefilled from the course), the
 * protocol's pre-step checklist, and Start, which stays disabled until every step is ticked and every value is within
 * the protocol's range. A refusal from the server shows as a banner with its reason; nothing starts then.
 */
export function StartForm({
  patientId,
  courseId,
  seq,
  preferredProtocol,
  onStarted,
}: {
  patientId: string;
  courseId: string | undefined;
  seq: string | undefined;
  /** The protocol the page that sent the user here asks for (the sweat test's pilocarpine stimulation). */
  preferredProtocol?: string | undefined;
  onStarted: (s: SessionRecord) => void;
}) {
  const { t, number, date } = useI18n();
  const setup = useAsync((signal) => loadSetup(patientId, courseId, signal), [patientId, courseId]);
  const [protocolId, setProtocolId] = useState<string>('');
  useEffect(() => {
    if (setup.data && protocolId === '') {
      const preferred = setup.data.protocols.find((p) => p.id === preferredProtocol)?.id;
      setProtocolId(preferred ?? setup.data.protocolId ?? setup.data.protocols[0]?.id ?? '');
    }
  }, [setup.data, protocolId, preferredProtocol]);
  const doc = useAsync(
    (signal) =>
      protocolId === ''
        ? Promise.resolve(undefined)
        : api.get<ProtocolDocument>(`/api/protocols/${encodeURIComponent(protocolId)}`, { signal }),
    [protocolId],
  );

  const [zone, setZone] = useState('');
  const [mode, setMode] = useState('');
  const [deviceId, setDeviceId] = useState('');
  const [current, setCurrent] = useState('');
  const [amount, setAmount] = useState('');
  const [charge, setCharge] = useState('');
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<unknown>(undefined);
  const refusalRef = useRef<HTMLDivElement>(null);
  // The Start button is at the bottom of a long form: bring the refusal into view (it is also announced, role=alert).
  useEffect(() => {
    if (refusal) refusalRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [refusal]);

  const protocol = doc.data && doc.data.id === protocolId ? doc.data : undefined;
  const zoneDoc = protocol?.zones[zone];

  const resetAmounts = (p: ProtocolDocument, z: string) => {
    const zd = p.zones[z];
    setCurrent(zd ? String(zd.current_mA.value) : '');
    const r = zd?.dose_mAmin ?? zd?.duration_min;
    setAmount(r ? String(r.value) : '');
  };

  // A new protocol: its defaults, and every step unticked again (each protocol has its own checklist).
  useEffect(() => {
    if (!protocol) return;
    setZone(protocol.default_zone);
    setMode(protocol.default_mode);
    setCharge('');
    setTicked(new Set());
    setRefusal(undefined);
    resetAmounts(protocol, protocol.default_zone);
  }, [protocol]);

  if (setup.error) return <ErrorBox error={setup.error} onRetry={setup.reload} />;
  if (!setup.data) return <Loading />;
  const { protocols, course, devices } = setup.data;
  const planned = course && seq ? course.planned_sessions.find((p) => String(p.seq) === seq) : undefined;

  const dosed = zoneDoc?.dose_mAmin !== undefined;
  const amountRange = zoneDoc?.dose_mAmin ?? zoneDoc?.duration_min;
  const byCharge = protocol?.polarity.electrode_a === 'by-agent-charge';
  const rangeError = (r: SourcedRange) => t('session.outOfRange', { min: number(r.min), max: number(r.max) });
  const currentError = zoneDoc && !checkRange(current, zoneDoc.current_mA) ? rangeError(zoneDoc.current_mA) : undefined;
  const amountError = amountRange && !checkRange(amount, amountRange) ? rangeError(amountRange) : undefined;
  const chargeError = byCharge && charge === '' ? t('session.chooseCharge') : undefined;
  const steps = protocol?.pre_steps ?? [];
  const allTicked = steps.every((s) => ticked.has(s.id));
  const valid = !!protocol && !!zoneDoc && !!amountRange && !currentError && !amountError && !chargeError;
  const canStart = valid && allTicked && !busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!canStart || !protocol) return;
    setBusy(true);
    setRefusal(undefined);
    try {
      const started = await api.post<SessionRecord>('/api/sessions', {
        patient_id: patientId,
        protocol: protocol.id,
        zone,
        mode,
        confirmed_steps: steps.filter((s) => ticked.has(s.id)).map((s) => s.id),
        current_mA: Number(current),
        ...(dosed ? { dose_mAmin: Number(amount) } : { minutes: Number(amount) }),
        ...(deviceId ? { device_id: deviceId } : {}),
        ...(byCharge ? { agent_charge: charge } : {}),
      });
      onStarted(started);
    } catch (err) {
      setRefusal(err);
      setBusy(false);
    }
  };

  const hint = (key: MessageKey, r: SourcedRange) =>
    t(key, { value: number(r.value), min: number(r.min), max: number(r.max) });

  return (
    <form className="session-start" onSubmit={(e) => void submit(e)} noValidate>
      {planned ? (
        <p className="muted">
          {t('session.planned', {
            seq: planned.seq,
            date: date(planned.local_date),
            phase:
              planned.phase === 'induction' || planned.phase === 'maintenance'
                ? t(`session.coursePhase.${planned.phase}`)
                : planned.phase,
          })}
        </p>
      ) : null}
      <div ref={refusalRef}>{refusal ? <StartRefusal error={refusal} /> : null}</div>
      <fieldset>
        <legend>{t('session.settings')}</legend>
        <div className="session-form-grid">
          <Field label={t('session.protocol')} required>
            {(p) => (
              <select {...p} value={protocolId} onChange={(e) => setProtocolId(e.target.value)} disabled={busy}>
                {protocols.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {protocol ? (
            <>
              <Field label={t('session.zone')} required>
                {(p) => (
                  <select
                    {...p}
                    value={zone}
                    disabled={busy}
                    onChange={(e) => {
                      setZone(e.target.value);
                      resetAmounts(protocol, e.target.value);
                    }}
                  >
                    {Object.entries(protocol.zones).map(([id, z]) => (
                      <option key={id} value={id}>
                        {z.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('session.mode')} required hint={protocol.modes[mode]?.note}>
                {(p) => (
                  <select {...p} value={mode} disabled={busy} onChange={(e) => setMode(e.target.value)}>
                    {Object.entries(protocol.modes).map(([id, m]) => (
                      <option key={id} value={id}>
                        {m.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('session.device')} hint={t('session.deviceHint')}>
                {(p) => (
                  <select {...p} value={deviceId} disabled={busy} onChange={(e) => setDeviceId(e.target.value)}>
                    <option value="">{t('session.deviceBuiltIn')}</option>
                    {devices.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.kind === 'serial' && d.port !== null
                          ? t('session.deviceSerial', { name: d.name, port: d.port })
                          : t('session.deviceSimulated', { name: d.name })}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {zoneDoc ? (
                <Field
                  label={t('session.current')}
                  required
                  hint={hint('session.currentHint', zoneDoc.current_mA)}
                  error={currentError}
                >
                  {(p) => (
                    <NumberInput
                      {...p}
                      decimal
                      min={zoneDoc.current_mA.min}
                      max={zoneDoc.current_mA.max}
                      disabled={busy}
                      value={current}
                      onValue={setCurrent}
                    />
                  )}
                </Field>
              ) : null}
              {amountRange ? (
                <Field
                  label={dosed ? t('session.dose') : t('session.minutes')}
                  required
                  hint={hint(dosed ? 'session.doseHint' : 'session.minutesHint', amountRange)}
                  error={amountError}
                >
                  {(p) => (
                    <NumberInput
                      {...p}
                      decimal
                      min={amountRange.min}
                      max={amountRange.max}
                      disabled={busy}
                      value={amount}
                      onValue={setAmount}
                    />
                  )}
                </Field>
              ) : null}
              {byCharge ? (
                <Field
                  label={t('session.agentCharge')}
                  required
                  hint={t('session.agentChargeHint')}
                  error={chargeError}
                >
                  {(p) => (
                    <select {...p} value={charge} disabled={busy} onChange={(e) => setCharge(e.target.value)}>
                      <option value="">{t('session.agentChargeChoose')}</option>
                      <option value="cation">{t('session.agentCharge.cation')}</option>
                      <option value="anion">{t('session.agentCharge.anion')}</option>
                    </select>
                  )}
                </Field>
              ) : null}
            </>
          ) : null}
        </div>
      </fieldset>
      {doc.error ? <ErrorBox error={doc.error} onRetry={doc.reload} /> : null}
      {!protocol && !doc.error ? <Loading /> : null}
      {protocol ? (
        <StepChecklist
          legend={t('session.checklist')}
          intro={t('session.checklistIntro')}
          steps={steps}
          ticked={ticked}
          onChange={setTicked}
          busy={busy}
          testId="session-checklist"
        />
      ) : null}
      <div className="session-start-actions">
        <button
          type="submit"
          className="primary session-big"
          disabled={!canStart}
          {...(!canStart && !busy ? { 'aria-describedby': 'session-start-why' } : {})}
        >
          {busy ? t('session.starting') : t('session.start')}
        </button>
        {!canStart && !busy ? (
          <p id="session-start-why" className="hint">
            {t('session.startBlocked')}
          </p>
        ) : null}
      </div>
    </form>
  );
}
