/**
 * Cohorts of virtual patients through a whole course of tap-water iontophoresis: every session runs through the
 * engine and its supervisor on the patient's circuit, at the sweat rate the response model gives for that day;
 * the charge each session delivered, by polarity, feeds the response model; after the course, the patient's
 * remission is followed until relapse.
 *
 * Patient i of a cohort is `drawCohortMember(seed, i, zone)` with its sweat response drawn from the same seed, and
 * its sessions' devices are seeded from it too, so a patient's course depends only on (seed, i, options): the
 * cohort is the same whatever the number of workers or the order in which they finish. Cost is linear in N.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IontoError } from '../errors/catalogue.js';
import {
  SWEAT_RESPONSE,
  UNTREATED,
  applySession,
  daysToRelapse,
  drawSweatIndividual,
  hdss,
  isEuhidrotic,
  isResponder,
  isSweatZone,
  recover,
  sweatRatio,
  sweatRateMgPerMin,
  type SweatResponseParams,
  type SweatState,
  type SweatZone,
} from '../physics/sweat-response.js';
import { drawCohortMember } from '../physics/virtual-patient.js';
import { inductionDays, type InductionTemplate } from '../protocols/course-template.js';
import { modeOf, zoneOf } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { MilliAmp } from '../units/quantities.js';
import { COHORT_FIDELITY, FULL_FIDELITY, compileCoursePlan, doseOf, runCourseSession } from './cohort-session.js';
import type { CohortFidelity } from './cohort-session.js';
import { physicsZoneOf } from './simulated-session.js';

/** Most sessions an "until dry" induction runs before it counts as a failure: twice the usual 10 ([82] compared 10 with 20 sessions). ASSUMPTION. */
export const MAX_UNTIL_DRY_SESSIONS = 20;
/** Follow-up after the course: a remission longer than this is censored at it (days). [87] follows 6 months; a year here. */
export const REMISSION_HORIZON_DAYS = 365;
/** A session that delivers less than this share of its prescribed charge counts as under-dosed. */
export const UNDERDOSE_SHARE = 0.95;

export interface CohortOptions {
  readonly protocol: Protocol;
  readonly n: number;
  readonly seed: number;
  /** Protocol zone (default the protocol's); must be palms, soles or axillae. */
  readonly zone?: string;
  /** Induction template (default the protocol's). */
  readonly template?: InductionTemplate;
  /** Sessions of a fixed induction (default the protocol's). Ignored while running until dry. */
  readonly sessions?: number;
  /**
   * Run the induction until the zone is dry (normal sweating), at most `maxSessions`. Default: the protocol's
   * `until_dry` for the every-2-3-days template ([F5] "every 2–3 days … until dry"); the clinic, daily and single
   * templates are fixed schedules ([73], [76]).
   */
  readonly untilDry?: boolean;
  readonly maxSessions?: number;
  /** Waveform mode (default the protocol's). */
  readonly mode?: string;
  /** Target current (default the protocol's). */
  readonly current?: number;
  readonly minutes?: number;
  readonly fidelity?: CohortFidelity;
  /** Sweat response parameters (default the calibrated ones). */
  readonly response?: SweatResponseParams;
  /** Worker threads: 0 runs in this thread (default: one per core, at most one per patient). */
  readonly workers?: number;
  /** Called as patients finish (done so far, of n). */
  readonly onProgress?: (done: number, n: number) => void;
}

/** The course as resolved from the options and the protocol: what every worker runs. Plain data. */
export interface CourseSpec {
  readonly protocol: Protocol;
  readonly zoneId: string;
  readonly zone: SweatZone;
  readonly template: InductionTemplate;
  readonly sessions: number;
  readonly untilDry: boolean;
  readonly maxSessions: number;
  readonly mode: string;
  readonly waveform: 'dc' | 'pulsed';
  readonly current: number | undefined;
  readonly minutes: number | undefined;
  readonly fidelity: CohortFidelity;
  readonly response: SweatResponseParams;
  readonly seed: number;
}

