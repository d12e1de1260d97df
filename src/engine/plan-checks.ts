import type { DeviceInfo } from '../device/device.js';
import { dutyOf } from '../device/device.js';
import { IontoError } from '../errors/catalogue.js';
import type { SessionPlan } from './session-plan.js';

/** One way a plan can be wrong: the field and why. */
export interface PlanProblem {
  readonly field: keyof SessionPlan | 'waveform.duty' | 'waveform.frequency';
  readonly message: string;
}

/**
 * Every problem with a plan on a device. The engine refuses to start on any of them: a plan that cannot be run as
 * written is never "adjusted" silently.
 */
export function planProblems(p: SessionPlan, d: DeviceInfo): PlanProblem[] {
  const out: PlanProblem[] = [];
  const positive = (field: keyof SessionPlan, v: number): void => {
    if (!(Number.isFinite(v) && v > 0)) out.push({ field, message: `must be a positive number, got ${v}` });
  };
  positive('area', p.area);
  positive('target', p.target);
  positive('maxCurrent', p.maxCurrent);
  positive('maxDensity', p.maxDensity);
  positive('duration', p.duration);
  positive('dose', p.dose);
  positive('durationCap', p.durationCap);
  positive('rampUp', p.rampUp);
  positive('rampUpAfterReversal', p.rampUpAfterReversal);
  positive('rampDown', p.rampDown);
  positive('comfortDidt', p.comfortDidt);
  positive('probeCurrent', p.probeCurrent);
  positive('shortBelow', p.shortBelow);
  positive('openAbove', p.openAbove);
  positive('contactTimeout', p.contactTimeout);
  positive('pauseTimeout', p.pauseTimeout);
  positive('controlPeriod', p.controlPeriod);
  positive('lease', p.lease);
  if (!(p.deadTime >= 0)) out.push({ field: 'deadTime', message: `must be ≥ 0 s, got ${p.deadTime}` });
  if (!(p.contactDebounce >= 0))
    out.push({ field: 'contactDebounce', message: `must be ≥ 0 s, got ${p.contactDebounce}` });
  if (p.target > p.maxCurrent) {
    out.push({ field: 'target', message: `${p.target} mA exceeds the protocol maximum ${p.maxCurrent} mA` });
  }
  const densityCap = p.maxDensity * p.area;
  if (p.target > densityCap + 1e-9) {
    out.push({
      field: 'target',
      message: `${p.target} mA over ${p.area} cm² is ${(p.target / p.area).toFixed(3)} mA/cm², above the limit ${p.maxDensity} mA/cm² (at most ${densityCap.toFixed(2)} mA)`,
    });
  }
  const duty = dutyOf(p.waveform);
  if (p.waveform.kind === 'pulsed') {
    if (!d.supportsPulsed) out.push({ field: 'waveform', message: `device ${d.model} has no pulsed output` });
    if (!(duty > 0 && duty <= 1)) out.push({ field: 'waveform.duty', message: `must be in (0, 1], got ${duty}` });
    if (!(p.waveform.frequency > 0)) {
      out.push({ field: 'waveform.frequency', message: `must be positive, got ${p.waveform.frequency}` });
    }
  }
  if (p.target / duty > d.maxCurrent) {
    out.push({
      field: 'target',
      message: `${p.target} mA${duty < 1 ? ` at duty ${duty} (pulse ${(p.target / duty).toFixed(1)} mA)` : ''} exceeds the device maximum ${d.maxCurrent} mA`,
    });
  }
  for (const f of ['rampUp', 'rampUpAfterReversal', 'rampDown'] as const) {
    if (p[f] > p.comfortDidt) {
      out.push({ field: f, message: `${p[f]} mA/s is faster than the comfort limit ${p.comfortDidt} mA/s` });
    }
  }
  if (p.probeCurrent >= p.target) {
    out.push({ field: 'probeCurrent', message: `${p.probeCurrent} mA must be below the target ${p.target} mA` });
  }
  if (p.shortBelow >= p.openAbove) {
    out.push({ field: 'shortBelow', message: `${p.shortBelow} Ω must be below openAbove ${p.openAbove} Ω` });
  }
  if (p.durationCap < p.duration) {
    out.push({ field: 'durationCap', message: `${p.durationCap} s is shorter than the duration ${p.duration} s` });
  }
  if (p.controlPeriod !== d.samplePeriod) {
    out.push({
      field: 'controlPeriod',
      message: `${p.controlPeriod} ms differs from the device's sample period ${d.samplePeriod} ms`,
    });
  }
  if (p.lease < 2 * p.controlPeriod) {
    out.push({
      field: 'lease',
      message: `${p.lease} ms must cover at least two control periods (${2 * p.controlPeriod} ms)`,
    });
  }
  if (p.screening?.result === 'refused') {
    out.push({
      field: 'screening',
      message: `refused by screening: ${p.screening.reasons.join('; ') || 'no reason recorded'}`,
    });
  }
  if (p.reversal.kind === 'at') {
    for (const [i, t] of p.reversal.times.entries()) {
      if (!(t > 0 && t < p.durationCap)) {
        out.push({ field: 'reversal', message: `time ${i} (${t} s) must lie inside the session` });
      }
    }
  }
  return out;
}

export function validatePlan(p: SessionPlan, d: DeviceInfo): void {
  const problems = planProblems(p, d);
  if (problems.length > 0) {
    throw new IontoError(
      'ION_ERR_INVALID_PLAN',
      `session plan ${p.protocolId}/${p.zone} is invalid: ` + problems.map((x) => `${x.field} ${x.message}`).join('; '),
      { problems },
    );
  }
}
