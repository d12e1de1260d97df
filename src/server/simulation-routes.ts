/**
 * The drug-delivery simulator for the web app's lab page: the drugs it knows, and one simulation run with
 * `simulateDrugDelivery` (physics/drug-delivery.ts), the function behind `ionto simulate drug`, within the model's
 * own limits (DELIVERY_LIMITS). It is a model of transport through the skin, not treatment advice; its numbers carry
 * the reference keys of the drug and the model (reference/physics.md).
 *
 * A run is CPU work, from about 0.1 s (1 min) to about 4 s (240 min at the limits), so it never runs on the server's
 * event loop: one worker thread runs the jobs one at a time, at most MAX_QUEUED more wait for it (another request is
 * refused with 429 at once), each user may start RATE.max runs a minute, and a run that takes longer than
 * RUN_TIMEOUT_MS is stopped with its worker (503). Any signed-in user may simulate; devices may not.
 */
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { anodeChargeCapacity_umol_per_cm2, DELIVERY_LIMITS } from '../physics/drug-delivery.js';
import type { DrugDeliveryResult, DrugElectrode } from '../physics/drug-delivery.js';
import { DRUGS, DRUG_IDS } from '../physics/drugs.js';
import type { DrugSpec } from '../physics/drugs.js';
import { FARADAY } from '../physics/transport/nernst-planck-solver.js';
import type { App, ServerContext } from './app-types.js';
import { requireUser } from './authentication.js';
import { SMALL_BODY } from './request-schemas.js';
import type { SimulationJob, SimulationReply } from './simulation-worker.js';

/** Jobs that may wait for the worker while it runs one; more are refused (429) rather than queued without bound. */
export const MAX_QUEUED = 4;
/** A run longer than this is stopped: the limits keep a run under ≈ 5 s, so this only catches a fault. */
export const RUN_TIMEOUT_MS = 30_000;
/** Runs a user may start per minute. */
export const RATE = { max: 20, timeWindowMs: 60_000 } as const;
/** The depth profile and the timeline are answered with at most this many points. */
export const MAX_POINTS = 200;

const ELECTRODES = ['ag-agcl', 'inert'] as const satisfies readonly DrugElectrode[];

/** Where the model's numbers come from (reference/physics.md), for the page's note. */
export const MODEL_SOURCES =
  'electroneutral Nernst–Planck transport (diffusion, electromigration, electro-osmosis [44]) through stratum ' +
  'corneum, viable epidermis and dermis [29][31] with capillary clearance; limits: ≤ 1 mA/cm², twice the ≈ 0.5 ' +
  'mA/cm² proposed human maximum [68] (reference/physics.md)';

/** The physics layer's anode charge capacity (anodeChargeCapacity_umol_per_cm2) as charge per area, mA·min/cm². */
export function chargeLimit_mAmin_per_cm2(drug: DrugSpec, electrode: DrugElectrode = 'ag-agcl'): number | null {
  const umolPerCm2 = anodeChargeCapacity_umol_per_cm2(drug, electrode);
  return umolPerCm2 === null ? null : (umolPerCm2 * 1e-6 * FARADAY * 1000) / 60;
}

const DrugSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Charge number of the delivered ion at skin pH; its sign picks the pole it is given from. */
  charge: z.number(),
  pole: z.enum(['anode', 'cathode']),
  mw_g_per_mol: z.number(),
  /** Electrode area the model uses when none is given, cm². */
  default_area_cm2: z.number(),
  /** The Ag/AgCl anode's charge limit for this drug's vehicle, mA·min per cm² of electrode; null when none. */
  max_charge_mAmin_per_cm2: z.number().nullable(),
  sources: z.array(z.string()),
  /** Where the drug's transport parameters come from (or that they are assumptions). */
  provenance: z.array(z.string()),
});

const LimitsSchema = z.object({
  current_mA: z.object({ above: z.number(), max: z.number() }),
  minutes: z.object({ above: z.number(), max: z.number() }),
  area_cm2: z.object({ min: z.number(), max: z.number() }),
  /** current_mA / area_cm2. */
  density_mA_per_cm2: z.object({ above: z.number(), max: z.number() }),
  electrodes: z.array(z.enum(ELECTRODES)),
});

