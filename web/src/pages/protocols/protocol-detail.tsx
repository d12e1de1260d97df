import { api } from '../../api';
import { ErrorBox, Loading, Page, useAsync } from '../../components/ui';
import { useI18n, type MessageKey } from '../../i18n';
import { useRouter } from '../../router';
import { SourcedTable, SourceText, type SourcedRow } from './sourced';
import type { Protocol, ProtocolStep, ProtocolZone } from './types';

type Translate = ReturnType<typeof useI18n>['t'];

/** The zone's numbers in the order an operator reads them, each with its unit. */
function zoneRows(t: Translate, z: ProtocolZone): SourcedRow[] {
  const row = (key: keyof ProtocolZone, label: MessageKey, unit: string): SourcedRow => ({
    key,
    label: t(label),
    value: z[key] as SourcedRow['value'],
    unit,
  });
  return [
    row('area_cm2', 'protocols.q.area', 'cm²'),
    row('current_mA', 'protocols.q.current', 'mA'),
    row('max_density_mA_per_cm2', 'protocols.q.maxDensity', 'mA/cm²'),
    row('duration_min', 'protocols.q.duration', 'min'),
    row('dose_mAmin', 'protocols.q.dose', 'mA·min'),
    row('duration_cap_factor', 'protocols.q.durationCap', '×'),
    row('ramp_up_mA_per_s', 'protocols.q.rampUp', 'mA/s'),
    row('ramp_up_after_reversal_mA_per_s', 'protocols.q.rampUpReversal', 'mA/s'),
    row('ramp_down_mA_per_s', 'protocols.q.rampDown', 'mA/s'),
    row('comfort_didt_mA_per_s', 'protocols.q.comfort', 'mA/s'),
    row('probe_mA', 'protocols.q.probe', 'mA'),
    row('short_below_ohm', 'protocols.q.shortBelow', 'Ω'),
    row('open_above_ohm', 'protocols.q.openAbove', 'Ω'),
  ];
}