/** One patient's course, compact (structured-clone safe). */
export interface PatientCourse {
  readonly index: number;
  readonly sessions: number;
  /** First session after which sweating was normal, or null. */
  readonly sessionsToEuhidrosis: number | null;
  /** Responder at the end of the induction course. */
  readonly responder: boolean;
  /** Days from the last session to relapse (responders only; Infinity if beyond the horizon). */
  readonly remissionDays: number | null;
  readonly baselineMgPerMin: number;
  readonly finalMgPerMin: number;
  readonly hdssBefore: number;
  readonly hdssAfter: number;
  /** Mean weighted charge density per site and session, mA·min/cm². */
  readonly meanDensity: number;
  readonly faulted: number;
  readonly aborted: number;
  readonly underdosed: number;
  /** Sessions that faulted, were stopped or were under-dosed (each once). */
  readonly adverse: number;
  /** Sessions with at least one compliance episode (not adverse in itself). */
  readonly complianceLimited: number;
  /** Fault codes, once per faulted session. */
  readonly faults: readonly string[];
}

/** Resolve and check the options against the protocol: every problem throws here, before any patient runs. */
export function courseSpec(o: Omit<CohortOptions, 'n' | 'workers' | 'onProgress'>): CourseSpec {
  const p = o.protocol;
  const zoneId = o.zone ?? p.default_zone;
  const pz = zoneOf(p, zoneId);
  const zone = physicsZoneOf(zoneId, pz);
  if (!isSweatZone(zone) || p.use !== 'hyperhidrosis') {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `cohorts simulate hyperhidrosis courses on palms, soles or axillae; ${p.id}/${zoneId} is ${p.use} on ${zone}`,
      { field: 'protocol' },
    );
  }
  if (p.agent.charge !== 'none') {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `the sweat-response model is calibrated for tap water; ${p.id} delivers ${p.agent.name}`,
      { field: 'protocol' },
    );
  }
  const template = o.template ?? p.course.induction.template;
  const sessions = o.sessions ?? p.course.induction.sessions.value;
  const maxSessions = o.maxSessions ?? MAX_UNTIL_DRY_SESSIONS;
  for (const count of [sessions, maxSessions]) {
    // Checks the count, and the template: one the schedule does not know yields no days.
    if (inductionDays(template, count)?.length !== count) {
      throw new IontoError('ION_ERR_OUT_OF_RANGE', `unknown induction template "${String(template)}"`, {
        field: 'template',
      });
    }
  }
  const mode = o.mode ?? p.default_mode;
  const m = modeOf(p, mode);
  if (!(Number.isSafeInteger(o.seed) && o.seed >= 0)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `seed must be a whole number ≥ 0, got ${o.seed}`, { field: 'seed' });
  }
  const spec: CourseSpec = {
    protocol: p,
    zoneId,
    zone,
    template,
    sessions,
    untilDry: o.untilDry ?? (p.course.induction.until_dry && template === 'every-2-3-days'),
    maxSessions,
    mode,
    waveform: m.waveform.kind === 'dc' ? 'dc' : 'pulsed',
    current: o.current,
    minutes: o.minutes,
    fidelity: o.fidelity ?? COHORT_FIDELITY,
    response: o.response ?? SWEAT_RESPONSE,
    seed: o.seed,
  };
  planOf(spec); // compiles (and so checks current, minutes and the plan) before anything runs
  return spec;
}

const planOf = (s: CourseSpec) =>
  compileCoursePlan(
    s.protocol,
    { zone: s.zoneId, mode: s.mode, current: s.current as MilliAmp | undefined, minutes: s.minutes },
    s.fidelity,
  );

