// Runs `ionto serve` from the TypeScript sources in a child process (see harness.ts): the same command line, the
// same code path as `./bin/ionto serve`, without needing a compiled dist/ of the server.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