const L = DELIVERY_LIMITS;
const LIMITS: z.infer<typeof LimitsSchema> = {
  current_mA: { above: 0, max: L.maxCurrent },
  minutes: { above: 0, max: L.maxMinutes },
  area_cm2: { min: L.minArea, max: L.maxArea },
  density_mA_per_cm2: { above: 0, max: L.maxDensity },
  electrodes: [...ELECTRODES],
};

const DeliveryRequest = z.strictObject({
  drug: z.enum(DRUG_IDS as [string, ...string[]], { error: `must be one of ${DRUG_IDS.join(', ')}` }),
  current_mA: z
    .number({ error: 'must be a number of mA' })
    .gt(0, { error: 'must be above 0 mA' })
    .max(L.maxCurrent, { error: `must be at most ${L.maxCurrent} mA (the model's limit)` }),
  minutes: z
    .number({ error: 'must be a number of minutes' })
    .gt(0, { error: 'must be above 0 min' })
    .max(L.maxMinutes, { error: `must be at most ${L.maxMinutes} min (the model's limit)` }),
  /** Electrode area, cm² (default: the drug's usual electrode). */
  area_cm2: z
    .number({ error: 'must be a number of cm²' })
    .min(L.minArea, { error: `must be at least ${L.minArea} cm²` })
    .max(L.maxArea, { error: `must be at most ${L.maxArea} cm²` })
    .optional(),
  /** Drug electrode (default ag-agcl). */
  electrode: z.enum(ELECTRODES, { error: `must be one of ${ELECTRODES.join(', ')}` }).optional(),
});
type DeliveryRequest = z.infer<typeof DeliveryRequest>;

const Series = (x: string, y: string) => z.object({ [x]: z.array(z.number()), [y]: z.array(z.number()) });

const DeliveryResponse = z.object({
  drug: DrugSchema.pick({ id: true, name: true, charge: true, pole: true, mw_g_per_mol: true, sources: true }),
  current_mA: z.number(),
  minutes: z.number(),
  area_cm2: z.number(),
  electrode: z.enum(ELECTRODES),
  density_mA_per_cm2: z.number(),
  /** Charge passed, mA·min (current × minutes). */
  dose_mAmin: z.number(),
  /** Amount that crossed the skin surface during the run. */
  delivered_ug: z.number(),
  delivered_umol: z.number(),
  /** Amount if the drug carried every charge (transport number 1). */
  faraday_bound_ug: z.number(),
  /** Efficiency: the fraction of the current the drug carried (delivered / Faraday bound), 0 to 1. */
  efficiency: z.number(),
  mean_flux_ug_per_cm2_per_h: z.number(),
  /** Tissue concentration at the end of the run by depth, µm → µg/cm³ (at most MAX_POINTS points). */
  depth_profile: Series('depth_um', 'conc_ug_per_cm3'),
  /** Delivered amount over the run, min → µg (at most MAX_POINTS points). */
  timeline: Series('t_min', 'delivered_ug'),
  depth_reached_um: z.object({ above_1pct_of_surface: z.number(), above_10pct_of_surface: z.number() }),
  layers: z.array(z.object({ name: z.string(), from_um: z.number(), to_um: z.number() })),
  fate_ug: z.object({ in_skin: z.number(), cleared: z.number(), below_dermis: z.number() }),
  skin_voltage_V: z.number(),
  /** The model's remarks on this run, with reference keys (English). */
  notes: z.array(z.string()),
  model: z.object({ sources: z.string() }),
  /** Time the worker spent on the run, ms. */
  compute_ms: z.number(),
});

/** At most `max` points of a series, evenly spread, keeping the first and the last. */
export function decimate<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

/** The API's name of each input the model names in its limit errors. */
const API_FIELD: Record<string, string> = {
  drug: 'drug',
  current: 'current_mA',
  minutes: 'minutes',
  area: 'area_cm2',
  electrode: 'electrode',
};

