import type { Device, DeviceMetric, Reference } from 'fhir/r4.js';
import type { DeviceRow } from '../store/index.js';
import { CS, SID, UNITS, localCoding } from './codes.js';
import { derivedId, resourceIdOf } from './bundle-links.js';
import { rowMeta } from './patient-resource.js';

const KIND_DISPLAY: Record<string, string> = {
  simulated: 'Simulated iontophoresis device (physics model)',
  serial: 'Iontophoresis device on a serial port',
};

/** A device a session ran on (software.md §3.1): our id, its name, and its kind as an OpenIonto code. */
export function deviceResource(d: DeviceRow): Device {
  return {
    resourceType: 'Device',
    id: resourceIdOf('Device', d.id),
    meta: rowMeta(d),
    identifier: [{ system: SID.device, value: d.id }],
    status: 'active',
    deviceName: [{ name: d.name, type: 'user-friendly-name' }],
    type: {
      coding: [localCoding(CS.deviceKind, d.kind, KIND_DISPLAY[d.kind])],
      text: KIND_DISPLAY[d.kind] ?? d.kind,
    },
  };
}

export const DEVICE_CHANNELS = [
  { channel: 'current', display: 'Output current channel', unit: UNITS.mA },
  { channel: 'voltage', display: 'Output voltage channel', unit: UNITS.V },
] as const;

export const deviceMetricId = (deviceId: string, channel: string): string =>
  derivedId(`DeviceMetric/${deviceId}/${channel}`);

/**
 * The device's measurement channels as DeviceMetrics (software.md §3.1: one per channel, UCUM mA or V, category
 * measurement, source → Device). The store keeps no calibration or operational state, so neither is claimed.
 */
export function deviceMetrics(d: DeviceRow, device: Reference): DeviceMetric[] {
  return DEVICE_CHANNELS.map((c) => ({
    resourceType: 'DeviceMetric',
    id: deviceMetricId(d.id, c.channel),
    identifier: [{ system: SID.device, value: `${d.id}/${c.channel}` }],
    type: { coding: [localCoding(CS.deviceChannel, c.channel, c.display)], text: c.display },
    unit: { coding: [{ system: c.unit.system, code: c.unit.code, display: c.unit.unit }], text: c.unit.unit },
    source: device,
    category: 'measurement',
  }));
}
