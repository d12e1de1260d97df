/**
 * A cohort worker thread: runs its share of the patients' courses and posts them back, with progress on the way.
 * Loaded from the compiled build (`dist/src/simulation/cohort-worker.js`) by `runCohort`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PatientCourse, WorkerJob, WorkerMessage } from './cohort.js';
import { PROGRESS_EVERY, courseRunner } from './cohort.js';

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

try {
  const job = workerData as WorkerJob;
  const run = courseRunner(job.spec);
  const courses: PatientCourse[] = [];
  let pending = 0;
  for (const index of job.indices) {
    courses.push(run(index));
    if (++pending === PROGRESS_EVERY) {
      post({ progress: pending });
      pending = 0;
    }
  }
  if (pending > 0) post({ progress: pending });
  post({ courses });
} catch (e) {
  post({ error: (e as Error).stack ?? String(e) });
}
