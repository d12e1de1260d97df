import { parentPort, workerData } from 'node:worker_threads';
import { findProtocol } from '../src/protocols/protocol-library.js';
import type { Controller, TrialResult } from '../src/simulation/regulation-trial.js';
import { runTrial } from '../src/simulation/regulation-trial.js';

interface Job {
  protocolId: string;
  cohortSeed: number;
  indices: number[];
  faultEvery: number;
}

const job = workerData as Job;
const protocol = findProtocol(job.protocolId);
const results: TrialResult[] = [];
for (const index of job.indices) {
  for (const controller of ['engine', 'constant-voltage'] as Controller[]) {
    results.push(runTrial({ protocol, cohortSeed: job.cohortSeed, index, controller, withFault: false }));
    if (job.faultEvery > 0 && index % job.faultEvery === 0) {
      results.push(runTrial({ protocol, cohortSeed: job.cohortSeed, index, controller, withFault: true }));
    }
  }
  parentPort!.postMessage({ progress: 1 });
}
parentPort!.postMessage({ results });
