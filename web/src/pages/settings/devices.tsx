import { useState, type FormEvent } from 'react';
import { allPages, api } from '../../api';
import { ErrorBox, Field, Loading, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { Confirm, SecretOnce } from './secret-once';

/** How a serial device runs a session on the computer it is plugged into (README "Devices over a serial line"). */
const SERIAL_COMMAND = 'ionto run <protocol> --port /dev/ttyUSB0';

interface Device {
  id: string;
  clinic_id: string;
  kind: 'simulated' | 'serial';
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/**
 * The clinic's devices (admins): list, register a simulated or a serial device (its token is shown once), and give a
 * device a new token after a confirmation (the old one stops working at once).
 */
export function DevicesSection() {
  const { t, dateTime } = useI18n();
  const list = useAsync(() => allPages<Device>('/api/devices'), []);
  const [kind, setKind] = useState<Device['kind']>('simulated');
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<{ title: string; token: string }>();
  const [rotating, setRotating] = useState<Device>();

  async function add(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === '') {
      setNameError(t('settings.err.deviceName'));
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ device: Device; token: string }>('/api/devices', { kind, name: name.trim() });
      setSecret({ title: t('settings.deviceAdded', { name: res.device.name }), token: res.token });
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function rotate(d: Device) {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ device: Device; token: string }>(`/api/devices/${encodeURIComponent(d.id)}/token`);
      setRotating(undefined);
      setSecret({ title: t('settings.tokenRotated', { name: d.name }), token: res.token });
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const items = list.data ?? [];
  return (
    <section className="card" aria-labelledby="settings-devices">
      <h2 id="settings-devices">{t('settings.devices')}</h2>
      <ul className="settings-explain">
        <li>{t('settings.deviceSimulatedExplain')}</li>
        <li>{t('settings.deviceSerialExplain')}</li>
      </ul>
      <p className="settings-command">
        <code>{SERIAL_COMMAND}</code>
      </p>
      <p className="hint">{t('settings.deviceAgentExplain')}</p>
      {secret ? <SecretOnce title={secret.title} secret={secret.token} onDone={() => setSecret(undefined)} /> : null}
      <ErrorBox error={error} />
      {list.loading && !list.data ? <Loading /> : null}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {list.data && items.length === 0 ? <p className="muted">{t('settings.noDevices')}</p> : null}
      {items.length > 0 ? (
        <div className="table-scroll lab-scroll">
          <table data-testid="device-list">
            <caption className="visually-hidden">{t('settings.devices')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('settings.deviceName')}</th>
                <th scope="col">{t('settings.deviceKind')}</th>
                <th scope="col">{t('settings.drivenBy')}</th>
                <th scope="col">{t('settings.createdAt')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('settings.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td>{d.name}</td>
                  <td>{t(`settings.kind.${d.kind}`)}</td>
                  <td>{t(`settings.drivenBy.${d.kind}`)}</td>
                  <td>{dateTime(d.created_at)}</td>
                  <td>
                    {rotating?.id === d.id ? (
                      <Confirm
                        message={t('settings.rotateConfirm', { name: d.name })}
                        confirmLabel={t('settings.rotateYes')}
                        busy={busy}
                        onConfirm={() => void rotate(d)}
                        onCancel={() => setRotating(undefined)}
                      />
                    ) : (
                      <button
                        type="button"
                        onClick={() => setRotating(d)}
                        aria-label={t('settings.rotateNamed', { name: d.name })}
                      >
                        {t('settings.rotate')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form onSubmit={add} noValidate className="settings-form">
        <h3>{t('settings.addDevice')}</h3>
        <Field label={t('settings.deviceKind')}>
          {(p) => (
            <select {...p} value={kind} onChange={(e) => setKind(e.target.value as Device['kind'])}>
              <option value="simulated">{t('settings.kind.simulated')}</option>
              <option value="serial">{t('settings.kind.serial')}</option>
            </select>
          )}
        </Field>
        <Field label={t('settings.deviceName')} required {...(nameError ? { error: nameError } : {})}>
          {(p) => <input {...p} maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.addDeviceSubmit')}
        </button>
      </form>
    </section>
  );
}
