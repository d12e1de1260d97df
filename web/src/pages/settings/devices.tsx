import { useState, type FormEvent } from 'react';
import { allPages, api } from '../../api';
import { ErrorBox, Field, Loading, useAsync } from '../../components/ui';
import { useI18n } from '../../i18n';
import { isSerialPortPath as isPortPath } from '../../../../src/device/serial-port-path';
import { ConfirmedAction, SecretOnce } from './secret-once';

/** How a serial device runs a session on a computer other than the server's (README "Devices over a serial line"). */
const SERIAL_COMMAND = 'ionto run <protocol> --port /dev/ttyUSB0';
/** A port path as it looks on Linux (a placeholder, not a word to translate). */
const PORT_EXAMPLE = '/dev/ttyUSB0';

interface Device {
  id: string;
  clinic_id: string;
  kind: 'simulated' | 'serial';
  name: string;
  /** A serial device this server drives: its port here. */
  port: string | null;
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
  const [port, setPort] = useState('');
  const [portError, setPortError] = useState<string>();
  /** The serial device whose port is being set, and the port typed so far. */
  const [editing, setEditing] = useState<{ device: Device; port: string; error?: string }>();

  async function add(e: FormEvent) {
    e.preventDefault();
    const wantedPort = kind === 'serial' ? port.trim() : '';
    const badName = name.trim() === '';
    const badPort = wantedPort !== '' && !isPortPath(wantedPort);
    setNameError(badName ? t('settings.err.deviceName') : undefined);
    setPortError(badPort ? t('settings.err.port') : undefined);
    if (badName || badPort) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await api.post<{ device: Device; token: string }>('/api/devices', {
        kind,
        name: name.trim(),
        ...(wantedPort === '' ? {} : { port: wantedPort }),
      });
      setSecret({ title: t('settings.deviceAdded', { name: res.device.name }), token: res.token });
      setName('');
      setPort('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function savePort(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const wanted = editing.port.trim();
    if (wanted !== '' && !isPortPath(wanted)) {
      setEditing({ ...editing, error: t('settings.err.port') });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.patch<Device>(
        `/api/devices/${encodeURIComponent(editing.device.id)}`,
        { port: wanted === '' ? null : wanted },
        { ifMatch: `"${editing.device.version}"` },
      );
      setEditing(undefined);
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
                <th scope="col">{t('settings.devicePort')}</th>
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
                  <td>
                    {d.kind === 'serial' && d.port !== null
                      ? t('settings.drivenBy.serialHere')
                      : t(`settings.drivenBy.${d.kind}`)}
                  </td>
                  <td>
                    {editing?.device.id === d.id ? (
                      <form onSubmit={savePort} noValidate className="settings-inline">
                        <Field
                          label={t('settings.devicePortOf', { name: d.name })}
                          {...(editing.error ? { error: editing.error } : {})}
                        >
                          {(p) => (
                            <input
                              {...p}
                              maxLength={200}
                              placeholder={PORT_EXAMPLE}
                              value={editing.port}
                              onChange={(e) => setEditing({ device: d, port: e.target.value })}
                            />
                          )}
                        </Field>
                        <button type="submit" className="primary" disabled={busy}>
                          {t('common.save')}
                        </button>
                        <button type="button" onClick={() => setEditing(undefined)}>
                          {t('common.cancel')}
                        </button>
                      </form>
                    ) : d.kind === 'serial' ? (
                      <>
                        {d.port !== null ? (
                          <code>{d.port}</code>
                        ) : (
                          <span className="muted">{t('settings.noPort')}</span>
                        )}{' '}
                        <button
                          type="button"
                          onClick={() => setEditing({ device: d, port: d.port ?? '' })}
                          aria-label={t('settings.setPortNamed', { name: d.name })}
                        >
                          {t('settings.setPort')}
                        </button>
                      </>
                    ) : null}
                  </td>
                  <td>{dateTime(d.created_at)}</td>
                  <td>
                    <ConfirmedAction
                      asking={rotating?.id === d.id}
                      label={t('settings.rotate')}
                      ariaLabel={t('settings.rotateNamed', { name: d.name })}
                      onAsk={() => setRotating(d)}
                      message={t('settings.rotateConfirm', { name: d.name })}
                      confirmLabel={t('settings.rotateYes')}
                      busy={busy}
                      onConfirm={() => void rotate(d)}
                      onCancel={() => setRotating(undefined)}
                    />
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
        {kind === 'serial' ? (
          <Field
            label={t('settings.devicePort')}
            hint={t('settings.devicePortHint')}
            {...(portError ? { error: portError } : {})}
          >
            {(p) => (
              <input
                {...p}
                maxLength={200}
                placeholder={PORT_EXAMPLE}
                value={port}
                onChange={(e) => setPort(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {t('settings.addDeviceSubmit')}
        </button>
      </form>
    </section>
  );
}
