import { useMemo } from 'react';
import { Chart } from '../../components/chart';
import { useI18n, type MessageKey } from '../../i18n';
import { digitsFor } from './format';
import type { SimResult } from './types';

const LAYER_KEYS: Record<string, MessageKey> = {
  'stratum corneum': 'simulator.layer.stratum corneum',
  'viable epidermis': 'simulator.layer.viable epidermis',
  dermis: 'simulator.layer.dermis',
};

/** One run's answer: the delivered amount and the figures behind it, the depth profile and the delivery over time. */
export function SimulationResult({ r }: { r: SimResult }) {
  const { t, number } = useI18n();
  const n = (x: number) => number(x, digitsFor(x));

  const profile = useMemo(
    () => [r.depth_profile.depth_um, r.depth_profile.conc_ug_per_cm3] as const,
    [r.depth_profile],
  );
  const timeline = useMemo(() => [r.timeline.t_min, r.timeline.delivered_ug] as const, [r.timeline]);
  const end = r.depth_profile.depth_um.at(-1) ?? 0;
  const marks = useMemo(() => r.layers.map((l) => l.to_um).filter((x) => x < end), [r.layers, end]);
  const peakAt = r.depth_profile.conc_ug_per_cm3.reduce(
    (best, c, i, all) => (c > (all[best] ?? -Infinity) ? i : best),
    0,
  );
  const layerName = (name: string) => {
    const key = LAYER_KEYS[name];
    return key ? t(key) : name;
  };

  const rows: [MessageKey, string][] = [
    ['simulator.dose', t('simulator.doseValue', { dose: n(r.dose_mAmin), density: n(r.density_mA_per_cm2) })],
    ['simulator.efficiency', t('simulator.efficiencyValue', { percent: n(r.efficiency * 100) })],
    ['simulator.faraday', t('simulator.ugValue', { ug: n(r.faraday_bound_ug) })],
    ['simulator.flux', t('simulator.fluxValue', { flux: n(r.mean_flux_ug_per_cm2_per_h) })],
    [
      'simulator.depth',
      t('simulator.depthValue', {
        d10: n(r.depth_reached_um.above_10pct_of_surface),
        d1: n(r.depth_reached_um.above_1pct_of_surface),
      }),
    ],
    [
      'simulator.fate',
      t('simulator.fateValue', {
        skin: n(r.fate_ug.in_skin),
        cleared: n(r.fate_ug.cleared),
        below: n(r.fate_ug.below_dermis),
      }),
    ],
    ['simulator.voltage', t('simulator.voltageValue', { v: n(r.skin_voltage_V) })],
  ];

  return (
    <section className="card sim-result" aria-labelledby="sim-result" data-testid="sim-result">
      <h2 id="sim-result">{t('simulator.result')}</h2>
      <p className="muted">
        {t('simulator.resultFor', {
          drug: r.drug.name,
          current: n(r.current_mA),
          minutes: n(r.minutes),
          area: n(r.area_cm2),
        })}
      </p>
      <p className="sim-delivered">
        <span className="sim-delivered-label">{t('simulator.delivered')}</span>
        <strong className="sim-delivered-value num" data-testid="sim-delivered">
          {t('simulator.deliveredValue', { ug: n(r.delivered_ug), umol: n(r.delivered_umol) })}
        </strong>
      </p>
      <dl className="sim-figures">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{t(label)}</dt>
            <dd className="num">{value}</dd>
          </div>
        ))}
      </dl>

      <h3>{t('simulator.profileTitle')}</h3>
      <Chart
        testId="sim-profile"
        label={t('simulator.profileChart')}
        summary={t('simulator.profileSummary', {
          points: r.depth_profile.depth_um.length,
          maxDepth: n(end),
          peak: n(r.depth_profile.conc_ug_per_cm3[peakAt] ?? 0),
          peakDepth: n(r.depth_profile.depth_um[peakAt] ?? 0),
        })}
        xLabel={t('simulator.depthAxis')}
        series={[{ label: t('simulator.concSeries'), stroke: '#0b5cad' }]}
        axes={[{ scale: 'y', label: t('simulator.concAxis') }]}
        data={profile}
        marks={marks}
      />
      <p className="hint">
        {t('simulator.layers', {
          layers: r.layers
            .map((l) => t('simulator.layerRange', { layer: layerName(l.name), from: n(l.from_um), to: n(l.to_um) }))
            .join(' · '),
        })}
      </p>

      <h3>{t('simulator.timelineTitle')}</h3>
      <Chart
        testId="sim-timeline"
        label={t('simulator.timelineChart')}
        summary={t('simulator.timelineSummary', { ug: n(r.delivered_ug), minutes: n(r.minutes) })}
        xLabel={t('simulator.timeAxis')}
        series={[{ label: t('simulator.amountSeries'), stroke: '#1e7b34' }]}
        axes={[{ scale: 'y', label: t('simulator.amountAxis') }]}
        data={timeline}
        height={200}
      />

      <details className="sim-notes">
        <summary>{t('simulator.notesTitle')}</summary>
        <ul lang="en">
          {r.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      </details>
      <p className="hint">{t('simulator.computed', { ms: r.compute_ms })}</p>
    </section>
  );
}
