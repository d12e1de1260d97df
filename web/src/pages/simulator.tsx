import { useState } from 'react';
import { api, ApiError } from '../api';
import { Banner, ErrorBox, Loading, Page, useAsync } from '../components/ui';
import { useT } from '../i18n';
import { SimulationForm } from './simulator/form';
import { referenceKeys } from './simulator/format';
import { SimulationResult } from './simulator/result';
import './simulator/simulator.css';
import type { SimCatalogue, SimField, SimRequest, SimResult } from './simulator/types';
import { fieldOfProblem } from './simulator/validate';

const FIELDS: readonly SimField[] = ['drug', 'current_mA', 'minutes', 'area_cm2', 'electrode'];

/**
 * The drug-delivery simulator: pick a drug, a current, a time (and the electrode), run the model on the server, and
 * see the delivered amount and the depth profile. A model, said so on the page with its sources.
 */
export function SimulatorPage() {
  const t = useT();
  const catalogue = useAsync((signal) => api.get<SimCatalogue>('/api/simulations/drugs', { signal }), []);
  const [result, setResult] = useState<SimResult | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [refused, setRefused] = useState<SimField | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (req: SimRequest) => {
    setBusy(true);
    setError(undefined);
    setRefused(undefined);
    try {
      setResult(await api.post<SimResult>('/api/simulations/drug-delivery', req));
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setRefused(fieldOfProblem(e.errors, e.detail, FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const data = catalogue.data;
  return (
    <Page title={t('simulator.title')}>
      <p>{t('simulator.intro')}</p>
      <Banner tone="info" title={t('simulator.modelTitle')} testId="sim-model-note">
        <p>{t('simulator.modelNote', { sources: referenceKeys(data?.model.sources ?? '') })}</p>
      </Banner>
      {catalogue.error ? <ErrorBox error={catalogue.error} onRetry={catalogue.reload} /> : null}
      {!data && !catalogue.error ? <Loading /> : null}
      {data ? (
        <div className="sim-layout">
          <SimulationForm catalogue={data} busy={busy} refused={refused} onRun={(r) => void run(r)} />
          <div className="sim-output" aria-live="polite" aria-busy={busy}>
            <ErrorBox error={error} />
            {busy ? (
              <p role="status" className="loading">
                {t('simulator.running')}
              </p>
            ) : null}
            {result ? <SimulationResult r={result} /> : busy ? null : <p className="muted">{t('simulator.empty')}</p>}
          </div>
        </div>
      ) : null}
    </Page>
  );
}
