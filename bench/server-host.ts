/**
 * The server the server benchmark loads, in a process of its own so the load generator does not share its event
 * loop: the same start-up `ionto serve` runs (startClinicServer), on 127.0.0.1 and a free port, without the demo
 * clinic. Prints `{"port":…}` once it listens; SIGTERM closes it.
 *
 *   node dist/bench/server-host.js <database URL or SQLite path> [PostgreSQL schema]
 */
import { startClinicServer } from '../src/cli/serve-command.js';

const [db, schema] = process.argv.slice(2);
if (db === undefined) {
  process.stderr.write('usage: server-host <database URL or SQLite path> [PostgreSQL schema]\n');
  process.exit(2);
}
const server = await startClinicServer({
  port: 0,
  host: '127.0.0.1',
  db,
  demo: false,
  ...(schema === undefined || schema === '' ? {} : { schema }),
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
const stop = () => {
  void server.close().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`server-host: close failed: ${String(e)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