function Steps({ title, steps }: { title: string; steps: ProtocolStep[] }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {steps.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
      <ol className="proto-steps">
        {steps.map((s) => (
          <li key={s.id}>
            <span lang="en">{s.text}</span>{' '}
            <span className="proto-tag">{s.required ? t('protocols.required') : t('protocols.optional')}</span>
            <br />
            <span className="lab-source">
              {t('protocols.source')}: <SourceText source={s.source} />
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** One protocol in full: every number with its unit and its source, flags for UNVERIFIED and design values. */
export function ProtocolDetail({ id }: { id: string }) {
  const { t, number } = useI18n();
  const { navigate } = useRouter();
  const doc = useAsync((signal) => api.get<Protocol>(`/api/protocols/${encodeURIComponent(id)}`, { signal }), [id]);
  const back = (
    <button type="button" onClick={() => navigate('protocols', {})}>
      {t('protocols.back')}
    </button>
  );
  const p = doc.data;
  if (!p) {
    return (
      <Page title={t('protocols.title')} actions={back}>
        {doc.loading ? <Loading /> : null}
        <ErrorBox error={doc.error} onRetry={doc.reload} />
      </Page>
    );
  }
  const rev = p.reversal;
  return (
    <Page title={p.title} actions={back}>
      <p className="proto-tags">
        <span className="proto-tag">{t(`protocols.use.${p.use}`)}</span>
        <span className={`proto-tag proto-evidence-${p.evidence.level}`}>
          {t('protocols.evidenceShort', { level: t(`protocols.evidence.${p.evidence.level}`) })}
        </span>
        <span className="proto-tag">{t(`protocols.endOn.${p.end_on}`)}</span>
      </p>
      <p lang="en">{p.summary}</p>
      <p className="hint">{t('protocols.dataInEnglish')}</p>

      <section className="card" aria-labelledby="proto-general">
        <h2 id="proto-general">{t('protocols.general')}</h2>
        <dl className="lab-facts">
          <dt>{t('protocols.agent')}</dt>
          <dd>
            <span lang="en">{p.agent.name}</span> · {t(`protocols.charge.${p.agent.charge}`)}
            <br />
            <SourceText source={p.agent.source} />
          </dd>
          <dt>{t('protocols.polarity')}</dt>
          <dd>
            {t('protocols.polarityValue', {
              a: p.polarity.electrode_a === 'by-agent-charge' ? t('protocols.byAgentCharge') : p.polarity.electrode_a,
              pole: t(`protocols.pole.${p.polarity.active_pole}`),
            })}
            <br />
            <SourceText source={p.polarity.source} />
          </dd>
          <dt>{t('protocols.reversal')}</dt>
          <dd>
            {rev.kind === 'at'
              ? t('protocols.reversal.at', { times: rev.times_s.map((x) => number(x)).join(', ') })
              : t(`protocols.reversal.${rev.kind}`)}
            <br />
            <SourceText source={rev.source} />
          </dd>
        </dl>
        <SourcedTable
          caption={t('protocols.timing')}
          rows={[
            { key: 'min_age', label: t('protocols.q.minAge'), value: p.age.min_years, unit: t('protocols.unit.years') },
            {
              key: 'pulsed_under',
              label: t('protocols.q.pulsedUnder'),
              value: p.age.pulsed_recommended_under_years,
              unit: t('protocols.unit.years'),
            },
            { key: 'dead_time', label: t('protocols.q.deadTime'), value: p.dead_time_s, unit: 's' },
            { key: 'debounce', label: t('protocols.q.debounce'), value: p.contact_debounce_s, unit: 's' },
            { key: 'contact_timeout', label: t('protocols.q.contactTimeout'), value: p.contact_timeout_s, unit: 's' },
            { key: 'pause_timeout', label: t('protocols.q.pauseTimeout'), value: p.pause_timeout_s, unit: 's' },
          ]}
        />
      </section>

      <section aria-labelledby="proto-zones">
        <h2 id="proto-zones">{t('protocols.zones')}</h2>
        {Object.entries(p.zones).map(([zid, z]) => (
          <div key={zid} className="card" data-zone={zid}>
            <h3>
              <span lang="en">{z.label}</span>{' '}
              {zid === p.default_zone ? <span className="proto-tag">{t('protocols.default')}</span> : null}
            </h3>
            <p>
              {t(`protocols.setup.${z.setup}`)} · <span lang="en">{z.electrode}</span>
            </p>
            <SourcedTable caption={t('protocols.zoneValues', { zone: z.label })} rows={zoneRows(t, z)} />
          </div>
        ))}
      </section>

      <section className="card" aria-labelledby="proto-modes">
        <h2 id="proto-modes">{t('protocols.modes')}</h2>
        {Object.entries(p.modes).map(([mid, m]) => (
          <div key={mid}>
            <h3>
              <span lang="en">{m.label}</span> · {t(`protocols.waveform.${m.waveform.kind}`)}{' '}
              {mid === p.default_mode ? <span className="proto-tag">{t('protocols.default')}</span> : null}
            </h3>
            {m.note ? <p lang="en">{m.note}</p> : null}
            {m.waveform.kind === 'pulsed' ? (
              <SourcedTable
                caption={t('protocols.waveformValues')}
                rows={[
                  { key: 'frequency', label: t('protocols.q.frequency'), value: m.waveform.frequency_hz, unit: 'Hz' },
                  { key: 'duty', label: t('protocols.q.duty'), value: m.waveform.duty, unit: '' },
                ]}
              />
            ) : null}
          </div>
        ))}
      </section>

      <section className="card" aria-labelledby="proto-course">
        <h2 id="proto-course">{t('protocols.course')}</h2>
        <dl className="lab-facts">
          <dt>{t('protocols.induction')}</dt>
          <dd>
            {t(`protocols.template.${p.course.induction.template}` as MessageKey)}
            {p.course.induction.until_dry ? ` · ${t('protocols.untilDry')}` : ''}
            <br />
            <SourceText source={p.course.induction.source} />
          </dd>
          {p.course.not_with.length > 0 ? (
            <>
              <dt>{t('protocols.notWith')}</dt>
              <dd>{p.course.not_with.join(', ')}</dd>
            </>
          ) : null}
        </dl>
        <SourcedTable
          caption={t('protocols.courseValues')}
          rows={[
            {
              key: 'sessions',
              label: t('protocols.q.inductionSessions'),
              value: p.course.induction.sessions,
              unit: t('protocols.unit.sessions'),
            },
            {
              key: 'maintenance',
              label: t('protocols.q.maintenance'),
              value: p.course.maintenance?.interval_days,
              unit: t('protocols.unit.days'),
            },
            { key: 'per_day', label: t('protocols.q.perDay'), value: p.course.caps.per_day, unit: '' },
            { key: 'per_week', label: t('protocols.q.perWeek'), value: p.course.caps.per_week, unit: '' },
          ]}
        />
        {p.course.maintenance === null ? <p className="muted">{t('protocols.noMaintenance')}</p> : null}
      </section>

      <Steps title={t('protocols.preSteps')} steps={p.pre_steps} />
      <Steps title={t('protocols.postSteps')} steps={p.post_steps} />

      <section className="card" aria-labelledby="proto-contra">
        <h2 id="proto-contra">{t('protocols.contraindications')}</h2>
        {p.contraindications.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
        <ul className="lab-reasons">
          {p.contraindications.map((c) => (
            <li key={c.item}>
              <span className={`lab-effect lab-effect-${c.effect}`}>{t(`protocols.effect.${c.effect}`)}</span>{' '}
              <strong>{t(`protocols.item.${c.item}` as MessageKey)}</strong>: <span lang="en">{c.note}</span>
              <br />
              <span className="lab-source">
                {t('protocols.source')}: <SourceText source={c.source} />
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="proto-evidence">
        <h2 id="proto-evidence">{t('protocols.evidenceTitle')}</h2>
        <p>
          <strong>{t(`protocols.evidence.${p.evidence.level}`)}</strong> · <span lang="en">{p.evidence.summary}</span>
        </p>
        <p className="lab-source">
          {t('protocols.source')}: <SourceText source={p.evidence.source} />
        </p>
      </section>

      <section className="card" aria-labelledby="proto-sources">
        <h2 id="proto-sources">{t('protocols.references')}</h2>
        <dl className="lab-facts proto-refs">
          {Object.entries(p.sources).map(([k, v]) => (
            <div key={k} className="proto-ref">
              <dt>{k}</dt>
              <dd lang="en">{v}</dd>
            </div>
          ))}
        </dl>
      </section>
    </Page>
  );
}