/** A limit the model refused, as a 400 naming the request's field and the limit. */
function limitError(error: { code: string; message: string; details: Record<string, unknown> }): IontoError {
  const { field, max } = error.details;
  const got = typeof error.details.value === 'number' ? error.details.value : undefined;
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  if (typeof field === 'string' && field.startsWith('current density') && typeof max === 'number') {
    return new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `current_mA: the current density current_mA / area_cm2 must be at most ${fmt(max)} mA/cm²` +
        `${got === undefined ? '' : ` (got ${fmt(got)})`}; lower current_mA or raise area_cm2`,
      { field: 'current_mA', max },
    );
  }
  if (typeof field === 'string' && field.startsWith('charge density') && typeof max === 'number') {
    const perCm2 = (x: number) => fmt((x * 1e-6 * FARADAY * 1000) / 60);
    return new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `minutes: the charge per area current_mA × minutes / area_cm2 must be at most ${perCm2(max)} mA·min/cm² for ` +
        `this drug's vehicle${got === undefined ? '' : ` (got ${perCm2(got)})`}, or its anion runs out at the ` +
        'Ag/AgCl anode; shorten minutes, lower current_mA or raise area_cm2',
      { field: 'minutes', max },
    );
  }
  const api = typeof field === 'string' ? API_FIELD[field] : undefined;
  if (api !== undefined) {
    return new IontoError('ION_ERR_OUT_OF_RANGE', `${api}: ${error.message}`, { field: api });
  }
  return new IontoError(error.code as ErrorCode, error.message);
}

/** Where the worker's module is: the compiled .js beside this one, or the .ts source through the project's loader. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./simulation-worker.js', here));
  const loader = new URL('./ts-child-loader.mjs', here).href;
  const entry = new URL('./simulation-worker.ts', here).href;
  const boot = `import { register } from 'node:module'; register(${JSON.stringify(loader)}); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

interface Pending {
  job: SimulationJob;
  resolve(r: { result: DrugDeliveryResult; ms: number }): void;
  reject(e: unknown): void;
}

/**
 * One worker thread, started on the first job and kept, running jobs one at a time from a bounded queue. A job past
 * RUN_TIMEOUT_MS is stopped with its worker; the next job starts a new one.
 */
export class SimulationPool {
  private worker: Worker | undefined;
  private running: (Pending & { timer: NodeJS.Timeout }) | undefined;
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: { maxQueued?: number; timeoutMs?: number } = {}) {}

  run(input: Omit<SimulationJob, 'id'>): Promise<{ result: DrugDeliveryResult; ms: number }> {
    if (this.closed) return Promise.reject(new IontoError('ION_ERR_UNAVAILABLE', 'the server is closing'));
    const waiting = this.queue.length + (this.running === undefined ? 0 : 1);
    if (waiting > (this.opts.maxQueued ?? MAX_QUEUED)) {
      return Promise.reject(
        new IontoError('ION_ERR_RATE_LIMITED', 'the simulator is busy with other runs; try again in a few seconds'),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...input, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  /** Starts the worker ahead of the first run (its modules take a moment to load), unless it runs already. */
  warm(): void {
    if (!this.closed) this.ensureWorker();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new IontoError('ION_ERR_UNAVAILABLE', 'the server is closing'));
    if (this.running !== undefined) {
      clearTimeout(this.running.timer);
      this.running.reject(new IontoError('ION_ERR_UNAVAILABLE', 'the server is closing'));
      this.running = undefined;
    }
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) await w.terminate();
  }

  private pump(): void {
    if (this.running !== undefined || this.closed) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    const worker = this.ensureWorker();
    const timer = setTimeout(() => {
      this.fail(new IontoError('ION_ERR_UNAVAILABLE', `the simulation took longer than ${this.timeoutMs()} ms`));
    }, this.timeoutMs());
    this.running = { ...next, timer };
    worker.postMessage(next.job);
  }

  private timeoutMs(): number {
    return this.opts.timeoutMs ?? RUN_TIMEOUT_MS;
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = startWorker();
    w.unref();
    w.on('message', (m: SimulationReply) => {
      const r = this.running;
      if (r === undefined || r.job.id !== m.id) return;
      clearTimeout(r.timer);
      this.running = undefined;
      if (m.ok) r.resolve({ result: m.result as DrugDeliveryResult, ms: m.ms });
      else r.reject(m.error.code === 'ION_ERR_INTERNAL' ? new Error(m.error.message) : limitError(m.error));
      this.pump();
    });
    w.on('error', (e) => this.fail(e));
    w.on('exit', () => {
      if (this.worker === w) {
        this.worker = undefined;
        this.fail(new Error('the simulation worker stopped'));
      }
    });
    this.worker = w;
    return w;
  }

  /** Ends the running job with an error, drops its worker, and goes on with the queue on a new one. */
  private fail(e: unknown): void {
    const r = this.running;
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) void w.terminate();
    if (r !== undefined) {
      clearTimeout(r.timer);
      this.running = undefined;
      r.reject(e);
    }
    this.pump();
  }
}