/** A course runner for one spec: compiles the plan once, then runs patients by index. */
export function courseRunner(spec: CourseSpec): (index: number) => PatientCourse {
  const plan = planOf(spec);
  const days = inductionDays(spec.template, spec.untilDry ? spec.maxSessions : spec.sessions);
  const r = spec.response;
  return (index) => {
    const patient = drawCohortMember(spec.seed, index, spec.zone);
    const ind = drawSweatIndividual(patient.seed, spec.zone, r);
    let state: SweatState = UNTREATED;
    let toDry: number | null = null;
    let faulted = 0;
    let aborted = 0;
    let compliance = 0;
    let under = 0;
    let adverse = 0;
    let density = 0;
    const faults: string[] = [];
    let k = 0;
    for (; k < days.length; k++) {
      const day = days[k]!;
      const today = recover(ind, state, day);
      const res = runCourseSession(patient, plan, sweatRatio(ind, today, r).zone, k, spec.fidelity);
      const dose = doseOf(patient, res, spec.waveform);
      density +=
        (dose.anodalA + r.cathodeWeight * dose.anodalB) / dose.areaA / 2 +
        (dose.anodalB + r.cathodeWeight * dose.anodalA) / dose.areaB / 2;
      state = applySession(ind, today, day, dose, r);
      const f = res.status === 'fault';
      const a = res.status === 'aborted';
      const u = res.delivered < UNDERDOSE_SHARE * plan.dose;
      if (f) {
        faulted++;
        faults.push(res.fault ?? 'unknown');
      }
      if (a) aborted++;
      if (res.complianceLimited) compliance++;
      if (u) under++;
      if (f || a || u) adverse++;
      if (toDry === null && isEuhidrotic(ind, state, r)) toDry = k + 1;
      if (spec.untilDry && toDry !== null) {
        k++;
        break;
      }
    }
    const responder = isResponder(ind, state, r);
    return {
      index,
      sessions: k,
      sessionsToEuhidrosis: toDry,
      responder,
      remissionDays: responder ? daysToRelapse(ind, state, REMISSION_HORIZON_DAYS, r) : null,
      baselineMgPerMin: ind.baselineMgPerMin,
      finalMgPerMin: sweatRateMgPerMin(ind, state, r),
      hdssBefore: ind.baselineHdss,
      hdssAfter: hdss(ind, state, r),
      meanDensity: k > 0 ? density / k : 0,
      faulted,
      aborted,
      underdosed: under,
      adverse,
      complianceLimited: compliance,
      faults,
    };
  };
}

