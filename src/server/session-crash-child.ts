/**
 * The process the crash test kills: opens the store named by argv[2] (a SQLite file, or a PostgreSQL URL with the
 * schema argv[4]), sets up a clinic with a screened
 * patient, builds the server and starts a live session at the speed factor argv[3] on the built-in simulated device.
 * Every 50 ms it prints one JSON line, `{"session":"…","t_ms":…}`, with the session time run so far; it never ends
 * the session itself.
 */
import { noToEverything } from '../clinic/screening-answers.js';
import { findProtocol } from '../protocols/protocol-library.js';
import { createScreening, openStore } from '../store/index.js';
import { buildServer } from './build-server.js';
import { signIn, world } from './test-fixtures.js';

async function main(): Promise<void> {
  const [url, speedArg, schema] = process.argv.slice(2);
  if (url === undefined) throw new Error('usage: session-crash-child <sqlite file | postgres url> [speed] [schema]');
  const store = await openStore({ url, ...(schema === undefined ? {} : { schema }) });
  const w = await world(store);
  await w.app.close();
  const app = await buildServer({ store, secureCookies: false, sessionSpeed: Number(speedArg ?? 1) });
  const nurse = await signIn(app, 'nurse@a.test');
  await createScreening(store, {
    patient_id: w.patients.ownA.id,
    protocol: 'tapwater-palms',
    answers: noToEverything(35),
    result: 'allowed',
    reasons: [],
    answered_at: new Date(),
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: nurse.headers,
    payload: {
      patient_id: w.patients.ownA.id,
      protocol: 'tapwater-palms',
      confirmed_steps: findProtocol('tapwater-palms').pre_steps.map((s) => s.id),
    },
  });
  if (res.statusCode !== 201) throw new Error(`session not started: ${res.statusCode} ${res.body}`);
  const id = (res.json() as { id: string }).id;
  setInterval(() => {
    const live = app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: { cookie: nurse.cookie } });
    void live.then((r) => {
      const t = (r.json() as { live?: { t_ms: number } }).live?.t_ms;
      if (t !== undefined) process.stdout.write(`${JSON.stringify({ session: id, t_ms: t })}\n`);
    });
  }, 50);
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
