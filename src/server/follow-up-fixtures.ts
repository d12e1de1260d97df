import type { LightMyRequestResponse } from 'fastify';
import { noToEverything } from '../clinic/screening-answers.js';
import type { ScreeningAnswers } from '../clinic/screening-answers.js';
import { listAudit } from '../store/index.js';
import type { TestBackend, TestDatabase } from '../store/test-backends.js';
import { signIn, world } from './test-fixtures.js';
import type { Signed, World } from './test-fixtures.js';

/** A clinic world whose clock the test sets, with everyone signed in. */
export interface ClockedWorld extends World {
  db: TestDatabase;
  /** Sets the clock; sessions outlive 8 h of it only by signing in again, which this does after a longer jump. */
  setNow(iso: string): Promise<void>;
  as: { nurseA: Signed; clinicianA: Signed; nurseB: Signed; patientA: Signed };
  /** Audit actions on a patient, in order. */
  auditActions(patientId: string): Promise<string[]>;
  /** JSON request helper: `call(as.nurseA, 'POST', url, body, headers)`. */
  call(
    who: Signed,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

export async function clockedWorld(backend: TestBackend, startIso: string): Promise<ClockedWorld> {
  let now = new Date(startIso);
  const db = backend.fresh();
  const w = await world(await db.open({ now: () => now }));
  const signAll = async () => ({
    nurseA: await signIn(w.app, 'nurse@a.test'),
    clinicianA: await signIn(w.app, 'clinician@a.test'),
    nurseB: await signIn(w.app, 'nurse@b.test'),
    patientA: await signIn(w.app, 'patient@a.test'),
  });
  const as = await signAll();
  let signedAt = now.getTime();
  return {
    ...w,
    db,
    as,
    async setNow(iso) {
      now = new Date(iso);
      if (Math.abs(now.getTime() - signedAt) > 6 * 3_600_000) {
        Object.assign(as, await signAll());
        signedAt = now.getTime();
      }
    },
    auditActions: async (patientId) =>
      (await listAudit(w.store, { entity: 'patients', entity_id: patientId, limit: 10_000 })).map((e) => e.action),
    call: (who, method, url, payload, headers = {}) =>
      w.app.inject({
        method,
        url,
        headers: { ...(method === 'GET' ? { cookie: who.cookie } : who.headers), ...headers },
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
  };
}

export async function disposeWorld(w: ClockedWorld): Promise<void> {
  await w.app.close();
  await w.db.dispose();
}

/** Answers with every item "no" at 35, with changes. */
export const answers = (over: Partial<ScreeningAnswers> = {}): ScreeningAnswers => ({
  ...noToEverything(35),
  ...over,
});

/** Screens a patient as nurse A; throws unless the screening was stored. */
export async function screened(
  w: ClockedWorld,
  patientId: string,
  protocol: string,
  over: Partial<ScreeningAnswers> = {},
): Promise<{ result: string }> {
  const res = await w.call(w.as.nurseA, 'POST', `/api/patients/${patientId}/screenings`, {
    protocol,
    answers: answers(over),
  });
  if (res.statusCode !== 201) throw new Error(`screening failed: ${res.statusCode} ${res.body}`);
  return res.json();
}
