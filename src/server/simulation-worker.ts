/**
 * The drug-delivery simulator's worker thread: runs `simulateDrugDelivery` (the function behind `ionto simulate
 * drug`) off the server's event loop, one job at a time, and posts each result back with the time it took. Started by
 * the SimulationPool of simulation-routes.ts; a coded error of the model (a limit) goes back as its code, message and
 * details, anything else as an internal error.
 */
import { parentPort } from 'node:worker_threads';
import { isIontoError } from '../errors/catalogue.js';
import { simulateDrugDelivery } from '../physics/drug-delivery.js';
import type { DrugElectrode } from '../physics/drug-delivery.js';
import { cm2, mA } from '../units/quantities.js';

/** One simulation to run. */
export interface SimulationJob {
  readonly id: number;
  readonly drug: string;
  readonly current_mA: number;
  readonly minutes: number;
  readonly area_cm2?: number;
  readonly electrode?: DrugElectrode;
}

/** What the worker answers to a job. */
export type SimulationReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly ms: number }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { code: string; message: string; details: Record<string, unknown> };
    };

const port = parentPort;
if (port !== null) {
  port.on('message', (job: SimulationJob) => {
    const t0 = performance.now();
    let reply: SimulationReply;
    try {
      const result = simulateDrugDelivery({
        drug: job.drug,
        current: mA(job.current_mA),
        minutes: job.minutes,
        ...(job.area_cm2 === undefined ? {} : { area: cm2(job.area_cm2) }),
        ...(job.electrode === undefined ? {} : { electrode: job.electrode }),
      });
      reply = { id: job.id, ok: true, result, ms: performance.now() - t0 };
    } catch (e) {
      reply = {
        id: job.id,
        ok: false,
        error: isIontoError(e)
          ? { code: e.code, message: e.message, details: e.details }
          : { code: 'ION_ERR_INTERNAL', message: 'the simulation failed', details: {} },
      };
    }
    port.postMessage(reply);
  });
}