/** Cohort figures. Deterministic for (options, seed): no timing, no worker count. */
export interface CohortResult {
  readonly n: number;
  readonly seed: number;
  readonly protocol: string;
  readonly zone: string;
  readonly mode: string;
  readonly template: InductionTemplate;
  /** Sessions of the fixed induction, or the cap when running until dry. */
  readonly sessions: number;
  readonly until_dry: boolean;
  readonly fidelity: string;
  /** Share of patients who are responders at the end of the induction (HDSS 3–4 → 1–2 or ≥ 50 % reduction). */
  readonly responder_rate: number;
  /** Median session count to normal sweating; patients never dry count as beyond every count (null if most are). */
  readonly sessions_to_euhidrosis_median: number | null;
  /** Share of patients with normal sweating by the end of the course. */
  readonly euhidrosis_rate: number;
  /** Share of patients with normal sweating by session 1, 2, … (cumulative, up to the course's length). */
  readonly euhidrosis_by_session: readonly number[];
  /** Mean days from the last session to relapse among responders (censored at the horizon), null with none. */
  readonly remission_days_mean: number | null;
  readonly remission_days_median: number | null;
  /** Share of responders relapsed within 180 days. */
  readonly relapsed_within_180d: number | null;
  readonly remission_censored: number;
  readonly sweat_reduction_mean: number;
  readonly baseline_mg_min_median: number;
  readonly final_mg_min_median: number;
  readonly hdss_before_mean: number;
  readonly hdss_after_mean: number;
  readonly sessions_total: number;
  readonly sessions_per_patient_mean: number;
  /** Mean weighted charge density per site and session, mA·min/cm². */
  readonly charge_density_mean: number;
  /**
   * Sessions that did not go as prescribed: ended on a latched fault (`faulted`, with the codes), were stopped by
   * a contact or pause timeout (`aborted`), or delivered less than 95 % of the prescribed charge (`underdosed`,
   * which is how a compliance limit that lasts shows). `sessions` counts each such session once, `patients` the
   * patients with at least one. `compliance_episodes` counts sessions in which the engine reported the set point
   * unreachable at the compliance voltage at least once — usual at the start of a session on unconditioned skin,
   * and not adverse unless the dose fell short — so it is reported beside them, not in `sessions`. The model has
   * no skin-injury outcome: burns and irritation are not simulated.
   */
  readonly adverse_events: {
    readonly sessions: number;
    readonly patients: number;
    readonly faulted: number;
    readonly aborted: number;
    readonly underdosed: number;
    readonly fault_codes: Readonly<Record<string, number>>;
    readonly compliance_episodes: number;
  };
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Summarise patient courses (in index order) into the cohort figures. */
export function summariseCohort(spec: CourseSpec, courses: readonly PatientCourse[]): CohortResult {
  const n = courses.length;
  const sorted = [...courses].sort((a, b) => a.index - b.index);
  const responders = sorted.filter((c) => c.responder);
  const remissions = responders.map((c) => Math.min(c.remissionDays ?? 0, REMISSION_HORIZON_DAYS));
  const toDry = sorted.map((c) => c.sessionsToEuhidrosis ?? Infinity);
  const dryMedian = median(toDry);
  const sum = (f: (c: PatientCourse) => number): number => sorted.reduce((a, c) => a + f(c), 0);
  const codes: Record<string, number> = {};
  for (const c of sorted) for (const f of c.faults) codes[f] = (codes[f] ?? 0) + 1;
  const mean = (f: (c: PatientCourse) => number): number => (n > 0 ? sum(f) / n : NaN);
  return {
    n,
    seed: spec.seed,
    protocol: spec.protocol.id,
    zone: spec.zoneId,
    mode: spec.mode,
    template: spec.template,
    sessions: spec.untilDry ? spec.maxSessions : spec.sessions,
    until_dry: spec.untilDry,
    fidelity: spec.fidelity.name,
    responder_rate: round(n > 0 ? responders.length / n : NaN),
    sessions_to_euhidrosis_median: Number.isFinite(dryMedian) ? dryMedian : null,
    euhidrosis_rate: round(n > 0 ? sorted.filter((c) => c.sessionsToEuhidrosis !== null).length / n : NaN),
    euhidrosis_by_session: Array.from({ length: spec.untilDry ? spec.maxSessions : spec.sessions }, (_, k) =>
      round(n > 0 ? toDry.filter((x) => x <= k + 1).length / n : NaN),
    ),
    remission_days_mean:
      remissions.length > 0 ? round(remissions.reduce((a, x) => a + x, 0) / remissions.length, 2) : null,
    remission_days_median: remissions.length > 0 ? round(median(remissions), 2) : null,
    relapsed_within_180d:
      remissions.length > 0 ? round(remissions.filter((x) => x <= 180).length / remissions.length) : null,
    remission_censored: responders.filter((c) => c.remissionDays === Infinity).length,
    sweat_reduction_mean: round(mean((c) => 1 - c.finalMgPerMin / c.baselineMgPerMin)),
    baseline_mg_min_median: round(median(sorted.map((c) => c.baselineMgPerMin)), 2),
    final_mg_min_median: round(median(sorted.map((c) => c.finalMgPerMin)), 2),
    hdss_before_mean: round(
      mean((c) => c.hdssBefore),
      3,
    ),
    hdss_after_mean: round(
      mean((c) => c.hdssAfter),
      3,
    ),
    sessions_total: sum((c) => c.sessions),
    sessions_per_patient_mean: round(
      mean((c) => c.sessions),
      3,
    ),
    charge_density_mean: round(
      sum((c) => c.meanDensity * c.sessions) /
        Math.max(
          1,
          sum((c) => c.sessions),
        ),
    ),
    adverse_events: {
      sessions: sum((c) => c.adverse),
      patients: sorted.filter((c) => c.adverse > 0).length,
      faulted: sum((c) => c.faulted),
      aborted: sum((c) => c.aborted),
      underdosed: sum((c) => c.underdosed),
      fault_codes: codes,
      compliance_episodes: sum((c) => c.complianceLimited),
    },
  };
}

/** The compiled worker beside this module, or (when running from the TypeScript sources) in `dist/`. */
export function cohortWorkerUrl(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../dist/src/simulation/cohort-worker.js', here)
    : new URL('./cohort-worker.js', here);
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`cohort workers load the compiled build, and ${fileURLToPath(url)} is missing: run npm run build`);
  }
  return url;
}