const drugView = (d: DrugSpec): z.infer<typeof DrugSchema> => ({
  id: d.id,
  name: d.name,
  charge: d.charge,
  pole: d.pole,
  mw_g_per_mol: d.mw_g_per_mol,
  default_area_cm2: +d.defaultArea,
  max_charge_mAmin_per_cm2: chargeLimit_mAmin_per_cm2(d),
  sources: [...d.sources],
  provenance: [...d.provenance],
});

/** The answer to a run: the model's result in the API's names, series as arrays of at most MAX_POINTS. */
function deliveryView(input: DeliveryRequest, r: DrugDeliveryResult, ms: number): z.infer<typeof DeliveryResponse> {
  const profile = decimate(r.depth_profile);
  const timeline = decimate(r.timeline);
  return {
    drug: {
      id: r.drug.id,
      name: r.drug.name,
      charge: r.drug.charge,
      pole: r.drug.pole,
      mw_g_per_mol: r.drug.mw_g_per_mol,
      sources: r.drug.sources,
    },
    current_mA: r.current_mA,
    minutes: r.minutes,
    area_cm2: r.area_cm2,
    electrode: input.electrode ?? 'ag-agcl',
    density_mA_per_cm2: r.density_mA_per_cm2,
    dose_mAmin: r.charge_mAmin,
    delivered_ug: r.delivered_ug,
    delivered_umol: r.delivered_umol,
    faraday_bound_ug: r.faraday_bound_ug,
    efficiency: r.transport_number,
    mean_flux_ug_per_cm2_per_h: r.mean_flux_ug_per_cm2_per_h,
    depth_profile: {
      depth_um: profile.map((p) => p.depth_um),
      conc_ug_per_cm3: profile.map((p) => p.conc_ug_per_cm3),
    },
    timeline: { t_min: timeline.map((p) => p.t_min), delivered_ug: timeline.map((p) => p.delivered_ug) },
    depth_reached_um: r.depth_reached_um,
    layers: [...r.layers],
    fate_ug: r.fate_ug,
    skin_voltage_V: r.skin_voltage_V,
    notes: [...r.notes],
    model: { sources: MODEL_SOURCES },
    compute_ms: Math.round(ms),
  };
}

export function simulationRoutes(app: App, _ctx: ServerContext, pool = new SimulationPool()): void {
  app.addHook('onClose', () => pool.close());

  app.get(
    '/api/simulations/drugs',
    {
      schema: {
        summary:
          "The drug-delivery simulator's drugs (charge, pole, sources) and its input limits (any signed-in user)",
        response: {
          200: z.object({ items: z.array(DrugSchema), limits: LimitsSchema, model: z.object({ sources: z.string() }) }),
        },
      },
    },
    async (request) => {
      requireUser(request);
      // A user who opens the simulator runs it next: have the worker ready.
      pool.warm();
      return { items: DRUG_IDS.map((id) => drugView(DRUGS[id]!)), limits: LIMITS, model: { sources: MODEL_SOURCES } };
    },
  );

  app.post(
    '/api/simulations/drug-delivery',
    {
      bodyLimit: SMALL_BODY,
      schema: {
        summary:
          'Simulate drug delivery through the skin (the model of `ionto simulate drug`): delivered amount, dose, ' +
          'efficiency and the depth profile; inputs within the model’s limits (any signed-in user; CPU-bound, so ' +
          'runs are queued on one worker thread and limited per user)',
        body: DeliveryRequest,
        response: { 200: DeliveryResponse },
      },
      config: {
        rateLimit: {
          max: RATE.max,
          timeWindow: RATE.timeWindowMs,
          keyGenerator: (request) => `simulate:${request.auth?.user.id ?? request.ip}`,
        },
      },
    },
    async (request) => {
      requireUser(request);
      const input = request.body;
      const { result, ms } = await pool.run({
        drug: input.drug,
        current_mA: input.current_mA,
        minutes: input.minutes,
        ...(input.area_cm2 === undefined ? {} : { area_cm2: input.area_cm2 }),
        ...(input.electrode === undefined ? {} : { electrode: input.electrode }),
      });
      return deliveryView(input, result, ms);
    },
  );
}
