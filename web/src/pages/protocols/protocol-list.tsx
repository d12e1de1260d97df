import { useState } from 'react';
import { api } from '../../api';
import { ErrorBox, Field, Loading, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { useRouter } from '../../router';
import { PROTOCOL_USES, type ProtocolSummary, type ProtocolUse, type SummaryRange } from './types';

/** The library: every protocol with its use, zones, current, time or dose and evidence level; filter by use. */
export function ProtocolList() {
  const { t, number } = useI18n();
  const { navigate } = useRouter();
  const [use, setUse] = useState<ProtocolUse | ''>('');
  const list = useAsync((signal) => api.get<{ items: ProtocolSummary[] }>('/api/protocols', { signal }), []);
  const items = (list.data?.items ?? []).filter((p) => use === '' || p.purpose === use);
  const range = (r: SummaryRange) =>
    r.min === r.max ? number(r.value) : t('protocols.rangeShort', { min: number(r.min), max: number(r.max) });

  return (
    <>
      <p className="hint">{t('protocols.intro')}</p>
      <Field label={t('protocols.filterUse')}>
        {(p) => (
          <select {...p} value={use} onChange={(e) => setUse(e.target.value as ProtocolUse | '')}>
            <option value="">{t('protocols.allUses')}</option>
            {PROTOCOL_USES.map((u) => (
              <option key={u} value={u}>
                {t(`protocols.use.${u}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data ? (
        <p role="status" className="muted">
          {t('protocols.count', { n: number(items.length) })}
        </p>
      ) : null}
      {list.data && items.length === 0 ? <p>{t('protocols.noneForUse')}</p> : null}
      <ul className="proto-list" data-testid="protocol-list">
        {items.map((p) => (
          <li key={p.id} className="card" data-protocol={p.id}>
            <h2 className="proto-list-title">
              <button type="button" className="proto-link" onClick={() => navigate('protocols', { protocolId: p.id })}>
                <span lang="en">{p.name}</span>
              </button>
            </h2>
            <p className="proto-tags">
              <span className="proto-tag">{t(`protocols.use.${p.purpose}`)}</span>
              <span className={`proto-tag proto-evidence-${p.evidence.level}`}>
                {t('protocols.evidenceShort', { level: t(`protocols.evidence.${p.evidence.level}`) })}
              </span>
              <span className="proto-tag">{t(`protocols.endOn.${p.end_on}`)}</span>
            </p>
            <p lang="en">{p.summary}</p>
            <div className="table-scroll lab-scroll">
              <table>
                <caption className="visually-hidden">{t('protocols.zonesOf', { name: p.name })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('protocols.zone')}</th>
                    <th scope="col">{t('protocols.currentMa')}</th>
                    <th scope="col">{t('protocols.timeOrDose')}</th>
                  </tr>
                </thead>
                <tbody>
                  {p.zones.map((z) => (
                    <tr key={z.id}>
                      <td lang="en">{z.name}</td>
                      <td className="num">{range(z.current_mA)}</td>
                      <td>
                        {z.dose_mAmin
                          ? t('protocols.doseValue', { v: range(z.dose_mAmin) })
                          : z.duration_min
                            ? t('protocols.minutesValue', { v: range(z.duration_min) })
                            : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