/** Messages from a cohort worker. */
export type WorkerMessage =
  { readonly progress: number } | { readonly courses: readonly PatientCourse[] } | { readonly error: string };

/** What a cohort worker is given. */
export interface WorkerJob {
  readonly spec: CourseSpec;
  readonly indices: readonly number[];
}

/** Patients per progress message from a worker. */
export const PROGRESS_EVERY = 25;

/**
 * Run a cohort: N patients through the course, on `workers` worker threads (all cores by default) or in this
 * thread with `workers: 0`. Patients are dealt round-robin to the workers; the figures are computed from the
 * courses in index order, so they are the same for any worker count.
 */
export async function runCohort(o: CohortOptions): Promise<CohortResult> {
  if (!(Number.isSafeInteger(o.n) && o.n >= 1)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `n must be a whole number ≥ 1, got ${o.n}`, { field: 'n' });
  }
  const spec = courseSpec(o);
  const workers = Math.min(o.n, o.workers ?? availableParallelism());
  if (!(Number.isSafeInteger(workers) && workers >= 0)) {
    throw new IontoError('ION_ERR_OUT_OF_RANGE', `workers must be a whole number ≥ 0, got ${o.workers}`, {
      field: 'workers',
    });
  }
  if (workers === 0) {
    const run = courseRunner(spec);
    const courses: PatientCourse[] = [];
    for (let i = 0; i < o.n; i++) {
      courses.push(run(i));
      if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === o.n) o.onProgress?.(i + 1, o.n);
    }
    return summariseCohort(spec, courses);
  }
  const url = cohortWorkerUrl();
  let done = 0;
  const slices: number[][] = Array.from({ length: workers }, () => []);
  for (let i = 0; i < o.n; i++) slices[i % workers]!.push(i);
  const started: Worker[] = [];
  try {
    const all = await Promise.all(
      slices.map(
        (indices) =>
          new Promise<readonly PatientCourse[]>((resolve, reject) => {
            const w = new Worker(url, { workerData: { spec, indices } satisfies WorkerJob });
            started.push(w);
            w.on('message', (m: WorkerMessage) => {
              if ('progress' in m) {
                done += m.progress;
                o.onProgress?.(done, o.n);
              } else if ('courses' in m) resolve(m.courses);
              else reject(new Error(`cohort worker failed: ${m.error}`));
            });
            w.on('error', reject);
            w.on('exit', (code) => {
              if (code !== 0) reject(new Error(`cohort worker exited with code ${code}`));
            });
          }),
      ),
    );
    return summariseCohort(spec, all.flat());
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
}

/** Full fidelity, for checks of the cohort fidelity (≈ 130× slower). */
export { FULL_FIDELITY, COHORT_FIDELITY };
